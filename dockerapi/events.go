package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// Event is a lifecycle event of a managed container.
type Event struct {
	Action      string // "die", "oom" or "destroy"
	ContainerID string
	Name        string // container name
	Owner       Owner
	ExitCode    int // for "die"
	Time        time.Time
}

// Events streams die, oom and destroy events of the containers of berth
// instance instance. It returns once the engine has accepted the
// subscription (or the request failed, within the call timeout), so every
// event after the return is delivered. The stream ends when ctx ends or the
// connection fails: the error channel then receives one error and both
// channels are closed. Events may be missed between streams, so a caller
// that resubscribes should List again.
func (h *Host) Events(ctx context.Context, instance string) (<-chan Event, <-chan error) {
	out := make(chan Event)
	errc := make(chan error, 1)
	op := "watch events of instance " + instance
	if instance == "" {
		errc <- h.opErr(op, ErrInvalid, errors.New("instance is empty"))
		close(errc)
		close(out)
		return out, errc
	}
	f := client.Filters{}
	f.Add("type", string(events.ContainerEventType))
	f.Add("event", string(events.ActionDie), string(events.ActionOOM), string(events.ActionDestroy))
	f.Add("label", LabelManaged+"=true", LabelInstance+"="+instance)

	sctx, cancel := context.WithCancel(ctx)
	// The engine answers the request at once and then streams; only the
	// answer is bounded by the call timeout.
	var timedOut atomic.Bool
	timer := time.AfterFunc(h.cfg.CallTimeout, func() { timedOut.Store(true); cancel() })
	res := h.cli.Events(sctx, client.EventsListOptions{Filters: f}) // returns once answered or failed
	timer.Stop()
	go func() {
		defer cancel()
		defer close(out)
		defer close(errc)
		for {
			select {
			case m, ok := <-res.Messages:
				if !ok {
					errc <- h.eventsErr(ctx, op, errors.New("event stream closed"), false)
					return
				}
				select {
				case out <- eventFrom(m):
				case <-ctx.Done():
					errc <- h.eventsErr(ctx, op, ctx.Err(), false)
					return
				}
			case err := <-res.Err:
				errc <- h.eventsErr(ctx, op, err, timedOut.Load())
				return
			case <-ctx.Done():
				errc <- h.eventsErr(ctx, op, ctx.Err(), false)
				return
			}
		}
	}()
	return out, errc
}

func (h *Host) eventsErr(ctx context.Context, op string, err error, timedOut bool) error {
	if timedOut {
		return h.opErr(op, ErrUnavailable, fmt.Errorf("no answer within %s: %w", h.cfg.CallTimeout, err))
	}
	if ctx.Err() != nil {
		return &OpError{Host: h.name, Op: op, Err: ctx.Err()}
	}
	class := classify(err)
	if class == nil {
		// A stream that breaks for any reason means the host is not
		// watchable right now.
		class = ErrUnavailable
	}
	return h.opErr(op, class, err)
}

func eventFrom(m events.Message) Event {
	a := m.Actor.Attributes
	ev := Event{
		Action:      string(m.Action),
		ContainerID: m.Actor.ID,
		Name:        a["name"],
		Owner:       ParseOwner(a),
		Time:        time.Unix(0, m.TimeNano),
	}
	if m.TimeNano == 0 {
		ev.Time = time.Unix(m.Time, 0)
	}
	if code, err := strconv.Atoi(a["exitCode"]); err == nil {
		ev.ExitCode = code
	}
	// Some engines report "health_status: x"-style actions with a suffix;
	// keep the verb only.
	ev.Action, _, _ = strings.Cut(ev.Action, ":")
	return ev
}
