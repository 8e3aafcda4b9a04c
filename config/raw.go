package config

// The raw* types mirror the YAML file one to one. They are the schema that
// walk.go checks the node tree against (the mapstructure tag is the key as
// written in the file, camelCase) and the target viper decodes into.
//
// Field types say which YAML values are accepted:
//
//	string   a string (a plain decimal integer is accepted too: user: 1000)
//	int      an integer
//	float64  a number
//	bool     true or false
//	struct   a mapping
//	slice    a list
//
// and the berth tag refines a string: "duration" (a Go duration such as 30s,
// 5m or 1h30m) or "size" (512m, 2g, or a number of bytes). Whether a key was
// written at all is taken from the node tree, not from these zero values.

type rawConfig struct {
	Instance      string        `mapstructure:"instance"`
	Jenkins       rawJenkins    `mapstructure:"jenkins"`
	MaxContainers int           `mapstructure:"maxContainers"`
	Concurrency   int           `mapstructure:"concurrency"`
	OrphanGrace   string        `mapstructure:"orphanGrace" berth:"duration"`
	OnShutdown    string        `mapstructure:"onShutdown"`
	DrainTimeout  string        `mapstructure:"drainTimeout" berth:"duration"`
	DockerHosts   []rawHost     `mapstructure:"dockerHosts"`
	Templates     []rawTemplate `mapstructure:"templates"`
}

type rawJenkins struct {
	URL             string        `mapstructure:"url"`
	AgentURL        string        `mapstructure:"agentUrl"`
	User            string        `mapstructure:"user"`
	TokenFile       string        `mapstructure:"tokenFile"`
	PasswordFile    string        `mapstructure:"passwordFile"`
	PollInterval    string        `mapstructure:"pollInterval" berth:"duration"`
	Timeout         string        `mapstructure:"timeout" berth:"duration"`
	TLS             rawJenkinsTLS `mapstructure:"tls"`
	PlaceholderNode bool          `mapstructure:"placeholderNode"`
}

type rawJenkinsTLS struct {
	CA                 string `mapstructure:"ca"`
	InsecureSkipVerify bool   `mapstructure:"insecureSkipVerify"`
}

type rawHost struct {
	Name             string       `mapstructure:"name"`
	Host             string       `mapstructure:"host"`
	Address          string       `mapstructure:"address"`
	PublishIP        string       `mapstructure:"publishIp"`
	MaxContainers    int          `mapstructure:"maxContainers"`
	TLS              rawDockerTLS `mapstructure:"tls"`
	SSH              rawDockerSSH `mapstructure:"ssh"`
	SocketGID        int          `mapstructure:"socketGid"`
	RegistryAuthFile string       `mapstructure:"registryAuthFile"`
	CallTimeout      string       `mapstructure:"callTimeout" berth:"duration"`
}

type rawDockerTLS struct {
	CA                 string `mapstructure:"ca"`
	Cert               string `mapstructure:"cert"`
	Key                string `mapstructure:"key"`
	InsecureSkipVerify bool   `mapstructure:"insecureSkipVerify"`
}

type rawDockerSSH struct {
	IdentityFile          string `mapstructure:"identityFile"`
	KnownHostsFile        string `mapstructure:"knownHostsFile"`
	InsecureIgnoreHostKey bool   `mapstructure:"insecureIgnoreHostKey"`
}

type rawTemplate struct {
	Name            string     `mapstructure:"name"`
	Labels          []string   `mapstructure:"labels"`
	Image           string     `mapstructure:"image"`
	Pull            string     `mapstructure:"pull"`
	Launcher        string     `mapstructure:"launcher"`
	Inbound         rawInbound `mapstructure:"inbound"`
	SSH             rawSSH     `mapstructure:"ssh"`
	InstanceCap     int        `mapstructure:"instanceCap"`
	Executors       int        `mapstructure:"executors"`
	Mode            string     `mapstructure:"mode"`
	RemoteFS        string     `mapstructure:"remoteFs"`
	IdleTimeout     string     `mapstructure:"idleTimeout" berth:"duration"`
	LaunchTimeout   string     `mapstructure:"launchTimeout" berth:"duration"`
	SingleUse       bool       `mapstructure:"singleUse"`
	Warm            []rawWarm  `mapstructure:"warm"`
	Hosts           []string   `mapstructure:"hosts"`
	Env             []string   `mapstructure:"env"`
	ContainerLabels []string   `mapstructure:"containerLabels"`
	Entrypoint      []string   `mapstructure:"entrypoint"`
	Command         []string   `mapstructure:"command"`
	Mounts          []rawMount `mapstructure:"mounts"`
	Network         string     `mapstructure:"network"`
	DNS             []string   `mapstructure:"dns"`
	ExtraHosts      []string   `mapstructure:"extraHosts"`
	User            string     `mapstructure:"user"`
	GroupAdd        []string   `mapstructure:"groupAdd"`
	Memory          string     `mapstructure:"memory" berth:"size"`
	CPUs            float64    `mapstructure:"cpus"`
	Privileged      bool       `mapstructure:"privileged"`
	CapAdd          []string   `mapstructure:"capAdd"`
	CapDrop         []string   `mapstructure:"capDrop"`
	DockerSocket    bool       `mapstructure:"dockerSocket"`
	StopTimeout     string     `mapstructure:"stopTimeout" berth:"duration"`
}

type rawWarm struct {
	Schedule string `mapstructure:"schedule"`
	Duration string `mapstructure:"duration" berth:"duration"`
	Idle     int    `mapstructure:"idle"`
}

type rawInbound struct {
	WebSocket  bool   `mapstructure:"webSocket"`
	Secret     string `mapstructure:"secret"`
	SecretPath string `mapstructure:"secretPath"`
	WorkDir    string `mapstructure:"workDir"`
}

type rawSSH struct {
	CredentialsID string `mapstructure:"credentialsId"`
	Port          int    `mapstructure:"port"`
	PublicKey     string `mapstructure:"publicKey"`
	PublicKeyFile string `mapstructure:"publicKeyFile"`
	HostKeyPath   string `mapstructure:"hostKeyPath"`
}

type rawMount struct {
	Type     string `mapstructure:"type"`
	Source   string `mapstructure:"source"`
	Target   string `mapstructure:"target"`
	ReadOnly bool   `mapstructure:"readOnly"`
}

// forbiddenKey returns why a key must not appear in the file, or "".
func forbiddenKey(path string) string {
	switch path {
	case "jenkins.token":
		return `a token is never written in the config file: put it in a file of mode 0600 named by jenkins.tokenFile, ` +
			`in the environment variable BERTH_JENKINS_TOKEN, or in the systemd credential "jenkins-token" ` +
			`(LoadCredential=jenkins-token:/etc/berth/jenkins-token in the unit)`
	case "jenkins.password":
		return `a password is never written in the config file: put it in a file of mode 0600 named by jenkins.passwordFile, ` +
			`in the environment variable BERTH_JENKINS_PASSWORD, or in the systemd credential "jenkins-password" ` +
			`(LoadCredential=jenkins-password:/etc/berth/jenkins-password in the unit)`
	}
	return ""
}
