package plan

import (
	"fmt"

	"github.com/berth-dev/berth/config"
)

// usage is how many containers count against each cap: every berth
// container in any state (exited ones too, until they are removed) plus
// every start in flight whose container is not listed yet, across all
// hosts. A host that did not list this cycle counts with its last known
// numbers; a host that has not listed since berth started is unknown, and
// counts as holding as many containers as it may (all of them, for a host
// without maxContainers, which blocks every cap it could affect).
type usage struct {
	global int
	host   map[string]int
	tmpl   map[string]int
	// unknownGlobal names a host without maxContainers whose count is
	// unknown: the global cap cannot be checked.
	unknownGlobal string
	// unknownTmpl names, per template, such a host among its hosts.
	unknownTmpl map[string]string
}

// countUsage fills p.use from the snapshot and the remembered host counts.
func (p *planner) countUsage() {
	u := &p.use
	u.host = make(map[string]int, len(p.cfg.DockerHosts))
	u.tmpl = make(map[string]int, len(p.cfg.Templates))
	u.unknownTmpl = make(map[string]string)
	add := func(host, tmpl string, n int) {
		u.global += n
		u.host[host] += n
		u.tmpl[tmpl] += n
	}
	for _, a := range p.agents {
		switch {
		case a.ctr != nil:
			add(a.ctr.Host, a.ctr.Template, 1)
		case a.startInFlight() && !p.hostDown(a.flight.Host):
			// A start on a host that is down is already in that host's
			// remembered count (see recordHostCounts).
			add(a.flight.Host, a.flight.Template, 1)
		}
	}
	for i := range p.cfg.DockerHosts {
		h := &p.cfg.DockerHosts[i]
		if p.listed[h.Name] {
			continue
		}
		if last, ok := p.st.Hosts[h.Name]; ok {
			u.global += last.Total
			u.host[h.Name] += last.Total
			for t, n := range last.Templates {
				u.tmpl[t] += n
			}
			continue
		}
		// Never listed: assume the worst the host allows.
		if h.MaxContainers == config.NoLimit {
			if u.unknownGlobal == "" {
				u.unknownGlobal = h.Name
			}
		} else {
			u.global += h.MaxContainers
			u.host[h.Name] += h.MaxContainers
		}
		for j := range p.cfg.Templates {
			t := &p.cfg.Templates[j]
			if !allowedOn(t, h.Name) {
				continue
			}
			if h.MaxContainers == config.NoLimit {
				if u.unknownTmpl[t.Name] == "" {
					u.unknownTmpl[t.Name] = h.Name
				}
			} else {
				u.tmpl[t.Name] += h.MaxContainers
			}
		}
	}
}

// capsBlock checks the template's instanceCap and the global maxContainers
// (the host cap is placement's). It returns why a start must wait, or "".
func (p *planner) capsBlock(t *config.Template) string {
	u := &p.use
	if t.InstanceCap != config.NoLimit {
		if h := u.unknownTmpl[t.Name]; h != "" {
			return fmt.Sprintf("template %s: instanceCap %d cannot be checked: docker host %s has not listed its containers since berth started",
				t.Name, t.InstanceCap, h)
		}
		if n := u.tmpl[t.Name]; n >= t.InstanceCap {
			return fmt.Sprintf("template %s at instanceCap %d (%d containers)", t.Name, t.InstanceCap, n)
		}
	}
	if limit := p.cfg.MaxContainers; limit != config.NoLimit {
		if h := u.unknownGlobal; h != "" {
			return fmt.Sprintf("global maxContainers %d cannot be checked: docker host %s has not listed its containers since berth started", limit, h)
		}
		if u.global >= limit {
			return fmt.Sprintf("global maxContainers %d reached (%d containers)", limit, u.global)
		}
	}
	return ""
}

// reserve counts a new start against all three caps at once.
func (p *planner) reserve(t *config.Template, host string) {
	p.use.global++
	p.use.host[host]++
	p.use.tmpl[t.Name]++
}

// recordHostCounts remembers, for every host that listed, what it holds now
// including starts in flight and the starts of this plan: that is the most
// the host can hold while its listing fails, because berth starts nothing on
// a host that did not list.
func (p *planner) recordHostCounts() {
	for host := range p.listed {
		p.st.Hosts[host] = HostCount{Total: p.use.host[host], Templates: map[string]int{}}
	}
	for _, a := range p.agents {
		var host, tmpl string
		switch {
		case a.ctr != nil:
			host, tmpl = a.ctr.Host, a.ctr.Template
		case a.startInFlight():
			host, tmpl = a.flight.Host, a.flight.Template
		default:
			continue
		}
		if p.listed[host] {
			p.st.Hosts[host].Templates[tmpl]++
		}
	}
	for _, s := range p.starts {
		p.st.Hosts[s.Host].Templates[s.Template]++
	}
}

// allowedOn reports whether template t may run on host.
func allowedOn(t *config.Template, host string) bool {
	if len(t.Hosts) == 0 {
		return true
	}
	for _, h := range t.Hosts {
		if h == host {
			return true
		}
	}
	return false
}
