package plan

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// randomCase builds a random but well-formed snapshot and state: a few
// hosts and templates with random caps and warm windows (open, closed, or
// opening or closing around the two cycles the property test plans), static
// and berth nodes in every state, containers in every state, actions in
// flight, outcomes, hosts that fail to list, and waiting builds over a
// handful of expressions.
func randomCase(r *rand.Rand) (Snapshot, State) {
	atoms := []string{"linux", "docker", "arm", "big"}
	exprs := []string{"linux", "docker", "linux&&docker", "arm||big", "!arm", "linux&&!big", "windows", ""}
	capOf := func(n int) int {
		if r.IntN(3) == 0 {
			return config.NoLimit
		}
		return r.IntN(n)
	}
	pick := func(n int) []string {
		var out []string
		for _, a := range atoms {
			if r.IntN(n) == 0 {
				out = append(out, a)
			}
		}
		return out
	}

	cfg := &config.Config{Instance: instance, MaxContainers: capOf(12), OrphanGrace: time.Minute}
	cfg.Jenkins.PlaceholderNode = r.IntN(2) == 0
	nh := 1 + r.IntN(3)
	for i := range nh {
		cfg.DockerHosts = append(cfg.DockerHosts, config.DockerHost{Name: fmt.Sprintf("h%d", i), MaxContainers: capOf(7)})
	}
	nt := 1 + r.IntN(4)
	for i := range nt {
		t := tmpl(fmt.Sprintf("t%d", i), pick(2)...)
		t.InstanceCap = capOf(6)
		t.Executors = 1 + r.IntN(3)
		t.SingleUse = r.IntN(5) == 0
		t.Exclusive = r.IntN(3) == 0
		t.IdleTimeout = time.Duration(r.IntN(4)) * time.Minute
		for range r.IntN(3) {
			w := warmSpecs[r.IntN(len(warmSpecs))]
			idle := 1 + r.IntN(3)
			if t.InstanceCap != config.NoLimit {
				if t.InstanceCap == 0 {
					break
				}
				idle = min(idle, t.InstanceCap) // as config requires
			}
			s, err := cron.ParseStandard(w.spec)
			if err != nil {
				panic(err)
			}
			t.Warm = append(t.Warm, config.Warm{Spec: w.spec, Schedule: s, Duration: w.d, Idle: idle})
		}
		if r.IntN(3) == 0 {
			for _, h := range cfg.DockerHosts {
				if r.IntN(2) == 0 {
					t.Hosts = append(t.Hosts, h.Name)
				}
			}
		}
		cfg.Templates = append(cfg.Templates, t)
	}
	s := Snapshot{Now: t0, Config: cfg, NodesOK: r.IntN(8) != 0, Draining: r.IntN(10) == 0}
	st := State{Since: t0.Add(-time.Duration(r.IntN(3)) * time.Hour), Agents: map[string]AgentState{}, Hosts: map[string]HostCount{}, Backoff: map[string]Backoff{}}
	for _, h := range cfg.DockerHosts {
		listed := r.IntN(5) != 0
		s.Hosts = append(s.Hosts, Host{Name: h.Name, Listed: listed})
		if !listed && r.IntN(3) != 0 {
			hc := HostCount{Templates: map[string]int{}}
			for _, t := range cfg.Templates {
				n := r.IntN(3)
				hc.Templates[t.Name] = n
				hc.Total += n
			}
			st.Hosts[h.Name] = hc
		}
	}
	listed := func(h string) bool {
		return slices.ContainsFunc(s.Hosts, func(x Host) bool { return x.Name == h && x.Listed })
	}

	// Static nodes.
	for i := range r.IntN(4) {
		n := Node{Name: fmt.Sprintf("static-%d", i), Labels: label.NewSet(pick(2)...), Exclusive: r.IntN(3) == 0,
			Online: r.IntN(4) != 0, Executors: 1 + r.IntN(3)}
		n.Labels[n.Name] = struct{}{}
		n.Busy = r.IntN(n.Executors + 1)
		n.Placeholder = i == 0 && r.IntN(2) == 0
		s.Nodes = append(s.Nodes, n)
	}
	// Berth agents: any mix of node, container and flight.
	for i := range r.IntN(12) {
		name := fmt.Sprintf("berth-%d", i)
		t := cfg.Templates[r.IntN(nt)]
		tname := t.Name
		if r.IntN(10) == 0 {
			tname = "retired-template"
		}
		host := cfg.DockerHosts[r.IntN(nh)].Name
		if r.IntN(2) == 0 || !listed(host) {
			n := Node{Name: name, Labels: label.NewSet(append(slices.Clone(t.Labels), name)...), Exclusive: t.Exclusive,
				Executors: t.Executors, Managed: &Mark{Instance: instance, Template: tname, Host: host}}
			switch r.IntN(5) {
			case 0, 1:
				n.Online = true
			case 2:
				n.TemporarilyOffline, n.OfflineByBerth = true, r.IntN(2) == 0
			}
			n.Busy = r.IntN(n.Executors + 1)
			if r.IntN(10) == 0 {
				n.Managed.Instance = "other"
			}
			s.Nodes = append(s.Nodes, n)
		}
		if listed(host) && r.IntN(4) != 0 {
			c := Container{Host: host, ID: "c" + name, Node: name, Template: tname,
				Created: t0.Add(-time.Duration(r.IntN(300)) * time.Second), Running: true}
			if r.IntN(5) == 0 {
				c.Running, c.Exited, c.ExitCode, c.OOMKilled = false, true, r.IntN(2), r.IntN(4) == 0
			}
			s.Containers = append(s.Containers, c)
		}
		if r.IntN(5) == 0 {
			kinds := []Kind{Start, Retire, Remove, TakeOffline}
			s.InFlight = append(s.InFlight, InFlight{Kind: kinds[r.IntN(len(kinds))], Node: name, Template: tname, Host: host, Container: "c" + name})
		}
		if r.IntN(2) == 0 {
			st.Agents[name] = AgentState{Template: tname, Host: host, NodeSeen: t0.Add(-time.Duration(r.IntN(600)) * time.Second),
				IdleSince: t0.Add(-time.Duration(r.IntN(600)) * time.Second), WasOnline: r.IntN(2) == 0, Used: r.IntN(4) == 0}
		}
	}
	// Containers without node names, and starts in flight without names.
	for i := range r.IntN(2) {
		h := cfg.DockerHosts[r.IntN(nh)].Name
		if listed(h) {
			s.Containers = append(s.Containers, Container{Host: h, ID: fmt.Sprintf("anon-%d", i), Template: "t0", Created: t0.Add(-time.Hour)})
		}
	}
	for range r.IntN(2) {
		s.InFlight = append(s.InFlight, InFlight{Kind: Start, Template: cfg.Templates[r.IntN(nt)].Name, Host: cfg.DockerHosts[r.IntN(nh)].Name})
	}
	for _, t := range cfg.Templates {
		switch r.IntN(4) {
		case 0:
			st.Backoff[t.Name] = Backoff{Failures: 1, Step: 1, Until: t0.Add(time.Duration(r.IntN(20)-10) * time.Second), LastReason: "x"}
		case 1:
			s.Outcomes = append(s.Outcomes, Outcome{Kind: Start, Node: "berth-failed-" + t.Name, Template: t.Name, Failed: true, Reason: "boom"})
		}
	}
	// Demand: unique ids over random groups.
	id := int64(100)
	for _, e := range exprs {
		if r.IntN(2) == 0 {
			continue
		}
		d := Demand{Key: e}
		if e != "" {
			expr, err := label.Parse(e)
			if err != nil {
				panic(err)
			}
			d.Expr = expr
		}
		for range 1 + r.IntN(5) {
			id += 1 + int64(r.IntN(3))
			d.Items = append(d.Items, id)
		}
		s.Demand = append(s.Demand, d)
	}
	if r.IntN(3) == 0 {
		id++
		s.Demand = append(s.Demand, Demand{Key: "berth-1", Node: "berth-1", Items: []int64{id}})
	}
	if r.IntN(4) == 0 {
		s.Unknown = []UnknownItem{{ID: id + 1, Why: "Waiting for next available executor"}}
	}
	return s, st
}

