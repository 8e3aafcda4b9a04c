// Package jenkinssim is an in-process Jenkins controller simulator for berth's tests and demos.
//
// No real Jenkins runs where berth is developed and tested, so this package answers every call
// berth makes the way Jenkins core (the 2.579 line, whose source it follows; X-Jenkins: 2.579)
// and the SSH Build Agents plugin do: status codes, redirects, error pages, the remote API's JSON
// (including _class, tree=, depth= and pretty), the queue's `why` texts at each moment, node
// creation, deletion and temporary offline, executors taking queued builds, inbound agents
// authenticating on /wsagents/ with their secret, and SSH launches over a real SSH connection.
//
// A Sim listens on 127.0.0.1 only. Its state lives in one place guarded by one mutex; the
// scheduler is event-driven (it runs when an item is queued or becomes due, when a node
// connects, disconnects, is deleted or taken offline, and when a build ends), so latency
// measured against the simulator is the client's, not the simulator's.
//
// # Model
//
// The remote API is produced from a property model that mirrors Stapler's export model
// (per-property visibility, inline properties, _class written only when the actual class differs
// from the declared one, lazily computed values) and is pruned with Stapler's rules: depth=N is
// TreePruner.ByDepth(1-N) and tree= is NamedPathPruner, with "*" and {M,N} ranges.
//
// Authentication: users with API tokens (no crumb needed) and users with passwords (every POST
// needs a crumb from /crumbIssuer/api/json bound to the JSESSIONID session). Anonymous callers
// get Jenkins' 403 login page outside the paths Jenkins always leaves readable. Every
// authenticated user may do everything.
//
// Queue: WaitingItem (quiet period), BlockedItem (a build of a non-concurrent job is running),
// BuildableItem and LeftItem (readable for five minutes), with Jenkins' texts. Scheduling a task
// that is already queued with the same parameters returns the existing item, as Jenkins does.
// Jobs are freestyle projects or Pipelines; a Pipeline run starts on the built-in node as a
// flyweight task and its node() step waits in the queue as an
// ExecutorStepExecution$PlaceholderTask.
//
// Nodes (DumbSlave) come online only when a real agent connects: an inbound agent's WebSocket
// on /wsagents/ (the real agent.jar works against it; the remoting channel protocol is not
// spoken, the connection is kept open and pings are answered), or an SSH session the simulator
// opens itself with golang.org/x/crypto/ssh, verifying the host key and retrying as the plugin
// does. RetentionStrategy.Always relaunches SSH agents that went offline.
//
// # Not simulated
//
// The XML and Python API flavours, the TCP agent port (slaveAgentPort is -1), node monitors
// that take nodes offline, other retention strategies and launchers, clouds, permissions below
// "authenticated", build logs, and the remoting protocol itself. The load balancer gives an
// item to the first idle executor that can take it (nodes in name order) where Jenkins hashes
// the task onto the candidates.
package jenkinssim
