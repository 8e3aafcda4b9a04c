package testagent

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Defaults of SSH mode.
const (
	DefaultSSHAddr    = ":22"
	DefaultSSHHostKey = "/etc/ssh/ssh_host_ed25519_key"
)

// SSHConfig is what SSH mode needs.
type SSHConfig struct {
	// ListenAddr is the TCP address to serve on.
	ListenAddr string
	// HostKeyPath is the OpenSSH private host key; when the file does not exist a key is
	// generated.
	HostKeyPath string
	// AuthorizedKey is the only client key accepted.
	AuthorizedKey ssh.PublicKey
}

// ParseSSH reads SSH mode's settings from the environment (getenv) and the arguments:
// -listen ADDR, -hostKey PATH, and optionally a first argument holding the authorized
// public key, as the jenkins/ssh-agent image accepts it. Errors are ExitErrors with
// ExitUsage.
func ParseSSH(args []string, getenv func(string) string) (SSHConfig, error) {
	cfg := SSHConfig{ListenAddr: getenv("BERTH_TESTAGENT_SSH_ADDR"), HostKeyPath: getenv("BERTH_TESTAGENT_SSH_HOST_KEY")}
	pubkey := getenv("JENKINS_AGENT_SSH_PUBKEY")
	if len(args) > 0 && looksLikePublicKey(args[0]) {
		pubkey = args[0]
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if i+1 >= len(args) && (a == "-listen" || a == "-hostKey") {
			return SSHConfig{}, usageError(fmt.Errorf("option %s needs a value", a))
		}
		switch a {
		case "-listen":
			i++
			cfg.ListenAddr = args[i]
		case "-hostKey":
			i++
			cfg.HostKeyPath = args[i]
		default:
			return SSHConfig{}, usageError(fmt.Errorf("unknown ssh mode argument %q", a))
		}
	}
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = DefaultSSHAddr
	}
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = DefaultSSHHostKey
	}
	if strings.TrimSpace(pubkey) == "" {
		return SSHConfig{}, usageError(errors.New("no authorized key: set JENKINS_AGENT_SSH_PUBKEY to a public key in authorized_keys format"))
	}
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pubkey))
	if err != nil {
		return SSHConfig{}, usageError(fmt.Errorf("parse JENKINS_AGENT_SSH_PUBKEY: %w", err))
	}
	cfg.AuthorizedKey = key
	return cfg, nil
}

// looksLikePublicKey reports whether s starts like an authorized_keys line.
func looksLikePublicKey(s string) bool {
	for _, p := range []string{"ssh-", "ecdsa-", "sk-"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