// warmSpecs are windows around t0 (Thursday 12:00 UTC) and the second
// cycle, up to two minutes later.
var warmSpecs = []struct {
	spec string
	d    time.Duration
}{
	{"0 12 * * *", time.Hour},                    // opens at t0
	{"59 11 * * *", time.Minute},                 // closes at t0
	{"*/2 * * * *", time.Minute},                 // open every other minute
	{"CRON_TZ=Asia/Tokyo 0 21 * * *", time.Hour}, // 12:00 UTC
	{"CRON_TZ=Europe/Berlin 0 8 * * MON-FRI", 10 * time.Hour},
	{"0 14 * * *", time.Hour},           // closed
	{"0 11 * * SAT,SUN", 2 * time.Hour}, // closed on a Thursday
	{"0 * * * *", 90 * time.Minute},     // overlapping windows
}

// withoutWarm returns s with no warm windows in its configuration.
func withoutWarm(s Snapshot) Snapshot {
	cfg := *s.Config
	cfg.Templates = slices.Clone(cfg.Templates)
	for i := range cfg.Templates {
		cfg.Templates[i].Warm = nil
	}
	s.Config = &cfg
	return s
}

// checkWarmFirst compares a plan with the plan of the same snapshot without
// warm windows: the builds' starts, the unserved demand and every action but
// warm starts and retirements are the same, and the plan retires no agent
// that the plan without windows keeps. So warm pools act only after demand,
// never take room a waiting build could use in the same plan, and only keep
// agents, never remove them. Warm starts come last and only for templates
// whose window is open, at most the open windows' idle per template, and
// Result.Warm reports them.
func checkWarmFirst(s Snapshot, st State, res Result) []string {
	var bad []string
	cold := Plan(withoutWarm(s), st)
	split := func(res Result) (rest []Action, retired []string, warm map[string]int) {
		warm = map[string]int{}
		for _, a := range res.Actions {
			switch {
			case a.Kind == Start && len(a.Items) == 0:
				warm[a.Template]++
			case a.Kind == Retire:
				retired = append(retired, a.Node)
			default:
				rest = append(rest, a)
			}
		}
		return rest, retired, warm
	}
	rest, retired, warm := split(res)
	coldRest, coldRetired, coldWarm := split(cold)
	if !reflect.DeepEqual(rest, coldRest) || !reflect.DeepEqual(res.Unserved, cold.Unserved) {
		bad = append(bad, fmt.Sprintf("warm windows changed what was done for builds:\n%s\nwithout windows:\n%s", reasons(res), reasons(cold)))
	}
	for _, n := range retired {
		if !slices.Contains(coldRetired, n) {
			bad = append(bad, "warm windows retired "+n)
		}
	}
	if len(coldWarm) > 0 || len(cold.Warm) > 0 {
		bad = append(bad, "warm starts without warm windows")
	}
	seenWarm := false
	for _, a := range res.Actions {
		if a.Kind == Start && len(a.Items) == 0 {
			seenWarm = true
		} else if seenWarm {
			bad = append(bad, fmt.Sprintf("%s after a warm start", a.Kind))
		}
	}
	reported := map[string]WarmPool{}
	for _, w := range res.Warm {
		reported[w.Template] = w
	}
	for _, t := range s.Config.Templates {
		idle, _, _ := openWindow(t.Warm, s.Now)
		w, ok := reported[t.Name]
		switch {
		case ok != (idle > 0):
			bad = append(bad, fmt.Sprintf("template %s: window open %v, reported %v", t.Name, idle > 0, ok))
		case warm[t.Name] > idle || warm[t.Name] != w.Started || (w.Ready+w.Started < w.Idle) != (w.Blocked != ""):
			bad = append(bad, fmt.Sprintf("template %s: %d warm starts for idle %d; reported %+v", t.Name, warm[t.Name], idle, w))
		}
	}
	return bad
}

