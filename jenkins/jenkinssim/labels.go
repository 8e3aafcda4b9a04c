package jenkinssim

// Exported labels (hudson.model.labels.LabelAtom).

// labelBeans is Node.getAssignedLabels: the node's labels, its own name included. A LabelAtom
// is declared as such (no _class); nested at depth 0 only its name (visibility 2) shows.
func (s *Sim) labelBeans(n *node) []any {
	names := n.sortedLabels()
	out := make([]any, 0, len(names))
	for _, name := range names {
		out = append(out, s.labelAtomBean(name))
	}
	return out
}

// labelAtomBean exports LabelAtom name: Actionable's actions, Label's properties sorted, then
// LabelAtom's. The counts are computed when written (with s.mu held).
func (s *Sim) labelAtomBean(name string) *bean {
	nodes := func() []*node {
		var out []*node
		if s.builtin.labels.Has(name) {
			out = append(out, s.builtin)
		}
		for _, n := range s.agentsLocked() {
			if n.labels.Has(name) {
				out = append(out, n)
			}
		}
		return out
	}
	count := func(busy bool) int {
		total := 0
		for _, n := range nodes() {
			if c := n.comp; c != nil && c.online() {
				if busy {
					total += c.countBusy()
				} else {
					total += len(c.executors)
				}
			}
		}
		return total
	}
	b := newBean("")
	b.add("actions", []any{})
	b.lazy("busyExecutors", visDefault, func() any { return count(true) })
	b.add("clouds", []any{})
	b.add("description", nil)
	b.lazy("idleExecutors", visDefault, func() any { return labelIdle(nodes()) })
	b.addVis("name", 2, name)
	b.lazy("nodes", visDefault, func() any {
		var out []any
		for _, n := range nodes() {
			out = append(out, s.nodeBean(n))
		}
		return orEmpty(out)
	})
	b.lazy("offline", visDefault, func() any { return labelOffline(nodes()) })
	b.lazy("tiedJobs", visDefault, func() any {
		var out []any
		for _, j := range s.sortedJobsLocked() {
			if j.kind == Freestyle && j.expr != nil && j.expr.String() == name {
				out = append(out, s.jobBean(j))
			}
		}
		return orEmpty(out)
	})
	b.lazy("totalExecutors", visDefault, func() any { return count(false) })
	b.add("propertiesList", []any{})
	return b
}

// nodeBean exports a Node (the built-in node is the Hudson root object itself).
func (s *Sim) nodeBean(n *node) *bean {
	if n.builtIn {
		b, _ := s.rootBean()
		return b
	}
	b := newBean("hudson.slaves.DumbSlave")
	b.lazy("assignedLabels", visDefault, func() any { return s.labelBeans(n) })
	b.add("mode", string(n.mode))
	b.add("nodeDescription", n.description)
	b.addVis("nodeName", 999, n.name)
	b.add("numExecutors", n.numExec)
	return b
}
