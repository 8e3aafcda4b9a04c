package dockerapi

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// checkStartWithInput starts a container that copies its standard input to
// its log and then waits, through h, and checks that the input arrived
// whole, that the stream ended (cat returned), and that docker inspect does
// not show it.
func checkStartWithInput(t *testing.T, e *env) { checkInput(t, e, false) }

// checkInput is checkStartWithInput; with running, the container is started
// before StartWithInput attaches, which is what happens when the engine sets
// up the attach only after the start (it then holds the stream open until
// the container stops).
func checkInput(t *testing.T, e *env, running bool) {
	t.Helper()
	ctx := t.Context()
	const input = "s3cret-on-stdin\n"
	spec := e.spec("stdin", "cat", "/dev/stdin", "sleep")
	spec.Stdin = true
	id := e.create(spec)
	if running {
		if err := e.h.Start(ctx, id); err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	// The container sleeps until removed: a StartWithInput that waited for
	// the engine to end the stream would run into its call timeout here
	// (30 s), where it should return a second after writing.
	began := time.Now()
	if err := e.h.StartWithInput(ctx, id, []byte(input)); err != nil {
		t.Fatalf("StartWithInput: %v", err)
	}
	if took := time.Since(began); took >= DefaultCallTimeout/2 {
		t.Errorf("StartWithInput took %s: it waited for the engine to end a stream it holds until the container stops", took.Round(time.Second))
	}
	deadline := time.Now().Add(10 * time.Second)
	var logs string
	for time.Now().Before(deadline) {
		var err error
		if logs, err = e.h.Logs(ctx, id, 10); err != nil {
			t.Fatalf("Logs: %v", err)
		}
		if strings.Contains(logs, input) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(logs, input) {
		t.Fatalf("the input never reached the container (cat printed %q): its standard input was not written or not closed", logs)
	}
	c, err := e.h.Inspect(ctx, id)
	if err != nil || !c.Running {
		t.Fatalf("after the input: %+v, %v; want it running (sleep)", c, err)
	}
	raw, err := e.h.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw.Raw), strings.TrimSpace(input)) {
		t.Error("docker inspect shows the input")
	}
	if err := e.h.Remove(ctx, id, time.Second); err != nil {
		t.Errorf("Remove: %v", err)
	}
}

func TestStartWithInput(t *testing.T) {
	t.Parallel()
	checkStartWithInput(t, newEnv(t))
}

func TestStartWithInputAttachAfterStart(t *testing.T) {
	t.Parallel()
	checkInput(t, newEnv(t), true)
}

func TestStartWithInputErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	err := e.h.StartWithInput(t.Context(), "no-such-container-"+e.instance, []byte("x"))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing container: %v, want ErrNotFound", err)
	}
	if err == nil || !strings.Contains(err.Error(), "start container no-such-container-") || !strings.Contains(err.Error(), "with input") {
		t.Errorf("error does not name the call and container: %v", err)
	}
}
