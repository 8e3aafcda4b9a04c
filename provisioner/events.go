package provisioner

import (
	"context"
	"time"

	"github.com/berth-dev/berth/dockerapi"
)

// eventSource is a Docker host that can stream its containers' lifecycle
// events (*dockerapi.Host can).
type eventSource interface {
	Events(ctx context.Context, instance string) (<-chan dockerapi.Event, <-chan error)
}

// eventRetry is how long berth waits before it subscribes again to a host
// whose event stream broke.
const eventRetry = 5 * time.Second

// watchEvents wakes the loop whenever one of berth's containers dies or is
// removed, so a dead agent is dealt with at once instead of at the next
// poll. Events are only a hint: the next cycle's listing is what counts, so
// a missed event costs at most one poll interval.
func (d *Daemon) watchEvents(ctx context.Context) {
	started := map[string]bool{}
	for {
		for _, h := range d.hostList() {
			src, ok := h.api.(eventSource)
			if !ok || started[h.cfg.Name] {
				continue
			}
			started[h.cfg.Name] = true
			go d.watchHost(ctx, h.cfg.Name, src)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(eventRetry):
			// Hosts added by a reload get their watcher here.
		}
	}
}

func (d *Daemon) watchHost(ctx context.Context, host string, src eventSource) {
	for {
		events, errs := src.Events(ctx, d.config().Instance)
		for ev := range events {
			d.log.Debug("container event", "host", host, "event", ev.Action, "container", ev.Name)
			d.Wake()
		}
		if err := <-errs; err != nil && ctx.Err() == nil {
			d.log.Debug("container events interrupted; subscribing again", "host", host, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(eventRetry):
		}
		if d.host(host) == nil {
			return // removed from the config
		}
	}
}
