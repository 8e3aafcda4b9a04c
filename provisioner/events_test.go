package provisioner

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/berth-dev/berth/dockerapi"
)

// eventHost is a fakeHost that also streams events.
type eventHost struct {
	*fakeHost
	events chan dockerapi.Event
}

func (h *eventHost) Events(ctx context.Context, _ string) (<-chan dockerapi.Event, <-chan error) {
	out, errs := make(chan dockerapi.Event), make(chan error, 1)
	go func() {
		defer close(out)
		defer close(errs)
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-h.events:
				out <- ev
			}
		}
	}()
	return out, errs
}

// TestContainerEventWakesTheLoop: with an hour between polls, a container
// event still makes berth plan again at once.
func TestContainerEventWakesTheLoop(t *testing.T) {
	cfg := testConfig()
	cfg.Jenkins.PollInterval = time.Hour
	log := &callLog{}
	h := &eventHost{fakeHost: &fakeHost{log: log}, events: make(chan dockerapi.Event)}
	cycles := make(chan struct{}, 10)
	d, err := New(cfg, &fakeJenkins{log: log}, map[string]DockerHost{"h1": h}, Options{
		Logger:  slog.New(slog.DiscardHandler),
		OnCycle: func(Cycle) { cycles <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = d.Run(ctx) }()
	select {
	case <-cycles:
	case <-time.After(10 * time.Second):
		t.Fatal("no first cycle")
	}
	select {
	case h.events <- dockerapi.Event{Action: "die", Name: "linux-1"}:
	case <-time.After(10 * time.Second):
		t.Fatal("berth does not watch container events")
	}
	select {
	case <-cycles:
	case <-time.After(10 * time.Second):
		t.Fatal("a container event did not wake the loop")
	}
}
