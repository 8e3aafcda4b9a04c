package provisioner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner/plan"
)

// cycleJenkins answers the queue and node reads with a large controller.
type cycleJenkins struct {
	*fakeJenkins
	items []jenkins.QueueItem
	nodes []jenkins.Node
}

func (j *cycleJenkins) Queue(context.Context) ([]jenkins.QueueItem, error) { return j.items, nil }
func (j *cycleJenkins) Nodes(context.Context) ([]jenkins.Node, error)      { return j.nodes, nil }

// cycleHost lists a fixed set of containers.
type cycleHost struct {
	*fakeHost
	ctrs []dockerapi.Container
}

func (h *cycleHost) List(context.Context, string) ([]dockerapi.Container, error) { return h.ctrs, nil }

// bigController is a daemon's view of a large controller, already decoded:
// 10 templates over 5 hosts, 900 berth agents (a tenth idle, a tenth
// starting, the rest busy) with their containers, 100 static nodes, and
// 1,000 buildable items. With mixed, the items wait for 20 label
// expressions, a third of them for a label that one offline node carries
// ("‘static-042’ is offline"); otherwise every item waits for one plain
// label ("Waiting for next available executor on ‘linux’"), the commonest
// case, in which the text alone cannot tell a label from a node name.
func bigController(tb testing.TB, mixed bool) (*Daemon, *config.Config) {
	cfg := &config.Config{
		Instance:      "berth",
		Jenkins:       config.Jenkins{URL: "http://jenkins:8080", AgentURL: "http://jenkins:8080", PollInterval: time.Second},
		MaxContainers: 2000,
		Concurrency:   16,
		OrphanGrace:   time.Minute,
	}
	oses, arches := []string{"linux", "windows"}, []string{"amd64", "arm64"}
	for i := range 5 {
		cfg.DockerHosts = append(cfg.DockerHosts, config.DockerHost{Name: fmt.Sprintf("h%d", i), MaxContainers: 400})
	}
	for i := range 10 {
		cfg.Templates = append(cfg.Templates, config.Template{
			Name: fmt.Sprintf("t%d", i), Labels: []string{oses[i%2], arches[(i/2)%2], "docker"}, Image: "agent:1",
			Launcher: config.LauncherInbound, Inbound: config.Inbound{WebSocket: true, Secret: config.SecretFile, SecretPath: "/run/berth/agent-secret"},
			InstanceCap: 150, Executors: 1 + i%2, Exclusive: true, RemoteFS: "/home/jenkins/agent",
			IdleTimeout: 5 * time.Minute, LaunchTimeout: 2 * time.Minute, StopTimeout: 10 * time.Second,
		})
	}
	j := &cycleJenkins{fakeJenkins: &fakeJenkins{log: &callLog{}}}
	j.nodes = append(j.nodes, jenkins.Node{Name: "Built-In Node", BuiltIn: true, Labels: []string{"built-in"}})
	hosts := map[string]DockerHost{}
	ctrs := make([][]dockerapi.Container, len(cfg.DockerHosts))
	created := time.Now().Add(-time.Hour)
	for i := range 900 {
		t := cfg.Templates[i%10]
		h := cfg.DockerHosts[i%5].Name
		name := fmt.Sprintf("%s-%06x", t.Name, i)
		n := jenkins.Node{
			Name: name, Class: "hudson.slaves.SlaveComputer", JNLPAgent: true,
			Description: Describe(name, Mark{Instance: cfg.Instance, Template: t.Name, Host: h}),
			Executors:   t.Executors, BusyExecutors: t.Executors, Labels: append(append([]string{}, t.Labels...), name),
		}
		switch i % 10 {
		case 0:
			n.BusyExecutors, n.Idle = 0, true
		case 1:
			n.BusyExecutors, n.Idle, n.Offline = 0, true, true
		}
		j.nodes = append(j.nodes, n)
		ctrs[i%5] = append(ctrs[i%5], dockerapi.Container{
			ID: "c" + name, Name: name, State: "running", Running: true,
			Owner: dockerapi.Owner{Instance: cfg.Instance, Template: t.Name, Node: name, Created: created},
		})
	}
	for i := range 100 {
		name := fmt.Sprintf("static-%03d", i)
		j.nodes = append(j.nodes, jenkins.Node{Name: name, Class: "hudson.slaves.SlaveComputer", Executors: 2, BusyExecutors: 2,
			Labels: []string{oses[i%2], arches[i%2], name}})
	}
	exprs := []string{"linux&&amd64", "linux&&arm64", "windows&&amd64", "windows&&arm64", "docker", "linux||windows",
		"linux&&docker", "windows&&docker", "amd64", "arm64", "linux&&!arm64", "!windows&&docker", "amd64&&docker",
		"arm64&&docker", "linux&&amd64&&docker", "windows&&arm64&&docker", "gpu", "linux&&gpu", "(linux||windows)&&amd64", "arm64&&!windows"}
	for i := range 1000 {
		why := fmt.Sprintf("Waiting for next available executor on ‘%s’", exprs[i%20])
		switch {
		case !mixed:
			why = "Waiting for next available executor on ‘linux’"
		case i%3 == 0:
			why = fmt.Sprintf("‘static-%03d’ is offline", i%100)
		}
		j.items = append(j.items, jenkins.QueueItem{
			ID: int64(i + 1), Class: "hudson.model.Queue$BuildableItem", Kind: jenkins.KindBuildable, Buildable: true, Why: why,
			InQueueSince: created.Add(time.Duration(i) * time.Millisecond),
			Task:         jenkins.Task{Class: "hudson.model.FreeStyleProject", Name: fmt.Sprintf("job-%d", i%50)},
		})
	}
	for i, hc := range cfg.DockerHosts {
		hosts[hc.Name] = &cycleHost{fakeHost: &fakeHost{log: &callLog{}}, ctrs: ctrs[i]}
	}
	d, err := New(cfg, j, hosts, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return d, cfg
}

// BenchmarkObservePlan1000 is one cycle's work on a large controller
// without the network: the reads (answered from memory), the conversion of
// nodes and containers, the queue's demand, and the plan. Decoding the
// JSON answers is measured in the jenkins package.
func BenchmarkObservePlan1000(b *testing.B) {
	for _, c := range []struct {
		name  string
		mixed bool
	}{{"mixed-labels", true}, {"one-label", false}} {
		b.Run(c.name, func(b *testing.B) {
			d, cfg := bigController(b, c.mixed)
			ctx := context.Background()
			snap, _, _ := d.observe(ctx, cfg, false)
			st := plan.Plan(snap, plan.State{Since: snap.Now.Add(-time.Hour)}).State
			res := plan.Plan(snap, st)
			starts := 0
			for _, a := range res.Actions {
				if a.Kind == plan.Start {
					starts++
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				snap, _, _ := d.observe(ctx, cfg, false)
				plan.Plan(snap, st)
			}
			// After the loop: b.Loop's first call resets the timer and
			// with it the metrics reported so far.
			b.ReportMetric(float64(len(snap.Demand)), "demand-groups")
			b.ReportMetric(float64(starts), "starts")
		})
	}
}

// TestBigControllerIsMeaningful keeps the benchmark honest: the snapshot
// holds every node, container and demand group, and the plan starts agents.
func TestBigControllerIsMeaningful(t *testing.T) {
	for _, mixed := range []bool{true, false} {
		checkBigController(t, mixed)
	}
}

func checkBigController(t *testing.T, mixed bool) {
	d, cfg := bigController(t, mixed)
	snap, jerr, herrs := d.observe(context.Background(), cfg, false)
	if jerr != nil || len(herrs) > 0 {
		t.Fatalf("observe: %v %v", jerr, herrs)
	}
	res := plan.Plan(snap, plan.State{})
	starts, items := 0, 0
	for _, a := range res.Actions {
		if a.Kind == plan.Start {
			starts++
		}
	}
	for _, dm := range snap.Demand {
		items += len(dm.Items)
	}
	if len(snap.Nodes) != 1000 || len(snap.Containers) != 900 || items != 1000 || starts == 0 {
		t.Errorf("mixed %v: snapshot: %d nodes, %d containers, %d items in %d groups; %d starts", mixed, len(snap.Nodes), len(snap.Containers), items, len(snap.Demand), starts)
	}
}
