package provisioner_test

import (
	"context"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// TestShutdownPolicies stops berth while two builds run on its agents and
// checks what each onShutdown policy leaves behind.
func TestShutdownPolicies(t *testing.T) {
	cases := []struct {
		policy string
		// after shutdown
		containers, nodes int
		result            string // of the running builds, once they end
	}{
		{policy: "keep", containers: 2, nodes: 2, result: "SUCCESS"},
		{policy: "drain", containers: 0, nodes: 0, result: "SUCCESS"},
		{policy: "remove", containers: 0, nodes: 0, result: "ABORTED"},
	}
	for _, c := range cases {
		t.Run(c.policy, func(t *testing.T) {
			env := harness.StartTest(t, "shutdown")
			cfg, err := env.Config(harness.Config{
				Templates:  []harness.Template{{Name: "linux", Labels: []string{"linux"}, IdleTimeout: time.Hour}},
				OnShutdown: c.policy,
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := env.Sim.CreateJob(jenkinssim.JobSpec{Name: "job", Label: "linux", Duration: 4 * time.Second, Concurrent: true, Parameters: []string{"n"}}); err != nil {
				t.Fatal(err)
			}
			d := startDaemon(t, env, cfg, nil)
			queueBuilds(t, env.Sim, "job", 2)
			running := func() int {
				n := 0
				for _, b := range env.Sim.Builds() {
					if b.Node != "" && b.Result == "" {
						n++
					}
				}
				return n
			}
			waitFor(t, env.Sim, time.Minute, "two builds running on berth agents", func() bool { return running() == 2 })

			d.stop(t)
			ctrs, err := env.Containers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(ctrs) != c.containers || len(agentNodes(env.Sim)) != c.nodes {
				t.Errorf("after shutdown: %d containers, nodes %v; want %d and %d", len(ctrs), agentNodes(env.Sim), c.containers, c.nodes)
			}
			waitFor(t, env.Sim, time.Minute, "the builds to end", func() bool { return running() == 0 })
			for _, b := range env.Sim.Builds() {
				if b.Node != "" && b.Result != c.result {
					t.Errorf("build %s#%d on %s ended %s, want %s", b.Job, b.Number, b.Node, b.Result, c.result)
				}
			}
		})
	}
}
