package plan

import (
	"maps"
	"time"
)

// State is the planner's memory from one cycle to the next. Plan never
// changes the State it is given; it returns an updated copy. The zero State
// is the state of a planner that has just started: timers start from the
// first cycle that sees a thing, so a restart only delays reaping, never
// hastens it.
type State struct {
	// Agents holds what the planner remembers per agent, by node name.
	Agents map[string]AgentState
	// Backoff holds the template back-off, by template name. A template
	// without an entry is healthy.
	Backoff map[string]Backoff
	// Hosts holds the container counts of each host's last successful
	// listing, by host name, for the cycles where its listing fails.
	Hosts map[string]HostCount
	// Since is the Now of the first Plan of this run. A failure of an agent
	// created before it (by an earlier run of berth) is acted on but not
	// counted against its template: the planner did not see it start.
	Since time.Time
}

// AgentState is the memory about one agent.
type AgentState struct {
	Template string
	Host     string
	// NodeSeen is when the planner first saw the agent's node.
	NodeSeen time.Time
	// IdleSince is when the planner first saw the node online and idle in
	// the current idle stretch; zero while it is busy or not online.
	IdleSince time.Time
	// OfflineSince is when the planner first saw the node offline (and not
	// temporarily offline) after it had been online; zero otherwise.
	OfflineSince time.Time
	// WasOnline is set once the node has been seen online.
	WasOnline bool
	// Used is set once a single-use agent has been seen busy.
	Used bool
	// Failed is set once a failure of this agent has been counted against
	// its template, so that it is counted once.
	Failed bool
}

// Backoff is a template's back-off after failures.
type Backoff struct {
	// Failures since an agent of the template last came online.
	Failures int
	// Step is the number of cycles among them that saw failures; it picks
	// the pause.
	Step int
	// Until is when the template may start again (one start at a time
	// until an agent comes online).
	Until time.Time
	// LastReason is the most recent failure.
	LastReason string
}

// HostCount is what a host's last successful listing held.
type HostCount struct {
	// Total is the number of berth containers, in any state.
	Total int
	// Templates counts them by template.
	Templates map[string]int
}

// clone returns a deep copy with non-nil maps.
func (st State) clone() State {
	out := State{
		Since:   st.Since,
		Agents:  make(map[string]AgentState, len(st.Agents)),
		Backoff: make(map[string]Backoff, len(st.Backoff)),
		Hosts:   make(map[string]HostCount, len(st.Hosts)),
	}
	maps.Copy(out.Agents, st.Agents)
	maps.Copy(out.Backoff, st.Backoff)
	for h, c := range st.Hosts {
		out.Hosts[h] = HostCount{Total: c.Total, Templates: maps.Clone(c.Templates)}
	}
	return out
}

// observe updates each agent's memory from what this cycle shows, before
// any rule runs. A template's back-off ends when one of its agents comes
// online.
func (p *planner) observe() {
	for _, a := range p.agents {
		if a.name == "" {
			continue
		}
		as := p.st.Agents[a.name]
		if a.template != "" {
			as.Template = a.template
		}
		if a.host != "" {
			as.Host = a.host
		}
		if n := a.node; n != nil {
			if as.NodeSeen.IsZero() {
				as.NodeSeen = p.now
			}
			switch {
			case n.available():
				if !as.WasOnline {
					as.WasOnline = true
					delete(p.st.Backoff, as.Template)
				}
				as.OfflineSince = time.Time{}
				if n.Busy > 0 {
					as.IdleSince = time.Time{}
				} else if as.IdleSince.IsZero() {
					as.IdleSince = p.now
				}
			case n.TemporarilyOffline:
				as.IdleSince, as.OfflineSince = time.Time{}, time.Time{}
			default: // offline: starting, or lost after being online
				as.IdleSince = time.Time{}
				if as.WasOnline && as.OfflineSince.IsZero() {
					as.OfflineSince = p.now
				}
			}
			if n.Busy > 0 && a.tmpl != nil && a.tmpl.SingleUse {
				as.Used = true
			}
		}
		p.st.Agents[a.name] = as
	}
}

// prune forgets agents that are gone. An agent is kept while anything of
// it is visible or in flight, while nodes could not be read, and while its
// host did not list (its container may still be there).
func (p *planner) prune() {
	for name, as := range p.st.Agents {
		if _, ok := p.byName[name]; ok {
			continue
		}
		if !p.s.NodesOK {
			continue
		}
		if _, ok := p.cfg.Host(as.Host); ok && !p.listed[as.Host] {
			continue
		}
		delete(p.st.Agents, name)
	}
	for name := range p.st.Backoff {
		if _, ok := p.cfg.Template(name); !ok {
			delete(p.st.Backoff, name)
		}
	}
	for name := range p.st.Hosts {
		if _, ok := p.cfg.Host(name); !ok {
			delete(p.st.Hosts, name)
		}
	}
}
