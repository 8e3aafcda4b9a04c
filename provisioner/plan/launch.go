package plan

import (
	"fmt"
	"time"
)

// Broken agents: a container that exited, an agent whose node does not come
// online within its template's launchTimeout, and an agent that was online
// and stays offline for that long. Each is removed at once (node and
// container); the first two also count as failures for the template's
// back-off when the agent was never online. Jenkins does not export
// whether an agent is connecting, so the timeout alone decides.

// brokenContainer removes an agent whose container exited. It needs no
// node list: a dead container is dead whatever Jenkins says. It reports
// whether it acted.
func (p *planner) brokenContainer(a *agent) bool {
	c := a.ctr
	if c == nil || !c.Exited || p.hostDown(c.Host) {
		return false
	}
	as := p.agentState(a)
	kind, what := Remove, "container "+exitText(c)
	switch {
	case a.name == "":
		kind = RemoveContainer
		what += " (it has no node)"
	case p.s.NodesOK && a.node == nil:
		kind = RemoveContainer
		what += " and its node is gone"
	}
	reason := what
	if p.s.NodesOK && !as.WasOnline && (a.node == nil || !a.node.available()) {
		reason += " before its node was ever online"
		reason += p.failAgent(a, fmt.Sprintf("agent container %s before coming online", exitText(c)))
	}
	p.act(a, kind, reason)
	return true
}

// launchTimedOut removes an agent whose node has not come online within
// launchTimeout of its container's creation. When the agent's container
// cannot be seen because its host is no longer configured, the time runs
// from the node's first sighting. A node without a container on a host that
// listed is an orphan, not a slow launch. An agent whose template is no
// longer configured gets orphanGrace instead of a launchTimeout.
func (p *planner) launchTimedOut(a *agent) bool {
	n := a.node
	as := p.agentState(a)
	if n == nil || n.Online || n.TemporarilyOffline || as.WasOnline {
		return false
	}
	if _, configured := p.cfg.Host(a.host); a.ctr == nil && configured {
		return false
	}
	since, from := p.launchClock(a, as)
	limit, name := p.launchTimeout(a)
	waited := p.now.Sub(since)
	if waited < limit {
		return false
	}
	reason := fmt.Sprintf("not online %s after %s (%s %s)", elapsed(waited), from, name, limit)
	reason += p.failAgent(a, fmt.Sprintf("agent not online within %s %s", name, limit))
	p.act(a, Remove, reason)
	return true
}

// launchClock returns when agent a's launch time started to run, and how a
// reason names that moment: its container's creation, or the first sighting
// of its node when no container is visible. For an agent created before this
// run of berth, which cannot know whether it was online before (a restart
// while its agent was reconnecting, say, after a Jenkins outage), it is the
// first sighting of its node if that is later: a restart may delay a
// removal, never hasten it.
func (p *planner) launchClock(a *agent, as AgentState) (time.Time, string) {
	if a.ctr == nil {
		return as.NodeSeen, "berth first saw its node (docker host " + a.host + " is not configured)"
	}
	if p.predates(a, as) && as.NodeSeen.After(a.ctr.Created) {
		return as.NodeSeen, "this run of berth first saw its node (the agent is older than this run)"
	}
	return a.ctr.Created, "its container was created"
}

// lost removes an agent that was online and has been offline (not
// temporarily offline: berth or a person took those offline) for
// launchTimeout: its agent process is gone and does not reconnect.
func (p *planner) lost(a *agent) bool {
	n := a.node
	as := p.agentState(a)
	if n == nil || n.Online || n.TemporarilyOffline || !as.WasOnline || as.OfflineSince.IsZero() {
		return false
	}
	limit, name := p.launchTimeout(a)
	off := p.now.Sub(as.OfflineSince)
	if off < limit {
		return false
	}
	p.act(a, Remove, fmt.Sprintf("offline for %s after being online (%s %s): its agent did not reconnect", elapsed(off), name, limit))
	return true
}

// launchTimeout is how long agent a may take to come online.
func (p *planner) launchTimeout(a *agent) (time.Duration, string) {
	if a.tmpl == nil {
		return p.cfg.OrphanGrace, "template " + a.template + " no longer configured: orphanGrace"
	}
	return a.tmpl.LaunchTimeout, "launchTimeout"
}
