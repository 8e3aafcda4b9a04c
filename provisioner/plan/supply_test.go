package plan

import "testing"

// TestSupplyNodeWithoutContainerIsNoStartingAgent: a berth node that has no
// container on a host that listed, and no start in flight, is an orphan
// waiting for orphanGrace (for example the node of an inbound start that a
// killed berth left half done), not an agent on its way online. Waiting
// builds must not be matched to it: they get a new agent at once, and the
// orphan is deleted after orphanGrace.
func TestSupplyNodeWithoutContainerIsNoStartingAgent(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	n := agentNode(&s, "berth-1", "linux", "h1")
	n.Online = false
	s.Nodes = []Node{n}
	s.Demand = []Demand{want(t, "linux", 7)}

	res := Plan(s, State{})
	checkActions(t, res, "start linux@h1 [7]")
	checkNoUnserved(t, res)

	// Unchanged a minute later (the new agent's start in flight): the orphan
	// goes, the start is not repeated.
	s.Now = t0.Add(s.Config.OrphanGrace)
	s.InFlight = []InFlight{{Kind: Start, Node: "berth-2", Template: "linux", Host: "h1", Since: t0}}
	res = Plan(s, res.State)
	checkActions(t, res, "delete-node berth-1")
	checkNoUnserved(t, res)
}

// TestSupplyNodeWithoutContainerOnUnlistedHostStillStarting: when the
// node's host did not list, its container may well exist: the node still
// counts as an agent on its way online.
func TestSupplyNodeWithoutContainerOnUnlistedHostStillStarting(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	setHosts(&s, dockerHost("h1", 4), dockerHost("h2", 4))
	unlist(&s, "h2")
	n := agentNode(&s, "berth-1", "linux", "h2")
	n.Online = false
	s.Nodes = []Node{n}
	s.Demand = []Demand{want(t, "linux", 7)}
	st := State{Hosts: map[string]HostCount{"h2": {Total: 1, Templates: map[string]int{"linux": 1}}}}

	res := Plan(s, st)
	checkActions(t, res)
	checkNoUnserved(t, res)
}
