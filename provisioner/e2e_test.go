package provisioner_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/internal/agentimage"
	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
	"github.com/berth-dev/berth/jenkins/label"
)

// TestEndToEnd queues builds for several label expressions, freestyle and
// Pipeline, and checks that berth builds every one of them on an agent of
// the right template (inbound and SSH), that no cap is exceeded at any
// observation, that single-use agents run one build each, that every agent
// is reaped after its idle timeout, and that nothing is left at the end.
func TestEndToEnd(t *testing.T) {
	env := harness.StartTest(t, "e2e")
	sim := env.Sim
	cfg, err := env.Config(harness.Config{
		Templates: []harness.Template{
			{Name: "linux", Labels: []string{"linux", "docker"}, InstanceCap: 2, IdleTimeout: 3 * time.Second},
			{Name: "java", Labels: []string{"java", "maven"}, SSH: true, InstanceCap: 2, Executors: 2, IdleTimeout: 3 * time.Second},
			{Name: "once", Labels: []string{"release"}, SingleUse: true, InstanceCap: 2, Secret: "env"},
		},
		MaxContainers: 5,
		OnShutdown:    "remove",
	})
	if err != nil {
		t.Fatal(err)
	}

	jobs := []jenkinssim.JobSpec{
		{Name: "web", Label: "linux && docker", Duration: 1500 * time.Millisecond},
		{Name: "lib", Label: "linux", Duration: time.Second},
		{Name: "api", Label: "java", Duration: 1500 * time.Millisecond},
		{Name: "site", Kind: jenkinssim.Pipeline, Label: "maven&&!windows", Duration: time.Second},
		{Name: "release", Label: "release", Duration: 500 * time.Millisecond},
	}
	want := map[string]string{"web": "linux", "lib": "linux", "api": "java", "site": "java", "release": "once"}
	for _, j := range jobs {
		j.Concurrent, j.Parameters = true, []string{"n"}
		if err := sim.CreateJob(j); err != nil {
			t.Fatal(err)
		}
	}

	watch := newCapWatch()
	ctx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	watch.watchEngine(ctx, t, env, cfg)
	d := startDaemon(t, env, cfg, watch.onCycle(cfg))

	queued := map[int64]string{}
	for job, n := range map[string]int{"web": 4, "lib": 3, "api": 4, "site": 2, "release": 3} {
		for _, id := range queueBuilds(t, sim, job, n) {
			queued[id] = job
		}
	}

	byQueue := func() map[int64]jenkinssim.Build {
		out := map[int64]jenkinssim.Build{}
		for _, b := range sim.Builds() {
			if b.Node != "" && b.Result != "" {
				out[b.QueueID] = b
			}
		}
		return out
	}
	done := func() int {
		n := 0
		for _, b := range byQueue() {
			if b.Result == "SUCCESS" {
				n++
			}
		}
		return n
	}
	waitFor(t, sim, 3*time.Minute, "every queued build to finish", func() bool {
		if n := len(sim.Queue()); n > 0 {
			return false
		}
		return done() >= len(queued)
	})

	// Every build ran on a berth agent of the template the job's label
	// calls for, and that template's labels satisfy the label.
	perNode := map[string]int{}
	builds := byQueue()
	for _, b := range sim.Builds() {
		if b.Node == "" {
			continue // a Pipeline's flyweight part runs on the built-in node
		}
		perNode[b.Node]++
		if b.Result != "SUCCESS" {
			t.Errorf("build %s #%d on %s: %s", b.Job, b.Number, b.Node, b.Result)
		}
		tmpl := templateOf(b.Node)
		if tmpl != want[b.Job] {
			t.Errorf("build %s #%d ran on %s (template %q), want template %q", b.Job, b.Number, b.Node, tmpl, want[b.Job])
		}
		tc, ok := cfg.Template(tmpl)
		if !ok {
			t.Errorf("build %s ran on %s, which is not a berth agent", b.Job, b.Node)
			continue
		}
		var spec jenkinssim.JobSpec
		for _, j := range jobs {
			if j.Name == b.Job {
				spec = j
			}
		}
		e, err := label.Parse(spec.Label)
		if err != nil || !label.CanServe(e, label.NewSet(tc.Labels...), tc.Exclusive) {
			t.Errorf("template %s cannot serve %q, yet ran %s", tmpl, spec.Label, b.Job)
		}
	}
	for id, job := range queued {
		if _, ok := builds[id]; !ok && job != "site" {
			t.Errorf("queue item %d (%s) never ran on an agent", id, job)
		}
	}
	sshUsed, inboundUsed := false, false
	for n, count := range perNode {
		switch templateOf(n) {
		case "once":
			if count != 1 {
				t.Errorf("single-use agent %s ran %d builds", n, count)
			}
		case "java":
			sshUsed = true
		case "linux":
			inboundUsed = true
		}
	}
	if !sshUsed || !inboundUsed {
		t.Errorf("want builds on both SSH (java) and inbound (linux) agents; per node: %v", perNode)
	}
	var nodes []string
	for n := range perNode {
		nodes = append(nodes, n)
	}
	checkNoSecrets(t, env, d, nodes)

	// Idle agents go after idleTimeout (3s) and single-use ones after their
	// build: nothing of berth's may remain but the placeholder node.
	waitFor(t, sim, 60*time.Second, "every agent to be reaped", func() bool {
		ctrs, err := env.Containers(context.Background())
		return err == nil && len(ctrs) == 0 && len(agentNodes(sim)) == 0
	})
	watch.check(t)

	d.stop(t) // onShutdown: remove deletes the placeholder node too
	stopWatch()
	if n := agentNodes(sim); len(n) != 0 {
		t.Errorf("nodes left after shutdown: %v", n)
	}
	for _, n := range sim.Nodes() {
		if !n.BuiltIn {
			t.Errorf("node %s left after shutdown", n.Name)
		}
	}
	if ctrs, err := env.Containers(context.Background()); err != nil || len(ctrs) != 0 {
		t.Errorf("containers left after shutdown: %d (%v)", len(ctrs), err)
	}
}

