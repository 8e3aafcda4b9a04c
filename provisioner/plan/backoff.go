package plan

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/berth-dev/berth/config"
)

// Back-off
//
// A failure of a template's agent pauses the template. Failures are: a Start
// that failed (an Outcome), an agent not online within launchTimeout, and a
// container that exited before its node was ever online. Each failure
// counts once per agent. At the nth step of failures in a row the template
// waits
//
//	step   1    2    3    4     5     6 and more
//	pause  10s  20s  40s  1m20s 2m40s 5m
//
// from the cycle that saw the failure. Failures seen in the same cycle (a
// burst of starts that all failed for one reason) raise the pause by one
// step, not one step each. When the pause is over, the template
// starts one agent at a time (never a burst for all the demand that waited)
// until one of its agents comes online, which ends the back-off. So a
// template whose image is missing makes at most one Start per pause.

// backoffDelay is the pause at the given step (the number of cycles in a
// row that saw failures).
func backoffDelay(step int) time.Duration {
	table := [...]time.Duration{
		10 * time.Second,
		20 * time.Second,
		40 * time.Second,
		80 * time.Second,
		160 * time.Second,
		5 * time.Minute,
	}
	if step < 1 {
		return 0
	}
	return table[min(step, len(table))-1]
}

// fail counts a failure against the template.
func (p *planner) fail(template, reason string) {
	if _, ok := p.cfg.Template(template); !ok {
		return
	}
	b := p.st.Backoff[template]
	b.Failures++
	if !p.stepped[template] {
		b.Step++
		p.stepped[template] = true
	}
	b.Until = p.now.Add(backoffDelay(b.Step))
	b.LastReason = reason
	p.st.Backoff[template] = b
}

// failAgent counts a failure of agent a once, unless the agent predates
// this run of berth. It returns the words to add to the action's reason.
func (p *planner) failAgent(a *agent, reason string) string {
	if a.tmpl == nil {
		return ""
	}
	as := p.agentState(a)
	if as.Failed {
		return "; failure already counted"
	}
	if p.predates(a, as) {
		return "; not counted against the template (it was started before berth)"
	}
	if a.name != "" {
		as.Failed = true
		p.st.Agents[a.name] = as
	}
	p.fail(a.template, reason)
	b := p.st.Backoff[a.template]
	return fmt.Sprintf("; template %s backs off %s (failure %d)", a.template, backoffDelay(b.Step), b.Failures)
}

// predates reports an agent created before this run's first plan.
func (p *planner) predates(a *agent, as AgentState) bool {
	if a.ctr != nil {
		return a.ctr.Created.Before(p.st.Since)
	}
	return !as.NodeSeen.IsZero() && !as.NodeSeen.After(p.st.Since)
}

// recordOutcomes counts the failed starts reported since the last plan.
func (p *planner) recordOutcomes() {
	out := slices.Clone(p.s.Outcomes)
	slices.SortStableFunc(out, func(a, b Outcome) int {
		return cmp.Or(cmp.Compare(a.Template, b.Template), cmp.Compare(a.Node, b.Node),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Reason, b.Reason))
	})
	for _, o := range out {
		if o.Kind != Start || !o.Failed {
			continue
		}
		if o.Node != "" {
			as := p.st.Agents[o.Node]
			if as.Failed {
				continue
			}
			as.Failed = true
			if as.Template == "" {
				as.Template, as.Host = o.Template, o.Host
			}
			p.st.Agents[o.Node] = as
		}
		p.fail(o.Template, "start failed: "+o.Reason)
	}
}

// backoffBlock returns why template t may not start now, or "". starting is
// how many of its agents are starting (in flight, not yet online, or
// started by this plan).
func (p *planner) backoffBlock(t *config.Template, starting int) string {
	b, ok := p.st.Backoff[t.Name]
	if !ok || b.Failures == 0 {
		return ""
	}
	if p.now.Before(b.Until) {
		// No countdown in the text: the reason must stay the same from cycle
		// to cycle, so that it is logged once, when it changes.
		return fmt.Sprintf("template %s backing off until %s after %d %s; last: %s",
			t.Name, b.Until.UTC().Format(time.RFC3339), b.Failures, plural(b.Failures, "failure", "failures"), b.LastReason)
	}
	if starting > 0 {
		return fmt.Sprintf("template %s recovering after %d %s (last: %s): one start at a time until an agent comes online",
			t.Name, b.Failures, plural(b.Failures, "failure", "failures"), b.LastReason)
	}
	return ""
}
