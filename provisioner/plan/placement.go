package plan

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/config"
)

// place picks the Docker host for a new agent of template t: among the
// template's hosts (all hosts when it names none) that listed this cycle and
// have room, the one with the most free room (maxContainers minus its
// count; a host without maxContainers has unlimited room, and among those
// the one with the fewest containers wins), ties going to the host first in
// the configuration. It returns nil and the state of every allowed host when
// none has room.
func (p *planner) place(t *config.Template) (*config.DockerHost, string) {
	var best *config.DockerHost
	var why []string
	better := func(h *config.DockerHost) bool {
		if best == nil {
			return true
		}
		hn, bn := p.use.host[h.Name], p.use.host[best.Name]
		hInf, bInf := h.MaxContainers == config.NoLimit, best.MaxContainers == config.NoLimit
		switch {
		case hInf && bInf:
			return hn < bn
		case hInf != bInf:
			return hInf
		default:
			return h.MaxContainers-hn > best.MaxContainers-bn
		}
	}
	for i := range p.cfg.DockerHosts {
		h := &p.cfg.DockerHosts[i]
		if !allowedOn(t, h.Name) {
			continue
		}
		n := p.use.host[h.Name]
		switch {
		case !p.listed[h.Name]:
			if last, ok := p.st.Hosts[h.Name]; ok {
				why = append(why, fmt.Sprintf("%s unreachable (listing failed; last known %d containers)", h.Name, last.Total))
			} else {
				why = append(why, fmt.Sprintf("%s unreachable (listing failed)", h.Name))
			}
		case h.MaxContainers != config.NoLimit && n >= h.MaxContainers:
			why = append(why, fmt.Sprintf("%s full (%d/%d)", h.Name, n, h.MaxContainers))
		case better(h):
			best = h
		}
	}
	if best != nil {
		return best, ""
	}
	if len(why) == 0 {
		if len(t.Hosts) == 0 {
			return nil, "no docker hosts are configured"
		}
		return nil, fmt.Sprintf("template %s: none of its docker hosts (%s) is configured", t.Name, strings.Join(t.Hosts, ", "))
	}
	return nil, fmt.Sprintf("template %s: no room on its docker hosts: %s", t.Name, strings.Join(why, ", "))
}
