package plan

import (
	"strings"
	"testing"
	"time"
)

func TestOrphanContainer(t *testing.T) {
	tests := []struct {
		name  string
		build func(s *Snapshot)
		want  []string
	}{
		{"older than orphanGrace: removed", func(s *Snapshot) {}, []string{"remove-container c-berth-1"}},
		{"younger: kept", func(s *Snapshot) { s.Containers[0].Created = t0.Add(-59 * time.Second) }, nil},
		{"in flight: kept", func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: Start, Node: "berth-1", Template: "linux", Host: "h1"}}
		}, nil},
		{"nodes not read: kept", func(s *Snapshot) { s.NodesOK = false }, nil},
		{"a node of that name that is not berth's: the container is still an orphan", func(s *Snapshot) {
			s.Nodes = []Node{staticNode("berth-1", "linux")}
		}, []string{"remove-container c-berth-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			s.Containers = []Container{ctr("h1", "berth-1", "linux", time.Minute)}
			tt.build(&s)
			res := Plan(s, running())
			checkActions(t, res, tt.want...)
		})
	}
}

func TestOrphanDuplicateContainer(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	s.Nodes[0].Busy = 1
	dup := ctr("h1", "berth-1", "linux", time.Hour)
	dup.ID = "c-dup"
	s.Containers = append(s.Containers, dup)
	res := Plan(s, running())
	checkActions(t, res, "remove-container c-dup")
	if !strings.Contains(res.Actions[0].Reason, "duplicates the container of node berth-1") {
		t.Errorf("reason %q", res.Actions[0].Reason)
	}
}

func TestOrphanNode(t *testing.T) {
	tests := []struct {
		name  string
		build func(s *Snapshot)
		want  []string
	}{
		{"seen for orphanGrace: deleted", func(s *Snapshot) {}, []string{"delete-node berth-1"}},
		{"host did not list: kept", func(s *Snapshot) { s.Hosts[0].Listed = false }, nil},
		{"in flight: kept", func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: Start, Node: "berth-1", Template: "linux", Host: "h1"}}
		}, nil},
		{"another instance's node: kept", func(s *Snapshot) { s.Nodes[0].Managed.Instance = "b2" }, nil},
		{"an unmarked node: kept", func(s *Snapshot) { s.Nodes[0].Managed = nil }, nil},
		{"the placeholder: kept", func(s *Snapshot) { s.Nodes[0].Placeholder = true }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			s.Nodes = []Node{agentNode(&s, "berth-1", "linux", "h1")}
			tt.build(&s)
			res := Plan(s, running()) // first sighting
			checkActions(t, res)
			s.Now = t0.Add(59 * time.Second)
			res = Plan(s, res.State)
			checkActions(t, res)
			s.Now = t0.Add(time.Minute)
			res = Plan(s, res.State)
			checkActions(t, res, tt.want...)
		})
	}
}

// TestOrphanJenkinsOutage: containers survive a Jenkins outage whatever
// its length, and a node seen before the outage is not taken for an orphan
// right after it because its host's listing failed meanwhile.
func TestOrphanJenkinsOutage(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	s.Nodes[0].Busy = 1
	res := Plan(s, running())
	nodes := s.Nodes
	s.NodesOK, s.Nodes = false, nil
	for i := 1; i <= 30; i++ {
		s.Now = t0.Add(time.Duration(i) * time.Minute)
		res = Plan(s, res.State)
		checkActions(t, res)
	}
	s.NodesOK, s.Nodes = true, nodes
	res = Plan(s, res.State)
	checkActions(t, res)
}

func TestPlaceholder(t *testing.T) {
	tests := []struct {
		name  string
		build func(s *Snapshot)
		want  []string
	}{
		{"missing: ensure it", func(s *Snapshot) {}, []string{"ensure-placeholder"}},
		{"present: nothing", func(s *Snapshot) {
			n := staticNode("berth-placeholder")
			n.Online, n.Placeholder = false, true
			n.Managed = &Mark{Instance: instance}
			s.Nodes = append(s.Nodes, n)
		}, nil},
		{"being created: nothing", func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: EnsurePlaceholder}}
		}, nil},
		{"nodes not read: nothing", func(s *Snapshot) { s.NodesOK = false }, nil},
		{"turned off: nothing", func(s *Snapshot) { s.Config.Jenkins.PlaceholderNode = false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			s.Config.Jenkins.PlaceholderNode = true
			tt.build(&s)
			res := Plan(s, running())
			checkActions(t, res, tt.want...)
		})
	}
}

func TestPlaceholderNeverReaped(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Config.Jenkins.PlaceholderNode = true
	n := staticNode("berth-placeholder")
	n.Placeholder = true
	n.Managed = &Mark{Instance: instance, Template: "linux", Host: "h1"}
	s.Nodes = []Node{n}
	st := running()
	for i := range 10 {
		s.Now = t0.Add(time.Duration(i) * time.Hour)
		res := Plan(s, st)
		checkActions(t, res)
		st = res.State
		s.Nodes[0].Online = i%2 == 0
		s.Draining = i > 5
	}
}

// TestOrphanNodeOnUnconfiguredHost: the containers of a host that left the
// configuration cannot be seen, so its nodes are not orphans.
func TestOrphanNodeOnUnconfiguredHost(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	s.Nodes = []Node{agentNode(&s, "berth-1", "linux", "gone")}
	s.Nodes[0].Busy = 1
	res := Plan(s, running())
	s.Now = t0.Add(time.Hour)
	res = Plan(s, res.State)
	checkActions(t, res)
}
