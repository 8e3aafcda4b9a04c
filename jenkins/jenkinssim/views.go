package jenkinssim

import (
	"context"
	"fmt"
	"time"
)

// Go-side views of the simulator's state, for assertions.

// NodeView is a snapshot of one node and its computer.
type NodeView struct {
	Name         string // "" for the built-in node
	BuiltIn      bool
	Labels       []string // the node's labels, its own name included, sorted
	Mode         Mode
	NumExecutors int
	// HasComputer is false for an agent without executors (Jenkins creates no computer).
	HasComputer        bool
	Online             bool // connected and not temporarily offline
	Connected          bool // an agent is connected (inbound WebSocket or SSH session)
	Connecting         bool // an SSH launch is in progress
	TemporarilyOffline bool
	OfflineCauseClass  string // "" when there is no offline cause
	OfflineCauseReason string
	BusyExecutors      int
	Inbound            bool
	// LaunchLog is the log of the last SSH launch, one line per entry.
	LaunchLog []string
}

// QueueItemView is a snapshot of one queue item.
type QueueItemView struct {
	ID    int64
	Class string // hudson.model.Queue$BuildableItem, ...
	// Task is the job's name; for a Pipeline's node() step, the Pipeline's name.
	Task string
	// TaskClass is the task's _class (FreeStyleProject, WorkflowJob, PlaceholderTask).
	TaskClass string
	Why       string
	Stuck     bool
	// Label is the item's label expression in Jenkins' normalized form, "" for none.
	Label string
	// Cancelled is set for a left item that was cancelled.
	Cancelled bool
}

// Build is the record of one piece of work that ran on an executor: a freestyle build, or a
// Pipeline's node() block.
type Build struct {
	Job    string
	Number int
	// QueueID is the queue item that got the executor (for a Pipeline, its node() step).
	QueueID  int64
	Node     string // "" for the built-in node
	Started  time.Time
	Finished time.Time // zero while running
	// Result is "" while running, then SUCCESS, FAILURE (the agent disconnected) or ABORTED
	// (the node was deleted or the item cancelled).
	Result string
}

// Nodes returns every node, the built-in node first, then the agents by name.
func (s *Sim) Nodes() []NodeView {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []NodeView{s.nodeViewLocked(s.builtin)}
	for _, n := range s.agentsLocked() {
		out = append(out, s.nodeViewLocked(n))
	}
	return out
}

// Node returns one agent's view ("(built-in)" for the built-in node).
func (s *Sim) Node(name string) (NodeView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "(built-in)" {
		return s.nodeViewLocked(s.builtin), true
	}
	n := s.nodes[name]
	if n == nil {
		return NodeView{}, false
	}
	return s.nodeViewLocked(n), true
}

func (s *Sim) nodeViewLocked(n *node) NodeView {
	v := NodeView{
		Name:               n.name,
		BuiltIn:            n.builtIn,
		Labels:             n.sortedLabels(),
		Mode:               n.mode,
		NumExecutors:       n.numExec,
		TemporarilyOffline: n.tempOffline != nil,
		Inbound:            n.inbound(),
	}
	if c := n.comp; c != nil {
		v.HasComputer = true
		v.Online = c.online()
		v.Connected = n.builtIn || c.ch != nil
		v.Connecting = c.connecting
		v.BusyExecutors = c.countBusy()
		if cs := c.cause(); cs != nil {
			v.OfflineCauseClass = cs.class
			v.OfflineCauseReason = cs.reason
		}
		v.LaunchLog = append([]string(nil), c.launchLog...)
	}
	return v
}

// Queue returns the items in the queue, in /queue/api/json order.
func (s *Sim) Queue() []QueueItemView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []QueueItemView
	for _, it := range s.q.liveItems() {
		out = append(out, s.itemViewLocked(it))
	}
	return out
}

// QueueItem returns one item, left items included, as /queue/item/N/ does.
func (s *Sim) QueueItem(id int64) (QueueItemView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.itemByID(id)
	if it == nil {
		return QueueItemView{}, false
	}
	return s.itemViewLocked(it), true
}

func (s *Sim) itemViewLocked(it *item) QueueItemView {
	b := s.itemBean(it)
	v := QueueItemView{ID: it.id, Class: b.class, Task: it.task.job.name, Stuck: s.stuckLocked(it), Cancelled: it.cancelled}
	v.TaskClass = s.taskBean(it.task).class
	if w := s.whyLocked(it); w != nil {
		v.Why = *w
	}
	if l := it.task.label(); l != nil {
		v.Label = l.String()
	}
	return v
}

// Builds returns every build that got an executor, in start order.
func (s *Sim) Builds() []Build {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Build, 0, len(s.execs))
	for _, ex := range s.execs {
		out = append(out, Build{
			Job: ex.run.job.name, Number: ex.run.number, QueueID: ex.queueID, Node: ex.node.name,
			Started: ex.start, Finished: ex.end, Result: ex.result,
		})
	}
	return out
}

// Changed returns a channel that is closed at the next change of nodes, queue or builds.
// Take a new one after each wake-up.
func (s *Sim) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

// WaitFor waits until cond returns true, re-evaluating it at every change; cond may call the
// simulator's view methods.
func (s *Sim) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		ch := s.Changed()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("jenkinssim: wait for condition: %w", ctx.Err())
		}
	}
}
