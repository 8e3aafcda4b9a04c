package plan

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current planner")

// Golden scenarios: testdata/NAME.yaml is a configuration and a series of
// cycles; testdata/NAME.golden is what the planner did in each (actions,
// unserved demand, open warm pools, back-off). The scenario starts at t0,
// Thursday 2026-01-01 12:00 UTC. Run `go test -update` and review the diff.
//
// Each step describes one snapshot. nodes, containers, demand and unknown
// carry over from the previous step unless the step sets them (an empty
// list clears them); inflight and outcomes hold for their step only. Times
// are offsets: a step's `at` from the scenario's start, a container's `age`
// before the step.

type scenario struct {
	Config scConfig `yaml:"config"`
	Steps  []scStep `yaml:"steps"`
}

type scConfig struct {
	Instance        string        `yaml:"instance"`
	MaxContainers   *int          `yaml:"maxContainers"`
	OrphanGrace     time.Duration `yaml:"orphanGrace"`
	PlaceholderNode bool          `yaml:"placeholderNode"`
	Hosts           []struct {
		Name          string `yaml:"name"`
		MaxContainers *int   `yaml:"maxContainers"`
	} `yaml:"hosts"`
	Templates []struct {
		Name          string        `yaml:"name"`
		Labels        []string      `yaml:"labels"`
		InstanceCap   *int          `yaml:"instanceCap"`
		Executors     int           `yaml:"executors"`
		Exclusive     bool          `yaml:"exclusive"`
		IdleTimeout   time.Duration `yaml:"idleTimeout"`
		LaunchTimeout time.Duration `yaml:"launchTimeout"`
		SingleUse     bool          `yaml:"singleUse"`
		Hosts         []string      `yaml:"hosts"`
		Warm          []struct {
			Schedule string        `yaml:"schedule"`
			Duration time.Duration `yaml:"duration"`
			Idle     int           `yaml:"idle"`
		} `yaml:"warm"`
	} `yaml:"templates"`
}

type scStep struct {
	Note       string        `yaml:"note"`
	At         time.Duration `yaml:"at"`
	NodesDown  bool          `yaml:"nodesDown"`
	Draining   bool          `yaml:"draining"`
	HostsDown  []string      `yaml:"hostsDown"`
	Demand     []scDemand    `yaml:"demand"`
	Unknown    []UnknownItem `yaml:"unknown"`
	Nodes      []scNode      `yaml:"nodes"`
	Containers []scCtr       `yaml:"containers"`
	InFlight   []scFlight    `yaml:"inflight"`
	Outcomes   []scOutcome   `yaml:"outcomes"`
}

type scDemand struct {
	Label string  `yaml:"label"`
	Node  string  `yaml:"node"`
	Items []int64 `yaml:"items"`
}

type scNode struct {
	Name      string   `yaml:"name"`
	Labels    []string `yaml:"labels"`
	Executors int      `yaml:"executors"`
	Busy      int      `yaml:"busy"`
	// State is online (default), offline, temp-offline (by a person) or
	// berth-offline (temporarily offline by berth).
	State       string `yaml:"state"`
	Exclusive   bool   `yaml:"exclusive"`
	Placeholder bool   `yaml:"placeholder"`
	Berth       *struct {
		Template string `yaml:"template"`
		Host     string `yaml:"host"`
		Instance string `yaml:"instance"`
	} `yaml:"berth"`
}

type scCtr struct {
	Host     string        `yaml:"host"`
	ID       string        `yaml:"id"`
	Node     string        `yaml:"node"`
	Template string        `yaml:"template"`
	Age      time.Duration `yaml:"age"`
	State    string        `yaml:"state"` // running (default), exited, created
	ExitCode int           `yaml:"exitCode"`
	OOM      bool          `yaml:"oom"`
}

type scFlight struct {
	Kind      Kind          `yaml:"kind"`
	Node      string        `yaml:"node"`
	Container string        `yaml:"container"`
	Template  string        `yaml:"template"`
	Host      string        `yaml:"host"`
	Age       time.Duration `yaml:"age"`
}

