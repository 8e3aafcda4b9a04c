package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// SSHConfig reaches an engine over SSH (ssh:// hosts), the way
// `docker context` does but without a docker CLI on either side: berth opens
// a direct-streamlocal@openssh.com channel to the remote engine socket.
type SSHConfig struct {
	// IdentityFile is a private key file (unencrypted). When empty, the
	// ssh-agent at SSH_AUTH_SOCK and ~/.ssh/id_ed25519, ~/.ssh/id_rsa are
	// tried.
	IdentityFile string
	// KnownHostsFile verifies the server's host key; default
	// ~/.ssh/known_hosts.
	KnownHostsFile string
	// InsecureIgnoreHostKey turns host key verification off. Anyone on the
	// network path can then impersonate the host; a warning is logged.
	InsecureIgnoreHostKey bool
}

const (
	sshHandshakeTimeout = 15 * time.Second
	sshKeepAlive        = 15 * time.Second
)

// sshDialer keeps one SSH connection per host and opens a stream to the
// engine socket over it for every HTTP connection. A connection that dies
// (keepalive unanswered, server gone) is forgotten and the next dial makes a
// new one.
type sshDialer struct {
	ep        endpoint
	log       *slog.Logger
	base      ssh.ClientConfig // without Auth; filled per connection
	keySigner []ssh.Signer     // from key files
	useAgent  bool

	connecting chan struct{} // one slot: a single (re)connect at a time

	mu     sync.Mutex
	client *ssh.Client
	closed bool
}

func newSSHDialer(ep endpoint, cfg SSHConfig, log *slog.Logger) (*sshDialer, error) {
	d := &sshDialer{
		ep:         ep,
		log:        log,
		connecting: make(chan struct{}, 1),
		base: ssh.ClientConfig{
			User:    ep.sshUser,
			Timeout: sshHandshakeTimeout,
		},
	}
	if err := d.hostKeys(cfg); err != nil {
		return nil, err
	}
	if err := d.credentials(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

// hostKeys sets up host key verification from known_hosts.
func (d *sshDialer) hostKeys(cfg SSHConfig) error {
	if cfg.InsecureIgnoreHostKey {
		d.log.Warn("SSH host key verification is OFF for this host: anyone on the network path can impersonate it")
		d.base.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		return nil
	}
	file := cfg.KnownHostsFile
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return fmt.Errorf("no known_hosts file configured and no home directory: %w", err)
		}
		file = filepath.Join(home, ".ssh", "known_hosts")
	}
	cb, err := knownhosts.New(file)
	if err != nil {
		return fmt.Errorf("load known_hosts %s (set ssh.knownHostsFile, or add the host with ssh-keyscan): %w", file, err)
	}
	d.base.HostKeyCallback = cb
	// Ask only for the key types known_hosts holds for this host, so a server
	// that prefers another type is not mistaken for an impostor.
	d.base.HostKeyAlgorithms = knownAlgorithms(cb, d.ep.addr)
	return nil
}

