package provisioner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner/plan"
)

func TestReporterLogsChangesNotRepeats(t *testing.T) {
	var buf bytes.Buffer
	r := newReporter(slog.New(slog.NewTextHandler(&buf, nil)))
	down := errors.New("get /queue/api/json: 503 Service Unavailable")
	hosts := []plan.Host{{Name: "h1"}, {Name: "h2"}}
	cycle := func(jerr error, hostDown bool, unserved ...plan.Unserved) {
		c := Cycle{JenkinsErr: jerr, HostErrs: map[string]error{}, Snapshot: plan.Snapshot{Hosts: hosts}, Result: plan.Result{Unserved: unserved}}
		if hostDown {
			c.HostErrs["h2"] = errors.New("connection refused")
		}
		r.report(c)
	}
	wait := plan.Unserved{Key: "linux", Items: []int64{1}, Reason: "template linux at instanceCap 2"}
	for range 5 {
		cycle(down, true)
	}
	for range 5 {
		cycle(nil, false, wait)
	}
	cycle(nil, false)
	out := buf.String()
	for _, c := range []struct {
		msg  string
		want int
	}{
		{"jenkins unreachable", 1},
		{"jenkins reachable again", 1},
		{"docker host unreachable", 1},
		{"docker host reachable again", 1},
		{"builds waiting", 1},
		{"builds no longer blocked", 1},
	} {
		if got := strings.Count(out, c.msg); got != c.want {
			t.Errorf("%q logged %d times, want %d:\n%s", c.msg, got, c.want, out)
		}
	}
}

func TestPollBacksOffWhileJenkinsIsDown(t *testing.T) {
	r := newReporter(slog.New(slog.DiscardHandler))
	down := Cycle{JenkinsErr: errors.New("refused")}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if d := r.nextDelay(time.Second); d != time.Second {
		t.Fatalf("up: delay %s, want the poll interval", d)
	}
	for i, w := range want[1:] {
		r.report(down)
		if d := r.nextDelay(time.Second); d != w {
			t.Errorf("after %d failed cycles: delay %s, want %s", i+1, d, w)
		}
	}
	r.report(Cycle{})
	if d := r.nextDelay(time.Second); d != time.Second {
		t.Errorf("back up: delay %s, want 1s", d)
	}
}

func TestReporterLogsWarmPoolShortOnChange(t *testing.T) {
	var buf bytes.Buffer
	r := newReporter(slog.New(slog.NewTextHandler(&buf, nil)))
	short := plan.WarmPool{Template: "linux", Idle: 2, Ready: 0, Blocked: "template linux at instanceCap 3"}
	for range 3 {
		r.report(Cycle{Result: plan.Result{Warm: []plan.WarmPool{short}}})
	}
	r.report(Cycle{Result: plan.Result{Warm: []plan.WarmPool{{Template: "linux", Idle: 2, Ready: 2}}}})
	out := buf.String()
	if n := strings.Count(out, `msg="warm pool short"`); n != 1 {
		t.Errorf("short logged %d times, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "instanceCap 3") || strings.Count(out, "warm pool no longer short") != 1 {
		t.Errorf("missing reason or recovery line:\n%s", out)
	}
}

// blockingJenkins answers the queue read only when its context ends, as a
// read does that is in flight when berth is told to stop.
type blockingJenkins struct {
	*fakeJenkins
	reading chan struct{}
}

func (b *blockingJenkins) Queue(ctx context.Context) ([]jenkins.QueueItem, error) {
	close(b.reading)
	<-ctx.Done()
	return nil, fmt.Errorf("read queue: GET /queue/api/json: %w", ctx.Err())
}

// TestStopDuringReadIsNotAnOutage: a cycle whose reads fail because berth
// is stopping logs no Jenkins outage and plans nothing.
func TestStopDuringReadIsNotAnOutage(t *testing.T) {
	var buf bytes.Buffer
	log := &callLog{}
	j := &blockingJenkins{fakeJenkins: &fakeJenkins{log: log}, reading: make(chan struct{})}
	cycles := 0
	d, err := New(testConfig(), j, map[string]DockerHost{"h1": &fakeHost{log: log}}, Options{
		Logger:  slog.New(slog.NewTextHandler(&buf, nil)),
		OnCycle: func(Cycle) { cycles++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case <-j.reading:
	case <-time.After(10 * time.Second):
		t.Fatal("the first cycle never read the queue")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if strings.Contains(buf.String(), "jenkins unreachable") {
		t.Errorf("stopping was logged as an outage:\n%s", buf.String())
	}
	if cycles != 0 {
		t.Errorf("%d interrupted cycles reported, want 0", cycles)
	}
}
