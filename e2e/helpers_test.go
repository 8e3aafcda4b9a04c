package e2e_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// createJobs creates concurrent jobs with one parameter "n", so that every
// QueueBuild makes a new queue item.
func createJobs(t *testing.T, sim *jenkinssim.Sim, jobs ...jenkinssim.JobSpec) {
	t.Helper()
	for _, j := range jobs {
		j.Concurrent, j.Parameters = true, []string{"n"}
		if err := sim.CreateJob(j); err != nil {
			t.Fatal(err)
		}
	}
}

// queue queues one build of job and returns its queue id.
func queue(t *testing.T, sim *jenkinssim.Sim, job string, n int) int64 {
	t.Helper()
	id, err := sim.QueueBuild(job, map[string]string{"n": fmt.Sprint(n)})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor waits for cond at every simulator change and every 100 ms, at
// most limit; it fails the test when the time runs out.
func waitFor(t *testing.T, sim *jenkinssim.Sim, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := waitUntil(sim, limit, cond); err != nil {
		t.Fatalf("timed out after %s waiting for %s", limit, what)
	}
}

// waitUntil is waitFor that reports the time-out instead of failing.
func waitUntil(sim *jenkinssim.Sim, limit time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		ch := sim.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// buildsByQueue returns the builds that ran on an agent, by queue id.
func buildsByQueue(sim *jenkinssim.Sim) map[int64]jenkinssim.Build {
	out := map[int64]jenkinssim.Build{}
	for _, b := range sim.Builds() {
		if b.Node != "" {
			out[b.QueueID] = b
		}
	}
	return out
}

// inQueue returns the ids of the items still queued.
func inQueue(sim *jenkinssim.Sim) map[int64]bool {
	out := map[int64]bool{}
	for _, it := range sim.Queue() {
		out[it.ID] = true
	}
	return out
}

// mismatch lists berth's containers without a node and berth's agent nodes
// without a container, at one observation ("" when they pair up).
func mismatch(ctx context.Context, env *harness.Env, w *watch) (string, error) {
	ctrs, err := env.Containers(ctx)
	if err != nil {
		return "", err
	}
	nodes := map[string]bool{}
	for _, n := range env.Sim.Nodes() {
		if w.templateOfNode(n.Name) != "" {
			nodes[n.Name] = true
		}
	}
	var out []string
	withCtr := map[string]bool{}
	for _, c := range ctrs {
		withCtr[c.Owner.Node] = true
		if !nodes[c.Owner.Node] {
			out = append(out, fmt.Sprintf("container %s (%s) has no node", c.Owner.Node, c.State))
		}
	}
	for n := range nodes {
		if !withCtr[n] {
			out = append(out, "node "+n+" has no container")
		}
	}
	if len(out) == 0 {
		return "", nil
	}
	sort.Strings(out)
	return fmt.Sprint(out), nil
}

// leftovers describes what of the instance is left: containers, and nodes
// other than the built-in node ("" for nothing).
func leftovers(ctx context.Context, env *harness.Env) string {
	var out []string
	ctrs, err := env.Containers(ctx)
	if err != nil {
		return "cannot list containers: " + err.Error()
	}
	for _, c := range ctrs {
		out = append(out, fmt.Sprintf("container %s (%s)", c.Owner.Node, c.State))
	}
	for _, n := range env.Sim.Nodes() {
		if !n.BuiltIn {
			out = append(out, "node "+n.Name)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return fmt.Sprint(out)
}
