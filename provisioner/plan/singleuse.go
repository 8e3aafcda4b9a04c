package plan

// Single-use agents run one build. The first cycle that sees one busy marks
// it used (observe) and takes its node offline, so that no second build
// lands when the first ends; the executor leaves it running. Once it is
// idle, reap retires it.

// singleUseStarted takes a busy single-use agent offline.
func (p *planner) singleUseStarted(a *agent) {
	n := a.node
	if n == nil || a.tmpl == nil || !a.tmpl.SingleUse || !n.available() || n.Busy == 0 {
		return
	}
	p.act(a, TakeOffline, "single-use agent started its build: no second build may land")
}
