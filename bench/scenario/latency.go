package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner"
)

// reapIdle is the idle timeout of the latency scenarios: agents go soon
// after their build, so that every run starts from no agents.
const reapIdle = time.Second

// berthRun is berth running in this process on traced clients.
type berthRun struct {
	cfg    *config.Config
	tr     *tracer
	cancel context.CancelFunc
	done   chan error
	d      *provisioner.Daemon
	host   *dockerapi.Host
}

func startBerth(ctx context.Context, e *env, o options) (*berthRun, error) {
	e.Sim.SetLatency(o.latency)
	cfg, err := e.config(o, reapIdle)
	if err != nil {
		return nil, err
	}
	log := e.log.With("component", "berth")
	j, err := jenkins.New(jenkins.Options{
		URL: cfg.Jenkins.URL, User: cfg.Jenkins.User, Token: cfg.Jenkins.Token.Reveal(),
		Timeout: cfg.Jenkins.Timeout, Logger: log.With("component", "jenkins"),
	})
	if err != nil {
		return nil, err
	}
	hc := cfg.DockerHosts[0]
	h, err := dockerapi.Dial(ctx, dockerapi.HostConfig{Name: hc.Name, Host: hc.Host, CallTimeout: hc.CallTimeout}, log)
	if err != nil {
		return nil, err
	}
	b := &berthRun{cfg: cfg, tr: newTracer(), done: make(chan error, 1), host: h}
	b.d, err = provisioner.New(cfg, tracedJenkins{j, b.tr}, map[string]provisioner.DockerHost{hc.Name: tracedHost{h, b.tr}},
		provisioner.Options{Logger: log})
	if err != nil {
		_ = h.Close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	go func() { b.done <- b.d.Run(rctx) }()
	// The first cycle creates the placeholder node.
	if err := e.waitFor(ctx, time.Minute, "berth's placeholder node", func() bool {
		_, ok := e.Sim.Node(provisioner.PlaceholderName(e.Instance))
		return ok
	}); err != nil {
		b.stop()
		return nil, err
	}
	return b, nil
}

// stop ends the loop and waits for actions under way (onShutdown keep: the
// agents stay for env.close to remove).
func (b *berthRun) stop() {
	b.cancel()
	<-b.done
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_ = b.d.Shutdown(ctx)
	_ = b.host.Close()
}

// randomPhase sleeps until a moment drawn uniformly from berth's poll
// cycle, so that the wait for the next queue read is uniform over the cycle
// as for a build queued at any time. The cycle is measured from berth's last
// queue read: cycles repeat every pollInterval plus the time a cycle takes
// (the loop's timer restarts when a cycle ends, and the cycle is mostly its
// reads). A plain random sleep after the previous run would not do: that run
// ends at a fixed distance from a cycle (its last action wakes the loop).
func (b *berthRun) randomPhase(ctx context.Context) error {
	last, ok := b.tr.lastQueueRead()
	if !ok {
		return sleep(ctx, rand.N(b.pollOf()))
	}
	period := b.pollOf() + last.End.Sub(last.Start)
	target := last.Start.Add(rand.N(period))
	for now := time.Now(); !target.After(now); {
		target = target.Add(period)
	}
	return sleep(ctx, time.Until(target))
}

// pollOf is the effective poll interval.
func (b *berthRun) pollOf() time.Duration { return b.cfg.Jenkins.PollInterval }

// startSample is one build's path from queued to started.
type startSample struct {
	Node     string
	Online   time.Duration            // queued → node online
	Build    time.Duration            // queued → build started (0: no build on it)
	Steps    map[string]time.Duration // how long each phase took
	Ends     map[string]time.Duration // when each phase ended, from queued
	Complete bool                     // every phase was found in the trace
}

// stepOrder is the order of a start's phases in the tables.
var stepOrder = []string{"poll wait", "cycle", stepImage, stepNode, stepSecret, stepCreate, stepCopy, stepStart, "connect"}

// stepRows are the rows of the phase tables: the phases, the time in none
// of them, and from node online to its build started.
var stepRows = append(append([]string(nil), stepOrder...), "gaps", "build start")

// sampleOf works out the phases of the start of node; its build is the
// first that started on it after t0, if any. id is a queue item of the run:
// the first queue read that holds it ends the poll wait.
func sampleOf(e *env, tr *tracer, t0 time.Time, node string, id int64) (startSample, error) {
	online, ok := e.onlineAt(node)
	if !ok {
		return startSample{}, fmt.Errorf("node %s never seen online", node)
	}
	s := startSample{Node: node, Online: online.Sub(t0), Steps: map[string]time.Duration{}, Ends: map[string]time.Duration{}}
	var started time.Time
	for _, b := range e.Sim.Builds() {
		if b.Node == node && !b.Started.Before(t0) && (started.IsZero() || b.Started.Before(started)) {
			started = b.Started
		}
	}
	evs := tr.since(t0)
	qr, okQ := firstQueueRead(evs, id)
	img, okI := stepOf(evs, stepImage, "")
	s.Complete = okQ && okI
	var last time.Time
	if s.Complete {
		s.Steps["poll wait"] = qr.Start.Sub(t0)
		s.Steps["cycle"] = img.Start.Sub(qr.Start)
		s.Steps[stepImage] = img.End.Sub(img.Start)
		s.Ends["poll wait"], s.Ends["cycle"], s.Ends[stepImage] = qr.Start.Sub(t0), img.Start.Sub(t0), img.End.Sub(t0)
		last = img.End
	}
	for _, st := range []string{stepNode, stepSecret, stepCreate, stepCopy, stepStart} {
		ev, ok := stepOf(evs, st, node)
		if !ok || ev.Node == "" {
			if st != stepCopy { // no copy when the secret goes in the environment or on stdin
				s.Complete = false
			}
			continue
		}
		s.Steps[st] = ev.End.Sub(ev.Start)
		s.Ends[st] = ev.End.Sub(t0)
		if ev.End.After(last) {
			last = ev.End
		}
	}
	if s.Complete {
		s.Steps["connect"] = online.Sub(last)
		s.Ends["connect"] = s.Online
		var sum time.Duration
		for _, st := range stepOrder {
			sum += s.Steps[st]
		}
		// Time in none of the phases (or, when phases overlap, negative).
		s.Steps["gaps"] = s.Online - sum
	}
	if !started.IsZero() {
		s.Build = started.Sub(t0)
		s.Steps["build start"] = started.Sub(online)
		s.Ends["build start"] = s.Build
	}
	return s, nil
}

// cliFloor is the floor as the docker CLI.
func cliFloor(e *env) floorWay {
	return floorWay{"docker run (CLI)", "cli", func(ctx context.Context, node, secret string) error { return e.dockerRun(ctx, node, secret) }}
}

// describe says how berth was configured.
func (b *berthRun) describe(o options) string {
	secret := o.secret
	if secret == "" {
		secret = "file"
	}
	return fmt.Sprintf("pollInterval %s, concurrency %d, secret %s, simulator latency %s", b.pollOf(), b.cfg.Concurrency, secret, o.latency)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
