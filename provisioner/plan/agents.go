package plan

import (
	"cmp"
	"slices"

	"github.com/berth-dev/berth/config"
)

// agent is everything the snapshot shows of one berth agent, matched by
// node name: its node (if berth's), its container, and an action in flight.
type agent struct {
	// name is the node name; "" for a container that carries no node name
	// or that duplicates another container's node name.
	name     string
	template string
	tmpl     *config.Template // nil when the template is not configured
	host     string
	node     *Node
	ctr      *Container
	flight   *InFlight
	// acted is set once this plan has an action for the agent.
	acted bool
	// claimed counts the node's executors that waiting demand was matched
	// to in this plan; a claimed node is not retired.
	claimed int
}

// ours reports whether node n is one of this instance's agent nodes.
func (p *planner) ours(n *Node) bool {
	return n.Managed != nil && n.Managed.Instance == p.cfg.Instance && !n.Placeholder
}

// collectAgents joins nodes, containers and in-flight actions by node name.
func (p *planner) collectAgents() {
	add := func(a *agent) *agent {
		p.agents = append(p.agents, a)
		if a.name != "" {
			p.byName[a.name] = a
		}
		return a
	}
	if p.s.NodesOK {
		for i := range p.s.Nodes {
			n := &p.s.Nodes[i]
			p.nodes[n.Name] = n
			if n.Placeholder {
				p.placeholder = true
			}
			if p.ours(n) {
				add(&agent{name: n.Name, node: n, template: n.Managed.Template, host: n.Managed.Host})
			}
		}
	}

	ctrs := make([]*Container, len(p.s.Containers))
	for i := range p.s.Containers {
		ctrs[i] = &p.s.Containers[i]
	}
	slices.SortFunc(ctrs, func(a, b *Container) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.ID, b.ID))
	})
	for _, c := range ctrs {
		a := p.byName[c.Node]
		switch {
		case c.Node == "" || (a != nil && a.ctr != nil):
			a = add(&agent{})
		case a == nil:
			a = add(&agent{name: c.Node})
		}
		a.ctr = c
		a.host = c.Host
		if a.template == "" {
			a.template = c.Template
		}
		p.byCtr[c.ID] = a
	}

	flights := make([]*InFlight, len(p.s.InFlight))
	for i := range p.s.InFlight {
		flights[i] = &p.s.InFlight[i]
	}
	slices.SortFunc(flights, func(a, b *InFlight) int {
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Container, b.Container),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Template, b.Template),
			cmp.Compare(a.Host, b.Host), a.Since.Compare(b.Since))
	})
	for _, f := range flights {
		if f.Kind == EnsurePlaceholder {
			p.placeholderInFlight = true
			continue
		}
		a := p.byName[f.Node]
		if a == nil && f.Container != "" {
			a = p.byCtr[f.Container]
		}
		if a == nil {
			if f.Node == "" && f.Kind != Start {
				continue // nothing of ours it could touch
			}
			a = add(&agent{name: f.Node, template: f.Template, host: f.Host})
		}
		if a.flight == nil || (f.Kind == Start && a.flight.Kind != Start) {
			a.flight = f
		}
	}

	for _, a := range p.agents {
		if t, ok := p.cfg.Template(a.template); ok {
			a.tmpl = t
		}
	}
	slices.SortStableFunc(p.agents, func(a, b *agent) int {
		if (a.name == "") != (b.name == "") {
			if a.name == "" {
				return 1
			}
			return -1
		}
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		var ah, ai, bh, bi string
		if a.ctr != nil {
			ah, ai = a.ctr.Host, a.ctr.ID
		}
		if b.ctr != nil {
			bh, bi = b.ctr.Host, b.ctr.ID
		}
		return cmp.Or(cmp.Compare(ah, bh), cmp.Compare(ai, bi))
	})
}

// startInFlight reports whether a Start for the agent is in flight.
func (a *agent) startInFlight() bool { return a.flight != nil && a.flight.Kind == Start }
