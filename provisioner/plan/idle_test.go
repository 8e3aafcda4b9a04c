package plan

import (
	"testing"
	"time"
)

// idleWorld is one idle berth agent of template linux (idleTimeout 5m).
func idleWorld() Snapshot {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	return s
}

func TestIdleRetiresAfterTimeout(t *testing.T) {
	s := idleWorld()
	res := Plan(s, State{}) // first sighting: idle from now
	checkActions(t, res)

	s.Now = t0.Add(5*time.Minute - time.Second)
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(5 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "retire berth-1 c-berth-1")
	if a := res.Actions[0]; a.Reason != "idle 5m0s ≥ idleTimeout 5m0s" || a.Host != "h1" || a.Template != "linux" {
		t.Errorf("retire = %+v", a)
	}
}

func TestIdleBusyStartsOver(t *testing.T) {
	s := idleWorld()
	res := Plan(s, State{})

	s.Now = t0.Add(4 * time.Minute)
	s.Nodes[0].Busy = 1
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(6 * time.Minute) // idle again, for the first time at 6m
	s.Nodes[0].Busy = 0
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(11*time.Minute - time.Second)
	res = Plan(s, res.State)
	checkActions(t, res)

	s.Now = t0.Add(11 * time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "retire berth-1 c-berth-1")
}

func TestIdleLeaves(t *testing.T) {
	long := State{Agents: map[string]AgentState{"berth-1": {IdleSince: t0.Add(-time.Hour), WasOnline: true, NodeSeen: t0.Add(-time.Hour)}}}
	tests := []struct {
		name  string
		build func(s *Snapshot)
	}{
		{"a busy agent", func(s *Snapshot) { s.Nodes[0].Busy = 1 }},
		{"an agent a person took offline", func(s *Snapshot) {
			s.Nodes[0].Online, s.Nodes[0].TemporarilyOffline = false, true
		}},
		{"an agent with an action in flight", func(s *Snapshot) {
			s.Nodes[0].Online, s.Nodes[0].TemporarilyOffline, s.Nodes[0].OfflineByBerth = false, true, true
			s.InFlight = []InFlight{{Kind: Retire, Node: "berth-1", Host: "h1"}}
		}},
		{"an agent on a host that did not list", func(s *Snapshot) {
			s.Hosts[0].Listed = false
			s.Containers = nil
		}},
		{"any agent while the nodes cannot be read", func(s *Snapshot) { s.NodesOK = false }},
		{"a node of another berth instance", func(s *Snapshot) { s.Nodes[0].Managed.Instance = "b2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := idleWorld()
			tt.build(&s)
			res := Plan(s, long)
			for _, a := range res.Actions {
				if a.Kind == Retire || a.Kind == Remove || a.Kind == DeleteNode {
					t.Errorf("unexpected %s: %s", a.Kind, a.Reason)
				}
			}
		})
	}
}

func TestIdleDraining(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-idle", "linux", "h1", time.Hour)
	agentPair(&s, "berth-busy", "linux", "h1", time.Hour)
	s.Nodes[1].Busy = 1
	s.Draining = true
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, State{}) // just seen idle: drained at once all the same
	checkActions(t, res, "retire berth-idle c-berth-idle")
	checkUnserved(t, res, "linux", []int64{1}, "berth is draining for shutdown: nothing starts")
}

func TestIdleFinishesRetirementBerthStarted(t *testing.T) {
	s := idleWorld()
	s.Nodes[0].Online, s.Nodes[0].TemporarilyOffline, s.Nodes[0].OfflineByBerth = false, true, true
	res := Plan(s, State{})
	checkActions(t, res, "retire berth-1 c-berth-1")
}

func TestIdleUnconfiguredTemplate(t *testing.T) {
	s := idleWorld()
	s.Config.Templates[0].Name = "renamed"
	res := Plan(s, State{})
	checkActions(t, res, "retire berth-1 c-berth-1")
}
