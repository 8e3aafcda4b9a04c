package plan

import (
	"testing"
	"time"
)

func TestDemandSupply(t *testing.T) {
	linux := tmpl("linux", "linux", "docker")
	tests := []struct {
		name string
		// build adds nodes, containers, demand... to a snapshot with the
		// template linux on h1.
		build func(t *testing.T, s *Snapshot)
		// state is the planner's memory (zero: a berth that just started).
		state State
		want  []string
	}{
		{
			name: "no supply: one agent per waiting build",
			build: func(t *testing.T, s *Snapshot) {
				s.Demand = []Demand{want(t, "linux&&docker", 1, 2)}
			},
			want: []string{"start linux@h1 [1]", "start linux@h1 [2]"},
		},
		{
			name: "an idle static node takes the build",
			build: func(t *testing.T, s *Snapshot) {
				s.Nodes = []Node{staticNode("static", "linux", "docker")}
				s.Demand = []Demand{want(t, "linux&&docker", 1, 2)}
			},
			want: []string{"start linux@h1 [2]"},
		},
		{
			name: "idle executors of a busy multi-executor node count",
			build: func(t *testing.T, s *Snapshot) {
				n := staticNode("static", "linux")
				n.Executors, n.Busy = 3, 1
				s.Nodes = []Node{n}
				s.Demand = []Demand{want(t, "linux", 1, 2, 3)}
			},
			want: []string{"start linux@h1 [3]"},
		},
		{
			name: "a temporarily offline node is no supply",
			build: func(t *testing.T, s *Snapshot) {
				n := staticNode("static", "linux")
				n.Online, n.TemporarilyOffline = false, true
				s.Nodes = []Node{n}
				s.Demand = []Demand{want(t, "linux", 1)}
			},
			want: []string{"start linux@h1 [1]"},
		},
		{
			name: "an exclusive node does not take builds without a label",
			build: func(t *testing.T, s *Snapshot) {
				n := staticNode("static", "linux")
				n.Exclusive = true
				s.Nodes = []Node{n}
				s.Demand = []Demand{{Items: []int64{1}}}
			},
			want: []string{"start linux@h1 [1]"},
		},
		{
			name: "an exclusive node takes a build whose label it matches",
			build: func(t *testing.T, s *Snapshot) {
				n := staticNode("static", "linux")
				n.Exclusive = true
				s.Nodes = []Node{n}
				s.Demand = []Demand{want(t, "linux", 1)}
			},
			want: nil,
		},
		{
			name: "a start in flight takes the build",
			build: func(t *testing.T, s *Snapshot) {
				s.InFlight = []InFlight{{Kind: Start, Node: "berth-1", Template: "linux", Host: "h1", Since: t0}}
				s.Demand = []Demand{want(t, "linux", 1, 2)}
			},
			want: []string{"start linux@h1 [2]"},
		},
		{
			name: "an agent whose node is not online yet takes the build",
			build: func(t *testing.T, s *Snapshot) {
				agentPair(s, "berth-1", "linux", "h1", 30*time.Second)
				s.Nodes[0].Online = false
				s.Demand = []Demand{want(t, "linux", 1)}
			},
			want: nil,
		},
		{
			name: "a berth node past its launch timeout is no supply",
			build: func(t *testing.T, s *Snapshot) {
				agentPair(s, "berth-1", "linux", "h1", 3*time.Minute)
				s.Nodes[0].Online = false
				s.Demand = []Demand{want(t, "linux", 1)}
			},
			// berth has watched the node for launchTimeout since it started.
			state: State{Since: t0.Add(-2 * time.Minute), Agents: map[string]AgentState{"berth-1": {NodeSeen: t0.Add(-2 * time.Minute)}}},
			want:  []string{"remove berth-1 c-berth-1", "start linux@h1 [1]"},
		},
		{
			name: "the placeholder is never supply",
			build: func(t *testing.T, s *Snapshot) {
				n := staticNode("placeholder", "linux")
				n.Placeholder = true
				s.Nodes = []Node{n}
				s.Demand = []Demand{want(t, "linux", 1)}
			},
			want: []string{"start linux@h1 [1]"},
		},
		{
			name: "a multi-executor agent started for one build takes the next ones",
			build: func(t *testing.T, s *Snapshot) {
				s.Config.Templates[0].Executors = 2
				s.Demand = []Demand{want(t, "linux", 1, 2, 3)}
			},
			want: []string{"start linux@h1 [1 2]", "start linux@h1 [3]"},
		},
		{
			name: "a new agent serves other labels its template matches",
			build: func(t *testing.T, s *Snapshot) {
				s.Config.Templates[0].Executors = 2
				s.Demand = []Demand{want(t, "linux", 1), want(t, "docker", 2)}
			},
			want: []string{"start linux@h1 [1 2]"},
		},
		{
			name: "a single-use template's agent takes one build whatever its executors",
			build: func(t *testing.T, s *Snapshot) {
				s.Config.Templates[0].Executors = 2
				s.Config.Templates[0].SingleUse = true
				s.Demand = []Demand{want(t, "linux", 1, 2)}
			},
			want: []string{"start linux@h1 [1]", "start linux@h1 [2]"},
		},
		{
			name: "the same queue item in two groups gets one agent",
			build: func(t *testing.T, s *Snapshot) {
				s.Demand = []Demand{want(t, "linux", 1), want(t, "docker", 1)}
			},
			want: []string{"start linux@h1 [1]"},
		},
		{
			name: "a node named by the expression is judged with its own name",
			build: func(t *testing.T, s *Snapshot) {
				s.Nodes = []Node{staticNode("a", "linux"), staticNode("b", "linux")}
				s.Demand = []Demand{want(t, "linux&&!a", 1, 2)}
			},
			// b takes one build; a may not take the other.
			want: []string{"start linux@h1 [2]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(linux)
			tt.build(t, &s)
			res := Plan(s, tt.state)
			checkActions(t, res, tt.want...)
		})
	}
}

