package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestBackoffTable(t *testing.T) {
	want := []time.Duration{0, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second,
		160 * time.Second, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for n, d := range want {
		if got := backoffDelay(n); got != d {
			t.Errorf("backoffDelay(%d) = %s, want %s", n, got, d)
		}
	}
}

func failedStart(template, reason string) Outcome {
	return Outcome{Kind: Start, Node: "berth-x", Template: template, Host: "h1", Failed: true, Reason: reason}
}

func TestBackoffAfterFailedStart(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"), tmpl("other", "other"))
	s.Outcomes = []Outcome{failedStart("linux", "image not found")}
	s.Demand = []Demand{want(t, "linux", 1, 2, 3), want(t, "other", 4)}
	res := Plan(s, running())
	// The other template carries on.
	checkActions(t, res, "start other@h1 [4]")
	checkUnserved(t, res, "linux", []int64{1, 2, 3},
		"template linux backing off until 2026-01-01T12:00:10Z after 1 failure; last: start failed: image not found")

	// The pause is over: one start, not three.
	s.Outcomes = nil
	s.Demand = s.Demand[:1]
	s.Now = t0.Add(10 * time.Second)
	res = Plan(s, res.State)
	checkActions(t, res, "start linux@h1 [1]")
	checkUnserved(t, res, "linux", []int64{2, 3}, "template linux recovering after 1 failure (last: start failed: image not found): one start at a time")

	// While it is in flight: no second start.
	s.Now = t0.Add(11 * time.Second)
	s.InFlight = []InFlight{{Kind: Start, Node: "berth-probe", Template: "linux", Host: "h1"}}
	res = Plan(s, res.State)
	checkActions(t, res)

	// It fails too: the pause doubles.
	s.Now = t0.Add(12 * time.Second)
	s.InFlight = nil
	s.Outcomes = []Outcome{{Kind: Start, Node: "berth-probe", Template: "linux", Host: "h1", Failed: true, Reason: "image not found"}}
	res = Plan(s, res.State)
	checkActions(t, res)
	if b := res.State.Backoff["linux"]; b.Failures != 2 || b.Step != 2 || !b.Until.Equal(t0.Add(32*time.Second)) {
		t.Errorf("back-off %+v, want 2 failures, step 2, until +32s", b)
	}
}

func TestBackoffEndsWhenAnAgentComesOnline(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", 10*time.Second)
	s.Nodes[0].Online = false
	st := running()
	st.Backoff = map[string]Backoff{"linux": {Failures: 3, Step: 3, Until: t0.Add(time.Minute), LastReason: "x"}}
	res := Plan(s, st)
	if _, ok := res.State.Backoff["linux"]; !ok {
		t.Fatal("back-off ended before any agent came online")
	}
	s.Nodes[0].Online, s.Nodes[0].Busy = true, 1
	s.Now = t0.Add(time.Second)
	s.Demand = []Demand{want(t, "linux", 1, 2)}
	res = Plan(s, res.State)
	if b, ok := res.State.Backoff["linux"]; ok {
		t.Errorf("back-off still %+v after an agent came online", b)
	}
	checkActions(t, res, "start linux@h1 [1]", "start linux@h1 [2]")
}

// TestBackoffNoCreateLoop runs the planner against an executor whose every
// start fails (an image that does not exist) for ten minutes of 1 s
// cycles: it may start once per back-off step, never more.
func TestBackoffNoCreateLoop(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Demand = []Demand{want(t, "linux", 1, 2, 3, 4, 5)}
	st := running()
	var starts []time.Time
	var inFlight []InFlight // each start takes one cycle, then fails
	for i := 0; i <= 600; i++ {
		s.Now = t0.Add(time.Duration(i) * time.Second)
		s.InFlight = inFlight
		s.Outcomes = nil
		for _, f := range inFlight {
			s.InFlight = nil
			s.Outcomes = append(s.Outcomes, Outcome{Kind: Start, Node: f.Node, Template: "linux", Host: "h1", Failed: true, Reason: "pull access denied"})
		}
		inFlight = nil
		res := Plan(s, st)
		st = res.State
		for _, a := range res.Actions {
			if a.Kind == Start {
				starts = append(starts, s.Now)
				name := fmt.Sprintf("berth-%d", len(starts))
				inFlight = append(inFlight, InFlight{Kind: Start, Node: name, Template: "linux", Host: "h1", Since: s.Now})
			}
		}
	}
	// One for each waiting build at first (the template was healthy), then
	// one start 10s, 20s, 40s, 80s, 160s, 300s after each failure (seen one
	// cycle after the start): 11, 32, 73, 154, 315.
	want := []time.Duration{0, 0, 0, 0, 0, 11 * time.Second, 32 * time.Second, 73 * time.Second, 154 * time.Second, 315 * time.Second}
	if len(starts) != len(want) {
		t.Fatalf("%d starts in 10 minutes, want %d: %v", len(starts), len(want), starts)
	}
	for i, at := range starts {
		if got := at.Sub(t0); got != want[i] {
			t.Errorf("start %d at +%s, want +%s", i, got, want[i])
		}
	}
	if b := st.Backoff["linux"]; b.Failures != 10 || b.Step != 6 {
		t.Errorf("back-off %+v, want 10 failures at step 6", b)
	}
	if r := st.Backoff["linux"].LastReason; !strings.Contains(r, "pull access denied") {
		t.Errorf("last reason %q", r)
	}
}

func TestBackoffBurstIsOneStep(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	for _, n := range []string{"berth-a", "berth-b", "berth-c"} {
		s.Outcomes = append(s.Outcomes, Outcome{Kind: Start, Node: n, Template: "linux", Host: "h1", Failed: true, Reason: "no such image"})
	}
	res := Plan(s, running())
	if b := res.State.Backoff["linux"]; b.Failures != 3 || b.Step != 1 || !b.Until.Equal(t0.Add(10*time.Second)) {
		t.Errorf("back-off %+v, want 3 failures, step 1, until +10s", b)
	}
}

func TestBackoffIgnoresOtherOutcomes(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Outcomes = []Outcome{
		{Kind: Retire, Node: "berth-a", Template: "linux", Failed: true, Reason: "timeout"},
		{Kind: Start, Node: "berth-b", Template: "linux"},
		{Kind: Start, Node: "berth-c", Template: "gone", Failed: true},
	}
	res := Plan(s, running())
	if len(res.State.Backoff) != 0 {
		t.Errorf("back-off %+v", res.State.Backoff)
	}
}

// The reporter logs an unserved reason when its text changes, so a back-off
// must read the same in every cycle of its pause.
func TestBackoffReasonStableDuringPause(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Outcomes = []Outcome{failedStart("linux", "image not found")}
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, running())
	first := res.Unserved
	s.Outcomes = nil
	for _, dt := range []time.Duration{time.Second, 4 * time.Second, 9 * time.Second} {
		s.Now = t0.Add(dt)
		res = Plan(s, res.State)
		if len(res.Unserved) != 1 || len(first) != 1 || res.Unserved[0].Reason != first[0].Reason {
			t.Fatalf("at +%s the reason changed: %+v, first %+v", dt, res.Unserved, first)
		}
	}
}
