package testagent

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// InboundConfig is what inbound mode needs to connect to a controller.
type InboundConfig struct {
	// URL is the controller's root URL, ending in "/".
	URL string
	// Name is the agent (node) name.
	Name string
	// Secret is the agent's connection secret. It never appears in logs or errors.
	Secret string
	// WebSocket must be true: it is the only transport supported.
	WebSocket bool
	// WorkDir is accepted for compatibility and otherwise unused.
	WorkDir string
	// NoReconnect makes the agent exit when the connection drops instead of retrying.
	NoReconnect bool
	// Retries is how many times in a row a failed or dropped connection is retried.
	Retries int
	// Backoff is the wait before the first retry; it doubles on each further retry up to
	// MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Default retry settings of inbound mode.
const (
	DefaultRetries    = 5
	DefaultBackoff    = 500 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
)

// ignoredOption reports whether a is a remoting option that the test agent accepts
// without using, and whether it takes a value.
func ignoredOption(a string) (known, takesValue bool) {
	switch a {
	case "-agentLog", "-jar-cache", "-loggingConfig", "-cert", "-internalDir",
		"-noReconnectAfter", "-webSocketHeader", "-protocols", "-proxyCredentials":
		return true, true
	case "-failIfWorkDirIsMissing", "-noCertificateCheck", "-headless", "-ping", "-text",
		"-noKeepAlive":
		return true, false
	}
	return false, false
}

// ParseInbound reads inbound mode's settings from the environment (getenv) and the
// arguments, the way the jenkins/inbound-agent image and remoting do. Errors are
// ExitErrors with ExitUsage and never contain the secret.
func ParseInbound(args []string, getenv func(string) string) (InboundConfig, error) {
	cfg := InboundConfig{
		URL:        getenv("JENKINS_URL"),
		Secret:     getenv("JENKINS_SECRET"),
		Name:       getenv("JENKINS_AGENT_NAME"),
		WebSocket:  getenv("JENKINS_WEB_SOCKET") == "true",
		WorkDir:    getenv("JENKINS_AGENT_WORKDIR"),
		Retries:    DefaultRetries,
		Backoff:    DefaultBackoff,
		MaxBackoff: DefaultMaxBackoff,
	}
	if n := getenv("JENKINS_NAME"); n != "" {
		cfg.Name = n
	}
	args, err := expandAtFiles(args)
	if err != nil {
		return InboundConfig{}, err
	}
	var positional []string
	var flagSecret, flagName bool
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, error) {
			if i+1 >= len(args) {
				return "", usageError(fmt.Errorf("option %s needs a value", a))
			}
			i++
			return args[i], nil
		}
		var err error
		switch {
		case a == "-url":
			cfg.URL, err = value()
		case a == "-secret":
			cfg.Secret, err = value()
			flagSecret = true
		case a == "-name":
			cfg.Name, err = value()
			flagName = true
		case a == "-workDir":
			cfg.WorkDir, err = value()
		case a == "-webSocket":
			cfg.WebSocket = true
		case a == "-noReconnect":
			cfg.NoReconnect = true
		case a == "-tunnel" || a == "-direct" || a == "-instanceIdentity" || a == "-jnlpUrl" || a == "-tcp" || a == "-connectTo" || a == "-credentials":
			return InboundConfig{}, usageError(fmt.Errorf("option %s: only WebSocket connections (-webSocket or JENKINS_WEB_SOCKET=true) are supported by berth-testagent", a))
		case isIgnored(a, true):
			_, err = value()
		case isIgnored(a, false):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			return InboundConfig{}, usageError(fmt.Errorf("unknown option %s", a))
		default:
			positional = append(positional, a)
		}
		if err != nil {
			return InboundConfig{}, err
		}
	}
	switch len(positional) {
	case 0:
	case 2:
		if flagSecret {
			return InboundConfig{}, usageError(errors.New("cannot provide secret via both named and positional arguments"))
		}
		if flagName {
			return InboundConfig{}, usageError(errors.New("cannot provide name via both named and positional arguments"))
		}
		cfg.Secret, cfg.Name = positional[0], positional[1]
	default:
		return InboundConfig{}, usageError(fmt.Errorf("two positional arguments (SECRET NAME) required, got %d", len(positional)))
	}
	if err := cfg.validate(); err != nil {
		return InboundConfig{}, err
	}
	return cfg, nil
}

func isIgnored(a string, withValue bool) bool {
	known, takesValue := ignoredOption(a)
	return known && takesValue == withValue
}

func (cfg *InboundConfig) validate() error {
	if !cfg.WebSocket {
		return usageError(errors.New("only WebSocket connections are supported by berth-testagent: pass -webSocket or set JENKINS_WEB_SOCKET=true"))
	}
	if cfg.URL == "" {
		return usageError(errors.New("no controller URL: set JENKINS_URL or pass -url"))
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError(fmt.Errorf("controller URL %q is not an http(s) URL", cfg.URL))
	}
	if !strings.HasSuffix(cfg.URL, "/") {
		cfg.URL += "/"
	}
	if cfg.Name == "" {
		return usageError(errors.New("no agent name: set JENKINS_AGENT_NAME or pass -name"))
	}
	if cfg.Secret == "" {
		return usageError(fmt.Errorf("no secret for agent %q: set JENKINS_SECRET or pass -secret", cfg.Name))
	}
	return nil
}