func TestDemandFirstTemplateInConfigOrder(t *testing.T) {
	s := newSnap(tmpl("big", "linux", "big"), tmpl("small", "linux", "small"))
	s.Demand = []Demand{want(t, "linux", 1), want(t, "small", 2)}
	checkActions(t, Plan(s, State{}), "start big@h1 [1]", "start small@h1 [2]")
}

func TestDemandOldestFirstAcrossLabels(t *testing.T) {
	s := newSnap(tmpl("linux", "linux", "docker"))
	s.Config.Templates[0].InstanceCap = 1
	// Item 5 (docker) is older than item 7 (linux): it gets the one agent.
	s.Demand = []Demand{want(t, "linux", 7), want(t, "docker", 5)}
	res := Plan(s, State{})
	checkActions(t, res, "start linux@h1 [5]")
	checkUnserved(t, res, "linux", []int64{7}, "template linux at instanceCap 1")
}

func TestDemandNoTemplate(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Demand = []Demand{want(t, "windows&&x64", 1, 2)}
	res := Plan(s, State{})
	checkActions(t, res)
	checkUnserved(t, res, "windows&&x64", []int64{1, 2}, "no template's labels match windows&&x64")
}

func TestDemandNoLabelAllTemplatesExclusive(t *testing.T) {
	x := tmpl("linux", "linux")
	x.Exclusive = true
	s := newSnap(x)
	s.Demand = []Demand{{Items: []int64{3}}}
	res := Plan(s, State{})
	checkActions(t, res)
	checkUnserved(t, res, "", []int64{3}, "no template takes builds without a label")
}

func TestDemandNamedNode(t *testing.T) {
	linux := tmpl("linux", "linux")
	tests := []struct {
		name       string
		node       func(s *Snapshot) Node
		start      bool
		reasonHas  string
		inFlightOK bool
	}{
		{
			name:  "a berth node: its template serves the build",
			node:  func(s *Snapshot) Node { return agentNode(s, "berth-1", "linux", "h1") },
			start: true,
		},
		{
			name:      "a node berth does not manage",
			node:      func(s *Snapshot) Node { return staticNode("berth-1", "linux") },
			reasonHas: "waiting for node berth-1, which berth does not manage",
		},
		{
			name: "another instance's node",
			node: func(s *Snapshot) Node {
				n := agentNode(s, "berth-1", "linux", "h1")
				n.Managed.Instance = "other"
				return n
			},
			reasonHas: "which berth does not manage",
		},
		{
			name: "the placeholder",
			node: func(s *Snapshot) Node {
				n := staticNode("berth-1")
				n.Placeholder = true
				return n
			},
			reasonHas: "placeholder node berth-1, which never runs builds",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(linux)
			n := tt.node(&s)
			// Offline (temporarily, by a person), as when Jenkins names it.
			n.Online, n.TemporarilyOffline = false, true
			s.Nodes = []Node{n}
			s.Containers = []Container{ctr("h1", "berth-1", "linux", time.Minute)}
			s.Demand = []Demand{{Key: "berth-1", Node: "berth-1", Items: []int64{4}}}
			res := Plan(s, State{})
			if tt.start {
				checkActions(t, res, "start linux@h1 [4]")
				checkNoUnserved(t, res)
				return
			}
			for _, a := range res.Actions {
				if a.Kind == Start {
					t.Errorf("unexpected start: %+v", a)
				}
			}
			checkUnserved(t, res, "berth-1", []int64{4}, tt.reasonHas)
		})
	}
}

