package config

import (
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// NoLimit is the value of a cap whose key is absent from the file: no limit.
// A cap written as 0 means zero (nothing may start), never "unlimited".
const NoLimit = -1

// Config is berth's validated configuration. It is plain data: viper stays
// inside this package, and nothing outside it sees where a value came from.
type Config struct {
	// Source is the file the configuration was read from.
	Source string
	// Instance names this berth; it goes into every container label and node
	// marker, so two berths can share a Jenkins or a Docker host.
	Instance string
	Jenkins  Jenkins
	// MaxContainers is the global cap over all hosts (NoLimit if absent).
	MaxContainers int
	// Concurrency bounds the actions (starts, removals) in flight at once.
	Concurrency int
	// OrphanGrace is how old a managed container without a node (or a
	// managed node without a container) must be before berth removes it.
	OrphanGrace time.Duration
	// OnShutdown is what berth does with its agents when it stops.
	OnShutdown ShutdownPolicy
	// DrainTimeout bounds how long "drain" waits for running builds.
	DrainTimeout time.Duration
	DockerHosts  []DockerHost
	Templates    []Template

	// warnings and credential are set by Load: see Warnings and
	// CredentialSource.
	warnings   []string
	credential string
}

// ShutdownPolicy is the onShutdown key.
type ShutdownPolicy string

const (
	ShutdownKeep   ShutdownPolicy = "keep"
	ShutdownDrain  ShutdownPolicy = "drain"
	ShutdownRemove ShutdownPolicy = "remove"
)

// Jenkins is the jenkins key.
type Jenkins struct {
	URL string
	// AgentURL is the Jenkins URL as inbound agents reach it (JENKINS_URL in
	// the container); defaults to URL.
	AgentURL string
	User     string
	// TokenFile holds the API token. The token may also come from
	// BERTH_JENKINS_TOKEN or from the systemd credential "jenkins-token";
	// it is never read from the YAML itself.
	TokenFile string
	// PasswordFile holds a password instead of a token (berth then fetches a
	// CSRF crumb). Tokens are preferred.
	PasswordFile string
	PollInterval time.Duration
	Timeout      time.Duration
	TLS          JenkinsTLS
	// PlaceholderNode keeps one permanently offline node so that Jenkins
	// always names the label a build waits for (it drops the label from its
	// queue texts when the controller has no agent nodes at all).
	PlaceholderNode bool

	// Token and Password are resolved at load time from the files or the
	// environment. They are never printed: see LogValue.
	Token    Secret
	Password Secret
}

// JenkinsTLS is jenkins.tls.
type JenkinsTLS struct {
	CA                 string
	InsecureSkipVerify bool
}

// DockerHost is one entry of dockerHosts.
type DockerHost struct {
	Name string
	// Host is the engine endpoint: unix://, tcp:// or ssh://user@host.
	Host string
	// Address is where Jenkins reaches ports published on this host.
	Address string
	// PublishIP is the host IP published agent ports bind to (default 0.0.0.0).
	PublishIP     string
	MaxContainers int
	TLS           *DockerTLS
	SSH           DockerSSH
	// SocketGID overrides the docker socket's group id (tcp:// hosts).
	SocketGID *int
	// RegistryAuthFile is a docker config.json with registry credentials.
	RegistryAuthFile string
	CallTimeout      time.Duration
}

// DockerTLS is dockerHosts[].tls.
type DockerTLS struct {
	CA, Cert, Key      string
	InsecureSkipVerify bool
}

// DockerSSH is dockerHosts[].ssh.
type DockerSSH struct {
	IdentityFile          string
	KnownHostsFile        string
	InsecureIgnoreHostKey bool
}

// Launcher is how Jenkins connects to an agent.
type Launcher string

const (
	LauncherInbound Launcher = "inbound"
	LauncherSSH     Launcher = "ssh"
)

// SecretMode is how an inbound agent receives its secret.
type SecretMode string

const (
	// SecretFile copies the secret into the container as a file and passes
	// "-secret @file": it never shows in docker inspect.
	SecretFile SecretMode = "file"
	// SecretEnv sets JENKINS_SECRET, which docker inspect shows.
	SecretEnv SecretMode = "env"
	// SecretStdin writes the secret to the container's standard input as it
	// starts and passes "-secret @/dev/stdin": it never shows in docker
	// inspect, and costs the engine no archive upload.
	SecretStdin SecretMode = "stdin"
)

// StdinSecretPath is the argument of -secret @file under SecretStdin.
const StdinSecretPath = "/dev/stdin"

// PullPolicy is templates[].pull.
type PullPolicy string

const (
	PullAlways       PullPolicy = "always"
	PullIfNotPresent PullPolicy = "ifNotPresent"
	PullNever        PullPolicy = "never"
)

// Template is one entry of templates: what an agent looks like.
type Template struct {
	Name string
	// Labels are the Jenkins labels of the template's agents.
	Labels   []string
	Image    string
	Pull     PullPolicy
	Launcher Launcher
	Inbound  Inbound
	SSH      SSH
	// InstanceCap bounds the template's containers (NoLimit if absent).
	InstanceCap int
	Executors   int
	// Exclusive is mode: exclusive (only builds whose label matches).
	Exclusive     bool
	RemoteFS      string
	IdleTimeout   time.Duration
	LaunchTimeout time.Duration
	SingleUse     bool
	// Warm are the windows during which berth keeps agents of the template
	// idle before builds ask for them (none if empty).
	Warm []Warm
	// Hosts restricts the template to these dockerHosts names (all if empty).
	Hosts []string

	// Container settings.
	Env             []string // KEY=value, case kept
	ContainerLabels []string // key=value, case kept
	Entrypoint      []string
	Command         []string
	Mounts          []Mount
	Network         string
	DNS             []string
	ExtraHosts      []string
	User            string
	GroupAdd        []string
	Memory          int64   // bytes
	CPUs            float64 // cores
	Privileged      bool
	CapAdd, CapDrop []string
	DockerSocket    bool
	StopTimeout     time.Duration
}

// Warm is one entry of templates[].warm: a window that opens at every
// activation a of Schedule and stays open while a <= t < a+Duration. While
// it is open, berth keeps Idle agents of the template idle or starting.
type Warm struct {
	// Spec is the schedule as written: five cron fields (or @hourly,
	// @daily, @weekly, @monthly, @yearly), optionally after CRON_TZ=<zone>.
	// Without a zone it is berth's local time.
	Spec string
	// Schedule is Spec parsed (a *cron.SpecSchedule, never nil in a loaded
	// Config); its activations open the window.
	Schedule cron.Schedule
	Duration time.Duration
	Idle     int
}

// Inbound is templates[].inbound.
type Inbound struct {
	WebSocket bool
	Secret    SecretMode
	// SecretPath is where the secret file goes in the container.
	SecretPath string
	WorkDir    string
}

// SSH is templates[].ssh.
type SSH struct {
	// CredentialsID is the Jenkins credential holding the private key.
	CredentialsID string
	Port          int
	// PublicKey is the authorized key, handed to the container as
	// JENKINS_AGENT_SSH_PUBKEY (from publicKey or publicKeyFile).
	PublicKey string
	// HostKeyPath is where berth copies the host key it generates.
	HostKeyPath string
}

// Mount is templates[].mounts[].
type Mount struct {
	Type     string // bind | volume | tmpfs
	Source   string
	Target   string
	ReadOnly bool
}

// Secret is a string that never prints.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue hides the value from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret itself, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// Template returns the template with that name.
func (c *Config) Template(name string) (*Template, bool) {
	for i := range c.Templates {
		if c.Templates[i].Name == name {
			return &c.Templates[i], true
		}
	}
	return nil, false
}

// Host returns the docker host with that name.
func (c *Config) Host(name string) (*DockerHost, bool) {
	for i := range c.DockerHosts {
		if c.DockerHosts[i].Name == name {
			return &c.DockerHosts[i], true
		}
	}
	return nil, false
}
