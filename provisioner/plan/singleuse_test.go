package plan

import (
	"testing"
	"time"
)

func TestSingleUse(t *testing.T) {
	one := tmpl("once", "linux")
	one.SingleUse = true
	s := newSnap(one)
	agentPair(&s, "berth-1", "once", "h1", time.Minute)

	// Idle and unused: it is supply, and nothing happens.
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, State{})
	checkActions(t, res)

	// The build landed: mark it used, take it offline.
	s.Now = t0.Add(time.Second)
	s.Demand = nil
	s.Nodes[0].Busy = 1
	res = Plan(s, res.State)
	checkActions(t, res, "take-offline berth-1")
	if !res.State.Agents["berth-1"].Used {
		t.Error("not marked used")
	}

	// Offline by berth and busy: nothing until the build ends.
	s.Now = t0.Add(2 * time.Second)
	s.Nodes[0].Online, s.Nodes[0].TemporarilyOffline, s.Nodes[0].OfflineByBerth = false, true, true
	res = Plan(s, res.State)
	checkActions(t, res)

	// Idle: retired at once, long before its idle timeout.
	s.Now = t0.Add(3 * time.Second)
	s.Nodes[0].Busy = 0
	res = Plan(s, res.State)
	checkActions(t, res, "retire berth-1 c-berth-1")
	if got := res.Actions[0].Reason; got != "single-use agent has run its build" {
		t.Errorf("reason %q", got)
	}
}

func TestSingleUseUsedIsNoSupply(t *testing.T) {
	// The take-offline failed: the agent is online, idle and used. It is
	// retired and a new agent starts for the waiting build.
	one := tmpl("once", "linux")
	one.SingleUse = true
	s := newSnap(one)
	agentPair(&s, "berth-1", "once", "h1", time.Minute)
	s.Demand = []Demand{want(t, "linux", 7)}
	st := State{Agents: map[string]AgentState{"berth-1": {Template: "once", Host: "h1", WasOnline: true, Used: true, NodeSeen: t0}}}
	res := Plan(s, st)
	checkActions(t, res, "retire berth-1 c-berth-1", "start once@h1 [7]")
}

func TestSingleUseOnlineAgentTakesOneBuild(t *testing.T) {
	one := tmpl("once", "linux")
	one.SingleUse, one.Executors = true, 3
	s := newSnap(one)
	agentPair(&s, "berth-1", "once", "h1", time.Minute)
	s.Demand = []Demand{want(t, "linux", 1, 2)}
	// berth-1 has three idle executors but takes one build.
	checkActions(t, Plan(s, running()), "start once@h1 [2]")
}
