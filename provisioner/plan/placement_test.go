package plan

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
)

func TestPlacement(t *testing.T) {
	tests := []struct {
		name  string
		hosts []config.DockerHost
		// used holds containers per host before the plan.
		used  map[string]int
		down  []string
		only  []string // template hosts
		items []int64
		want  []string
	}{
		{
			name:  "most free room wins",
			hosts: []config.DockerHost{dockerHost("h1", 4), dockerHost("h2", 6)},
			used:  map[string]int{"h1": 1, "h2": 2},
			items: []int64{1},
			want:  []string{"start linux@h2 [1]"},
		},
		{
			name:  "room is taken as the plan goes",
			hosts: []config.DockerHost{dockerHost("h1", 4), dockerHost("h2", 6)},
			used:  map[string]int{"h1": 1, "h2": 2},
			items: []int64{1, 2, 3},
			// free 3/4 → h2 (4), then 3/3 → h1 first in config, then h2.
			want: []string{"start linux@h2 [1]", "start linux@h1 [2]", "start linux@h2 [3]"},
		},
		{
			name:  "a host without maxContainers has unlimited room",
			hosts: []config.DockerHost{dockerHost("h1", 100), dockerHost("h2", config.NoLimit)},
			used:  map[string]int{"h2": 50},
			items: []int64{1},
			want:  []string{"start linux@h2 [1]"},
		},
		{
			name:  "among unlimited hosts the one with the fewest containers",
			hosts: []config.DockerHost{dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit)},
			used:  map[string]int{"h1": 3, "h2": 2},
			items: []int64{1, 2},
			want:  []string{"start linux@h2 [1]", "start linux@h1 [2]"},
		},
		{
			name:  "ties go to the host first in the configuration",
			hosts: []config.DockerHost{dockerHost("h2", 5), dockerHost("h1", 5)},
			items: []int64{1},
			want:  []string{"start linux@h2 [1]"},
		},
		{
			name:  "only the template's hosts",
			hosts: []config.DockerHost{dockerHost("h1", 5), dockerHost("h2", 50), dockerHost("h3", 5)},
			only:  []string{"h3", "h1"},
			items: []int64{1, 2},
			want:  []string{"start linux@h1 [1]", "start linux@h3 [2]"},
		},
		{
			name:  "a host that did not list gets nothing",
			hosts: []config.DockerHost{dockerHost("h1", 5), dockerHost("h2", 50)},
			down:  []string{"h2"},
			items: []int64{1},
			want:  []string{"start linux@h1 [1]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(tmpl("linux", "linux"))
			s.Config.Templates[0].Hosts = tt.only
			setHosts(&s, tt.hosts...)
			for _, h := range tt.down {
				unlist(&s, h)
			}
			for h, n := range tt.used {
				for i := range n {
					c := ctr(h, h+"-"+string(rune('a'+i)), "other", time.Second)
					c.ID += h
					s.Containers = append(s.Containers, c)
				}
			}
			s.Demand = []Demand{want(t, "linux", tt.items...)}
			st := State{Hosts: map[string]HostCount{}}
			for _, h := range tt.down {
				st.Hosts[h] = HostCount{Templates: map[string]int{}}
			}
			res := Plan(s, st)
			checkActions(t, res, tt.want...)
			checkNoUnserved(t, res)
		})
	}
}

func TestPlacementNoRoomNamesHosts(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	setHosts(&s, dockerHost("h1", 1), dockerHost("h2", 3), dockerHost("h3", 3))
	s.Config.Templates[0].Hosts = []string{"h1", "h2"}
	unlist(&s, "h2")
	s.Containers = []Container{ctr("h1", "x", "other", time.Second)}
	s.Demand = []Demand{want(t, "linux", 1)}
	st := State{Hosts: map[string]HostCount{"h2": {Total: 1}}}
	res := Plan(s, st)
	checkActions(t, res)
	checkUnserved(t, res, "linux", []int64{1},
		"template linux: no room on its docker hosts: h1 full (1/1), h2 unreachable (listing failed; last known 1 containers)")
}
