package plan

import (
	"testing"
	"time"
)

// TestCancelledDemand: the queue item an agent was started for goes away
// while the agent is still starting. The agent is not removed (it may serve
// other builds); a build for its label that arrives meanwhile takes it
// instead of a new agent; with nothing to serve, it is reaped at its idle
// timeout once online, never left behind.
func TestCancelledDemand(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, State{})
	checkActions(t, res, "start linux@h1 [1]")

	// Item 1 is cancelled while the start is in flight and the container
	// exists, its node not yet online.
	s.Now = t0.Add(2 * time.Second)
	s.Demand = nil
	s.InFlight = []InFlight{{Kind: Start, Node: "linux-1", Template: "linux", Host: "h1", Since: t0}}
	s.Containers = []Container{ctr("h1", "linux-1", "linux", 0)}
	res = Plan(s, res.State)
	checkActions(t, res)

	// Another build for linux arrives: the starting agent serves it.
	s.Now = t0.Add(3 * time.Second)
	s.Demand = []Demand{want(t, "linux", 2)}
	res = Plan(s, res.State)
	checkActions(t, res)
	checkNoUnserved(t, res)

	// That one is cancelled too; the agent comes online, idle.
	s.Now = t0.Add(4 * time.Second)
	s.Demand = nil
	s.InFlight = nil
	n := agentNode(&s, "linux-1", "linux", "h1")
	s.Nodes = []Node{n}
	res = Plan(s, res.State)
	checkActions(t, res)

	// Reaped at its idle timeout (5m from when it was first seen idle).
	s.Now = t0.Add(4*time.Second + 5*time.Minute - time.Second)
	res = Plan(s, res.State)
	checkActions(t, res)
	s.Now = t0.Add(4*time.Second + 5*time.Minute)
	res = Plan(s, res.State)
	checkActions(t, res, "retire linux-1 c-linux-1")
}
