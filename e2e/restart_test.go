package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// TestRestart kills berth with SIGKILL while its agents are at their caps,
// busy, and more builds wait, and starts a new berth on the same config. The
// new berth must adopt the agents: it starts none (they fill the caps and
// serve every waiting build), no cap is exceeded at any observation across
// both processes, every build succeeds, and the adopted agents are reaped
// when idle. After an onShutdown: remove stop nothing of the instance is
// left, not even the placeholder node.
func TestRestart(t *testing.T) {
	env := harness.StartTest(t, "restart")
	sim := env.Sim
	hc := harness.Config{
		Templates: []harness.Template{
			{Name: "lin", Labels: []string{"lin"}, InstanceCap: 2, IdleTimeout: 3 * time.Second},
			{Name: "sshy", Labels: []string{"sshy"}, SSH: true, InstanceCap: 2, IdleTimeout: 3 * time.Second},
		},
		MaxContainers: 4,
		OrphanGrace:   5 * time.Second,
		OnShutdown:    "remove",
	}
	yaml, err := env.ConfigYAML(hc)
	if err != nil {
		t.Fatal(err)
	}
	createJobs(t, sim,
		jenkinssim.JobSpec{Name: "lin-job", Label: "lin", Duration: 2 * time.Second},
		jenkinssim.JobSpec{Name: "ssh-job", Label: "sshy", Duration: 2 * time.Second},
	)
	w := newWatch(t, env, hc, true)
	f := newFleet(t, yaml, env.Token)

	first := f.start()
	const perJob = 6
	want := map[int64]string{} // queue id → template
	for i := range perJob {
		want[queue(t, sim, "lin-job", i)] = "lin"
		want[queue(t, sim, "ssh-job", i)] = "sshy"
	}

	// Caps reached, every agent busy, builds still waiting.
	busyAgents := func() map[string]bool {
		out := map[string]bool{}
		for _, n := range sim.Nodes() {
			if w.templateOfNode(n.Name) != "" && n.Online && n.BusyExecutors > 0 {
				out[n.Name] = true
			}
		}
		return out
	}
	waitFor(t, sim, 90*time.Second, "four busy agents and builds waiting", func() bool {
		return len(busyAgents()) == 4 && len(sim.Queue()) > 0
	})
	before := busyAgents()
	killedAt := time.Now()
	first.kill(t)

	// Without berth, the agents keep serving: a build starts on one of them
	// after the kill.
	waitFor(t, sim, 30*time.Second, "a build to start on an agent while berth is down", func() bool {
		for _, b := range sim.Builds() {
			if before[b.Node] && b.Started.After(killedAt) {
				return true
			}
		}
		return false
	})

	second := f.start()
	second.waitLog(t, 30*time.Second, "readiness", func(r logRecord) bool {
		return r.str("msg") == "first cycle done: berth is ready"
	})
	restartedAt := time.Now()

	waitFor(t, sim, 2*time.Minute, "every build to finish", func() bool {
		done := buildsByQueue(sim)
		for id := range want {
			if b, ok := done[id]; !ok || b.Result == "" {
				return false
			}
		}
		return true
	})
	servedAfterRestart := map[string]int{}
	for id, tmpl := range want {
		b := buildsByQueue(sim)[id]
		if b.Result != "SUCCESS" {
			t.Errorf("build %s #%d on %s: %s", b.Job, b.Number, b.Node, b.Result)
		}
		if got := w.templateOfNode(b.Node); got != tmpl {
			t.Errorf("build %s #%d ran on %s (template %q), want template %q", b.Job, b.Number, b.Node, got, tmpl)
		}
		if !before[b.Node] && b.Started.After(killedAt) {
			t.Errorf("build %s #%d ran on %s, an agent started after the restart, while the adopted agents %v had room", b.Job, b.Number, b.Node, before)
		}
		if b.Started.After(restartedAt) {
			servedAfterRestart[b.Node]++
		}
	}
	if len(servedAfterRestart) == 0 {
		t.Errorf("no build started after the second berth was ready; the test proves no adoption")
	}
	if c := w.creations(); c["lin"] != 2 || c["sshy"] != 2 {
		t.Errorf("containers created over both runs: %v; want 2 per template (the second berth adopts, it does not start)", c)
	}

	// The second berth owns the adopted agents: it reaps them when idle.
	ctx := context.Background()
	waitFor(t, sim, time.Minute, "the adopted agents to be reaped when idle", func() bool {
		ctrs, err := env.Containers(ctx)
		if err != nil || len(ctrs) != 0 {
			return false
		}
		for _, n := range sim.Nodes() {
			if w.templateOfNode(n.Name) != "" {
				return false
			}
		}
		return true
	})
	for _, r := range second.log.records() {
		if r.str("msg") == "action done" && r.action("kind") == "retire" && before[r.action("node")] {
			delete(before, r.action("node"))
		}
	}
	if len(before) != 0 {
		t.Errorf("adopted agents not retired by the second berth: %v", before)
	}

	second.stop(t, 2*time.Minute)
	if left := leftovers(ctx, env); left != "" {
		t.Errorf("left after onShutdown: remove: %s", left)
	}
	w.check(t)
	t.Logf("served after the restart: %v", servedAfterRestart)
}
