package provisioner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner/plan"
)

const (
	// cleanupTimeout bounds undoing a failed start and similar clean-ups
	// that run on a fresh context.
	cleanupTimeout = 2 * time.Minute
	// actionTimeout bounds every action but a start.
	actionTimeout = 2 * time.Minute
	// startSlack is added to a template's launch timeout to bound a start
	// (image check, container create, node create).
	startSlack = time.Minute
	// offlinePrefix starts every offline message berth writes, so the
	// planner can tell a node berth took offline from one a person did.
	offlinePrefix = "berth: "
	// logLines is how many of a container's last log lines berth logs when
	// it removes a broken agent.
	logLines = 20
	// defaultStopTimeout is the stop timeout for containers whose template
	// is gone from the config.
	defaultStopTimeout = 10 * time.Second
)

// executor runs the planner's actions: concurrently, bounded by a FIFO
// semaphore, each with its own deadline. The planner learns what happened
// only through the in-flight set and the outcomes it hands over each cycle.
type executor struct {
	cfg     func() *config.Config
	jenkins func() Jenkins
	host    func(name string) *hostEntry
	log     *slog.Logger
	now     func() time.Time
	// done is signalled (without blocking) when an action finishes, so the
	// loop can plan again at once.
	done chan<- struct{}

	sem *semaphore.Weighted
	// base is the context actions run under; it outlives a SIGTERM so that
	// actions under way finish (or undo themselves) before berth exits.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	seq      int64
	inflight map[int64]plan.InFlight
	outcomes []plan.Outcome
}

type hostEntry struct {
	cfg config.DockerHost
	api DockerHost
}

func newExecutor(concurrency int, cfg func() *config.Config, j func() Jenkins, host func(string) *hostEntry,
	log *slog.Logger, now func() time.Time, done chan<- struct{}) *executor {
	base, cancel := context.WithCancel(context.Background())
	return &executor{
		cfg: cfg, jenkins: j, host: host, log: log, now: now, done: done,
		sem:      semaphore.NewWeighted(int64(max(concurrency, 1))),
		base:     base,
		cancel:   cancel,
		inflight: make(map[int64]plan.InFlight),
	}
}

// take returns what is in flight and the outcomes since the last take. The
// loop calls it before it reads Jenkins and Docker (see plan.Snapshot).
func (e *executor) take() ([]plan.InFlight, []plan.Outcome) {
	e.mu.Lock()
	defer e.mu.Unlock()
	fl := make([]plan.InFlight, 0, len(e.inflight))
	for _, f := range e.inflight {
		fl = append(fl, f)
	}
	out := e.outcomes
	e.outcomes = nil
	return fl, out
}

// busy reports how many actions are in flight.
func (e *executor) busy() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.inflight)
}

// submit registers an action as in flight at once (a start gets its node
// name here, before it creates anything) and runs it when the semaphore
// allows.
func (e *executor) submit(a plan.Action) {
	if a.Kind == plan.Start {
		a.Node = newNodeName(a.Template)
	}
	e.mu.Lock()
	e.seq++
	id := e.seq
	e.inflight[id] = plan.InFlight{Kind: a.Kind, Node: a.Node, Container: a.Container, Template: a.Template, Host: a.Host, Since: e.now()}
	e.mu.Unlock()

	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		err := e.sem.Acquire(e.base, 1)
		if err == nil {
			err = e.execute(a)
			e.sem.Release(1)
		}
		e.finish(id, a, err)
	}()
}

func (e *executor) finish(id int64, a plan.Action, err error) {
	o := plan.Outcome{Kind: a.Kind, Node: a.Node, Container: a.Container, Template: a.Template, Host: a.Host}
	log := e.log.With("action", a)
	switch {
	case err == nil:
		log.Info("action done")
	case errors.Is(err, errKept):
		log.Info("agent kept", "why", err.Error())
	default:
		o.Failed = true
		o.Reason = err.Error()
		log.Error("action failed", "err", err)
	}
	e.mu.Lock()
	delete(e.inflight, id)
	e.outcomes = append(e.outcomes, o)
	e.mu.Unlock()
	select {
	case e.done <- struct{}{}:
	default:
	}
}

// execute runs one action under its own deadline.
func (e *executor) execute(a plan.Action) error {
	cfg := e.cfg()
	h := e.host(a.Host)
	switch a.Kind {
	case plan.Start:
		t, ok := cfg.Template(a.Template)
		if !ok {
			return fmt.Errorf("template %q is no longer configured", a.Template)
		}
		if h == nil {
			return fmt.Errorf("docker host %q is no longer configured", a.Host)
		}
		ctx, cancel := context.WithTimeout(e.base, t.LaunchTimeout+startSlack)
		defer cancel()
		e.log.Info("starting agent", "template", t.Name, "host", a.Host, "node", a.Node, "reason", a.Reason)
		return e.startAgent(ctx, t, h, a.Node)
	case plan.EnsurePlaceholder:
		ctx, cancel := context.WithTimeout(e.base, actionTimeout)
		defer cancel()
		return e.ensurePlaceholder(ctx)
	}

	ctx, cancel := context.WithTimeout(e.base, actionTimeout)
	defer cancel()
	stop := defaultStopTimeout
	if t, ok := cfg.Template(a.Template); ok {
		stop = t.StopTimeout
	}
	switch a.Kind {
	case plan.Retire:
		return e.retireAgent(ctx, a.Node, a.Reason, h, a.Container, stop)
	case plan.Remove:
		if lines := e.lastLogLines(ctx, h, a.Container, logLines); lines != "" {
			e.log.Warn("removing agent", "node", a.Node, "host", a.Host, "reason", a.Reason, "last_log_lines", lines)
		} else {
			e.log.Warn("removing agent", "node", a.Node, "host", a.Host, "reason", a.Reason)
		}
		return e.removeAgent(ctx, a.Node, h, a.Container, stop)
	case plan.TakeOffline:
		return e.jenkins().TakeOffline(ctx, a.Node, offlinePrefix+a.Reason)
	case plan.DeleteNode:
		if err := e.jenkins().DeleteNode(ctx, a.Node); err != nil && !errors.Is(err, jenkins.ErrNotFound) {
			return fmt.Errorf("delete node: %w", err)
		}
		return nil
	case plan.RemoveContainer:
		return e.removeContainer(ctx, h, a.Container, stop)
	}
	return fmt.Errorf("unknown action kind %q", a.Kind)
}

// wait waits for the actions in flight, at most until ctx ends; then it
// cancels them (each undoes what it half did on a fresh context).
func (e *executor) wait(ctx context.Context) {
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		e.cancel()
		<-done
	}
}

// newNodeName returns "<template>-<6 hex digits>".
func newNodeName(template string) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return template + "-" + hex.EncodeToString(b[:])
}