func TestDemandNamedNodeStartingServes(t *testing.T) {
	// Jenkins names the starting agent itself: it is the supply.
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", 10*time.Second)
	s.Nodes[0].Online = false
	s.Demand = []Demand{{Key: "berth-1", Node: "berth-1", Items: []int64{4}}}
	res := Plan(s, State{})
	checkActions(t, res)
	checkNoUnserved(t, res)
}

func TestDemandUnknownLabel(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Unknown = []UnknownItem{{ID: 9, Why: "Waiting for next available executor"}, {ID: 8, Why: "Waiting for next available executor"}}
	res := Plan(s, State{})
	checkActions(t, res)
	checkUnserved(t, res, "", []int64{8, 9}, `label unknown: Jenkins did not name it ("Waiting for next available executor")`)
}

func TestDemandNodesNotRead(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.NodesOK = false
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, State{})
	checkActions(t, res)
	checkUnserved(t, res, "linux", []int64{1}, "Jenkins nodes could not be read")
}

func TestDemandNoConfig(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Config = nil
	s.Demand = []Demand{want(t, "linux", 1)}
	res := Plan(s, State{})
	checkActions(t, res)
	checkUnserved(t, res, "linux", []int64{1}, "no configuration")
}

func TestDemandKeepsMatchedIdleAgent(t *testing.T) {
	// An idle agent past its idle timeout that a waiting build was matched
	// to is kept; the one nobody needs is retired.
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	agentPair(&s, "berth-2", "linux", "h1", time.Hour)
	s.Demand = []Demand{want(t, "linux", 1)}
	st := State{Agents: map[string]AgentState{
		"berth-1": {NodeSeen: t0.Add(-time.Hour), IdleSince: t0.Add(-time.Hour), WasOnline: true},
		"berth-2": {NodeSeen: t0.Add(-time.Hour), IdleSince: t0.Add(-time.Hour), WasOnline: true},
	}}
	checkActions(t, Plan(s, st), "retire berth-2 c-berth-2")
}

func TestDemandStartReason(t *testing.T) {
	s := newSnap(tmpl("linux", "linux", "docker"))
	s.Config.Templates[0].InstanceCap = 4
	s.Config.MaxContainers = 20
	s.InFlight = []InFlight{{Kind: Start, Node: "berth-1", Template: "linux", Host: "h1", Since: t0}}
	s.Demand = []Demand{want(t, "linux&&docker", 1, 2, 3)}
	res := Plan(s, State{})
	a := findAction(t, res, Start)
	const wantReason = "linux&&docker: 3 waiting, 1 starting, 2 new → start linux on h1 (linux 2/4, h1 2/∞, total 2/20)"
	if a.Reason != wantReason {
		t.Errorf("reason\n got %q\nwant %q", a.Reason, wantReason)
	}
}

func TestDemandHeldItemTakesSpareExecutorOfLaterStart(t *testing.T) {
	linux := tmpl("linux", "linux")
	linux.InstanceCap = 0
	heavy := tmpl("heavy", "linux", "big")
	heavy.Executors = 2
	s := newSnap(linux, heavy)
	// Item 1 waits on linux's cap; item 2 starts a heavy agent whose second
	// executor item 1 can use.
	s.Demand = []Demand{want(t, "linux", 1), want(t, "big", 2)}
	res := Plan(s, State{})
	checkActions(t, res, "start heavy@h1 [2 1]")
	checkNoUnserved(t, res)
}

func TestDemandAgentCountedOnce(t *testing.T) {
	// The start is still in flight but the node is online already: one
	// executor, not two.
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", 5*time.Second)
	s.InFlight = []InFlight{{Kind: Start, Node: "berth-1", Template: "linux", Host: "h1"}}
	s.Demand = []Demand{want(t, "linux", 1, 2)}
	checkActions(t, Plan(s, running()), "start linux@h1 [2]")
}

func TestDemandAgentBeingRetiredIsNoSupply(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	s.InFlight = []InFlight{{Kind: Retire, Node: "berth-1", Container: "c-berth-1", Host: "h1"}}
	s.Demand = []Demand{want(t, "linux", 1)}
	checkActions(t, Plan(s, running()), "start linux@h1 [1]")
}