// shuffled returns s with every list in another order.
func shuffled(r *rand.Rand, s Snapshot) Snapshot {
	s.Nodes = slices.Clone(s.Nodes)
	s.Containers = slices.Clone(s.Containers)
	s.InFlight = slices.Clone(s.InFlight)
	s.Outcomes = slices.Clone(s.Outcomes)
	s.Demand = slices.Clone(s.Demand)
	s.Hosts = slices.Clone(s.Hosts)
	r.Shuffle(len(s.Nodes), func(i, j int) { s.Nodes[i], s.Nodes[j] = s.Nodes[j], s.Nodes[i] })
	r.Shuffle(len(s.Containers), func(i, j int) { s.Containers[i], s.Containers[j] = s.Containers[j], s.Containers[i] })
	r.Shuffle(len(s.InFlight), func(i, j int) { s.InFlight[i], s.InFlight[j] = s.InFlight[j], s.InFlight[i] })
	r.Shuffle(len(s.Outcomes), func(i, j int) { s.Outcomes[i], s.Outcomes[j] = s.Outcomes[j], s.Outcomes[i] })
	r.Shuffle(len(s.Demand), func(i, j int) { s.Demand[i], s.Demand[j] = s.Demand[j], s.Demand[i] })
	r.Shuffle(len(s.Hosts), func(i, j int) { s.Hosts[i], s.Hosts[j] = s.Hosts[j], s.Hosts[i] })
	return s
}

