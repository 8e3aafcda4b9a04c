// Package plan is berth's planner: a pure function from one cycle's
// snapshot (the Jenkins queue and nodes, berth's containers on every Docker
// host, the actions in flight and those just finished) and its own small
// state to the actions that close the gap, each with a reason fit for a log
// line, and the waiting builds it cannot serve, each with what blocks them.
//
// It does no I/O, starts no goroutine and reads no clock but Snapshot.Now:
// the same snapshot and state always give the same plan, whatever the order
// of the snapshot's lists.
//
// # Agent lifecycle
//
// An agent is a container and a Jenkins node with the same name. The
// planner moves it along these edges (the executor carries them out):
//
//	  Start (demand or an open warm window; draining, back-off, caps and
//	    |    placement allow)
//	    |
//	    v
//	+----------+  not online within launchTimeout --+--> Remove
//	| starting |  container exited -----------------+    (+ back-off failure
//	+----------+                                          when never online)
//	    | node online (ends the template's back-off)
//	    v
//	+-------------+   build   +------+
//	| online idle | --------> | busy |  single-use: TakeOffline
//	|             | <-------- |      |  (no second build lands)
//	+-------------+   done    +------+
//	    | idle >= idleTimeout (and not kept by a warm window), or draining,
//	    | or single-use and used
//	    v Retire
//	+----------+  executor: offline, confirm idle, delete node, then container;
//	| retiring |  a build landed meanwhile: back online --> online idle
//	+----------+
//	    |
//	    v
//	  gone
//
// Besides: an online agent that goes offline and stays so for
// launchTimeout is removed (Remove); a container that exits is removed at
// once; a container without a node (RemoveContainer) and a node without a
// container (DeleteNode) are removed after orphanGrace.
//
// # Files
//
//   - snapshot.go, action.go, state.go: the input, the output and the
//     memory between cycles; plan.go: the order in which rules run.
//   - agents.go: a node, a container and an action in flight with the same
//     name are one agent.
//   - demand.go, supply.go: waiting builds, oldest first, take idle
//     executors, then starting agents, then new agents of the first template
//     in configuration order that serves their label.
//   - caps.go, placement.go: instanceCap, per-host and global maxContainers,
//     checked together for every start over all containers (any state),
//     starts in flight and this plan's starts; a new agent goes to the
//     allowed host with the most room.
//   - backoff.go: failures pause a template (10s doubling to 5m), then one
//     start at a time until an agent comes online.
//   - warm.go: while a template's scheduled warm window is open, it keeps
//     that many agents idle or starting, after waiting builds are served,
//     and reaping spares them.
//   - idle.go, singleuse.go, launch.go, orphans.go: reaping and repair.
//   - reasons.go: the wording of reasons.
//
// Nothing is decided about an agent with an action in flight, about the
// agents of a host whose listing failed, or, when the Jenkins nodes could
// not be read, about anything that depends on them.
package plan
