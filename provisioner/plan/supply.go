package plan

import (
	"cmp"
	"slices"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// Supply is what can take a waiting build without a new agent: the idle
// executors of available nodes, and the executors of berth agents that are
// still starting.
//
// Nodes are grouped into classes that answer every label expression alike,
// so that each expression is evaluated once per class, not once per node: a
// class holds nodes with the same labels apart from their own names, the
// same mode and the same berth template. A node whose name appears in a
// waiting expression gets a class of its own.

// nodeClass is a group of nodes that every waiting expression treats alike.
type nodeClass struct {
	labels    label.Set // the first member's labels
	own       string    // the first member's name (left out when comparing)
	exclusive bool
	template  string // berth template of this instance's agents; "" otherwise
	members   []*member
	free      int
	next      int
}

// member is one node's idle executors.
type member struct {
	agent *agent // nil for nodes that are not this instance's agents
	free  int
}

// slot is one starting agent's executors: an agent starting before this
// plan (agent set) or one this plan starts (fresh).
type slot struct {
	agent *agent
	fresh bool
	start int // index into p.starts when fresh
	free  int
	items []int64
}

// pool is a template's starting agents.
type pool struct {
	t     *config.Template
	slots []*slot
	next  int
	free  int
	// starting counts the template's starting agents, fresh ones included.
	starting int
}

// supply is the whole supply of one plan.
type supply struct {
	classes []*nodeClass
	pools   map[string]*pool
}

// capacity is how many waiting builds one new agent of t takes.
func capacity(t *config.Template) int {
	if t.SingleUse {
		return 1
	}
	return max(t.Executors, 1)
}

// buildSupply collects the supply. atoms are the label atoms of all waiting
// expressions.
func (p *planner) buildSupply(atoms map[string]struct{}) *supply {
	sup := &supply{pools: make(map[string]*pool, len(p.cfg.Templates))}

	nodes := make([]*Node, 0, len(p.s.Nodes))
	for i := range p.s.Nodes {
		nodes = append(nodes, &p.s.Nodes[i])
	}
	slices.SortFunc(nodes, func(a, b *Node) int { return cmp.Compare(a.Name, b.Name) })
	type classKey struct {
		hash      uint64
		exclusive bool
		template  string
	}
	index := make(map[classKey][]*nodeClass)
	for _, n := range nodes {
		free := n.Executors - n.Busy
		if n.Placeholder || !n.available() || free <= 0 {
			continue
		}
		var a *agent
		tmpl := ""
		if p.ours(n) {
			a = p.byName[n.Name]
			if a == nil || a.acted || p.s.Draining || (a.flight != nil && a.flight.Kind != Start) {
				continue // being retired or removed; draining retires idle agents
			}
			tmpl = a.template
			if a.tmpl != nil && a.tmpl.SingleUse {
				if p.agentState(a).Used || n.Busy > 0 {
					continue
				}
				free = 1
			}
		}
		m := &member{agent: a, free: free}
		if _, named := atoms[n.Name]; named {
			sup.classes = append(sup.classes, &nodeClass{labels: n.Labels, exclusive: n.Exclusive, template: tmpl, members: []*member{m}, free: free})
			continue
		}
		k := classKey{hash: labelHash(n.Labels, n.Name), exclusive: n.Exclusive, template: tmpl}
		var c *nodeClass
		for _, cand := range index[k] {
			if sameLabels(cand.labels, cand.own, n.Labels, n.Name) {
				c = cand
				break
			}
		}
		if c == nil {
			c = &nodeClass{labels: n.Labels, own: n.Name, exclusive: n.Exclusive, template: tmpl}
			index[k] = append(index[k], c)
			sup.classes = append(sup.classes, c)
		}
		c.members = append(c.members, m)
		c.free += free
	}

	// Nodes berth does not manage come first: a build matched to one of them
	// keeps no berth agent from being retired.
	slices.SortStableFunc(sup.classes, func(a, b *nodeClass) int {
		return cmp.Compare(boolInt(a.members[0].agent != nil), boolInt(b.members[0].agent != nil))
	})

	for i := range p.cfg.Templates {
		t := &p.cfg.Templates[i]
		sup.pools[t.Name] = &pool{t: t}
	}
	for _, a := range p.agents {
		if !p.starting(a) {
			continue
		}
		pl := sup.pools[a.tmpl.Name]
		s := &slot{agent: a, free: capacity(a.tmpl)}
		pl.slots = append(pl.slots, s)
		pl.free += s.free
		pl.starting++
	}
	return sup
}

// starting reports whether agent a is on its way online: a start in flight,
// or a node not yet online within launchTimeout of its launch clock (see
// launchClock) whose container is visible, or whose host did not list or is
// not configured.
func (p *planner) starting(a *agent) bool {
	if a.acted || a.tmpl == nil || (a.ctr != nil && a.ctr.Exited) {
		return false
	}
	n := a.node
	as := p.agentState(a)
	if (n != nil && (n.Online || n.TemporarilyOffline)) || as.WasOnline {
		return false // online: idle supply, not starting supply
	}
	if a.startInFlight() {
		return true
	}
	if n == nil || (a.ctr == nil && p.listed[a.host]) {
		// No node, or a node whose host listed no container for it: an
		// orphan waiting for orphanGrace, not an agent on its way online.
		return false
	}
	since, _ := p.launchClock(a, as)
	return p.now.Sub(since) < a.tmpl.LaunchTimeout
}

// take takes one idle executor from the class.
func (c *nodeClass) take() *member {
	for c.members[c.next].free == 0 {
		c.next++
	}
	m := c.members[c.next]
	m.free--
	c.free--
	return m
}

// take takes one executor of a starting agent.
func (pl *pool) take() *slot {
	for pl.slots[pl.next].free == 0 {
		pl.next++
	}
	s := pl.slots[pl.next]
	s.free--
	pl.free--
	return s
}

// labelHash hashes a label set, leaving out the node's own name, the same
// whatever the map order.
func labelHash(labels label.Set, own string) uint64 {
	var sum uint64
	for l := range labels {
		if l == own {
			continue
		}
		v := fnv64a(l)
		sum += (v ^ (v >> 29)) * 0x9e3779b97f4a7c15
	}
	return sum
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// fnv64a is FNV-1a over s, without an allocation.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// sameLabels compares two nodes' labels apart from their own names.
func sameLabels(a label.Set, aOwn string, b label.Set, bOwn string) bool {
	na, nb := len(a), len(b)
	if a.Has(aOwn) {
		na--
	}
	if b.Has(bOwn) {
		nb--
	}
	if na != nb {
		return false
	}
	for l := range b {
		if l == bOwn {
			continue
		}
		if l == aOwn || !a.Has(l) {
			return false
		}
	}
	return true
}
