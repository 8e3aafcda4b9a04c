package jenkinssim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSH launches, as the SSH Build Agents plugin's SSHLauncher.launch does them: validate the
// configuration, connect (each attempt bounded by launchTimeoutSeconds, failures retried
// maxNumRetries times after retryWaitTime seconds, host-key rejections included), verify the
// host key with the configured strategy, authenticate with the credential's private key, then
// start the agent process in a session. The simulator's agent is online from the moment the
// server accepts that command until the session ends. It does not copy remoting.jar nor run the
// plugin's "exit 0" and "set" probes, and it does not speak the remoting protocol.

// startSSHLaunchLocked starts a launch in the background (Computer.connect).
func (s *Sim) startSSHLaunchLocked(n *node, l *SSHLauncher) {
	c := n.comp
	ctx, cancel := context.WithCancel(s.ctx)
	c.launchGen++
	gen := c.launchGen
	c.connecting = true
	c.cancelLaunch = cancel
	c.offlineCause = nil
	c.launchLog = nil
	cred, hasCred := s.creds[l.CredentialsID]
	cfg := *l
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer cancel()
		s.sshLaunch(ctx, n, gen, &cfg, cred, hasCred)
	}()
	s.notifyLocked()
}

// launchLogf appends a line to the node's launch log.
func (s *Sim) launchLogf(n *node, gen int, format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	s.mu.Lock()
	if n.comp != nil && n.comp.launchGen == gen {
		n.comp.launchLog = append(n.comp.launchLog, line)
	}
	s.mu.Unlock()
}

// sshTimestamp is SSHLauncher.getTimestamp: "[MM/dd/yy HH:mm:ss]".
func sshTimestamp() string { return time.Now().Format("[01/02/06 15:04:05]") }

