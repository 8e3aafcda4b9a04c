// Package jenkinssim is an in-process Jenkins controller simulator for berth's tests and demos.
//
// No real Jenkins can run where berth is developed and tested, so this package answers every
// call berth makes the way Jenkins core (the 2.579 line, whose source it follows) and the SSH
// Build Agents plugin do: status codes, redirects, HTML error pages, the JSON of the remote
// API (including _class, tree=, depth= and pretty), the queue's `why` texts at each moment,
// node creation, deletion and temporary offline, executors taking queued builds, inbound agents
// authenticating on /wsagents/ with their secret, and SSH launches over a real SSH connection.
//
// A Sim listens on 127.0.0.1 only. Its state lives in one place guarded by one mutex; the
// scheduler is event-driven (it runs when an item is queued or becomes due, when a node comes
// online or goes away, and when a build ends), so latency measured against the simulator is
// the client's, not the simulator's.
//
// # What is simulated and how
//
//   - The remote API is produced from a property model that mirrors Stapler's export model
//     (per-property visibility, inline properties, _class written only when the actual class
//     differs from the declared one) and is pruned with Stapler's own rules: depth=N is
//     TreePruner.ByDepth(1-N) and tree= is NamedPathPruner, including "*" and {M,N} ranges.
//   - Authentication: users with API tokens (no crumb needed) and users with passwords (every
//     POST needs a crumb from /crumbIssuer/api/json bound to the JSESSIONID session). Anonymous
//     callers get Jenkins' 403 login page except on the paths Jenkins always leaves readable.
//   - Queue: WaitingItem (quiet period), BlockedItem (build in progress, concurrent builds
//     disallowed), BuildableItem, LeftItem (kept for five minutes), with Jenkins' texts.
//     Scheduling a task that is already queued returns the existing item, as Jenkins does.
//   - Nodes (DumbSlave) come online only when a real agent connects: an inbound agent's
//     WebSocket on /wsagents/ (agent.jar works against it; the channel protocol itself is not
//     spoken), or an SSH session the simulator opens itself with golang.org/x/crypto/ssh.
//   - Jobs are freestyle projects or Pipelines; a Pipeline's node() step appears in the queue
//     as an ExecutorStepExecution$PlaceholderTask, as in Jenkins.
//
// Deliberate simplifications are listed in the README of the package's report and in the
// comments where they apply; the main ones: no XML/Python API flavours, no TCP agent port
// (slaveAgentPort is -1), no remoting channel, every authenticated user may do everything.
package jenkinssim