// checkInvariants holds a plan to the rules that no snapshot may break.
func checkInvariants(s Snapshot, st State, res Result) []string {
	var bad []string
	cfg := s.Config
	listed := map[string]bool{}
	for _, h := range s.Hosts {
		listed[h.Name] = h.Listed
	}

	// Caps: what counts before the plan, as documented on usage.
	pre := struct {
		global      int
		host, tmpl  map[string]int
		unboundTmpl map[string]bool
		unbound     bool
	}{host: map[string]int{}, tmpl: map[string]int{}, unboundTmpl: map[string]bool{}}
	withCtr := map[string]bool{}
	for _, c := range s.Containers {
		pre.global++
		pre.host[c.Host]++
		pre.tmpl[c.Template]++
		if c.Node != "" {
			withCtr[c.Node] = true
		}
	}
	for _, f := range s.InFlight {
		if f.Kind != Start || (f.Node != "" && withCtr[f.Node]) || !listed[f.Host] && hostConfigured(cfg, f.Host) {
			continue
		}
		pre.global++
		pre.host[f.Host]++
		pre.tmpl[f.Template]++
	}
	for _, h := range cfg.DockerHosts {
		if listed[h.Name] {
			continue
		}
		if hc, ok := st.Hosts[h.Name]; ok {
			pre.global += hc.Total
			pre.host[h.Name] += hc.Total
			for t, n := range hc.Templates {
				pre.tmpl[t] += n
			}
			continue
		}
		if h.MaxContainers == config.NoLimit {
			pre.unbound = true
		} else {
			pre.global += h.MaxContainers
		}
		for _, t := range cfg.Templates {
			if allowedOn(&t, h.Name) {
				if h.MaxContainers == config.NoLimit {
					pre.unboundTmpl[t.Name] = true
				} else {
					pre.tmpl[t.Name] += h.MaxContainers
				}
			}
		}
	}
	newG, newH, newT := 0, map[string]int{}, map[string]int{}
	for _, a := range res.Actions {
		if a.Kind != Start {
			continue
		}
		newG++
		newH[a.Host]++
		newT[a.Template]++
		t, ok := cfg.Template(a.Template)
		if !ok || !listed[a.Host] || !allowedOn(t, a.Host) {
			bad = append(bad, fmt.Sprintf("start of %s on %s: template unknown, host not listed or not allowed", a.Template, a.Host))
		}
	}
	over := func(what string, pre, n, limit int, unbound bool) {
		if n == 0 || limit == config.NoLimit {
			return
		}
		if unbound || pre+n > limit {
			bad = append(bad, fmt.Sprintf("%s: %d before + %d new > cap %d (unbounded %v)", what, pre, n, limit, unbound))
		}
	}
	over("global", pre.global, newG, cfg.MaxContainers, pre.unbound)
	for _, h := range cfg.DockerHosts {
		over("host "+h.Name, pre.host[h.Name], newH[h.Name], h.MaxContainers, false)
	}
	for _, t := range cfg.Templates {
		over("template "+t.Name, pre.tmpl[t.Name], newT[t.Name], t.InstanceCap, pre.unboundTmpl[t.Name])
	}

	// One action per node and per container; none on anything in flight.
	busyNode, busyCtr := map[string]bool{}, map[string]bool{}
	for _, f := range s.InFlight {
		busyNode[f.Node] = true
		busyCtr[f.Container] = true
	}
	seenNode, seenCtr := map[string]bool{}, map[string]bool{}
	for _, a := range res.Actions {
		if a.Reason == "" {
			bad = append(bad, fmt.Sprintf("%s without a reason", a.Kind))
		}
		if a.Kind == Start || a.Kind == EnsurePlaceholder {
			continue
		}
		if a.Node != "" {
			if seenNode[a.Node] || busyNode[a.Node] {
				bad = append(bad, fmt.Sprintf("node %s: second action or in flight (%s)", a.Node, a.Kind))
			}
			seenNode[a.Node] = true
		}
		if a.Container != "" {
			if seenCtr[a.Container] || busyCtr[a.Container] {
				bad = append(bad, fmt.Sprintf("container %s: second action or in flight (%s)", a.Container, a.Kind))
			}
			seenCtr[a.Container] = true
		}
		if !s.NodesOK && a.Kind != Remove && a.Kind != RemoveContainer {
			bad = append(bad, fmt.Sprintf("%s %s while the nodes could not be read", a.Kind, a.Node))
		}
	}
	if (s.Draining || !s.NodesOK) && newG > 0 {
		bad = append(bad, "a start while draining or without nodes")
	}

	// Every waiting item is at most once in a start and unserved, never both.
	placed := map[int64]string{}
	for _, a := range res.Actions {
		for _, id := range a.Items {
			if placed[id] != "" {
				bad = append(bad, fmt.Sprintf("item %d in two starts", id))
			}
			placed[id] = "start"
		}
	}
	for _, u := range res.Unserved {
		if u.Reason == "" || len(u.Items) == 0 {
			bad = append(bad, fmt.Sprintf("unserved %q without reason or items", u.Key))
		}
		for _, id := range u.Items {
			if placed[id] != "" {
				bad = append(bad, fmt.Sprintf("item %d both %s and unserved", id, placed[id]))
			}
			placed[id] = "unserved"
		}
	}
	return bad
}

