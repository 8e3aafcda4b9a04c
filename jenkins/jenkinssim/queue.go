package jenkinssim

import (
	"sort"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// taskKind tells the queue's tasks apart.
type taskKind int

const (
	taskFreestyle   taskKind = iota // a FreeStyleProject
	taskWorkflow                    // a WorkflowJob (a flyweight task)
	taskPlaceholder                 // a Pipeline node() step's PlaceholderTask
)

// task is a Queue.Task.
type task struct {
	kind taskKind
	job  *job
	run  *run // the Pipeline run a placeholder belongs to
}

// label is Item.getAssignedLabel.
func (t *task) label() label.Expr {
	if t.kind == taskWorkflow {
		return nil
	}
	return t.job.expr
}

// concurrent is Task.isConcurrentBuild (PlaceholderTask: false).
func (t *task) concurrent() bool {
	if t.kind == taskPlaceholder {
		return false
	}
	return t.job.concurrent
}

// estimatedDuration is Task.getEstimatedDuration (a placeholder reports its run's).
func (t *task) estimatedDuration() int64 { return t.job.estimatedDuration() }

// action is one of an item's (and its run's) actions.
type action struct {
	params []param  // a ParametersAction when non-nil
	causes []*cause // a CauseAction when non-empty
}

type param struct{ name, value string }

// cause is a hudson.model.Cause.
type cause struct {
	class    string
	short    string
	userID   string
	userName string
}

func userIDCause(user string) *cause {
	return &cause{class: "hudson.model.Cause$UserIdCause", short: "Started by user " + user, userID: user, userName: user}
}

func timerCause() *cause {
	return &cause{class: "hudson.triggers.TimerTrigger$TimerTriggerCause", short: "Started by timer"}
}

// itemState is the queue stage of an item.
type itemState int

const (
	stateWaiting itemState = iota
	stateBlocked
	stateBuildable
	stateLeft
)

// item is a Queue.Item in whichever stage it is.
type item struct {
	id           int64
	task         *task
	actions      []action
	inQueueSince time.Time
	state        itemState

	due            time.Time // WaitingItem.timestamp
	buildableStart time.Time // NotWaitingItem.buildableStartMilliseconds
	block          *blockage // BlockedItem's cause
	transient      []string  // BuildableItem.transientCausesOfBlockage (short descriptions)

	// LeftItem
	cancelled bool
	leftAt    time.Time
	run       *run       // executable of a freestyle or Pipeline item
	exec      *execution // executable of a placeholder item
}

// blockage is the CauseOfBlockage of a BlockedItem.
type blockage struct {
	build *run   // BlockedBecauseOfBuildInProgress
	text  string // a fixed message (Queue.InProgress)
}

// queueState holds the queue's lists, in Jenkins' order.
type queueState struct {
	waiting   []*item // sorted by due time, then id
	blocked   []*item
	buildable []*item // oldest first
	left      map[int64]*item
	nextID    int64
}

// params returns an item's ParametersAction values.
func (it *item) params() []param {
	for _, a := range it.actions {
		if a.params != nil {
			return a.params
		}
	}
	return nil
}

// sameParams is ParametersAction.shouldSchedule inverted: two schedule requests are the same
// when neither has parameters or both have the same set.
func sameParams(a, b []param) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[param]int{}
	for _, p := range a {
		set[p]++
	}
	for _, p := range b {
		if set[p] == 0 {
			return false
		}
		set[p]--
	}
	return true
}

// liveItems returns the items not yet left, in /queue/api/json order: waiting, blocked, then
// buildable newest first (Queue.getItems).
func (q *queueState) liveItems() []*item {
	out := make([]*item, 0, len(q.waiting)+len(q.blocked)+len(q.buildable))
	out = append(out, q.waiting...)
	out = append(out, q.blocked...)
	for i := len(q.buildable) - 1; i >= 0; i-- {
		out = append(out, q.buildable[i])
	}
	return out
}

