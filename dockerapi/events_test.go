package dockerapi

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// TestEvents: a managed container that dies produces a die event with its
// exit code and owner, and its removal a destroy event; an unmanaged
// container of the same instance produces none.
func TestEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	evs, errc := e.h.Events(ctx, e.instance)

	// First an unmanaged container of the same instance dies: if it leaked
	// into the stream, it would come first.
	res, err := e.h.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: testImage, Cmd: []string{"exit", "1"},
			Labels: map[string]string{LabelInstance: e.instance, "io.berth.test": "dockerapi"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.cli.ContainerStart(ctx, res.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	e.wait(res.ID)

	c := e.run(e.spec("dies", "exit", "7"))
	next := func() Event {
		t.Helper()
		select {
		case ev := <-evs:
			return ev
		case err := <-errc:
			t.Fatalf("event stream ended: %v", err)
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return Event{}
	}
	ev := next()
	if ev.Action != "die" || ev.ContainerID != c.ID || ev.ExitCode != 7 || ev.Name != c.Name ||
		ev.Owner.Instance != e.instance || ev.Owner.Node != "dies" || ev.Time.IsZero() {
		t.Errorf("first event = %+v, want die of %s with exit code 7", ev, c.Name)
	}
	if err := e.h.Remove(ctx, c.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Action != "destroy" || ev.ContainerID != c.ID {
		t.Errorf("second event = %+v, want destroy of %s", ev, c.ID)
	}

	// Ending the context ends the stream with the context's error.
	cancel()
	for range evs {
	}
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("stream end error = %v, want context.Canceled", err)
	}
}
