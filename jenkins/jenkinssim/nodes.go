package jenkinssim

import (
	"fmt"
	"sort"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// NodeSpec describes a permanent agent (hudson.slaves.DumbSlave), as doCreateItem's form does.
type NodeSpec struct {
	Name         string
	Description  string
	RemoteFS     string
	NumExecutors int
	// Labels is the node's labelString (whitespace-separated atoms).
	Labels string
	// Mode is Normal (default) or Exclusive.
	Mode Mode
	// Launcher is *InboundLauncher or *SSHLauncher.
	Launcher Launcher
}

// Launcher is a node's ComputerLauncher.
type Launcher interface {
	launcherClass() string
}

// InboundLauncher is hudson.slaves.JNLPLauncher: the agent connects to the controller.
type InboundLauncher struct {
	WebSocket bool
	// Tunnel is the -tunnel option ("" for none).
	Tunnel string
	// WorkDirDisabled, WorkDirPath, InternalDir and FailIfWorkDirIsMissing are the
	// launcher's RemotingWorkDirSettings. InternalDir defaults to "remoting".
	WorkDirDisabled        bool
	WorkDirPath            string
	InternalDir            string
	FailIfWorkDirIsMissing bool
}

func (*InboundLauncher) launcherClass() string { return "hudson.slaves.JNLPLauncher" }

// SSHLauncher is hudson.plugins.sshslaves.SSHLauncher: the controller opens an SSH connection
// to the agent and starts the agent process there.
type SSHLauncher struct {
	Host          string
	Port          int
	CredentialsID string
	// LaunchTimeoutSeconds bounds each connection attempt; 0 or less means the plugin's
	// default of 60.
	LaunchTimeoutSeconds int
	// MaxNumRetries is how many times a failed connection is retried (0: no retry).
	MaxNumRetries int
	// RetryWaitTime is the number of seconds to wait after a failed attempt.
	RetryWaitTime int
	// HostKeyVerification is the sshHostKeyVerificationStrategy; nil means the plugin's
	// default, which trusts any host key.
	HostKeyVerification HostKeyVerification
	// JavaPath, JvmOptions, PrefixStartSlaveCmd and SuffixStartSlaveCmd shape the command
	// that starts the agent process, as in the plugin.
	JavaPath            string
	JvmOptions          string
	PrefixStartSlaveCmd string
	SuffixStartSlaveCmd string
}

func (*SSHLauncher) launcherClass() string { return "hudson.plugins.sshslaves.SSHLauncher" }

// HostKeyVerification is an SshHostKeyVerificationStrategy.
type HostKeyVerification interface {
	strategyClass() string
}

// ManuallyProvidedKey is ManuallyProvidedKeyVerificationStrategy: the host must present
// exactly this key ("ssh-ed25519 AAAA...", authorized_keys format without a comment).
type ManuallyProvidedKey struct{ Key string }

func (ManuallyProvidedKey) strategyClass() string {
	return "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy"
}

// NonVerifying is NonVerifyingKeyVerificationStrategy: any host key is accepted.
type NonVerifying struct{}

func (NonVerifying) strategyClass() string {
	return "hudson.plugins.sshslaves.verifiers.NonVerifyingKeyVerificationStrategy"
}

// ManuallyTrusted is ManuallyTrustedKeyVerificationStrategy: the first key seen is trusted
// unless RequireInitialManualTrust is set, in which case no key is (the simulator has no
// "Trust SSH Host Key" page).
type ManuallyTrusted struct{ RequireInitialManualTrust bool }

func (ManuallyTrusted) strategyClass() string {
	return "hudson.plugins.sshslaves.verifiers.ManuallyTrustedKeyVerificationStrategy"
}

// KnownHostsFile is KnownHostsFileKeyVerificationStrategy. The simulated controller has no
// known_hosts file, so every launch with it fails, as on a controller without one.
type KnownHostsFile struct{}

func (KnownHostsFile) strategyClass() string {
	return "hudson.plugins.sshslaves.verifiers.KnownHostsFileKeyVerificationStrategy"
}

// offlineCause is a hudson.slaves.OfflineCause.
type offlineCause struct {
	class  string
	reason string // IOfflineCause.getReason(): what offlineCauseReason shows
	// description is SimpleOfflineCause's exported toString(), "" when the class has none.
	description string
	at          time.Time
}

const (
	classUserCause          = "hudson.slaves.OfflineCause$UserCause"
	classLaunchFailed       = "hudson.slaves.OfflineCause$LaunchFailed"
	classChannelTermination = "hudson.slaves.OfflineCause$ChannelTermination"
)

// userCause is OfflineCause.UserCause: toString "Disconnected by USER : MESSAGE", reason the
// message (IOfflineCause.getReason strips the "Disconnected by ..." prefix, then HTML-escapes).
func userCause(user, message string, now time.Time) *offlineCause {
	desc := "Disconnected by " + user
	if message != "" {
		desc += " : " + message
	}
	return &offlineCause{class: classUserCause, reason: offlineReason(desc), description: desc, at: now}
}

func launchFailed(now time.Time) *offlineCause {
	const text = "This agent is offline because Jenkins failed to launch the agent process on it."
	return &offlineCause{class: classLaunchFailed, reason: offlineReason(text), at: now}
}

func channelTermination(now time.Time) *offlineCause {
	return &offlineCause{class: classChannelTermination, reason: offlineReason("Connection was broken"), at: now}
}

// node is a Jenkins Node: the built-in node or a permanent agent.
type node struct {
	name        string
	builtIn     bool
	description string
	remoteFS    string
	labelString string
	labels      label.Set // labelString atoms plus the node's own label
	numExec     int
	mode        Mode
	launcher    Launcher
	created     time.Time
	// tempOffline is Node.getTemporaryOfflineCause (set by toggleOffline).
	tempOffline *offlineCause
	// comp is the node's Computer; Jenkins creates none for an agent with no executors.
	comp *computer
	// trustedKey is the host key ManuallyTrusted learnt on first use.
	trustedKey string
}

// computer is a Jenkins Computer.
type computer struct {
	node      *node
	executors []*executor
	// oneOff holds the OneOffExecutors of flyweight tasks (Pipeline runs on the built-in node).
	oneOff []*executor
	// ch is the remoting channel; nil while not connected.
	ch *channel
	// connecting is true while an SSH launch is in progress (isConnecting).
	connecting bool
	// offlineCause is Computer.offlineCause (launch failure, broken channel).
	offlineCause *offlineCause
	// numRetryAttempt is SlaveComputer.numRetryAttempt (RetentionStrategy.Always).
	numRetryAttempt int
	// launchLog is the launch log of the last SSH launch.
	launchLog []string
	// cancelLaunch stops an SSH launch in progress.
	cancelLaunch func()
	// launchGen numbers launches, so that a superseded launch changes nothing.
	launchGen int
	// everConnected keeps the node monitors' last readings after a disconnection.
	everConnected bool
}

// channel is a connected agent: an inbound WebSocket or an SSH session.
type channel struct {
	kind   string // "websocket" or "ssh"
	cookie string // Connection-Cookie of an inbound agent
	since  time.Time
	// close ends the connection; it never blocks and may be called more than once.
	close func()
}

// executor is an Executor or OneOffExecutor.
type executor struct {
	number int
	comp   *computer
	cur    *execution // nil when idle
}

func newNode(spec NodeSpec, now time.Time) *node {
	n := &node{
		name:        spec.Name,
		description: spec.Description,
		remoteFS:    spec.RemoteFS,
		labelString: spec.Labels,
		numExec:     spec.NumExecutors,
		mode:        spec.Mode,
		launcher:    spec.Launcher,
		created:     now,
	}
	if n.mode == "" {
		n.mode = Normal
	}
	n.labels = label.ParseLabelString(spec.Labels)
	n.labels[spec.Name] = struct{}{}
	if n.numExec > 0 {
		n.comp = newComputer(n)
	}
	return n
}

func newBuiltInNode(o Options, now time.Time) *node {
	n := &node{
		name:        "",
		builtIn:     true,
		description: "the Jenkins controller's built-in node",
		labelString: o.BuiltInLabels,
		numExec:     o.BuiltInExecutors,
		mode:        o.BuiltInMode,
		created:     now,
	}
	n.labels = label.ParseLabelString(o.BuiltInLabels)
	n.labels["built-in"] = struct{}{}
	n.comp = newComputer(n) // the built-in node always has a computer
	return n
}

func newComputer(n *node) *computer {
	c := &computer{node: n}
	for i := 0; i < n.numExec; i++ {
		c.executors = append(c.executors, &executor{number: i, comp: c})
	}
	return c
}

// displayName is Computer.getDisplayName ("Built-In Node" for the built-in node).
func (n *node) displayName() string {
	if n.builtIn {
		return "Built-In Node"
	}
	return n.name
}

// urlName is the path segment under /computer/.
func (n *node) urlName() string {
	if n.builtIn {
		return "(built-in)"
	}
	return n.name
}

func (n *node) inbound() bool {
	_, ok := n.launcher.(*InboundLauncher)
	return ok
}

// sortedLabels returns Node.getAssignedLabels names in a stable order.
func (n *node) sortedLabels() []string {
	out := n.labels.Sorted()
	sort.Strings(out)
	return out
}

// online is Computer.isOnline: connected and not temporarily offline.
func (c *computer) online() bool { return !c.offline() }

// offline is Computer.isOffline: temporarily offline or without a channel. The built-in node's
// channel is the local one, always there.
func (c *computer) offline() bool {
	if c.node.tempOffline != nil {
		return true
	}
	if c.node.builtIn {
		return false
	}
	return c.ch == nil
}

// cause is Computer.getOfflineCause: the temporary offline cause first.
func (c *computer) cause() *offlineCause {
	if c.node.tempOffline != nil {
		return c.node.tempOffline
	}
	return c.offlineCause
}

func (c *computer) countIdle() int {
	n := 0
	for _, e := range c.executors {
		if e.cur == nil {
			n++
		}
	}
	return n
}

func (c *computer) countBusy() int { return len(c.executors) - c.countIdle() }

// idle is Computer.isIdle: no one-off executor and every executor idle.
func (c *computer) idle() bool {
	return len(c.oneOff) == 0 && c.countIdle() == len(c.executors)
}

// icon is IComputer.getIcon.
func (c *computer) icon() string {
	if cs := c.cause(); cs != nil {
		if cs.class == classUserCause {
			return "symbol-computer-disconnected"
		}
		return "symbol-computer-offline"
	}
	if c.offline() {
		return "symbol-computer-offline"
	}
	return "symbol-computer"
}

func validateLauncher(l Launcher) error {
	switch x := l.(type) {
	case *InboundLauncher:
		if x == nil {
			return fmt.Errorf("inbound launcher is nil")
		}
	case *SSHLauncher:
		if x == nil {
			return fmt.Errorf("SSH launcher is nil")
		}
	case nil:
		return fmt.Errorf("no launcher")
	default:
		return fmt.Errorf("unsupported launcher %T", l)
	}
	return nil
}