// knownAlgorithms lists the host key algorithms known_hosts accepts for
// addr, or nil when the host is not listed.
func knownAlgorithms(cb ssh.HostKeyCallback, addr string) []string {
	probe := probeKey{}
	tcpAddr := &net.TCPAddr{IP: net.IPv4zero}
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip := net.ParseIP(host); ip != nil {
			tcpAddr.IP = ip
		}
	}
	err := cb(addr, tcpAddr, probe)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, k := range ke.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			add(ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// probeKey is a public key that matches nothing; offering it to a
// knownhosts callback reveals which keys are known for a host.
type probeKey struct{}

func (probeKey) Type() string    { return "berth-probe" }
func (probeKey) Marshal() []byte { return []byte("berth-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error {
	return errors.New("probe key verifies nothing")
}

// credentials loads key files; the agent is asked at each connection.
func (d *sshDialer) credentials(cfg SSHConfig) error {
	if cfg.IdentityFile != "" {
		s, err := loadSigner(cfg.IdentityFile)
		if err != nil {
			return err
		}
		d.keySigner = append(d.keySigner, s)
	}
	d.useAgent = os.Getenv("SSH_AUTH_SOCK") != ""
	if cfg.IdentityFile == "" {
		if home, err := os.UserHomeDir(); err == nil {
			for _, name := range []string{"id_ed25519", "id_rsa"} {
				p := filepath.Join(home, ".ssh", name)
				if _, err := os.Stat(p); err != nil {
					continue
				}
				s, err := loadSigner(p)
				if err != nil {
					d.log.Warn("skipping SSH key", "file", p, "err", err)
					continue
				}
				d.keySigner = append(d.keySigner, s)
			}
		}
	}
	if len(d.keySigner) == 0 && !d.useAgent {
		return errors.New("no SSH credentials: set ssh.identityFile, run an ssh-agent (SSH_AUTH_SOCK), or provide ~/.ssh/id_ed25519 or ~/.ssh/id_rsa")
	}
	return nil
}

// loadSigner reads an unencrypted private key. Errors name the file, never
// its content.
func loadSigner(file string) (ssh.Signer, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read SSH identity: %w", err)
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("SSH identity %s is passphrase-protected; load it into an ssh-agent instead", file)
	}
	if err != nil {
		return nil, fmt.Errorf("parse SSH identity %s: %w", file, err)
	}
	return s, nil
}

// get returns the live SSH client, connecting if there is none.
func (d *sshDialer) get(ctx context.Context) (*ssh.Client, error) {
	select {
	case d.connecting <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-d.connecting }()

	d.mu.Lock()
	c, closed := d.client, d.closed
	d.mu.Unlock()
	if closed {
		return nil, net.ErrClosed
	}
	if c != nil {
		return c, nil
	}
	c, err := d.connect(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	d.client = c
	return c, nil
}

// connect dials the SSH server and authenticates.
func (d *sshDialer) connect(ctx context.Context) (*ssh.Client, error) {
	cfg := d.base
	signers := append([]ssh.Signer(nil), d.keySigner...)
	if d.useAgent {
		if conn, err := (&net.Dialer{}).DialContext(ctx, "unix", os.Getenv("SSH_AUTH_SOCK")); err != nil {
			d.log.Warn("ssh-agent unreachable", "err", err)
		} else {
			defer conn.Close() // signing happens during the handshake only
			if as, err := agent.NewClient(conn).Signers(); err != nil {
				d.log.Warn("ssh-agent listed no keys", "err", err)
			} else {
				signers = append(signers, as...)
			}
		}
	}
	cfg.Auth = []ssh.AuthMethod{ssh.PublicKeys(signers...)}

	conn, err := (&net.Dialer{Timeout: sshHandshakeTimeout, KeepAlive: sshKeepAlive}).DialContext(ctx, "tcp", d.ep.addr)
	if err != nil {
		return nil, fmt.Errorf("ssh dial %s: %w", d.ep.addr, err)
	}
	deadline := time.Now().Add(sshHandshakeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(conn, d.ep.addr, &cfg)
	if !stop() {
		if err == nil {
			_ = sc.Close()
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", d.ep.addr, ctx.Err())
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("ssh %s@%s: %w", d.ep.sshUser, d.ep.addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	c := ssh.NewClient(sc, chans, reqs)
	d.log.Info("ssh connection up", "addr", d.ep.addr, "user", d.ep.sshUser)
	go d.watch(c)
	return c, nil
}

// watch sends keepalives and forgets the client when its connection dies,
// so that the next call redials.
func (d *sshDialer) watch(c *ssh.Client) {
	done := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(done)
	}()
	t := time.NewTicker(sshKeepAlive)
	defer t.Stop()
	for {
		select {
		case <-done:
			d.forget(c, "connection closed")
			return
		case <-t.C:
			replied := make(chan error, 1)
			go func() {
				_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
				replied <- err
			}()
			select {
			case err := <-replied:
				if err != nil {
					_ = c.Close()
				}
			case <-time.After(sshKeepAlive):
				_ = c.Close()
			case <-done:
			}
		}
	}
}

// forget drops c if it is the current client.
func (d *sshDialer) forget(c *ssh.Client, why string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.client == c {
		d.client = nil
		if !d.closed {
			d.log.Info("ssh connection lost; the next call redials", "addr", d.ep.addr, "reason", why)
		}
	}
}

// dialSocket opens a stream to the engine socket. When the SSH connection
// turns out to be dead, it redials once.
func (d *sshDialer) dialSocket(ctx context.Context) (net.Conn, error) {
	var lastErr error
	for range 2 {
		c, err := d.get(ctx)
		if err != nil {
			return nil, err
		}
		conn, err := c.DialContext(ctx, "unix", d.ep.socketPath)
		if err == nil {
			return conn, nil
		}
		var refused *ssh.OpenChannelError
		if errors.As(err, &refused) || ctx.Err() != nil {
			// The server answered but will not forward (no such socket,
			// forwarding disabled): redialing would not help.
			return nil, fmt.Errorf("ssh %s: open %s: %w", d.ep.addr, d.ep.socketPath, err)
		}
		lastErr = err
		d.forget(c, err.Error())
		_ = c.Close()
	}
	return nil, fmt.Errorf("ssh %s: open %s: %w", d.ep.addr, d.ep.socketPath, lastErr)
}

// run executes a command over SSH and returns its standard output.
func (d *sshDialer) run(ctx context.Context, cmd string) (string, error) {
	c, err := d.get(ctx)
	if err != nil {
		return "", err
	}
	s, err := c.NewSession()
	if err != nil {
		d.forget(c, err.Error())
		_ = c.Close()
		if c, err = d.get(ctx); err != nil {
			return "", err
		}
		if s, err = c.NewSession(); err != nil {
			return "", fmt.Errorf("ssh %s: new session: %w", d.ep.addr, err)
		}
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	defer stop()
	var stderr strings.Builder
	s.Stderr = &stderr
	out, err := s.Output(cmd)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("ssh %s: run %q: %w (stderr: %s)", d.ep.addr, cmd, err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// close ends the SSH connection for good.
func (d *sshDialer) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.client == nil {
		return nil
	}
	err := d.client.Close()
	d.client = nil
	return err
}
