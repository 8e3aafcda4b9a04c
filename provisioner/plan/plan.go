package plan

import (
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// Plan works out what should change, given one cycle's snapshot and the
// state returned by the previous Plan. It does no I/O and reads no clock but
// s.Now; the same snapshot and state always give the same result.
func Plan(s Snapshot, st State) Result {
	p := &planner{
		s:       &s,
		cfg:     s.Config,
		now:     s.Now,
		st:      st.clone(),
		byName:  make(map[string]*agent, len(s.Nodes)+len(s.Containers)),
		listed:  make(map[string]bool, len(s.Hosts)),
		stepped: make(map[string]bool),
	}
	if p.cfg == nil {
		p.holdEverything("berth has no configuration")
		return Result{Unserved: p.unserved, State: p.st}
	}
	if p.st.Since.IsZero() {
		p.st.Since = p.now
	}
	for i := range p.cfg.Templates {
		p.hasWarm = p.hasWarm || len(p.cfg.Templates[i].Warm) > 0
	}
	for _, h := range s.Hosts {
		if _, ok := p.cfg.Host(h.Name); ok && h.Listed {
			p.listed[h.Name] = true
		}
	}
	p.collectAgents()
	p.observe()
	p.recordOutcomes()
	p.countUsage()

	p.ensurePlaceholder()
	for _, a := range p.agents {
		p.lifecycle(a)
	}
	p.planDemand()
	p.planWarm()
	for _, a := range p.agents {
		p.reap(a)
	}

	p.recordHostCounts()
	p.prune()
	for _, a := range p.agents {
		if a.action != nil {
			p.actions = append(p.actions, *a.action)
		}
	}
	return Result{Actions: append(p.actions, p.starts...), Unserved: p.unserved, Warm: p.warm, State: p.st}
}

// planner is one Plan call's working data.
type planner struct {
	s   *Snapshot
	cfg *config.Config
	now time.Time
	st  State

	agents      []*agent // berth's agents, by node name
	byName      map[string]*agent
	listed      map[string]bool // configured hosts that listed this cycle
	placeholder bool            // a placeholder node exists
	// placeholderInFlight: the executor is creating it.
	placeholderInFlight bool

	stepped  map[string]bool // templates whose back-off stepped up this plan
	use      usage
	tmplSets map[string]label.Set // template labels, by template name

	actions  []Action // the placeholder's, then existing agents' in agent order
	starts   []Action // new agents: for builds in queue order, then warm pools'
	startFor []*slot  // the slot each start for builds created, parallel to starts
	slots    []slot   // unused slots, see newSlot
	unserved []Unserved

	hasWarm    bool            // some template has warm windows
	warm       []WarmPool      // open warm pools, in configuration order
	warmClosed map[string]bool // closedWithin by template, see warmHolds
	short      shortOfRoom     // room waiting builds lack, see noteShort
}

// lifecycle applies the rules for broken, orphaned and single-use agents to
// one agent, before demand is matched (so that an agent being removed is
// not counted as supply).
func (p *planner) lifecycle(a *agent) {
	if a.acted || a.flight != nil {
		return
	}
	if p.brokenContainer(a) {
		return
	}
	if !p.s.NodesOK || p.hostDown(a.host) {
		return
	}
	if p.launchTimedOut(a) || p.lost(a) || p.orphan(a) {
		return
	}
	p.singleUseStarted(a)
}

// act records an action on an existing agent.
func (p *planner) act(a *agent, kind Kind, reason string) {
	act := Action{Kind: kind, Template: a.template, Host: a.host, Reason: reason}
	switch kind {
	case Retire, Remove, TakeOffline, DeleteNode:
		act.Node = a.name
	}
	switch kind {
	case Retire, Remove, RemoveContainer:
		if a.ctr != nil {
			act.Container = a.ctr.ID
		}
	}
	a.acted = true
	a.action = &act
}

// hostDown reports a configured host whose listing failed this cycle:
// berth leaves its agents alone.
func (p *planner) hostDown(host string) bool {
	if _, ok := p.cfg.Host(host); !ok {
		return false
	}
	return !p.listed[host]
}

// agentState returns the memory of agent a (zero for a nameless one).
func (p *planner) agentState(a *agent) AgentState {
	if a.name == "" {
		return AgentState{}
	}
	return p.st.Agents[a.name]
}
