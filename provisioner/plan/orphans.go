package plan

import "fmt"

// Orphans, both ways, among berth's own things only: containers are berth's
// by their labels, nodes by a marker naming this instance. Both rules need
// a complete view: they run only when the nodes were read (NodesOK) and the
// container's or node's host listed this cycle, and they spare anything in
// flight and anything younger than orphanGrace (a start or a removal may be
// half done between the two reads).

// orphan removes a container without a node, or deletes a node without a
// container. It reports whether it acted.
func (p *planner) orphan(a *agent) bool {
	grace := p.cfg.OrphanGrace
	switch {
	case a.ctr != nil && a.node == nil:
		age := p.now.Sub(a.ctr.Created)
		if age < grace {
			return false
		}
		what := "container has no berth node " + a.name
		if a.name == "" {
			what = "container has no node name, or another container already has it"
			if a.ctr.Node != "" {
				what = "container duplicates the container of node " + a.ctr.Node
			}
		}
		p.act(a, RemoveContainer, fmt.Sprintf("%s; %s old (orphanGrace %s)", what, elapsed(age), grace))
		return true
	case a.node != nil && a.ctr == nil:
		if !p.listed[a.host] {
			return false // an unconfigured host: its containers cannot be seen
		}
		as := p.agentState(a)
		age := p.now.Sub(as.NodeSeen)
		if age < grace {
			return false
		}
		p.act(a, DeleteNode, fmt.Sprintf("node has no container on %s; seen for %s (orphanGrace %s)", a.host, elapsed(age), grace))
		return true
	}
	return false
}

// ensurePlaceholder asks for the placeholder node when it is configured and
// missing. It needs the node list: without it a missing placeholder cannot
// be told from an unread one.
func (p *planner) ensurePlaceholder() {
	if !p.cfg.Jenkins.PlaceholderNode || !p.s.NodesOK || p.s.Draining || p.placeholder || p.placeholderInFlight {
		return
	}
	p.actions = append(p.actions, Action{
		Kind:   EnsurePlaceholder,
		Reason: "jenkins.placeholderNode is on and the placeholder node is missing: without an agent node Jenkins stops naming the labels builds wait for",
	})
}