// sshLaunch runs one launch to its end: connected (and later disconnected) or failed.
func (s *Sim) sshLaunch(ctx context.Context, n *node, gen int, l *SSHLauncher, cred sshCredential, hasCred bool) {
	addr := net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
	if msg := checkSSHConfig(l, hasCred); msg != "" {
		// checkConfig throws InterruptedException: "Launching agent process aborted."
		s.launchLogf(n, gen, "Validate configuration:\n%s", msg)
		s.launchLogf(n, gen, "ERROR: Launching agent process aborted.")
		s.launchFailed(n, gen)
		return
	}
	s.launchLogf(n, gen, "%s [SSH] Opening SSH connection to %s.", sshTimestamp(), addr)
	client, err := s.sshConnect(ctx, n, gen, l, cred, addr)
	if err != nil {
		if ctx.Err() == nil {
			s.launchLogf(n, gen, "%s Launch failed - cleaning up connection", sshTimestamp())
			s.launchLogf(n, gen, "%s [SSH] Connection closed.", sshTimestamp())
		}
		s.launchFailed(n, gen)
		return
	}
	s.launchLogf(n, gen, "%s [SSH] Authentication successful.", sshTimestamp())

	sess, err := client.NewSession()
	if err != nil {
		s.launchLogf(n, gen, "ERROR: %v", err)
		_ = client.Close()
		s.launchFailed(n, gen)
		return
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	// The plugin pipes the remoting channel through the process's stdin and
	// stdout for as long as the agent lives: stdin stays open. (A nil Stdin
	// would make x/crypto/ssh send EOF at once, and a remoting process, or
	// berth's test agent, exits on EOF.) Client.Close ends it.
	if _, err := sess.StdinPipe(); err != nil {
		s.launchLogf(n, gen, "ERROR: %v", err)
		_ = client.Close()
		s.launchFailed(n, gen)
		return
	}
	cmd := agentCommand(l, n.remoteFS)
	s.launchLogf(n, gen, "%s [SSH] Starting agent process: %s", sshTimestamp(), cmd)
	if err := sess.Start(cmd); err != nil {
		s.launchLogf(n, gen, "ERROR: %v", err)
		_ = client.Close()
		s.launchFailed(n, gen)
		return
	}

	closed := make(chan struct{})
	ch := &channel{kind: channelSSH, since: s.now(), close: func() {
		select {
		case <-closed:
		default:
			_ = client.Close()
		}
	}}
	s.mu.Lock()
	ok := !s.closed && s.nodes[n.name] == n && ctx.Err() == nil && n.comp.launchGen == gen
	if ok {
		n.comp.cancelLaunch = nil
		s.setChannelLocked(n, ch)
	}
	s.mu.Unlock()
	if !ok {
		_ = client.Close()
		return
	}

	waited := make(chan error, 1)
	go func() { waited <- sess.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
	}
	close(closed)
	_ = client.Close()
	if err != nil && ctx.Err() == nil {
		s.launchLogf(n, gen, "Connection terminated: %v", err)
	} else {
		s.launchLogf(n, gen, "Connection terminated")
	}
	s.launchLogf(n, gen, "%s [SSH] Connection closed.", sshTimestamp())
	s.channelClosed(n, ch)
}

// launchFailed is the end of SlaveComputer._connect without a channel: LaunchFailed.
func (s *Sim) launchFailed(n *node, gen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.nodes[n.name] != n || n.comp == nil || n.comp.launchGen != gen {
		return
	}
	c := n.comp
	c.connecting = false
	c.cancelLaunch = nil
	if c.ch == nil {
		c.offlineCause = launchFailed(s.now())
	}
	s.log.Info("agent launch failed", "node", n.name)
	s.maintainLocked()
}

// checkSSHConfig is SSHLauncher.checkConfig: the port, the host and the credentials.
func checkSSHConfig(l *SSHLauncher, hasCred bool) string {
	var msg string
	switch {
	case l.Port <= 0:
		msg += "The port value must be greater than 0\n"
	case l.Port > 65535:
		msg += "The port value must be less than 65536\n"
	}
	if strings.TrimSpace(l.Host) == "" {
		msg += "The Host must be specified\n"
	}
	if !hasCred {
		msg += "The selected credentials cannot be found\n"
	}
	return msg
}

// agentCommand is the command startAgent runs.
func agentCommand(l *SSHLauncher, remoteFS string) string {
	wd := strings.TrimRight(remoteFS, "/")
	java := "java"
	if strings.TrimSpace(l.JavaPath) != "" {
		java = l.JavaPath
	}
	cmd := `cd "` + wd + `" && ` + java + " " + l.JvmOptions + " -jar remoting.jar"
	if !strings.Contains(l.SuffixStartSlaveCmd, " -workDir ") && !strings.Contains(l.SuffixStartSlaveCmd, " -jar-cache ") {
		cmd += " -workDir " + wd + " -jar-cache " + wd + "/remoting/jarCache"
	}
	return l.PrefixStartSlaveCmd + cmd + l.SuffixStartSlaveCmd
}

// errAuth marks an authentication failure: the plugin does not retry those.
var errAuth = errors.New("authentication failed")

// sshConnect is SSHLauncher.openConnection: attempts until one connects, the retries are
// used up, or ctx is cancelled.
func (s *Sim) sshConnect(ctx context.Context, n *node, gen int, l *SSHLauncher, cred sshCredential, addr string) (*ssh.Client, error) {
	timeout := time.Duration(l.LaunchTimeoutSeconds) * time.Second
	if l.LaunchTimeoutSeconds <= 0 {
		timeout = 60 * time.Second
	}
	wait := time.Duration(max(l.RetryWaitTime, 0)) * time.Second
	retries := max(l.MaxNumRetries, 0)
	for i := 0; i <= retries; i++ {
		client, err := s.sshAttempt(ctx, n, gen, l, cred, addr, timeout)
		if err == nil {
			return client, nil
		}
		if errors.Is(err, errAuth) {
			s.launchLogf(n, gen, "%s [SSH] Authentication failed.", sshTimestamp())
			s.launchLogf(n, gen, "Authentication failed.")
			return nil, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.launchLogf(n, gen, "%s", err.Error())
		if retries-i > 0 {
			s.launchLogf(n, gen, "SSH Connection failed with IOException: \"%s\", retrying in %d seconds. There are %d more retries left.", err.Error(), l.RetryWaitTime, retries-i)
		}
		if !sleepCtx(ctx, wait) {
			return nil, ctx.Err()
		}
	}
	// The plugin goes on to authenticate on a connection that is not established.
	s.launchLogf(n, gen, "ERROR: Connection is not established!")
	return nil, errors.New("connection is not established")
}

// sshAttempt is one connection attempt: TCP within the launch timeout, then the SSH handshake
// (host key verification and authentication) within the timeout plus five seconds.
func (s *Sim) sshAttempt(ctx context.Context, n *node, gen int, l *SSHLauncher, cred sshCredential, addr string, timeout time.Duration) (*ssh.Client, error) {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("There was a problem while connecting to %s: %w", addr, err)
	}
	verified := false
	cfg := &ssh.ClientConfig{
		User: cred.username,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(cred.key)},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if err := s.verifyHostKey(n, gen, l, key); err != nil {
				return err
			}
			verified = true
			return nil
		},
		HostKeyAlgorithms: preferredHostKeyAlgorithms(l),
		Timeout:           timeout,
	}
	_ = conn.SetDeadline(time.Now().Add(timeout + 5*time.Second))
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	stop()
	if err != nil {
		_ = conn.Close()
		if verified {
			return nil, fmt.Errorf("%w: %v", errAuth, err)
		}
		return nil, fmt.Errorf("There was a problem while connecting to %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// verifyHostKey applies the launcher's SshHostKeyVerificationStrategy, logging as the plugin's
// verifiers do.
func (s *Sim) verifyHostKey(n *node, gen int, l *SSHLauncher, key ssh.PublicKey) error {
	rejected := errors.New("The server hostkey was not accepted by the verifier callback")
	presented := key.Type() + " " + encodeKey(key)
	switch v := l.HostKeyVerification.(type) {
	case ManuallyProvidedKey:
		alg, blob, err := splitHostKey(v.Key)
		if err == nil && alg == key.Type() && bytes.Equal(blob, key.Marshal()) {
			s.launchLogf(n, gen, "%s [SSH] SSH host key matched the key required for this connection. Connection will be allowed.", sshTimestamp())
			return nil
		}
		s.launchLogf(n, gen, "%s [SSH] WARNING: The SSH key for this host does not match the key required in the connection configuration. Connections will be denied until the host key matches the configuration key.", sshTimestamp())
		return rejected
	case ManuallyTrusted:
		s.mu.Lock()
		known := n.trustedKey
		if known == "" && !v.RequireInitialManualTrust {
			n.trustedKey = presented
		}
		s.mu.Unlock()
		switch {
		case known == presented:
			s.launchLogf(n, gen, "%s [SSH] SSH host key matches key seen previously for this host. Connection will be allowed.", sshTimestamp())
			return nil
		case known == "" && !v.RequireInitialManualTrust:
			s.launchLogf(n, gen, "%s [SSH] The SSH key with fingerprint %s has been automatically trusted for connections to this machine.", sshTimestamp(), ssh.FingerprintLegacyMD5(key))
			return nil
		}
		s.launchLogf(n, gen, "%s [SSH] WARNING: The SSH key for this host is not currently trusted. Connections will be denied until this new key is authorised.", sshTimestamp())
		return rejected
	case KnownHostsFile:
		s.launchLogf(n, gen, "%s [SSH] No Known Hosts file was found at %s. Please ensure one is created at this path and that Jenkins can read it.", sshTimestamp(), "~/.ssh/known_hosts")
		return rejected
	default: // NonVerifying, or no strategy (the plugin's default)
		s.launchLogf(n, gen, "%s [SSH] WARNING: SSH Host Keys are not being verified. Man-in-the-middle attacks may be possible against this connection.", sshTimestamp())
		return nil
	}
}

// preferredHostKeyAlgorithms puts the expected key's algorithm first, as the plugin's
// getPreferredKeyAlgorithms does, so that a host with several keys presents that one.
func preferredHostKeyAlgorithms(l *SSHLauncher) []string {
	all := []string{
		ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521,
		ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA,
	}
	v, ok := l.HostKeyVerification.(ManuallyProvidedKey)
	if !ok {
		return all
	}
	alg, _, err := splitHostKey(v.Key)
	if err != nil {
		return all
	}
	first := []string{alg}
	if alg == ssh.KeyAlgoRSA {
		first = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	out := append([]string(nil), first...)
	for _, a := range all {
		seen := false
		for _, f := range first {
			seen = seen || f == a
		}
		if !seen {
			out = append(out, a)
		}
	}
	return out
}

func encodeKey(k ssh.PublicKey) string {
	return strings.TrimSpace(strings.TrimPrefix(string(ssh.MarshalAuthorizedKey(k)), k.Type()+" "))
}

// retentionLoop is ComputerRetentionWork with RetentionStrategy.Always: an SSH agent that is
// offline and not connecting is relaunched (SlaveComputer.tryReconnect: the first five times,
// then every twelfth time).
func (s *Sim) retentionLoop() {
	defer s.bg.Done()
	t := time.NewTicker(s.opts.RetentionCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		for _, n := range s.agentsLocked() {
			c := n.comp
			if c == nil || n.inbound() || !c.offline() || c.connecting {
				continue
			}
			c.numRetryAttempt++
			if c.numRetryAttempt < 6 || c.numRetryAttempt%12 == 0 {
				s.connectLocked(n, true)
			}
		}
		s.mu.Unlock()
	}
}
