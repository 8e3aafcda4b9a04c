package provisioner

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/jenkins/label"
	"github.com/berth-dev/berth/provisioner/plan"
)

// observeTimeout bounds one cycle's reads.
const observeTimeout = 15 * time.Second

// observe builds the cycle's snapshot: the in-flight set first, then the
// queue, the nodes and every host's containers, all read at once.
func (d *Daemon) observe(ctx context.Context, cfg *config.Config, draining bool) (plan.Snapshot, error, map[string]error) {
	inflight, outcomes := d.exec.take()

	ctx, cancel := context.WithTimeout(ctx, min(observeTimeout, max(cfg.Jenkins.Timeout, time.Second)+5*time.Second))
	defer cancel()

	var (
		wg           sync.WaitGroup
		items        []jenkins.QueueItem
		nodes        []jenkins.Node
		qerr, nerr   error
		hosts        = d.hostList()
		listed       = make([][]dockerapi.Container, len(hosts))
		listErrs     = make([]error, len(hosts))
		j            = d.jenkinsClient()
		instanceName = cfg.Instance
	)
	wg.Add(2 + len(hosts))
	go func() { defer wg.Done(); items, qerr = j.Queue(ctx) }()
	go func() { defer wg.Done(); nodes, nerr = j.Nodes(ctx) }()
	for i, h := range hosts {
		go func() {
			defer wg.Done()
			listed[i], listErrs[i] = h.api.List(ctx, instanceName)
		}()
	}
	wg.Wait()

	snap := plan.Snapshot{
		Now:      d.now(),
		Config:   cfg,
		InFlight: inflight,
		Outcomes: outcomes,
		Draining: draining,
	}
	var jerr error
	switch {
	case nerr != nil:
		jerr = nerr
	case qerr != nil:
		jerr = qerr
	}
	if nerr == nil {
		snap.NodesOK = true
		snap.Nodes = convertNodes(cfg, nodes)
	}
	if qerr == nil && nerr == nil {
		demand, unknown := jenkins.ComputeDemand(items, nodes, d.mem)
		snap.Demand = convertDemand(demand)
		for _, u := range unknown {
			snap.Unknown = append(snap.Unknown, plan.UnknownItem{ID: u.ID, Why: u.Why, Reason: u.Reason})
		}
	}

	herrs := map[string]error{}
	for i, h := range hosts {
		ok := listErrs[i] == nil
		snap.Hosts = append(snap.Hosts, plan.Host{Name: h.cfg.Name, Listed: ok})
		if !ok {
			herrs[h.cfg.Name] = listErrs[i]
			continue
		}
		for _, c := range listed[i] {
			snap.Containers = append(snap.Containers, convertContainer(h.cfg.Name, c))
		}
	}
	return snap, jerr, herrs
}

func convertNodes(cfg *config.Config, nodes []jenkins.Node) []plan.Node {
	out := make([]plan.Node, 0, len(nodes))
	for _, n := range nodes {
		if n.BuiltIn {
			continue
		}
		pn := plan.Node{
			Name:               n.Name,
			Labels:             label.NewSet(n.Labels...),
			Online:             !n.Offline,
			TemporarilyOffline: n.TemporarilyOffline,
			OfflineByBerth:     n.TemporarilyOffline && strings.Contains(n.OfflineReason, offlinePrefix),
			Executors:          n.Executors,
			Busy:               n.BusyExecutors,
			// Jenkins does not export a node's mode. A node that is not
			// berth's is taken as EXCLUSIVE: it counts as supply only for
			// labels it matches, never for builds without a label (had it
			// been a NORMAL node with a free executor, Jenkins would have
			// given it the build already).
			Exclusive: true,
		}
		pn.Labels[n.Name] = struct{}{}
		if m, ok := ParseMark(n.Name, n.Description); ok && m.Instance == cfg.Instance {
			if m.Placeholder {
				pn.Placeholder = true
			} else {
				pn.Managed = &plan.Mark{Instance: m.Instance, Template: m.Template, Host: m.Host}
				if t, ok := cfg.Template(m.Template); ok {
					pn.Exclusive = t.Exclusive
				}
			}
		}
		out = append(out, pn)
	}
	return out
}

func convertDemand(in []jenkins.Demand) []plan.Demand {
	out := make([]plan.Demand, 0, len(in))
	for _, d := range in {
		pd := plan.Demand{Key: d.Key, Expr: d.Expr, Items: d.Items}
		if d.Node != "" {
			pd.Key, pd.Node, pd.Expr = d.Node, d.Node, nil
		}
		out = append(out, pd)
	}
	return out
}

func convertContainer(host string, c dockerapi.Container) plan.Container {
	return plan.Container{
		Host:      host,
		ID:        c.ID,
		Node:      c.Owner.Node,
		Template:  c.Owner.Template,
		Created:   c.Owner.Created,
		Running:   c.Running,
		Exited:    c.State == "exited" || c.State == "dead",
		ExitCode:  c.ExitCode,
		OOMKilled: c.OOMKilled,
	}
}