func (q *queueState) sortWaiting() {
	sort.SliceStable(q.waiting, func(i, j int) bool {
		a, b := q.waiting[i], q.waiting[j]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		return a.id < b.id
	})
}

func removeItem(list []*item, it *item) []*item {
	for i, x := range list {
		if x == it {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// scheduleLocked is Queue.schedule2 followed by maintenance. It returns the item and whether
// it was created (false: the task was already queued).
func (s *Sim) scheduleLocked(t *task, quiet time.Duration, params []param, c *cause) (*item, bool) {
	it, created := s.enqueueLocked(t, quiet, params, c)
	s.maintainLocked()
	return it, created
}

// enqueueLocked is Queue.scheduleInternal: a task already waiting, blocked or buildable with
// the same parameters is not queued again; the existing item gets the new cause and, if the
// new due time is earlier, that due time.
func (s *Sim) enqueueLocked(t *task, quiet time.Duration, params []param, c *cause) (*item, bool) {
	now := s.now()
	due := now.Add(quiet)
	for _, it := range s.q.liveItems() {
		if it.task != t || !sameParams(it.params(), params) {
			continue
		}
		if c != nil {
			it.addCause(c)
		}
		if it.state == stateWaiting && it.due.After(due) {
			it.due = due
			s.q.sortWaiting()
		}
		return it, false
	}
	s.q.nextID++
	it := &item{id: s.q.nextID, task: t, inQueueSince: now, state: stateWaiting, due: due}
	if params != nil {
		it.actions = append(it.actions, action{params: params})
	}
	if c != nil {
		it.actions = append(it.actions, action{causes: []*cause{c}})
	} else if t.kind == taskPlaceholder {
		it.actions = append(it.actions, action{}) // an action Jenkins does not export: {}
	}
	s.q.waiting = append(s.q.waiting, it)
	s.q.sortWaiting()
	return it, true
}

// addCause is CauseAction.foldIntoExisting: equal causes are counted, not repeated.
func (it *item) addCause(c *cause) {
	for i := range it.actions {
		a := &it.actions[i]
		if len(a.causes) == 0 {
			continue
		}
		for _, have := range a.causes {
			if *have == *c {
				return
			}
		}
		a.causes = append(a.causes, c)
		return
	}
	it.actions = append(it.actions, action{causes: []*cause{c}})
}

// leaveLocked moves an item out of its list into the left items.
func (s *Sim) leaveLocked(it *item) {
	switch it.state {
	case stateWaiting:
		s.q.waiting = removeItem(s.q.waiting, it)
	case stateBlocked:
		s.q.blocked = removeItem(s.q.blocked, it)
	case stateBuildable:
		s.q.buildable = removeItem(s.q.buildable, it)
	}
	it.state = stateLeft
	it.leftAt = s.now()
	it.block = nil
	it.transient = nil
	s.q.left[it.id] = it
}

// cancelLocked is Queue.cancel: false when the item already left the queue.
func (s *Sim) cancelLocked(it *item) bool {
	if it.state == stateLeft {
		return false
	}
	it.cancelled = true
	s.leaveLocked(it)
	if it.task.kind == taskPlaceholder {
		// The node() step fails when its task is cancelled; the run ends.
		s.endRunLocked(it.task.run, resultAborted)
	}
	s.maintainLocked()
	return true
}

// itemByID is Queue.getItem(long): live items, then left items not yet expired.
func (s *Sim) itemByID(id int64) *item {
	for _, it := range s.q.liveItems() {
		if it.id == id {
			return it
		}
	}
	s.expireLeftLocked()
	return s.q.left[id]
}

func (s *Sim) expireLeftLocked() {
	now := s.now()
	for id, it := range s.q.left {
		if now.Sub(it.leftAt) >= s.opts.LeftItemTTL {
			delete(s.q.left, id)
		}
	}
}
