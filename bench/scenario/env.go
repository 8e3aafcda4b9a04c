package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
	"github.com/berth-dev/berth/provisioner"
)

// Jobs of the scenarios. berth serves benchLabel: benchJob's builds are
// short, holdJob's hold their agent (a burst needs one agent per build).
// The floor's nodes carry floorLabel, which no berth template serves, and
// floorJob's builds hold their agent until its node is deleted, so that
// every floor agent gets exactly one build.
const (
	benchLabel    = "bench"
	floorLabel    = "floor"
	benchJob      = "bench"
	holdJob       = "hold"
	floorJob      = "floor"
	buildDuration = 200 * time.Millisecond
	holdDuration  = time.Hour
)

// env is one scenario's simulator, engine and instance, plus a watcher that
// timestamps every node's first moment online.
type env struct {
	*harness.Env
	log   *slog.Logger
	watch *watcher
	seq   atomic.Int64
	stop  context.CancelFunc
	done  chan struct{}
}

func startEnv(ctx context.Context, log *slog.Logger) (*env, error) {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	h, err := harness.Start(sctx, harness.Options{InstancePrefix: "bench", Logger: log.With("component", "jenkinssim")})
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	e := &env{Env: h, log: log, watch: newWatcher(), done: make(chan struct{})}
	for _, j := range []jenkinssim.JobSpec{
		{Name: benchJob, Label: benchLabel, Duration: buildDuration, Concurrent: true, Parameters: []string{"n"}},
		{Name: holdJob, Label: benchLabel, Duration: holdDuration, Concurrent: true, Parameters: []string{"n"}},
		{Name: floorJob, Label: floorLabel, Duration: holdDuration, Concurrent: true, Parameters: []string{"n"}},
	} {
		if err := h.Sim.CreateJob(j); err != nil {
			_ = h.Close(context.Background())
			return nil, err
		}
	}
	wctx, stop := context.WithCancel(context.Background())
	e.stop = stop
	go func() { defer close(e.done); e.watch.run(wctx, h.Sim) }()
	return e, nil
}

// close removes every container of the instance and stops the simulator.
func (e *env) close() error {
	e.stop()
	<-e.done
	return e.Close(context.Background())
}

// queue queues one build of job and returns its queue id.
func (e *env) queue(job string) (int64, error) {
	return e.Sim.QueueBuild(job, map[string]string{"n": fmt.Sprint(e.seq.Add(1))})
}

// started returns the start of the build of queue item id, if it started.
func (e *env) started(id int64) (jenkinssim.Build, bool) {
	for _, b := range e.Sim.Builds() {
		if b.QueueID == id && b.Node != "" {
			return b, true
		}
	}
	return jenkinssim.Build{}, false
}

// waitFor waits, at every change of the simulator and every 100 ms, until
// cond holds or limit passes.
func (e *env) waitFor(ctx context.Context, limit time.Duration, what string, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ch := e.Sim.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-ch:
		case <-tick.C:
		}
	}
}

// agents returns the simulator's agent nodes that are not placeholders.
func (e *env) agents() []jenkinssim.NodeView {
	var out []jenkinssim.NodeView
	for _, n := range e.Sim.Nodes() {
		if !n.BuiltIn && n.Name != provisioner.PlaceholderName(e.Instance) {
			out = append(out, n)
		}
	}
	return out
}

// waitEmpty waits until no agent node and no container of the instance is
// left (berth's idle reaping between runs).
func (e *env) waitEmpty(ctx context.Context, limit time.Duration) error {
	var lastErr error
	err := e.waitFor(ctx, limit, "every agent to be reaped", func() bool {
		if len(e.agents()) > 0 {
			return false
		}
		cs, err := e.Containers(ctx)
		lastErr = err
		return err == nil && len(cs) == 0
	})
	return errors.Join(err, lastErr)
}

// watcher records the first moment each node was seen online.
type watcher struct {
	mu     sync.Mutex
	online map[string]time.Time
}

func newWatcher() *watcher { return &watcher{online: map[string]time.Time{}} }

func (w *watcher) run(ctx context.Context, sim *jenkinssim.Sim) {
	for {
		ch := sim.Changed()
		now := time.Now()
		nodes := sim.Nodes()
		w.mu.Lock()
		for _, n := range nodes {
			if _, ok := w.online[n.Name]; !ok && n.Online && !n.BuiltIn {
				w.online[n.Name] = now
			}
		}
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}

// onlineAt is when node was first seen online.
func (w *watcher) onlineAt(node string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.online[node]
	return t, ok
}

// onlineAt is when node came online: when the watcher first saw it so, or
// when its first build started if that was earlier (the simulator starts a
// build in the same step that brings its node online; the watcher sees the
// step a moment later).
func (e *env) onlineAt(node string) (time.Time, bool) {
	t, ok := e.watch.onlineAt(node)
	if !ok {
		return t, false
	}
	for _, b := range e.Sim.Builds() {
		if b.Node == node && b.Started.Before(t) {
			t = b.Started
		}
	}
	return t, true
}

// templateOf is the template part of a berth node name "<template>-<hex>".
func templateOf(node string) string {
	i := strings.LastIndexByte(node, '-')
	if i < 0 {
		return ""
	}
	return node[:i]
}