func hostConfigured(cfg *config.Config, h string) bool {
	_, ok := cfg.Host(h)
	return ok
}

func TestPropertyRandomSnapshots(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for seed := range uint64(n) {
		r := rand.New(rand.NewPCG(seed, 0x6265727468))
		s, st := randomCase(r)
		res := Plan(s, st)
		if bad := append(checkInvariants(s, st, res), checkWarmFirst(s, st, res)...); len(bad) > 0 {
			t.Fatalf("seed %d:\n  %s\nplan:\n%s", seed, strings.Join(bad, "\n  "), reasons(res))
		}
		again := Plan(shuffled(r, s), st)
		if !reflect.DeepEqual(res, again) {
			t.Fatalf("seed %d: the same snapshot in another order gave another plan:\n%s\nvs\n%s", seed, reasons(res), reasons(again))
		}
		// Chain a second cycle on the returned state: the invariants hold
		// for state the planner made itself, too.
		s.Now = s.Now.Add(time.Duration(1+r.IntN(120)) * time.Second)
		res2 := Plan(s, res.State)
		if bad := append(checkInvariants(s, res.State, res2), checkWarmFirst(s, res.State, res2)...); len(bad) > 0 {
			t.Fatalf("seed %d, second cycle:\n  %s\nplan:\n%s", seed, strings.Join(bad, "\n  "), reasons(res2))
		}
	}
}

func FuzzPlan(f *testing.F) {
	for seed := range uint64(8) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 0x6265727468))
		s, st := randomCase(r)
		res := Plan(s, st)
		if bad := append(checkInvariants(s, st, res), checkWarmFirst(s, st, res)...); len(bad) > 0 {
			t.Fatalf("%s\nplan:\n%s", strings.Join(bad, "\n"), reasons(res))
		}
		if again := Plan(shuffled(r, s), st); !reflect.DeepEqual(res, again) {
			t.Fatalf("another order, another plan:\n%s\nvs\n%s", reasons(res), reasons(again))
		}
	})
}
