package plan

import (
	"strings"
	"testing"
	"time"
)

// running is the state of a planner that has run since well before t0.
func running() State { return State{Since: t0.Add(-24 * time.Hour)} }

// startingWorld is a berth agent whose container was created age ago and
// whose node is not online yet.
func startingWorld(age time.Duration) Snapshot {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", age)
	s.Nodes[0].Online = false
	return s
}

func TestLaunchTimeout(t *testing.T) {
	res := Plan(startingWorld(2*time.Minute-time.Second), running())
	checkActions(t, res)

	res = Plan(startingWorld(2*time.Minute), running())
	checkActions(t, res, "remove berth-1 c-berth-1")
	const wantReason = "not online 2m0s after its container was created (launchTimeout 2m0s); template linux backs off 10s (failure 1)"
	if got := res.Actions[0].Reason; got != wantReason {
		t.Errorf("reason\n got %q\nwant %q", got, wantReason)
	}
	b := res.State.Backoff["linux"]
	if b.Failures != 1 || !b.Until.Equal(t0.Add(10*time.Second)) || !strings.Contains(b.LastReason, "not online within launchTimeout 2m0s") {
		t.Errorf("back-off %+v", b)
	}
}

func TestLaunchFailureCountedOnce(t *testing.T) {
	s := startingWorld(3 * time.Minute)
	res := Plan(s, running())
	checkActions(t, res, "remove berth-1 c-berth-1")
	// The removal failed; the agent is still there next cycle.
	s.Now = t0.Add(time.Second)
	res = Plan(s, res.State)
	checkActions(t, res, "remove berth-1 c-berth-1")
	if f := res.State.Backoff["linux"].Failures; f != 1 {
		t.Errorf("failures = %d, want 1", f)
	}
	if !strings.Contains(res.Actions[0].Reason, "failure already counted") {
		t.Errorf("reason %q", res.Actions[0].Reason)
	}
}

// TestLaunchAgentFromBeforeRestart: a berth that has just started cannot
// tell whether an offline agent it finds was online before (its agent may
// be reconnecting after a Jenkins outage): its launch time runs from the
// first sighting, not from its container's creation, so a restart does not
// hasten its removal. When it is removed, the failure is not counted
// against the template.
func TestLaunchAgentFromBeforeRestart(t *testing.T) {
	s := startingWorld(3 * time.Minute)
	res := Plan(s, State{})
	checkActions(t, res)
	s.Now = t0.Add(2*time.Minute - time.Second)
	res = Plan(s, res.State)
	checkActions(t, res)
	s.Now = t0.Add(2 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "remove berth-1 c-berth-1")
	if !strings.Contains(res.Actions[0].Reason, "not online 2m0s after this run of berth first saw its node") {
		t.Errorf("reason %q", res.Actions[0].Reason)
	}
	if _, ok := res.State.Backoff["linux"]; ok {
		t.Errorf("back-off for an agent berth did not see start: %+v", res.State.Backoff)
	}
}

