package jenkinssim

import (
	"time"
)

// The scheduler is Jenkins' Queue.maintain, run whenever something it depends on changes
// (an item is queued or becomes due, a node connects, disconnects, is deleted or taken
// offline, a build ends) instead of on Jenkins' periodic tick. All of it runs with s.mu held.

// maintainLocked brings the queue to a fixed point and notifies observers.
func (s *Sim) maintainLocked() {
	if s.closed {
		return
	}
	// A pass can queue new work (a Pipeline run queues its node() step); a few passes reach
	// the fixed point, the bound only guards against a bug looping forever.
	for i := 0; i < 100 && s.maintainPassLocked(); i++ {
	}
	s.armWaitTimerLocked()
	s.notifyLocked()
}

// maintainPassLocked is one Queue.maintain; it reports whether a new item became due.
func (s *Sim) maintainPassLocked() bool {
	now := s.now()
	queuedBefore := s.q.nextID

	// blocked -> buildable
	for _, it := range append([]*item(nil), s.q.blocked...) {
		if b := s.blockageLocked(it); b != nil {
			it.block = b
			continue
		}
		s.q.blocked = removeItem(s.q.blocked, it)
		it.block = nil
		s.makeBuildableLocked(it)
	}

	// waiting -> buildable or blocked
	for len(s.q.waiting) > 0 && !s.q.waiting[0].due.After(now) {
		it := s.q.waiting[0]
		s.q.waiting = s.q.waiting[1:]
		it.buildableStart = now
		if b := s.blockageLocked(it); b != nil {
			it.state = stateBlocked
			it.block = b
			s.q.blocked = append(s.q.blocked, it)
			continue
		}
		s.makeBuildableLocked(it)
	}

	// buildable -> executors, oldest first
	for _, it := range append([]*item(nil), s.q.buildable...) {
		if b := s.blockageLocked(it); b != nil {
			s.q.buildable = removeItem(s.q.buildable, it)
			it.state = stateBlocked
			it.block = b
			it.transient = nil
			s.q.blocked = append(s.q.blocked, it)
			continue
		}
		s.assignLocked(it)
	}

	return s.q.nextID != queuedBefore && len(s.q.waiting) > 0 && !s.q.waiting[0].due.After(s.now())
}

// blockageLocked is Queue.getCauseOfBlockageForItem.
func (s *Sim) blockageLocked(it *item) *blockage {
	t := it.task
	if t.kind != taskPlaceholder && !t.job.concurrent {
		// AbstractProject/WorkflowJob.getCauseOfBlockage: BlockedBecauseOfBuildInProgress.
		if b := t.job.building(); b != nil {
			return &blockage{build: b}
		}
	}
	if it.state != stateBuildable && !t.concurrent() {
		for _, other := range s.q.buildable {
			if other != it && other.task == t {
				return &blockage{text: "A build is already in progress"}
			}
		}
	}
	return nil
}

// makeBuildableLocked turns an item into a BuildableItem; a flyweight task (a Pipeline run)
// starts at once on a OneOffExecutor of the built-in node instead.
func (s *Sim) makeBuildableLocked(it *item) {
	if it.task.kind == taskWorkflow {
		s.startFlyweightLocked(it)
		return
	}
	it.state = stateBuildable
	it.transient = nil
	s.q.buildable = append(s.q.buildable, it)
}

// assignLocked offers a buildable item to every idle ("parked") executor, as maintain does
// with its JobOffers, and starts it on the first one that can take it. Without a taker the
// reasons of the refusing nodes are kept for the item's `why`
// (BuildableItem.transientCausesOfBlockage).
func (s *Sim) assignLocked(it *item) {
	reasons := map[*node]string{}
	var reasonOrder []string
	var taker *executor
	for _, c := range s.computersLocked() {
		for _, e := range c.executors {
			if e.cur != nil {
				continue
			}
			r, seen := reasons[c.node]
			if !seen {
				r = s.offerLocked(c, it)
				reasons[c.node] = r
				if r != "" {
					reasonOrder = append(reasonOrder, r)
				}
			}
			if r == "" && taker == nil {
				taker = e
			}
		}
	}
	if taker == nil {
		it.transient = nil
		if len(reasonOrder) > 0 {
			it.transient = reasonOrder
		}
		return
	}
	s.startLocked(it, taker)
}

// offerLocked is JobOffer.getCauseOfBlockage for an idle executor of c: "" if it can take the
// item, otherwise the short description of why not.
func (s *Sim) offerLocked(c *computer, it *item) string {
	n := c.node
	if reason := canTake(n, it.task); reason != "" {
		return reason
	}
	if c.offline() {
		return "‘" + n.displayName() + "’ is offline"
	}
	return ""
}

