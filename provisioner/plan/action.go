package plan

import (
	"log/slog"
	"time"
)

// Kind is what an Action does. The values are stable words for logs.
type Kind string

const (
	// Start starts one agent of Template on Host. The executor picks the
	// node name.
	Start Kind = "start"
	// Retire scales down an idle agent: take Node offline, confirm it is
	// idle, delete the node, then the container. If a build landed in the
	// meantime, put the node back online and keep the agent.
	Retire Kind = "retire"
	// Remove deletes a broken agent at once: Node (if set) and then
	// Container (if set). Either may already be gone.
	Remove Kind = "remove"
	// TakeOffline takes Node offline and leaves it running: a single-use
	// agent whose build started must not get a second one.
	TakeOffline Kind = "take-offline"
	// DeleteNode deletes a berth node that has no container.
	DeleteNode Kind = "delete-node"
	// RemoveContainer removes a berth container that has no node.
	RemoveContainer Kind = "remove-container"
	// EnsurePlaceholder creates this instance's placeholder node.
	EnsurePlaceholder Kind = "ensure-placeholder"
)

// Action is one thing the executor should do.
type Action struct {
	Kind     Kind
	Template string
	// Host is the Docker host: where to start, or where Container lives.
	Host string
	// Node is the Jenkins node to act on; empty for Start and
	// RemoveContainer.
	Node string
	// Container is the container id to remove; empty when there is none.
	Container string
	// Items are, for a Start, the queue ids the new agent is meant for.
	Items []int64
	// Reason says why, in words fit for a log line.
	Reason string
}

// LogValue gives slog the action with berth's stable keys.
func (a Action) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs, slog.String("kind", string(a.Kind)))
	for _, kv := range [...][2]string{
		{"template", a.Template}, {"host", a.Host}, {"node", a.Node}, {"container", a.Container},
	} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	attrs = append(attrs, slog.String("reason", a.Reason))
	return slog.GroupValue(attrs...)
}

// Unserved is waiting demand that this plan does nothing for: the answer to
// "why is my build still waiting?". Items served by an idle executor, by an
// agent that is starting or by a Start in this plan are not listed.
type Unserved struct {
	// Key is the Demand's Key; for unknown items, "".
	Key string
	// Items are the queue ids, oldest first.
	Items []int64
	// Reason names what blocks them: the template, cap, host or back-off.
	Reason string
}

// Result is a plan.
type Result struct {
	// Actions come in a fixed order: the placeholder, then actions on
	// existing agents by node name, then Starts in the order of the queue,
	// then warm-pool Starts in configuration order.
	Actions  []Action
	Unserved []Unserved
	// Warm are the templates whose warm window is open, in configuration
	// order.
	Warm []WarmPool
	// State is the planner's memory to pass to the next Plan.
	State State
}

// WarmPool is a template whose warm window is open in this plan: the
// answer to "why is my pool not full?".
type WarmPool struct {
	Template string
	// Idle is the open windows' largest idle: how many agents the pool
	// keeps idle or starting.
	Idle int
	// Ready counts the template's agents that are idle or starting and not
	// matched to a waiting build, before this plan's warm starts and
	// retirements.
	Ready int
	// Started is the number of warm starts in this plan.
	Started int
	// Until is when the window that sets Idle closes.
	Until time.Time
	// Blocked names what keeps the pool below Idle after this plan (the
	// cap, host, back-off, draining); "" when nothing does.
	Blocked string
}