type scOutcome struct {
	Kind     Kind   `yaml:"kind"`
	Node     string `yaml:"node"`
	Template string `yaml:"template"`
	Host     string `yaml:"host"`
	Failed   bool   `yaml:"failed"`
	Reason   string `yaml:"reason"`
}

func limitOf(p *int) int {
	if p == nil {
		return config.NoLimit
	}
	return *p
}

func (sc *scConfig) build(t *testing.T) *config.Config {
	cfg := &config.Config{Instance: sc.Instance, MaxContainers: limitOf(sc.MaxContainers), OrphanGrace: sc.OrphanGrace}
	if cfg.Instance == "" {
		cfg.Instance = instance
	}
	cfg.Jenkins.PlaceholderNode = sc.PlaceholderNode
	for _, h := range sc.Hosts {
		cfg.DockerHosts = append(cfg.DockerHosts, config.DockerHost{Name: h.Name, MaxContainers: limitOf(h.MaxContainers)})
	}
	for _, tp := range sc.Templates {
		ct := config.Template{
			Name: tp.Name, Labels: tp.Labels, InstanceCap: limitOf(tp.InstanceCap), Executors: max(tp.Executors, 1),
			Exclusive: tp.Exclusive, IdleTimeout: tp.IdleTimeout, LaunchTimeout: tp.LaunchTimeout,
			SingleUse: tp.SingleUse, Hosts: tp.Hosts,
		}
		for _, w := range tp.Warm {
			ct.Warm = append(ct.Warm, window(t, w.Schedule, w.Duration, w.Idle))
		}
		cfg.Templates = append(cfg.Templates, ct)
	}
	return cfg
}

// snapshot turns step i into a Snapshot; cur carries the lists over.
func (sc *scenario) snapshot(t *testing.T, cfg *config.Config, i int, cur *scStep) Snapshot {
	st := sc.Steps[i]
	if st.Nodes != nil {
		cur.Nodes = st.Nodes
	}
	if st.Containers != nil {
		cur.Containers = st.Containers
	}
	if st.Demand != nil {
		cur.Demand = st.Demand
	}
	if st.Unknown != nil {
		cur.Unknown = st.Unknown
	}
	now := t0.Add(st.At)
	s := Snapshot{Now: now, Config: cfg, NodesOK: !st.NodesDown, Draining: st.Draining, Unknown: cur.Unknown}
	for _, h := range cfg.DockerHosts {
		s.Hosts = append(s.Hosts, Host{Name: h.Name, Listed: !slices.Contains(st.HostsDown, h.Name)})
	}
	for _, d := range cur.Demand {
		dd := Demand{Key: d.Label, Node: d.Node, Items: d.Items}
		if d.Node != "" {
			dd.Key = d.Node
		} else if d.Label != "" {
			e, err := label.Parse(d.Label)
			if err != nil {
				t.Fatalf("step %d: %v", i+1, err)
			}
			dd.Expr, dd.Key = e, e.String()
		}
		s.Demand = append(s.Demand, dd)
	}
	if s.NodesOK {
		for _, n := range cur.Nodes {
			node := Node{Name: n.Name, Executors: max(n.Executors, 1), Busy: n.Busy, Exclusive: n.Exclusive, Placeholder: n.Placeholder}
			labels := n.Labels
			if n.Berth != nil {
				inst := n.Berth.Instance
				if inst == "" {
					inst = cfg.Instance
				}
				node.Managed = &Mark{Instance: inst, Template: n.Berth.Template, Host: n.Berth.Host}
				if tp, ok := cfg.Template(n.Berth.Template); ok {
					if labels == nil {
						labels = tp.Labels
					}
					node.Exclusive = tp.Exclusive
					if n.Executors == 0 {
						node.Executors = tp.Executors
					}
				}
			}
			node.Labels = label.NewSet(append(slices.Clone(labels), n.Name)...)
			switch n.State {
			case "", "online":
				node.Online = true
			case "offline":
			case "temp-offline":
				node.TemporarilyOffline = true
			case "berth-offline":
				node.TemporarilyOffline, node.OfflineByBerth = true, true
			default:
				t.Fatalf("step %d: node %s: state %q", i+1, n.Name, n.State)
			}
			s.Nodes = append(s.Nodes, node)
		}
	}
	for _, c := range cur.Containers {
		if slices.Contains(st.HostsDown, c.Host) {
			continue
		}
		ct := Container{Host: c.Host, ID: c.ID, Node: c.Node, Template: c.Template, Created: now.Add(-c.Age),
			ExitCode: c.ExitCode, OOMKilled: c.OOM}
		if ct.ID == "" {
			ct.ID = "c-" + c.Node
		}
		switch c.State {
		case "", "running":
			ct.Running = true
		case "exited":
			ct.Exited = true
		case "created":
		default:
			t.Fatalf("step %d: container %s: state %q", i+1, ct.ID, c.State)
		}
		s.Containers = append(s.Containers, ct)
	}
	for _, f := range st.InFlight {
		s.InFlight = append(s.InFlight, InFlight{Kind: f.Kind, Node: f.Node, Container: f.Container, Template: f.Template, Host: f.Host, Since: now.Add(-f.Age)})
	}
	for _, o := range st.Outcomes {
		s.Outcomes = append(s.Outcomes, Outcome{Kind: o.Kind, Node: o.Node, Template: o.Template, Host: o.Host, Failed: o.Failed, Reason: o.Reason})
	}
	return s
}

