package jenkinssim

// The root object (hudson.model.Hudson), WhoAmI and the crumb issuer.

// rootBean is Jenkins' export: Node's properties, then Jenkins' own, each sorted by name.
func (s *Sim) rootBean() (*bean, bool) {
	b := newBean("hudson.model.Hudson")
	bn := s.builtin
	b.lazy("assignedLabels", visDefault, func() any { return s.labelBeans(bn) })
	b.add("mode", string(bn.mode))
	b.add("nodeDescription", bn.description)
	b.addVis("nodeName", 999, "")
	b.add("numExecutors", bn.numExec)
	if s.opts.SystemMessage != "" {
		b.add("description", s.opts.SystemMessage)
	} else {
		b.add("description", nil)
	}
	b.lazy("jobs", visDefault, func() any {
		var out []any
		for _, j := range s.sortedJobsLocked() {
			out = append(out, s.jobBean(j))
		}
		return orEmpty(out)
	})
	b.lazy("overallLoad", visDefault, func() any { return newBean("") })
	b.lazy("primaryView", visDefault, func() any { return s.allViewBean() })
	b.add("quietDownReason", nil)
	b.add("quietingDown", false)
	b.add("slaveAgentPort", -1)
	b.lazy("unlabeledLoad", visDefault, func() any { return newBean("jenkins.model.UnlabeledLoadStatistics") })
	b.add("url", s.URL())
	b.add("useCrumbs", true)
	b.add("useSecurity", true)
	b.lazy("views", visDefault, func() any { return []any{s.allViewBean()} })
	return b, true
}

// allViewBean is the "all" view (hudson.model.AllView).
func (s *Sim) allViewBean() *bean {
	v := newBean("hudson.model.AllView")
	v.add("description", nil)
	v.lazy("jobs", visDefault, func() any {
		var out []any
		for _, j := range s.sortedJobsLocked() {
			out = append(out, s.jobBean(j))
		}
		return orEmpty(out)
	})
	v.addVis("name", 2, "all")
	v.inlined("property", visDefault, func() any { return []any{} })
	v.addVis("url", 2, s.URL())
	return v
}

// whoAmIBean is hudson.security.WhoAmI (details and toString are no longer exported).
func whoAmIBean(a *authn) *bean {
	b := newBean("hudson.security.WhoAmI")
	b.add("anonymous", a.anonymous())
	b.add("authenticated", true)
	if a.anonymous() {
		b.add("authorities", []string{"anonymous"})
	} else {
		b.add("authorities", []string{"authenticated"})
	}
	b.add("name", a.name())
	return b
}

// crumbBean is hudson.security.csrf.DefaultCrumbIssuer.
func (s *Sim) crumbBean(a *authn) *bean {
	b := newBean("hudson.security.csrf.DefaultCrumbIssuer")
	b.add("crumb", s.crumb(a))
	b.add("crumbRequestField", "Jenkins-Crumb")
	return b
}

// orEmpty turns a nil slice into an empty JSON array.
func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}
