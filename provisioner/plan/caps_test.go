package plan

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
)

func TestCaps(t *testing.T) {
	tests := []struct {
		name      string
		build     func(s *Snapshot)
		wantStart []string
		held      []int64
		reasonHas string
		// fresh runs without the remembered count of h2 (2 linux).
		fresh bool
	}{
		{
			name:      "instanceCap stops new agents",
			build:     func(s *Snapshot) { s.Config.Templates[0].InstanceCap = 2 },
			wantStart: []string{"start linux@h1 [1]", "start linux@h1 [2]"},
			held:      []int64{3, 4},
			reasonHas: "template linux at instanceCap 2 (2 containers)",
		},
		{
			name:      "an instanceCap of 0 means zero",
			build:     func(s *Snapshot) { s.Config.Templates[0].InstanceCap = 0 },
			held:      []int64{1, 2, 3, 4},
			reasonHas: "template linux at instanceCap 0 (0 containers)",
		},
		{
			name: "exited containers not yet removed count",
			build: func(s *Snapshot) {
				s.Config.Templates[0].InstanceCap = 2
				c := ctr("h1", "old", "linux", time.Hour)
				c.Running, c.Exited = false, true
				s.Containers = append(s.Containers, c)
			},
			// The exited container is removed this cycle, but until it is
			// gone it counts.
			wantStart: []string{"remove-container c-old", "start linux@h1 [1]"},
			held:      []int64{2, 3, 4},
			reasonHas: "instanceCap 2 (2 containers)",
		},
		{
			name: "containers left from before a restart count",
			build: func(s *Snapshot) {
				s.Config.Templates[0].InstanceCap = 3
				agentPair(s, "berth-old", "linux", "h1", 24*time.Hour)
				s.Nodes[0].Busy = 1
			},
			wantStart: []string{"start linux@h1 [1]", "start linux@h1 [2]"},
			held:      []int64{3, 4},
			reasonHas: "instanceCap 3 (3 containers)",
		},
		{
			name: "starts in flight count, once even when their container is listed",
			build: func(s *Snapshot) {
				s.Config.Templates[0].InstanceCap = 3
				s.InFlight = []InFlight{
					{Kind: Start, Node: "berth-a", Template: "linux", Host: "h1"},
					{Kind: Start, Node: "berth-b", Template: "linux", Host: "h1"},
				}
				s.Containers = []Container{ctr("h1", "berth-a", "linux", 0)}
			},
			// berth-a and berth-b take items 1 and 2; one more fits.
			wantStart: []string{"start linux@h1 [3]"},
			held:      []int64{4},
			reasonHas: "instanceCap 3 (3 containers)",
		},
		{
			name: "a host's maxContainers",
			build: func(s *Snapshot) {
				setHosts(s, dockerHost("h1", 1))
				s.Containers = []Container{ctr("h1", "other", "other", time.Second)}
			},
			held:      []int64{1, 2, 3, 4},
			reasonHas: "no room on its docker hosts: h1 full (1/1)",
		},
		{
			name: "the global maxContainers over all hosts",
			build: func(s *Snapshot) {
				setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit))
				s.Config.MaxContainers = 3
				s.Containers = []Container{ctr("h2", "elsewhere", "other", time.Second)}
				s.Nodes = []Node{agentNode(s, "elsewhere", "linux", "h2")}
				s.Nodes[0].Busy = 1
			},
			wantStart: []string{"start linux@h1 [1]", "start linux@h1 [2]"},
			held:      []int64{3, 4},
			reasonHas: "global maxContainers 3 reached (3 containers)",
		},
		{
			name: "a host that failed to list counts with its last known numbers",
			build: func(s *Snapshot) {
				setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit))
				unlist(s, "h2")
				s.Config.Templates[0].InstanceCap = 3
			},
			wantStart: []string{"start linux@h1 [1]"},
			held:      []int64{2, 3, 4},
			reasonHas: "instanceCap 3 (3 containers)",
		},
		{
			name: "a host that never listed blocks the caps it could affect",
			build: func(s *Snapshot) {
				setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit))
				unlist(s, "h2")
				s.Config.Templates[0].InstanceCap = 3
			},
			held:      []int64{1, 2, 3, 4},
			reasonHas: "instanceCap 3 cannot be checked: docker host h2 has not listed",
			fresh:     true,
		},
		{
			name: "a host that never listed counts as full for the global cap",
			build: func(s *Snapshot) {
				setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", 2))
				unlist(s, "h2")
				s.Config.MaxContainers = 3
			},
			wantStart: []string{"start linux@h1 [1]"},
			held:      []int64{2, 3, 4},
			reasonHas: "global maxContainers 3 reached (3 containers)",
			fresh:     true,
		},
		{
			name: "removals planned this cycle do not free room",
			build: func(s *Snapshot) {
				s.Config.Templates[0].InstanceCap = 1
				agentPair(s, "berth-dead", "linux", "h1", time.Hour)
				s.Containers[0].Running, s.Containers[0].Exited = false, true
			},
			wantStart: []string{"remove berth-dead c-berth-dead"},
			held:      []int64{1, 2, 3, 4},
			reasonHas: "instanceCap 1 (1 containers)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			s.Demand = []Demand{want(t, "linux", 1, 2, 3, 4)}
			tt.build(&s)
			st := State{Hosts: map[string]HostCount{"h2": {Total: 2, Templates: map[string]int{"linux": 2}}}}
			if tt.fresh {
				st = State{}
			}
			res := Plan(s, st)
			checkActions(t, res, tt.wantStart...)
			if len(tt.held) > 0 {
				checkUnserved(t, res, "linux", tt.held, tt.reasonHas)
			} else {
				checkNoUnserved(t, res)
			}
		})
	}
}

// TestCapsRememberHostCounts: a listing remembers the host's containers,
// starts in flight and this plan's starts, for the cycles where it fails.
func TestCapsRememberHostCounts(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Containers = []Container{ctr("h1", "a", "linux", time.Hour), ctr("h1", "b", "other", time.Hour)}
	s.Nodes = []Node{agentNode(&s, "a", "linux", "h1")}
	s.Nodes[0].Busy = 1
	s.Config.OrphanGrace = 2 * time.Hour // keep b
	s.InFlight = []InFlight{{Kind: Start, Node: "c", Template: "linux", Host: "h1"}}
	s.Demand = []Demand{want(t, "linux", 1, 2)}
	res := Plan(s, State{})
	got := res.State.Hosts["h1"]
	// a, b, c (in flight, takes item 1) and the start for item 2.
	if got.Total != 4 || got.Templates["linux"] != 3 || got.Templates["other"] != 1 {
		t.Errorf("remembered %+v, want total 4, linux 3, other 1", got)
	}

	// Next cycle h1 fails to list: it counts 4 and takes nothing new.
	s2 := newSnap(tmpl("linux", "linux"))
	s2.Config.MaxContainers = 5
	setHosts(&s2, dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit))
	unlist(&s2, "h1")
	s2.Now = t0.Add(time.Second)
	s2.Demand = []Demand{want(t, "linux", 3, 4)}
	res2 := Plan(s2, res.State)
	checkActions(t, res2, "start linux@h2 [3]")
	checkUnserved(t, res2, "linux", []int64{4}, "global maxContainers 5 reached (5 containers)")
	if res2.State.Hosts["h1"].Total != 4 {
		t.Errorf("h1's count while it does not list: %+v, want it kept", res2.State.Hosts["h1"])
	}
}
