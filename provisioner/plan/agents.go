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
	// acted is set once this plan has an action for the agent, action.
	acted bool
	// warmKept is set on an idle agent that its template's open warm
	// window keeps past idleTimeout in this plan; warmYield on one it would
	// keep but gives up to builds waiting for room.
	warmKept, warmYield bool
	action              *Action
	// claimed counts the executors (of its node, or of the agent while it
	// starts) that waiting demand was matched to in this plan; a claimed
	// node is not retired, and a claimed agent is not in a warm pool.
	claimed int
}

// ours reports whether node n is one of this instance's agent nodes.
func (p *planner) ours(n *Node) bool {
	return n.Managed != nil && n.Managed.Instance == p.cfg.Instance && !n.Placeholder
}

// collectAgents joins nodes, containers and in-flight actions by node name.
func (p *planner) collectAgents() {
	// One allocation for all agents: at most one per node, container and
	// flight.
	store := make([]agent, 0, len(p.s.Nodes)+len(p.s.Containers)+len(p.s.InFlight))
	add := func(a agent) *agent {
		store = append(store, a)
		ap := &store[len(store)-1]
		p.agents = append(p.agents, ap)
		if ap.name != "" {
			p.byName[ap.name] = ap
		}
		return ap
	}
	p.agents = make([]*agent, 0, cap(store))
	if p.s.NodesOK {
		for i := range p.s.Nodes {
			n := &p.s.Nodes[i]
			if n.Placeholder {
				p.placeholder = true
			}
			if p.ours(n) {
				add(agent{name: n.Name, node: n, template: n.Managed.Template, host: n.Managed.Host})
			}
		}
	}

	// Containers in input order; when two carry the same node name, the one
	// first by (host, id) belongs to the agent and the other is on its own.
	var extra []*Container
	for i := range p.s.Containers {
		c := &p.s.Containers[i]
		a := p.byName[c.Node]
		switch {
		case c.Node == "":
			extra = append(extra, c)
			continue
		case a == nil:
			a = add(agent{name: c.Node})
		case a.ctr != nil:
			if ctrLess(a.ctr, c) {
				extra = append(extra, c)
				continue
			}
			extra = append(extra, a.ctr)
		}
		a.ctr = c
		a.host = c.Host
		if a.node == nil {
			a.template = c.Template
		}
	}
	slices.SortFunc(extra, func(a, b *Container) int {
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.ID, b.ID))
	})
	for _, c := range extra {
		add(agent{ctr: c, host: c.Host, template: c.Template})
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
			a = p.agentByContainer(f.Container)
		}
		if a == nil {
			if f.Node == "" && f.Kind != Start {
				continue // nothing of ours it could touch
			}
			a = add(agent{name: f.Node, template: f.Template, host: f.Host})
		}
		if a.flight == nil || (f.Kind == Start && a.flight.Kind != Start) {
			a.flight = f
		}
	}

	var last string
	var lastTmpl *config.Template
	for _, a := range p.agents {
		if a.template != last || lastTmpl == nil {
			last = a.template
			lastTmpl, _ = p.cfg.Template(a.template)
		}
		a.tmpl = lastTmpl
	}
	slices.SortStableFunc(p.agents, func(a, b *agent) int {
		if (a.name == "") != (b.name == "") {
			if a.name == "" {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.name, b.name)
	})
}

// ctrLess orders containers by host, then id.
func ctrLess(a, b *Container) bool {
	return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.ID, b.ID)) < 0
}

// agentByContainer finds the agent holding container id.
func (p *planner) agentByContainer(id string) *agent {
	for _, a := range p.agents {
		if a.ctr != nil && a.ctr.ID == id {
			return a
		}
	}
	return nil
}

// node returns the Jenkins node called name, berth's or not.
func (p *planner) node(name string) *Node {
	if a := p.byName[name]; a != nil && a.node != nil {
		return a.node
	}
	for i := range p.s.Nodes {
		if p.s.Nodes[i].Name == name {
			return &p.s.Nodes[i]
		}
	}
	return nil
}

// startInFlight reports whether a Start for the agent is in flight.
func (a *agent) startInFlight() bool { return a.flight != nil && a.flight.Kind == Start }
