package provisioner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins"
)

// Shutdown applies the config's onShutdown policy after Run has returned:
//
//	keep    leave every agent in place; the next berth adopts them
//	drain   start nothing, retire agents as they go idle, wait for running
//	        builds up to drainTimeout, then remove what is left
//	remove  delete every agent of this instance (and its placeholder node)
//
// In every case it first waits for the actions under way (each finishes or
// undoes itself), bounded by ctx.
func (d *Daemon) Shutdown(ctx context.Context) error {
	cfg := d.config()
	policy := cfg.OnShutdown
	d.log.Info("shutting down", "onShutdown", string(policy))
	switch policy {
	case config.ShutdownDrain:
		dctx, cancel := context.WithTimeout(ctx, cfg.DrainTimeout)
		_ = d.loop(dctx, true, func(c Cycle) bool {
			return c.JenkinsErr == nil && len(c.HostErrs) == 0 && len(c.Snapshot.Containers) == 0 && d.exec.busy() == 0
		})
		cancel()
		d.exec.wait(ctx)
		return d.removeAll(ctx)
	case config.ShutdownRemove:
		d.exec.wait(ctx)
		return d.removeAll(ctx)
	default:
		d.exec.wait(ctx)
		d.log.Info("agents left in place for the next start to adopt")
		return nil
	}
}

// removeAll deletes every node and container of this instance, busy or
// not, and the placeholder node.
func (d *Daemon) removeAll(ctx context.Context) error {
	cfg := d.config()
	snap, jerr, herrs := d.observe(ctx, cfg, true)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, max(cfg.Concurrency, 1))
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	if jerr != nil {
		fail(fmt.Errorf("read jenkins nodes: %w", jerr))
	}
	for h, err := range herrs {
		fail(fmt.Errorf("list containers on %s: %w", h, err))
	}
	do := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := f(); err != nil {
				fail(err)
			}
		}()
	}
	withContainer := map[string]bool{}
	for _, c := range snap.Containers {
		withContainer[c.Node] = true
		h := d.host(c.Host)
		stop := defaultStopTimeout
		if t, ok := cfg.Template(c.Template); ok {
			stop = t.StopTimeout
		}
		do(func() error { return d.exec.removeAgent(ctx, c.Node, h, c.ID, stop) })
	}
	for _, n := range snap.Nodes {
		if (n.Managed != nil && !withContainer[n.Name]) || n.Placeholder {
			do(func() error {
				if err := d.jenkinsClient().DeleteNode(ctx, n.Name); err != nil && !errors.Is(err, jenkins.ErrNotFound) {
					return fmt.Errorf("delete node %s: %w", n.Name, err)
				}
				return nil
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	d.log.Info("all agents removed", "containers", len(snap.Containers))
	return nil
}

// DrainBudget is how long Shutdown may take beyond finishing the actions
// under way: drainTimeout under the drain policy, else nothing.
func (d *Daemon) DrainBudget() time.Duration {
	if cfg := d.config(); cfg.OnShutdown == config.ShutdownDrain {
		return cfg.DrainTimeout
	}
	return 0
}
