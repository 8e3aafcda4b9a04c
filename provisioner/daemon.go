package provisioner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner/plan"
)

// The run loop, top to bottom:
//
//	observe   queue + nodes (one Jenkins request each), containers (one call per host)
//	   │
//	plan      plan.Plan(snapshot, state): a pure function → actions + unserved reasons
//	   │
//	act       executor: each action in flight at once, bounded, with its own deadline
//	   │
//	report    unserved reasons and outage changes, logged when they change
//
// Nothing an action does reaches the planner except through the next
// snapshot and the executor's in-flight set and outcomes.

// Options are the daemon's collaborators.
type Options struct {
	Logger *slog.Logger
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Notify is told "READY=1" after the first successful cycle and
	// "WATCHDOG=1" after every cycle (systemd's sd_notify); may be nil.
	Notify func(state string)
	// OnCycle, if set, is called after every cycle with what it decided.
	OnCycle func(Cycle)
}

// Cycle is what one observe-plan-act round saw and decided.
type Cycle struct {
	At       time.Time
	Snapshot plan.Snapshot
	Result   plan.Result
	// JenkinsErr is set when Jenkins could not be read.
	JenkinsErr error
	// HostErrs holds the hosts whose listing failed.
	HostErrs map[string]error
}

// Daemon is berth's long-running provisioner.
type Daemon struct {
	log    *slog.Logger
	now    func() time.Time
	notify func(string)
	onCyc  func(Cycle)

	mu      sync.RWMutex
	cfg     *config.Config
	jenkins Jenkins
	hosts   map[string]*hostEntry

	exec  *executor
	wake  chan struct{}
	state plan.State
	mem   *jenkins.LabelMemory
	rep   reporter
	ready bool
}

// New makes a daemon from a validated config, a Jenkins client and one
// client per configured Docker host (by host name).
func New(cfg *config.Config, j Jenkins, hosts map[string]DockerHost, opts Options) (*Daemon, error) {
	d := &Daemon{
		log:    opts.Logger,
		now:    opts.Now,
		notify: opts.Notify,
		onCyc:  opts.OnCycle,
		wake:   make(chan struct{}, 1),
		mem:    jenkins.NewLabelMemory(),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.notify == nil {
		d.notify = func(string) {}
	}
	if err := d.swap(cfg, j, hosts); err != nil {
		return nil, err
	}
	d.rep = newReporter(d.log)
	d.exec = newExecutor(cfg.Concurrency, d.config, d.jenkinsClient, d.host, d.log.With("component", "executor"), d.now, d.wake)
	return d, nil
}

// Reload replaces the config, the Jenkins client and the hosts. Agents of
// templates or hosts that are gone from the config are still berth's: they
// are reaped as their rules say.
func (d *Daemon) Reload(cfg *config.Config, j Jenkins, hosts map[string]DockerHost) error {
	if err := d.swap(cfg, j, hosts); err != nil {
		return err
	}
	d.log.Info("config reloaded", "file", cfg.Source, "templates", len(cfg.Templates), "hosts", len(cfg.DockerHosts))
	d.Wake()
	return nil
}

func (d *Daemon) swap(cfg *config.Config, j Jenkins, hosts map[string]DockerHost) error {
	entries := make(map[string]*hostEntry, len(cfg.DockerHosts))
	for _, hc := range cfg.DockerHosts {
		api, ok := hosts[hc.Name]
		if !ok {
			return fmt.Errorf("no client for docker host %q", hc.Name)
		}
		entries[hc.Name] = &hostEntry{cfg: hc, api: api}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cfg, d.jenkins, d.hosts = cfg, j, entries
	return nil
}

func (d *Daemon) config() *config.Config {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.cfg
}

func (d *Daemon) jenkinsClient() Jenkins {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.jenkins
}

func (d *Daemon) host(name string) *hostEntry {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.hosts[name]
}

func (d *Daemon) hostList() []*hostEntry {
	d.mu.RLock()
	defer d.mu.RUnlock()
	cfg := d.cfg
	out := make([]*hostEntry, 0, len(cfg.DockerHosts))
	for _, hc := range cfg.DockerHosts {
		out = append(out, d.hosts[hc.Name])
	}
	return out
}

// Wake makes the loop run a cycle now instead of at the next tick.
func (d *Daemon) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run runs cycles until ctx ends, then returns. It does not touch the agents
// on its way out: Shutdown applies the shutdown policy.
func (d *Daemon) Run(ctx context.Context) error {
	ectx, stop := context.WithCancel(ctx)
	defer stop()
	go d.watchEvents(ectx)
	return d.loop(ctx, false, nil)
}

// loop runs cycles until ctx ends or until stop (if set) says so.
func (d *Daemon) loop(ctx context.Context, draining bool, stop func(Cycle) bool) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-d.wake:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		c, ok := d.cycle(ctx, draining)
		if !ok {
			return nil // ctx ended during the cycle's reads
		}
		if stop != nil && stop(c) {
			return nil
		}
		timer.Reset(d.rep.nextDelay(d.config().Jenkins.PollInterval))
	}
}

// cycle is one observe-plan-act round. It reports false, and does nothing,
// when ctx ended during the reads: their errors then say that berth is
// stopping, not that Jenkins or a host is down, and must not be logged or
// planned on as an outage.
func (d *Daemon) cycle(ctx context.Context, draining bool) (Cycle, bool) {
	cfg := d.config()
	snap, jerr, herrs := d.observe(ctx, cfg, draining)
	if ctx.Err() != nil {
		return Cycle{}, false
	}
	res := plan.Plan(snap, d.state)
	d.state = res.State
	for _, a := range res.Actions {
		d.exec.submit(a)
	}
	c := Cycle{At: snap.Now, Snapshot: snap, Result: res, JenkinsErr: jerr, HostErrs: herrs}
	d.rep.report(c)
	if jerr == nil && !d.ready {
		d.ready = true
		d.notify("READY=1")
		d.log.Info("first cycle done: berth is ready", "instance", cfg.Instance, "templates", len(cfg.Templates), "hosts", len(cfg.DockerHosts))
	}
	d.notify("WATCHDOG=1")
	if d.onCyc != nil {
		d.onCyc(c)
	}
	return c, true
}
