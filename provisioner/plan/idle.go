package plan

import (
	"fmt"
	"time"
)

// Idle reaping runs after demand is matched, so that an idle agent that a
// waiting build was matched to is kept, and after warm pools are planned, so
// that the idle agents an open window keeps stay (see warm.go). An agent is idle while it is
// available with no busy executor; busy time counts as activity and starts
// the idle time over. The idle time is measured by the planner from the
// first cycle that saw the agent idle (Jenkins does not export it).

// reap retires agent a when it has been idle long enough, when berth is
// draining, when it is a used single-use agent, or when berth took it
// offline and it is idle (a retirement that did not finish).
func (p *planner) reap(a *agent) {
	n := a.node
	if a.acted || a.flight != nil || n == nil || !p.s.NodesOK || p.hostDown(a.host) || n.Busy > 0 {
		return
	}
	as := p.agentState(a)
	singleUsed := a.tmpl != nil && a.tmpl.SingleUse && as.Used
	switch {
	case n.TemporarilyOffline:
		if !n.OfflineByBerth {
			return // a person took it offline: theirs to bring back
		}
		if singleUsed {
			p.act(a, Retire, "single-use agent has run its build")
			return
		}
		p.act(a, Retire, "taken offline by berth and idle: finishing its retirement")
	case !n.Online:
		return
	case p.s.Draining:
		p.act(a, Retire, "berth is draining for shutdown: idle agent retired at once")
	case singleUsed:
		p.act(a, Retire, "single-use agent has run its build")
	case a.claimed > 0:
		return // a waiting build was matched to it
	default:
		limit, name := a.idleTimeout()
		idle := p.now.Sub(as.IdleSince)
		if idle < limit {
			return
		}
		held, yield := p.warmHolds(a)
		if held {
			return
		}
		reason := fmt.Sprintf("idle %s ≥ %s %s", elapsed(idle), name, limit)
		switch wp := p.warmReport(a.template); {
		case yield != "":
			reason += fmt.Sprintf("; warm pool %s gives way: %s", a.template, yield)
		case wp != nil:
			reason += fmt.Sprintf(", beyond the %d of warm pool %s", wp.Idle, wp.Template)
		}
		p.act(a, Retire, reason)
	}
}

// idleTimeout is how long agent a may stay idle. An agent whose template is
// no longer configured has none: it is retired once idle.
func (a *agent) idleTimeout() (dur time.Duration, name string) {
	if a.tmpl == nil {
		return 0, "idleTimeout (template " + a.template + " no longer configured)"
	}
	return a.tmpl.IdleTimeout, "idleTimeout"
}
