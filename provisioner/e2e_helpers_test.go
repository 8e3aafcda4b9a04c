package provisioner_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/internal/syncbuf"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
	"github.com/berth-dev/berth/provisioner"
)

// daemon is a berth run in the test process.
type daemon struct {
	*provisioner.Daemon
	cancel context.CancelFunc
	done   chan error
	// logs holds everything berth logged, for the secrets check.
	logs *syncbuf.Buffer
}

// startDaemon runs berth on cfg against the simulator and the local engine.
func startDaemon(t *testing.T, env *harness.Env, cfg *config.Config, onCycle func(provisioner.Cycle)) *daemon {
	t.Helper()
	logs := &syncbuf.Buffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	j, err := jenkins.New(jenkins.Options{URL: env.Sim.URL(), User: env.User, Token: env.Token, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hosts := map[string]provisioner.DockerHost{}
	for _, hc := range cfg.DockerHosts {
		h, err := dockerapi.Dial(context.Background(), dockerapi.HostConfig{Name: hc.Name, Host: hc.Host, CallTimeout: hc.CallTimeout}, log)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.Close() })
		hosts[hc.Name] = h
	}
	d, err := provisioner.New(cfg, j, hosts, provisioner.Options{Logger: log, OnCycle: onCycle})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	dm := &daemon{Daemon: d, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { dm.done <- d.Run(ctx) }()
	t.Cleanup(func() { dm.stop(t) })
	return dm
}

// stop ends the run loop and applies the shutdown policy.
func (d *daemon) stop(t *testing.T) {
	if d.cancel == nil {
		return
	}
	d.cancel()
	d.cancel = nil
	if err := <-d.done; err != nil {
		t.Errorf("run: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

// capWatch checks the caps at every observation: each berth cycle's
// snapshot (containers plus starts in flight) and, independently, the
// engine's own container list every 50 ms.
type capWatch struct {
	mu         sync.Mutex
	violations []string
	peak       map[string]int // template (or "" for all) → most containers seen
	cycles     int
	lists      int
}

func newCapWatch() *capWatch { return &capWatch{peak: map[string]int{}} }

func (w *capWatch) record(where string, count map[string]int, cfg *config.Config) {
	w.mu.Lock()
	defer w.mu.Unlock()
	total := 0
	for tmpl, n := range count {
		total += n
		w.peak[tmpl] = max(w.peak[tmpl], n)
		if t, ok := cfg.Template(tmpl); ok && t.InstanceCap != config.NoLimit && n > t.InstanceCap {
			w.violations = append(w.violations, fmt.Sprintf("%s: template %s has %d > instanceCap %d", where, tmpl, n, t.InstanceCap))
		}
	}
	w.peak[""] = max(w.peak[""], total)
	if cfg.MaxContainers != config.NoLimit && total > cfg.MaxContainers {
		w.violations = append(w.violations, fmt.Sprintf("%s: %d containers > maxContainers %d", where, total, cfg.MaxContainers))
	}
	for _, h := range cfg.DockerHosts {
		if h.MaxContainers != config.NoLimit && total > h.MaxContainers {
			w.violations = append(w.violations, fmt.Sprintf("%s: %d containers on %s > maxContainers %d", where, total, h.Name, h.MaxContainers))
		}
	}
}

// onCycle counts what each cycle's snapshot says exists or is starting.
func (w *capWatch) onCycle(cfg *config.Config) func(provisioner.Cycle) {
	return func(c provisioner.Cycle) {
		nodes := map[string]string{} // node → template
		for _, ctr := range c.Snapshot.Containers {
			nodes[ctr.Node] = ctr.Template
		}
		for _, f := range c.Snapshot.InFlight {
			if f.Kind == "start" {
				nodes[f.Node] = f.Template
			}
		}
		for _, a := range c.Result.Actions {
			if a.Kind == "start" {
				nodes["new:"+fmt.Sprint(len(nodes))] = a.Template
			}
		}
		count := map[string]int{}
		for _, t := range nodes {
			count[t]++
		}
		w.record("cycle", count, cfg)
		w.mu.Lock()
		w.cycles++
		w.mu.Unlock()
	}
}

// watchEngine lists the instance's containers every 50 ms until ctx ends.
func (w *capWatch) watchEngine(ctx context.Context, t *testing.T, env *harness.Env, cfg *config.Config) {
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			ctrs, err := env.Containers(ctx)
			if err != nil {
				continue
			}
			count := map[string]int{}
			for _, c := range ctrs {
				count[c.Owner.Template]++
			}
			w.record("engine", count, cfg)
			w.mu.Lock()
			w.lists++
			w.mu.Unlock()
		}
	}()
}

func (w *capWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cycles == 0 || w.lists == 0 {
		t.Errorf("caps were never observed (cycles %d, engine lists %d)", w.cycles, w.lists)
	}
	for i, v := range w.violations {
		if i == 10 {
			t.Errorf("... and %d more cap violations", len(w.violations)-10)
			break
		}
		t.Errorf("cap exceeded: %s", v)
	}
	t.Logf("caps held over %d cycles and %d engine listings; peaks: %v", w.cycles, w.lists, w.peak)
}

// queueBuilds queues n builds of a parameterized job.
func queueBuilds(t *testing.T, sim *jenkinssim.Sim, job string, n int) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	for i := range n {
		id, err := sim.QueueBuild(job, map[string]string{"n": fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// waitFor waits for cond at every simulator change and every 200 ms.
func waitFor(t *testing.T, sim *jenkinssim.Sim, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		if cond() {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		case <-sim.Changed():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// templateOf is the template part of a berth node name "<template>-<hex>".
func templateOf(node string) string {
	i := strings.LastIndexByte(node, '-')
	if i < 0 {
		return ""
	}
	return node[:i]
}

// checkNoSecrets fails if berth's log holds the Jenkins token or the
// inbound secret of any node it ran.
func checkNoSecrets(t *testing.T, env *harness.Env, d *daemon, nodes []string) {
	t.Helper()
	logs := d.logs.String()
	if logs == "" {
		t.Fatal("berth logged nothing: the secrets check would prove nothing")
	}
	if strings.Contains(logs, env.Token) {
		t.Error("the Jenkins API token appears in berth's log")
	}
	for _, n := range nodes {
		if s := env.Sim.InboundSecret(n); s != "" && strings.Contains(logs, s) {
			t.Errorf("the inbound secret of %s appears in berth's log", n)
		}
	}
}