func TestLaunchExited(t *testing.T) {
	tests := []struct {
		name       string
		build      func(s *Snapshot)
		st         State
		want       string
		reasonHas  string
		failureHas string // "" when no failure may be counted
	}{
		{
			name:       "exit before online is a failure",
			build:      func(s *Snapshot) { s.Nodes[0].Online = false; s.Containers[0].ExitCode = 1 },
			st:         running(),
			want:       "remove berth-1 c-berth-1",
			reasonHas:  "container exited with code 1 before its node was ever online",
			failureHas: "agent container exited with code 1 before coming online",
		},
		{
			name: "OOMKilled",
			build: func(s *Snapshot) {
				s.Nodes[0].Online = false
				s.Containers[0].ExitCode, s.Containers[0].OOMKilled = 137, true
			},
			st:         running(),
			want:       "remove berth-1 c-berth-1",
			reasonHas:  "container OOMKilled (exit code 137)",
			failureHas: "OOMKilled",
		},
		{
			name:  "exit after being online is no failure",
			build: func(s *Snapshot) { s.Nodes[0].Online = false },
			st: State{Since: t0.Add(-24 * time.Hour), Agents: map[string]AgentState{
				"berth-1": {WasOnline: true, NodeSeen: t0.Add(-time.Hour), OfflineSince: t0},
			}},
			want:      "remove berth-1 c-berth-1",
			reasonHas: "container exited with code 0",
		},
		{
			name:      "exit with the node gone",
			build:     func(s *Snapshot) { s.Nodes = nil },
			st:        running(),
			want:      "remove-container c-berth-1",
			reasonHas: "and its node is gone",
			// no node seen online: still a failure of the template
			failureHas: "exited with code 0 before coming online",
		},
		{
			name:      "exit while the nodes cannot be read: removed, not counted",
			build:     func(s *Snapshot) { s.NodesOK = false },
			st:        running(),
			want:      "remove berth-1 c-berth-1",
			reasonHas: "container exited with code 0",
		},
		{
			name: "exit with a removal in flight: left alone",
			build: func(s *Snapshot) {
				s.InFlight = []InFlight{{Kind: Remove, Node: "berth-1", Container: "c-berth-1", Host: "h1"}}
			},
			st: running(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			agentPair(&s, "berth-1", "linux", "h1", 10*time.Second)
			s.Containers[0].Running, s.Containers[0].Exited = false, true
			tt.build(&s)
			res := Plan(s, tt.st)
			if tt.want == "" {
				checkActions(t, res)
				return
			}
			checkActions(t, res, tt.want)
			if !strings.Contains(res.Actions[0].Reason, tt.reasonHas) {
				t.Errorf("reason %q does not contain %q", res.Actions[0].Reason, tt.reasonHas)
			}
			b, failed := res.State.Backoff["linux"]
			switch {
			case tt.failureHas == "" && failed:
				t.Errorf("unexpected back-off %+v", b)
			case tt.failureHas != "" && (!failed || !strings.Contains(b.LastReason, tt.failureHas)):
				t.Errorf("back-off %+v, want last reason containing %q", b, tt.failureHas)
			}
		})
	}
}

func TestLaunchLostAgent(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	res := Plan(s, running()) // online
	s.Nodes[0].Online = false // the agent dropped its connection

	s.Now = t0.Add(time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(3*time.Minute - time.Second)
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(3 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "remove berth-1 c-berth-1")
	if got, want := res.Actions[0].Reason, "offline for 2m0s after being online (launchTimeout 2m0s): its agent did not reconnect"; got != want {
		t.Errorf("reason\n got %q\nwant %q", got, want)
	}
	if _, ok := res.State.Backoff["linux"]; ok {
		t.Error("a lost agent counted as a launch failure")
	}
}

func TestLaunchUnconfiguredHostFromFirstSighting(t *testing.T) {
	// The agent's docker host left the configuration: its container cannot
	// be seen, so the launch time runs from the node's first sighting.
	s := newSnap(tmpl("linux", "linux"))
	n := agentNode(&s, "berth-1", "linux", "gone")
	n.Online = false
	s.Nodes = []Node{n}
	res := Plan(s, running())
	checkActions(t, res)
	s.Now = t0.Add(2 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "remove berth-1")
}

// TestLaunchHostDownLeftAlone: an agent whose host does not list is left
// alone, even offline past its launch timeout: its container may be fine.
func TestLaunchHostDownLeftAlone(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	res := Plan(s, running()) // online
	s.Hosts[0].Listed = false
	s.Containers = nil
	s.Nodes[0].Online = false
	for _, at := range []time.Duration{time.Second, 5 * time.Minute} {
		s.Now = t0.Add(at)
		res = Plan(s, res.State)
		checkActions(t, res)
	}
	// The host is back and the agent still offline: now it goes.
	s.Hosts[0].Listed = true
	s.Containers = []Container{ctr("h1", "berth-1", "linux", time.Hour)}
	s.Now = t0.Add(6 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "remove berth-1 c-berth-1")
}
