package plan

import (
	"cmp"
	"slices"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// Demand → supply
//
// Waiting items are served one at a time, smallest queue id first across
// all groups. Each item takes, in this order:
//
//  1. an idle executor of an available node whose labels and mode accept
//     the item's label (the placeholder never counts);
//  2. an executor of a berth agent that is starting (start in flight, or
//     node not yet online within launchTimeout) whose template accepts it;
//  3. an executor of an agent this plan has already decided to start;
//  4. a new agent of the FIRST template, in configuration order, that
//     accepts it, if draining, back-off, caps and placement allow.
//
// Items held back after that pass get one more look at the agents the plan
// started for later items, whose spare executors they may take.
//
// So one waiting build never gets two agents, and a multi-executor agent
// started for one item takes the next items too. An item that none of these
// serves is reported in Unserved with what blocked it. An item whose label
// matches exactly one node, which Jenkins then names instead of the label,
// is served by that node's template if the node is berth's.

// group is one Demand while it is being served.
type group struct {
	d       *Demand
	label   string // how reasons name it
	blocked string // why none of its items can be served, before looking
	classes []*nodeClass
	pools   []*pool
	first   *config.Template
	noTmpl  string // why no template serves it

	waiting, idle, starting, fresh int
	held                           []hold
}

type hold struct {
	id     int64
	reason string
}

// startInfo is what a start's reason needs besides its group's totals:
// the counts against each cap right after the start.
type startInfo struct {
	g                 *group
	t                 *config.Template
	h                 *config.DockerHost
	tmpl, host, total int
}

// planDemand matches waiting items to supply and plans the starts.
func (p *planner) planDemand() {
	p.holdUnknown()
	if len(p.s.Demand) == 0 {
		return
	}
	groups := make([]*group, len(p.s.Demand))
	for i := range p.s.Demand {
		d := &p.s.Demand[i]
		groups[i] = &group{d: d, label: demandLabel(d)}
	}
	if !p.s.NodesOK {
		for _, g := range groups {
			g.blocked = nodesUnread
		}
		p.serve(groups, nil)
		return
	}
	atoms := make(map[string]struct{})
	for _, g := range groups {
		if g.d.Node == "" && g.d.Expr != nil {
			for _, a := range g.d.Expr.Atoms() {
				atoms[a] = struct{}{}
			}
		}
	}
	sup := p.buildSupply(atoms)
	for _, g := range groups {
		p.resolve(g, sup)
	}
	p.serve(groups, sup)
}

// resolve works out which supply and which template can serve group g.
func (p *planner) resolve(g *group, sup *supply) {
	if g.d.Node != "" {
		p.resolveNode(g, sup)
		return
	}
	expr := g.d.Expr
	for _, c := range sup.classes {
		if label.CanServe(expr, c.labels, c.exclusive) {
			g.classes = append(g.classes, c)
		}
	}
	for i := range p.cfg.Templates {
		t := &p.cfg.Templates[i]
		if label.CanServe(expr, p.templateSet(t), t.Exclusive) {
			g.pools = append(g.pools, sup.pools[t.Name])
			if g.first == nil {
				g.first = t
			}
		}
	}
	if g.first == nil {
		switch {
		case len(p.cfg.Templates) == 0:
			g.noTmpl = "no templates are configured"
		case expr == nil:
			g.noTmpl = "no template takes builds without a label (every template is exclusive)"
		default:
			g.noTmpl = "no template's labels match " + expr.String()
		}
	}
}

// resolveNode handles an item for which Jenkins named a node, not a label.
func (p *planner) resolveNode(g *group, sup *supply) {
	name := g.d.Node
	n := p.node(name)
	switch {
	case n != nil && n.Placeholder:
		g.blocked = "waiting for berth's placeholder node " + name + ", which never runs builds"
		return
	case n == nil || !p.ours(n):
		g.blocked = "waiting for node " + name + ", which berth does not manage"
		return
	}
	t, ok := p.cfg.Template(n.Managed.Template)
	if !ok {
		g.blocked = "waiting for node " + name + " of template " + n.Managed.Template + ", which is no longer configured"
		return
	}
	for _, c := range sup.classes {
		if c.template == t.Name {
			g.classes = append(g.classes, c)
		}
	}
	g.pools = []*pool{sup.pools[t.Name]}
	g.first = t
}

// serve walks the items, oldest first, and gives each one supply or a
// reason.
func (p *planner) serve(groups []*group, sup *supply) {
	type item struct {
		id int64
		gi int
	}
	n := 0
	for _, g := range groups {
		n += len(g.d.Items)
	}
	items := make([]item, 0, n)
	for gi, g := range groups {
		for _, id := range g.d.Items {
			items = append(items, item{id, gi})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.gi, b.gi))
	})
	var info []startInfo
	for i, it := range items {
		if i > 0 && items[i-1].id == it.id {
			continue // one build, one place in the queue
		}
		g := groups[it.gi]
		g.waiting++
		if g.blocked != "" {
			g.held = append(g.held, hold{it.id, g.blocked})
			continue
		}
		if p.takeIdle(g) || p.takeStarting(g, it.id) {
			continue
		}
		if g.first == nil {
			g.held = append(g.held, hold{it.id, g.noTmpl})
			continue
		}
		pl := sup.pools[g.first.Name]
		if why := p.startBlock(g.first, pl.starting); why != "" {
			g.held = append(g.held, hold{it.id, why})
			p.noteShort(g.first, pl.starting)
			continue
		}
		host, why := p.place(g.first)
		if host == nil {
			g.held = append(g.held, hold{it.id, why})
			p.noteShort(g.first, pl.starting)
			continue
		}
		p.reserve(g.first, host.Name)
		s := p.newSlot()
		s.fresh, s.start, s.free = true, len(p.starts), capacity(g.first)
		pl.slots = append(pl.slots, s)
		pl.free += s.free
		pl.starting++
		p.starts = append(p.starts, Action{Kind: Start, Template: g.first.Name, Host: host.Name})
		p.startFor = append(p.startFor, s)
		info = append(info, startInfo{g: g, t: g.first, h: host,
			tmpl: p.use.tmpl[g.first.Name], host: p.use.host[host.Name], total: p.use.global})
		p.takeStarting(g, it.id)
	}
	// A held item may still fit on a multi-executor agent started for a
	// later item, oldest first.
	if p.spareFresh() {
		held := make(map[int64]bool)
		for _, g := range groups {
			if g.blocked == "" {
				for _, h := range g.held {
					held[h.id] = true
				}
			}
		}
		served := make(map[int64]bool)
		for i, it := range items {
			if (i > 0 && items[i-1].id == it.id) || !held[it.id] {
				continue
			}
			if p.takeStarting(groups[it.gi], it.id) {
				served[it.id] = true
			}
		}
		for _, g := range groups {
			g.held = slices.DeleteFunc(g.held, func(h hold) bool { return served[h.id] })
		}
	}
	for i := range p.starts {
		st := &p.starts[i]
		st.Items = p.startFor[i].items
		st.Reason = p.startReason(&info[i])
	}
	for _, g := range groups {
		p.unserve(g.d.Key, g.held)
	}
	slices.SortStableFunc(p.unserved, func(a, b Unserved) int {
		return cmp.Compare(a.Items[0], b.Items[0])
	})
}