// render prints one cycle's plan for the golden file.
func render(b *bytes.Buffer, i int, step scStep, res Result) {
	fmt.Fprintf(b, "step %d at +%s", i+1, step.At)
	if step.Note != "" {
		fmt.Fprintf(b, ": %s", step.Note)
	}
	b.WriteString("\n")
	if len(res.Actions) == 0 {
		b.WriteString("  no actions\n")
	}
	for _, a := range res.Actions {
		fmt.Fprintf(b, "  %s", a.Kind)
		for _, kv := range [...][2]string{{"template", a.Template}, {"host", a.Host}, {"node", a.Node}, {"container", a.Container}} {
			if kv[1] != "" {
				fmt.Fprintf(b, " %s=%s", kv[0], kv[1])
			}
		}
		if len(a.Items) > 0 {
			fmt.Fprintf(b, " items=%v", a.Items)
		}
		fmt.Fprintf(b, "\n      %s\n", a.Reason)
	}
	for _, u := range res.Unserved {
		key := u.Key
		if key == "" {
			key = "(no label)"
		}
		fmt.Fprintf(b, "  unserved %s %v\n      %s\n", key, u.Items, u.Reason)
	}
	for _, w := range res.Warm {
		fmt.Fprintf(b, "  warm %s: %d of %d ready, %d started, open until +%s\n", w.Template, w.Ready, w.Idle, w.Started, w.Until.Sub(t0))
		if w.Blocked != "" {
			fmt.Fprintf(b, "      %s\n", w.Blocked)
		}
	}
	names := make([]string, 0, len(res.State.Backoff))
	for n := range res.State.Backoff {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		bo := res.State.Backoff[n]
		fmt.Fprintf(b, "  backoff %s: %d %s, step %d, until +%s; last: %s\n", n, bo.Failures, plural(bo.Failures, "failure", "failures"), bo.Step, bo.Until.Sub(t0), bo.LastReason)
	}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var sc scenario
			dec := yaml.NewDecoder(bytes.NewReader(raw))
			dec.KnownFields(true)
			if err := dec.Decode(&sc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			cfg := sc.Config.build(t)
			var out bytes.Buffer
			var cur scStep
			st := State{}
			for i := range sc.Steps {
				s := sc.snapshot(t, cfg, i, &cur)
				res := Plan(s, st)
				if bad := checkInvariants(s, st, res); len(bad) > 0 {
					t.Errorf("step %d breaks invariants:\n  %s", i+1, strings.Join(bad, "\n  "))
				}
				render(&out, i, sc.Steps[i], res)
				st = res.State
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("%s differs from the plan (go test -update rewrites it); got:\n%s", golden, out.String())
			}
		})
	}
}
