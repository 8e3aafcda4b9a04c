package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// t0 is the clock of the first cycle in tests.
var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

const instance = "b1"

// tmpl is a template with test defaults: one executor, no cap, idle 5m,
// launch 2m.
func tmpl(name string, labels ...string) config.Template {
	return config.Template{
		Name: name, Labels: labels, Executors: 1, InstanceCap: config.NoLimit,
		IdleTimeout: 5 * time.Minute, LaunchTimeout: 2 * time.Minute,
	}
}

func dockerHost(name string, max int) config.DockerHost {
	return config.DockerHost{Name: name, MaxContainers: max}
}

// newSnap is a snapshot at t0 with one unlimited host h1 (listed), the
// given templates and nodes read.
func newSnap(templates ...config.Template) Snapshot {
	cfg := &config.Config{
		Instance:      instance,
		MaxContainers: config.NoLimit,
		OrphanGrace:   time.Minute,
		DockerHosts:   []config.DockerHost{dockerHost("h1", config.NoLimit)},
		Templates:     templates,
	}
	return Snapshot{Now: t0, Config: cfg, NodesOK: true, Hosts: []Host{{Name: "h1", Listed: true}}}
}

// setHosts replaces the configured hosts; all listed.
func setHosts(s *Snapshot, hosts ...config.DockerHost) {
	s.Config.DockerHosts = hosts
	s.Hosts = nil
	for _, h := range hosts {
		s.Hosts = append(s.Hosts, Host{Name: h.Name, Listed: true})
	}
}

// unlist marks a host's listing as failed.
func unlist(s *Snapshot, host string) {
	for i := range s.Hosts {
		if s.Hosts[i].Name == host {
			s.Hosts[i].Listed = false
		}
	}
}

// staticNode is an online node that is not berth's, one idle executor.
func staticNode(name string, labels ...string) Node {
	return Node{Name: name, Labels: label.NewSet(append(labels, name)...), Online: true, Executors: 1}
}

// agentNode is an online, idle berth node of template t on host.
func agentNode(s *Snapshot, name, template, host string) Node {
	t, ok := s.Config.Template(template)
	if !ok {
		panic("no template " + template)
	}
	return Node{
		Name: name, Labels: label.NewSet(append(slices.Clone(t.Labels), name)...),
		Exclusive: t.Exclusive, Online: true, Executors: t.Executors,
		Managed: &Mark{Instance: instance, Template: template, Host: host},
	}
}

// ctr is a running berth container created age before t0.
func ctr(host, node, template string, age time.Duration) Container {
	return Container{Host: host, ID: "c-" + node, Node: node, Template: template, Created: t0.Add(-age), Running: true}
}

// agentPair is an online idle berth agent: node and running container.
func agentPair(s *Snapshot, name, template, host string, age time.Duration) {
	s.Nodes = append(s.Nodes, agentNode(s, name, template, host))
	s.Containers = append(s.Containers, ctr(host, name, template, age))
}

// want is a demand for expr (Jenkins' normalized form) with these items.
func want(t testing.TB, expr string, ids ...int64) Demand {
	t.Helper()
	e, err := label.Parse(expr)
	if err != nil {
		t.Fatalf("parse %q: %v", expr, err)
	}
	return Demand{Key: expr, Expr: e, Items: ids}
}

// summary prints actions one per line, without reasons:
// "start linux@h1 [1 2]", "retire berth-1 c-berth-1".
func summary(res Result) []string {
	var out []string
	for _, a := range res.Actions {
		switch a.Kind {
		case Start:
			out = append(out, fmt.Sprintf("start %s@%s %v", a.Template, a.Host, a.Items))
		default:
			s := string(a.Kind)
			for _, f := range []string{a.Node, a.Container} {
				if f != "" {
					s += " " + f
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// unservedText prints unserved demand one per line: "key [ids]: reason".
func unservedText(res Result) []string {
	var out []string
	for _, u := range res.Unserved {
		out = append(out, fmt.Sprintf("%s %v: %s", u.Key, u.Items, u.Reason))
	}
	return out
}

func checkActions(t *testing.T, res Result, want ...string) {
	t.Helper()
	got := summary(res)
	if !slices.Equal(got, want) {
		t.Errorf("actions:\n got %q\nwant %q\nreasons:\n%s", got, want, reasons(res))
	}
}

func reasons(res Result) string {
	var b strings.Builder
	for _, a := range res.Actions {
		fmt.Fprintf(&b, "  %s %s %s: %s\n", a.Kind, a.Template, a.Node, a.Reason)
	}
	for _, u := range unservedText(res) {
		fmt.Fprintf(&b, "  unserved %s\n", u)
	}
	return b.String()
}

// findAction returns the first action of kind, failing the test if none.
func findAction(t *testing.T, res Result, kind Kind) Action {
	t.Helper()
	for _, a := range res.Actions {
		if a.Kind == kind {
			return a
		}
	}
	t.Fatalf("no %s action in:\n%s", kind, reasons(res))
	return Action{}
}

func checkUnserved(t *testing.T, res Result, key string, ids []int64, reasonHas string) {
	t.Helper()
	for _, u := range res.Unserved {
		if u.Key == key && slices.Equal(u.Items, ids) {
			if !strings.Contains(u.Reason, reasonHas) {
				t.Errorf("unserved %s %v: reason %q does not contain %q", key, ids, u.Reason, reasonHas)
			}
			return
		}
	}
	t.Errorf("no unserved entry %s %v; have:\n%s", key, ids, strings.Join(unservedText(res), "\n"))
}

func checkNoUnserved(t *testing.T, res Result) {
	t.Helper()
	if len(res.Unserved) > 0 {
		t.Errorf("unexpected unserved:\n%s", strings.Join(unservedText(res), "\n"))
	}
}
