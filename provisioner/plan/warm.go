package plan

import (
	"cmp"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/berth-dev/berth/config"
)

// Warm pools
//
// A template's warm windows (templates[].warm) keep agents ready before
// builds ask for them. A window is open at t when an activation a of its
// schedule has a ≤ t < a+duration; with several windows open, the largest
// idle counts. While a window is open, the pool's ready agents are the
// template's agents that are
//
//   - idle: online, no busy executor, not temporarily offline, no action on
//     them, not matched to a waiting build in this plan, and (single-use)
//     not used yet; or
//   - starting (see starting) and not matched to a waiting build.
//
// After waiting builds are served (they always come first, so a warm start
// never takes room one of them could use in this plan), the template
// starts agents until ready reaches idle, each start through the same
// draining, back-off, caps and placement checks as a start for a build.
//
// Reaping keeps the pool: of the idle agents past idleTimeout, only those
// beyond idle (counting the idle agents not past it; starting agents do not
// count here, so an online agent is never retired in favour of one still on
// its way) are retired, the longest idle first. When a window closes and
// the template's idle drops with it, its idle agents get idleTimeout from
// the close, not from when they went idle: the pool drains over one
// idleTimeout, not all at once.
//
// A warm pool gives way to builds: while a waiting build is held because
// the global maxContainers or the hosts its template may use are full, the
// pools keep no agent past idleTimeout that counts against that room (any
// agent for the global cap, the agents on those hosts), so idleTimeout
// frees it as it would without warm windows.
//
// The windows are computed from Snapshot.Now alone, with the schedules
// config parsed; nothing is remembered between plans.

// warmPool is a template whose warm window is open in this plan.
type warmPool struct {
	t     *config.Template
	want  int            // the open windows' largest idle
	until time.Time      // when the window that sets want closes
	zone  *time.Location // the zone reasons show until in
	idle  []*agent       // idle agents not matched to a waiting build
	// starting counts the starting agents not matched to a waiting build;
	// allStarting every starting agent, this plan's starts included, for
	// the back-off.
	starting, allStarting int
}

// planWarm starts the agents that open warm windows miss, after demand,
// and marks the idle agents that reaping must keep.
func (p *planner) planWarm() {
	if !p.hasWarm {
		return
	}
	var pools []warmPool
	for i := range p.cfg.Templates {
		t := &p.cfg.Templates[i]
		if len(t.Warm) == 0 {
			continue
		}
		if want, until, zone := openWindow(t.Warm, p.now); want > 0 {
			pools = append(pools, warmPool{t: t, want: want, until: until, zone: zone})
		}
	}
	if len(pools) == 0 {
		return
	}
	poolOf := func(t *config.Template) *warmPool {
		for i := range pools {
			if pools[i].t == t {
				return &pools[i]
			}
		}
		return nil
	}
	for _, a := range p.agents {
		wp := poolOf(a.tmpl)
		switch {
		case wp == nil:
		case p.warmIdle(a):
			wp.idle = append(wp.idle, a)
		case a.node != nil && (a.node.Online || a.node.TemporarilyOffline):
			// online and not idle: busy, or taken offline
		case p.starting(a):
			wp.allStarting++
			if a.claimed == 0 {
				wp.starting++
			}
		}
	}
	for _, s := range p.starts {
		t, _ := p.cfg.Template(s.Template)
		if wp := poolOf(t); wp != nil {
			wp.allStarting++
		}
	}

	for i := range pools {
		wp := &pools[i]
		ready := len(wp.idle) + wp.starting
		p.keepWarm(wp)
		report := WarmPool{Template: wp.t.Name, Idle: wp.want, Ready: ready, Until: wp.until}
		for n := ready; n < wp.want; n++ {
			why := nodesUnread
			if p.s.NodesOK {
				why = p.startBlock(wp.t, wp.allStarting)
			}
			var host *config.DockerHost
			if why == "" {
				host, why = p.place(wp.t)
			}
			if host == nil {
				report.Blocked = why
				break
			}
			p.reserve(wp.t, host.Name)
			wp.allStarting++
			report.Started++
			p.starts = append(p.starts, Action{Kind: Start, Template: wp.t.Name, Host: host.Name,
				Reason: p.warmReason(wp, ready, host)})
		}
		p.warm = append(p.warm, report)
	}
}

// warmIdle reports whether agent a is idle and free for its warm pool.
func (p *planner) warmIdle(a *agent) bool {
	n := a.node
	if n == nil || !n.available() || n.Busy > 0 || a.acted || a.flight != nil || a.claimed > 0 {
		return false
	}
	return !a.tmpl.SingleUse || !p.agentState(a).Used
}

// keepWarm marks the idle agents of an open pool that reaping must keep:
// as many of those past idleTimeout as the pool needs besides the idle
// ones that are not, the most recently idle first.
func (p *planner) keepWarm(wp *warmPool) {
	var due []*agent
	fresh := 0
	for _, a := range wp.idle {
		limit, _ := a.idleTimeout()
		if p.hostDown(a.host) || p.now.Sub(p.agentState(a).IdleSince) < limit {
			fresh++ // not retired this plan either way
			continue
		}
		due = append(due, a)
	}
	keep := min(wp.want-fresh, len(due))
	if keep <= 0 {
		return
	}
	slices.SortFunc(due, func(x, y *agent) int {
		return cmp.Or(p.agentState(y).IdleSince.Compare(p.agentState(x).IdleSince), cmp.Compare(x.name, y.name))
	})
	for _, a := range due {
		if keep == 0 {
			break
		}
		if p.yields(a.host) != "" {
			a.warmYield = true
			continue
		}
		a.warmKept = true
		keep--
	}
}