// agentNodes are the simulator's nodes that are neither the built-in node
// nor a placeholder.
func agentNodes(sim *jenkinssim.Sim) []string {
	var out []string
	for _, n := range sim.Nodes() {
		if !n.BuiltIn && !strings.HasSuffix(n.Name, "-placeholder") {
			out = append(out, n.Name)
		}
	}
	return out
}

// TestInboundWithRealAgentJar runs berth's inbound path with the real
// Jenkins client, remoting's agent.jar, on a jlink'ed runtime: node, secret
// (as a file, and on standard input), container, WebSocket connection, build. The secret must not
// show anywhere in docker inspect.
func TestInboundWithRealAgentJar(t *testing.T) {
	for _, c := range []struct{ secret, arg string }{
		{"file", "@/run/berth/agent-secret"},
		{"stdin", "@/dev/stdin"},
	} {
		t.Run(c.secret, func(t *testing.T) { testRealAgentJar(t, c.secret, c.arg) })
	}
}

// testRealAgentJar: remoting's agent.jar, started by berth with the secret
// handed over as mode says, connects and builds; the secret is not in
// docker inspect, which shows arg instead.
func testRealAgentJar(t *testing.T, mode, arg string) {
	env := harness.StartTest(t, "agentjar")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	image, err := agentimage.AgentJar(ctx, env.Docker)
	if errors.Is(err, agentimage.ErrNoJDK) {
		t.Skipf("no JDK: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Config(harness.Config{
		Templates:  []harness.Template{{Name: "jar", Labels: []string{"remoting"}, Image: image, LaunchTimeout: time.Minute, Secret: mode}},
		OnShutdown: "remove",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Sim.CreateJob(jenkinssim.JobSpec{Name: "real", Label: "remoting", Duration: time.Second}); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, env, cfg, nil)
	id, err := env.Sim.QueueBuild("real", nil)
	if err != nil {
		t.Fatal(err)
	}
	var node string
	waitFor(t, env.Sim, 2*time.Minute, "the build to run on an agent.jar agent", func() bool {
		for _, b := range env.Sim.Builds() {
			if b.QueueID == id && b.Node != "" {
				node = b.Node
				return true
			}
		}
		return false
	})
	if templateOf(node) != "jar" {
		t.Fatalf("build ran on %s", node)
	}
	secret := env.Sim.InboundSecret(node)
	ctrs, err := env.Containers(ctx)
	if err != nil || len(ctrs) != 1 {
		t.Fatalf("containers: %v %v", ctrs, err)
	}
	res, err := env.Docker.ContainerInspect(ctx, ctrs[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if secret == "" || bytes.Contains(res.Raw, []byte(secret)) {
		t.Errorf("the inbound secret shows in docker inspect of %s (secret known: %v)", node, secret != "")
	}
	if !bytes.Contains(res.Raw, []byte(arg)) {
		t.Errorf("docker inspect shows no -secret %s argument:\n%s", arg, res.Raw)
	}
	checkNoSecrets(t, env, d, []string{node})
}
