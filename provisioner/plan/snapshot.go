package plan

import (
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins/label"
)

// Snapshot is everything the planner knows about one cycle. The caller builds
// it from one read of the Jenkins queue, one read of the Jenkins nodes and one
// container listing per Docker host. To keep caps exact, the caller takes
// InFlight (and Outcomes) BEFORE it reads Jenkins and Docker: an action that
// finishes in between then shows up both in flight and in the listings, and
// the planner counts it once (by node name), never zero times.
//
// The planner never changes a Snapshot.
type Snapshot struct {
	// Now is the clock: the planner reads no other. Its zone is the one
	// warm window schedules without CRON_TZ are read in, so the caller
	// passes local time (time.Now()), not UTC.
	Now    time.Time
	Config *config.Config

	// Demand is the buildable queue grouped by what the items wait for.
	Demand []Demand
	// Unknown are buildable items whose label berth cannot tell; they are
	// reported as unserved and start nothing.
	Unknown []UnknownItem

	// NodesOK is false when the Jenkins nodes could not be read this cycle.
	// The planner then takes no decision that depends on nodes: no start, no
	// reaping, no orphan removal, no launch timeout.
	NodesOK bool
	// Nodes are all Jenkins nodes (the built-in node may be left out: it is
	// never supply for an agent label and never berth's).
	Nodes []Node

	// Hosts are the configured Docker hosts and whether their listing
	// succeeded this cycle. A configured host missing here counts as not
	// listed.
	Hosts []Host
	// Containers are berth's containers (this instance's labels) from the
	// hosts that listed, in any state.
	Containers []Container

	// InFlight are the actions the executor is still running.
	InFlight []InFlight
	// Outcomes are the actions that finished since the previous plan.
	Outcomes []Outcome

	// Draining is set while the shutdown policy drains or removes agents:
	// nothing starts, idle agents are retired at once, busy ones are left.
	Draining bool
}

// Demand is the buildable queue items that wait for the same thing.
type Demand struct {
	// Key is the label as Jenkins names it in the queue (normalized, e.g.
	// "linux&&docker"), or the node name when Node is set; "" for items
	// without a label.
	Key string
	// Expr is the parsed label; nil means no label (any NORMAL-mode node).
	Expr label.Expr
	// Node is set when Jenkins named a node instead of a label ("‘N’ is
	// offline": the item's label matches exactly that node). Expr is then
	// ignored.
	Node string
	// Items are the queue ids, oldest first. Jenkins hands out queue ids in
	// increasing order, and the planner serves the smallest ids first across
	// all groups.
	Items []int64
}

// UnknownItem is a buildable item whose label Jenkins did not name (it says
// only "Waiting for next available executor" when it has no agent nodes at
// all) or that berth could not parse.
type UnknownItem struct {
	ID int64
	// Why is Jenkins' text for the item.
	Why string
	// Reason says why berth cannot tell the label; empty for the default
	// "Jenkins did not name it".
	Reason string
}

// Node is one Jenkins node.
type Node struct {
	Name string
	// Labels are the node's labels, its own name included (Jenkins'
	// assignedLabels).
	Labels label.Set
	// Exclusive is mode EXCLUSIVE: only builds whose label matches the node.
	Exclusive bool
	// Online is Jenkins' "not offline": connected and not temporarily
	// offline. (Jenkins' offline flag is temporarilyOffline || no channel, so
	// a temporarily offline node reads Online=false whether connected or not.
	// Jenkins does not export whether an agent is connecting.)
	Online             bool
	TemporarilyOffline bool
	// OfflineByBerth is set when the node is temporarily offline with an
	// offline message berth wrote: berth took it offline to retire it or
	// because a single-use agent started its build. A node a person took
	// offline has it false and is left alone.
	OfflineByBerth bool
	// Executors is numExecutors; Busy how many of them run a build.
	Executors int
	Busy      int
	// Managed is the node's berth marker, nil when it has none. Only nodes
	// whose marker names this instance (Config.Instance) are berth's.
	Managed *Mark
	// Placeholder is set on this instance's placeholder node. It never
	// counts as supply and is never reaped.
	Placeholder bool
}

// Mark is what a berth node marker says.
type Mark struct {
	Instance string
	Template string
	Host     string
}

// Host is a configured Docker host in this cycle.
type Host struct {
	Name string
	// Listed is true when the container listing succeeded this cycle.
	Listed bool
}

// Container is one of berth's containers.
type Container struct {
	Host string
	ID   string
	// Node is the node name from the container's berth label.
	Node     string
	Template string
	// Created is when berth created the container.
	Created time.Time
	Running bool
	// Exited is true for a container that ran and stopped (Docker states
	// "exited" and "dead"). A container that is neither Running nor Exited
	// was created and not started yet.
	Exited    bool
	ExitCode  int
	OOMKilled bool
}

// InFlight is an action the executor is still running.
type InFlight struct {
	Kind Kind
	// Node is the agent's node name. For a Start it must be set as soon as
	// the executor has picked the name (before it creates anything), so that
	// the planner can match the start with the container and node it makes.
	Node      string
	Container string
	Template  string
	Host      string
	Since     time.Time
}

// Outcome is an action that finished since the previous plan.
type Outcome struct {
	Kind      Kind
	Node      string
	Container string
	Template  string
	Host      string
	Failed    bool
	// Reason is the error of a failed action, for the back-off report.
	Reason string
}

// available reports whether the node can take a build now.
func (n *Node) available() bool { return n.Online && !n.TemporarilyOffline }