// warmHolds reports whether a warm window keeps idle agent a, past its
// idleTimeout, from being retired: it is one the open pool needs, or a
// window of its template that lowered the pool closed less than
// idleTimeout ago. When a window would keep it but gives way to waiting
// builds, it says so in yield.
func (p *planner) warmHolds(a *agent) (held bool, yield string) {
	if a.warmKept {
		return true, ""
	}
	t := a.tmpl
	if t == nil || len(t.Warm) == 0 {
		return false, ""
	}
	if a.warmYield {
		return false, p.yields(a.host)
	}
	held, ok := p.warmClosed[t.Name]
	if !ok {
		open := 0
		if wp := p.warmReport(t.Name); wp != nil {
			open = wp.Idle
		}
		held = closedWithin(t.Warm, p.now, t.IdleTimeout, open)
		if p.warmClosed == nil {
			p.warmClosed = make(map[string]bool)
		}
		p.warmClosed[t.Name] = held
	}
	if why := p.yields(a.host); held && why != "" {
		return false, why
	}
	return held, ""
}

// shortOfRoom is the room that waiting builds were held for in this plan.
type shortOfRoom struct {
	global bool            // the global maxContainers is full
	hosts  map[string]bool // these hosts are full
	noted  map[string]bool // templates already looked at
}

// noteShort records, for warm pools to give way, the room a build of
// template t waits for when the template could start but for the global
// maxContainers or full hosts. starting is as for startBlock.
func (p *planner) noteShort(t *config.Template, starting int) {
	if !p.hasWarm || p.short.noted[t.Name] {
		return
	}
	if p.short.noted == nil {
		p.short.noted, p.short.hosts = make(map[string]bool), make(map[string]bool)
	}
	p.short.noted[t.Name] = true
	u := &p.use
	switch {
	case p.s.Draining || p.backoffBlock(t, starting) != "":
		return // starting nothing for other reasons
	case t.InstanceCap != config.NoLimit && (u.unknownTmpl[t.Name] != "" || u.tmpl[t.Name] >= t.InstanceCap):
		return // its own cap, which no other template's agents hold
	case p.cfg.MaxContainers != config.NoLimit && u.unknownGlobal == "" && u.global >= p.cfg.MaxContainers:
		p.short.global = true
		return
	}
	for i := range p.cfg.DockerHosts {
		h := &p.cfg.DockerHosts[i]
		if allowedOn(t, h.Name) && p.listed[h.Name] && h.MaxContainers != config.NoLimit && u.host[h.Name] >= h.MaxContainers {
			p.short.hosts[h.Name] = true
		}
	}
}

// yields says why warm pools keep no agent on host past idleTimeout in
// this plan, or "".
func (p *planner) yields(host string) string {
	switch {
	case p.short.global:
		return "builds wait for room under the global maxContainers"
	case p.short.hosts[host]:
		return "builds wait for room on " + host
	}
	return ""
}

// warmReport returns the open pool of template name, or nil.
func (p *planner) warmReport(name string) *WarmPool {
	for i := range p.warm {
		if p.warm[i].Template == name {
			return &p.warm[i]
		}
	}
	return nil
}

// openWindow returns the largest idle of the windows open at now (0 when
// none is), when the window that sets it closes, and the time zone of its
// schedule.
func openWindow(ws []config.Warm, now time.Time) (idle int, until time.Time, zone *time.Location) {
	for i := range ws {
		w := &ws[i]
		if w.Schedule == nil || w.Duration <= 0 || w.Idle < 1 {
			continue
		}
		// The first activation after now-duration: the window it opens
		// is open at now when it is not after now.
		a := w.Schedule.Next(now.Add(-w.Duration))
		if a.IsZero() || a.After(now) {
			continue
		}
		end := lastActivation(w.Schedule, a, now).Add(w.Duration)
		if w.Idle > idle || (w.Idle == idle && end.After(until)) {
			idle, until, zone = w.Idle, end, scheduleZone(w.Schedule, now)
		}
	}
	return idle, until, zone
}

// lastActivation returns the latest activation of s not after now, given
// a, one that is not. Windows rarely overlap, so one more Next usually
// settles it; otherwise a binary search to the second finds it.
func lastActivation(s cron.Schedule, a, now time.Time) time.Time {
	later := func(x time.Time) bool { // an activation in (x, now]?
		n := s.Next(x)
		return !n.IsZero() && !n.After(now)
	}
	if !later(a) {
		return a
	}
	lo, hi := a, now // later(lo), !later(hi)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if later(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return s.Next(lo)
}

// closedWithin reports whether a window with an idle above open closed
// during the last d: an activation a with now-d < a+duration ≤ now.
func closedWithin(ws []config.Warm, now time.Time, d time.Duration, open int) bool {
	if d <= 0 {
		return false
	}
	for i := range ws {
		w := &ws[i]
		if w.Schedule == nil || w.Idle <= open {
			continue
		}
		a := w.Schedule.Next(now.Add(-w.Duration - d))
		if !a.IsZero() && !a.After(now.Add(-w.Duration)) {
			return true
		}
	}
	return false
}

// scheduleZone is the zone a schedule's times are in: its CRON_TZ, or,
// without one, the zone of the clock it is read with.
func scheduleZone(s cron.Schedule, now time.Time) *time.Location {
	if ss, ok := s.(*cron.SpecSchedule); ok && ss.Location != nil && ss.Location != time.Local {
		return ss.Location
	}
	return now.Location()
}