// canTake is Node.canTake for the label and mode rules. The node's display name there is
// Node.getDisplayName, "Jenkins" for the built-in node.
func canTake(n *node, t *task) string {
	name := n.name
	if n.builtIn {
		name = "Jenkins"
	}
	l := t.label()
	if l != nil && !l.Matches(n.labels) {
		return "‘" + name + "’ doesn’t have label ‘" + l.String() + "’"
	}
	if l == nil && n.mode == Exclusive {
		return "‘" + name + "’ is reserved for jobs with matching label expression"
	}
	return ""
}

// startLocked starts a buildable item on executor e: the item leaves the queue with its
// executable and the executor is busy for the job's duration.
func (s *Sim) startLocked(it *item, e *executor) {
	now := s.now()
	n := e.comp.node
	ex := &execution{queueID: it.id, exec: e, node: n, start: now}
	switch it.task.kind {
	case taskFreestyle:
		j := it.task.job
		ex.estimated = j.estimatedDuration()
		r := &run{job: j, number: j.nextNumber, queueID: it.id, actions: it.actions, start: now, exec: ex}
		j.nextNumber++
		j.runs = append(j.runs, r)
		ex.run = r
		it.run = r
	case taskPlaceholder:
		r := it.task.run
		ex.estimated = r.job.estimatedDuration()
		ex.run = r
		ex.placeholder = true
		r.exec = ex
		it.exec = ex
	}
	e.cur = ex
	s.execs = append(s.execs, ex)
	s.leaveLocked(it)
	s.log.Info("build started", "job", ex.run.job.name, "number", ex.run.number, "queue_id", it.id, "node", n.name)
	d := ex.run.job.duration
	ex.timer = time.AfterFunc(d, func() { s.finishExec(ex) })
}

// startFlyweightLocked starts a Pipeline run on a OneOffExecutor of the built-in node; the
// run's node() step queues its PlaceholderTask.
func (s *Sim) startFlyweightLocked(it *item) {
	now := s.now()
	j := it.task.job
	bc := s.builtin.comp
	oe := &executor{number: len(bc.oneOff), comp: bc}
	r := &run{job: j, number: j.nextNumber, queueID: it.id, actions: it.actions, start: now, oneOff: oe}
	oe.cur = &execution{run: r, exec: oe, node: s.builtin, start: now, estimated: j.estimatedDuration()}
	bc.oneOff = append(bc.oneOff, oe)
	j.nextNumber++
	j.runs = append(j.runs, r)
	it.run = r
	s.leaveLocked(it)
	pt := &task{kind: taskPlaceholder, job: j, run: r}
	r.placeholder = pt
	s.enqueueLocked(pt, 0, nil, nil)
}

// finishExec ends an execution when its duration has passed.
func (s *Sim) finishExec(ex *execution) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || ex.result != "" {
		return
	}
	s.endExecLocked(ex, resultSuccess)
	s.maintainLocked()
}

// endExecLocked ends the work on an executor with the given result.
func (s *Sim) endExecLocked(ex *execution, result string) {
	if ex.result != "" {
		return
	}
	now := s.now()
	ex.result = result
	ex.end = now
	if ex.timer != nil {
		ex.timer.Stop()
	}
	if ex.exec != nil && ex.exec.cur == ex {
		ex.exec.cur = nil
	}
	s.log.Info("build ended", "job", ex.run.job.name, "number", ex.run.number, "node", ex.node.name, "result", result)
	if ex.placeholder {
		s.endRunLocked(ex.run, result)
		return
	}
	ex.run.result = result
	ex.run.end = now
}

// endRunLocked ends a Pipeline run (its node() block ended or was cancelled).
func (s *Sim) endRunLocked(r *run, result string) {
	if r.result != "" {
		return
	}
	r.result = result
	r.end = s.now()
	if r.exec != nil && r.exec.result == "" {
		s.endExecLocked(r.exec, result)
	}
	if r.oneOff != nil {
		bc := s.builtin.comp
		for i, e := range bc.oneOff {
			if e == r.oneOff {
				bc.oneOff = append(bc.oneOff[:i], bc.oneOff[i+1:]...)
				break
			}
		}
		r.oneOff = nil
	}
}

// armWaitTimerLocked wakes the scheduler when the earliest quiet period ends.
func (s *Sim) armWaitTimerLocked() {
	if len(s.q.waiting) == 0 || s.closed {
		return
	}
	d := s.q.waiting[0].due.Sub(s.now())
	if d < 0 {
		d = 0
	}
	if s.waitTimer == nil {
		s.waitTimer = time.AfterFunc(d, s.onWaitTimer)
		return
	}
	s.waitTimer.Reset(d)
}

func (s *Sim) onWaitTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maintainLocked()
}

// notifyLocked wakes everyone waiting on Changed.
func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}