// newSlot returns a zero slot, allocated in blocks.
func (p *planner) newSlot() *slot {
	if len(p.slots) == 0 {
		p.slots = make([]slot, 32)
	}
	s := &p.slots[0]
	p.slots = p.slots[1:]
	return s
}

// spareFresh reports whether an agent this plan starts has an executor no
// item has taken.
func (p *planner) spareFresh() bool {
	for _, s := range p.startFor {
		if s.free > 0 {
			return true
		}
	}
	return false
}

// takeIdle gives the group's next item an idle executor, if one matches.
func (p *planner) takeIdle(g *group) bool {
	for _, c := range g.classes {
		if c.free > 0 {
			if m := c.take(); m.agent != nil {
				m.agent.claimed++
			}
			g.idle++
			return true
		}
	}
	return false
}

// takeStarting gives the group's next item an executor of a starting
// agent, or of one this plan starts, if one matches.
func (p *planner) takeStarting(g *group, id int64) bool {
	for _, pl := range g.pools {
		if pl.free > 0 {
			s := pl.take()
			s.items = append(s.items, id)
			if s.fresh {
				g.fresh++
			} else {
				g.starting++
				s.agent.claimed++
			}
			return true
		}
	}
	return false
}

// startBlock returns why template t may not start an agent now, or "".
// starting is how many of its agents are starting, this plan's starts
// included.
func (p *planner) startBlock(t *config.Template, starting int) string {
	if p.s.Draining {
		return "berth is draining for shutdown: nothing starts"
	}
	if why := p.backoffBlock(t, starting); why != "" {
		return why
	}
	return p.capsBlock(t)
}

// unserve reports a group's held items, one entry per reason.
func (p *planner) unserve(key string, held []hold) {
	var out []Unserved
	for _, h := range held {
		i := slices.IndexFunc(out, func(u Unserved) bool { return u.Reason == h.reason })
		if i < 0 {
			out = append(out, Unserved{Key: key, Reason: h.reason})
			i = len(out) - 1
		}
		out[i].Items = append(out[i].Items, h.id)
	}
	p.unserved = append(p.unserved, out...)
}

// holdUnknown reports the items whose label berth cannot tell.
func (p *planner) holdUnknown() {
	held := make([]hold, 0, len(p.s.Unknown))
	for _, u := range p.s.Unknown {
		held = append(held, hold{u.ID, unknownReason(u)})
	}
	slices.SortStableFunc(held, func(a, b hold) int { return cmp.Compare(a.id, b.id) })
	p.unserve("", held)
}

// holdEverything reports all waiting items as held for one reason.
func (p *planner) holdEverything(reason string) {
	p.holdUnknown()
	for i := range p.s.Demand {
		d := &p.s.Demand[i]
		held := make([]hold, 0, len(d.Items))
		for _, id := range d.Items {
			held = append(held, hold{id, reason})
		}
		p.unserve(d.Key, held)
	}
}

// templateSet returns template t's labels as a set, built once per plan.
func (p *planner) templateSet(t *config.Template) label.Set {
	if p.tmplSets == nil {
		p.tmplSets = make(map[string]label.Set, len(p.cfg.Templates))
	}
	s, ok := p.tmplSets[t.Name]
	if !ok {
		s = label.NewSet(t.Labels...)
		p.tmplSets[t.Name] = s
	}
	return s
}
