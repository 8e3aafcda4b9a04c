package plan

import (
	"maps"
	"reflect"
	"testing"
	"time"
)

func TestStateInputNotChanged(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	agentPair(&s, "berth-1", "linux", "h1", time.Hour)
	s.Outcomes = []Outcome{failedStart("linux", "x")}
	st := State{
		Since:   t0.Add(-time.Hour),
		Agents:  map[string]AgentState{"gone": {Host: "h1"}},
		Backoff: map[string]Backoff{},
		Hosts:   map[string]HostCount{"h1": {Total: 9, Templates: map[string]int{"linux": 9}}},
	}
	before := State{Since: st.Since, Agents: maps.Clone(st.Agents), Backoff: maps.Clone(st.Backoff),
		Hosts: map[string]HostCount{"h1": {Total: 9, Templates: map[string]int{"linux": 9}}}}
	res := Plan(s, st)
	if !reflect.DeepEqual(st, before) {
		t.Errorf("Plan changed its input state:\n got %+v\nwant %+v", st, before)
	}
	if _, ok := res.State.Agents["gone"]; ok {
		t.Error("a vanished agent was not forgotten")
	}
	if _, ok := res.State.Agents["berth-1"]; !ok {
		t.Error("a present agent was forgotten")
	}
}

func TestStateKeepsWhatCannotBeSeen(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	st := State{Since: t0, Agents: map[string]AgentState{"a": {Host: "h1", IdleSince: t0}}}

	s.NodesOK = false
	if _, ok := Plan(s, st).State.Agents["a"]; !ok {
		t.Error("forgotten while the nodes could not be read")
	}
	s.NodesOK = true
	s.Hosts[0].Listed = false
	if _, ok := Plan(s, st).State.Agents["a"]; !ok {
		t.Error("forgotten while its host did not list")
	}
}

func TestStateForgetsUnconfigured(t *testing.T) {
	s := newSnap(tmpl("linux", "linux"))
	st := State{
		Backoff: map[string]Backoff{"old": {Failures: 1}, "linux": {Failures: 1, Until: t0.Add(time.Hour)}},
		Hosts:   map[string]HostCount{"old": {Total: 1}},
	}
	res := Plan(s, st)
	if _, ok := res.State.Backoff["old"]; ok {
		t.Error("back-off of an unconfigured template kept")
	}
	if _, ok := res.State.Backoff["linux"]; !ok {
		t.Error("back-off of a configured template dropped")
	}
	if _, ok := res.State.Hosts["old"]; ok {
		t.Error("count of an unconfigured host kept")
	}
}
