package testagent

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/syncbuf"
	"golang.org/x/crypto/ssh"
)

func newSigner(t *testing.T) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

// writeHostKey writes priv in OpenSSH private key format, as berth copies it into a
// container, and returns the path.
func writeHostKey(t *testing.T, priv ed25519.PrivateKey) string {
	t.Helper()
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ssh_host_ed25519_key")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type sshFixture struct {
	addr     string
	hostKey  ssh.PublicKey
	client   ssh.Signer
	logs     *syncbuf.Buffer
	cancel   context.CancelFunc
	serveErr chan error
}

// startSSH runs SSH mode in-process on 127.0.0.1:0 through ParseSSH and LoadHostKey, the
// way Main does, with the host key read from a file.
func startSSH(t *testing.T) *sshFixture {
	t.Helper()
	client, _ := newSigner(t)
	hostSigner, hostPriv := newSigner(t)
	keyPath := writeHostKey(t, hostPriv)
	cfg, err := ParseSSH([]string{"-listen", "127.0.0.1:0", "-hostKey", keyPath},
		envMap(map[string]string{"JENKINS_AGENT_SSH_PUBKEY": string(ssh.MarshalAuthorizedKey(client.PublicKey()))}))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, generated, err := LoadHostKey(cfg.HostKeyPath)
	if err != nil || generated {
		t.Fatalf("LoadHostKey(%s): generated=%v err=%v", cfg.HostKeyPath, generated, err)
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &sshFixture{addr: ln.Addr().String(), hostKey: hostSigner.PublicKey(), client: client, logs: &syncbuf.Buffer{}, cancel: cancel, serveErr: make(chan error, 1)}
	go func() { f.serveErr <- ServeSSH(ctx, cfg, hostKey, ln, testLogger(f.logs)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-f.serveErr:
		case <-time.After(testTimeout):
			t.Error("ServeSSH did not return after cancel")
		}
	})
	return f
}

func (f *sshFixture) dial(user string, key ssh.Signer, hostKey ssh.PublicKey) (*ssh.Client, error) {
	return ssh.Dial("tcp", f.addr, &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(key)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
		Timeout:         testTimeout,
	})
}

func (f *sshFixture) mustDial(t *testing.T) *ssh.Client {
	t.Helper()
	c, err := f.dial("jenkins", f.client, f.hostKey)
	if err != nil {
		t.Fatalf("ssh dial %s: %v", f.addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestSSHExecStaysOpenUntilEOF(t *testing.T) {
	f := startSSH(t)
	c := f.mustDial(t)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Setenv("LANG", "C"); err != nil {
		t.Errorf("env request refused: %v", err)
	}
	if err := s.RequestPty("xterm", 40, 80, ssh.TerminalModes{}); err != nil {
		t.Errorf("pty-req refused: %v", err)
	}
	stdin, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start("java -jar remoting.jar -workDir /home/jenkins/agent"); err != nil {
		t.Fatalf("exec: %v", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- s.Wait() }()

	// Round trips through the running command: stdin is read, and a request on the
	// channel is still answered.
	for range 3 {
		if _, err := stdin.Write([]byte(strings.Repeat("remoting frame ", 4096))); err != nil {
			t.Fatalf("write to the running command: %v", err)
		}
		if _, err := s.SendRequest("env", true, ssh.Marshal(struct{ Name, Value string }{"A", "B"})); err != nil {
			t.Fatalf("channel closed while the command should run: %v", err)
		}
	}
	select {
	case err := <-waited:
		t.Fatalf("command ended before EOF: %v", err)
	default:
	}

	if err := stdin.Close(); err != nil { // EOF
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("command exit after EOF: %v, want status 0", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("command did not end after EOF")
	}
	if !strings.Contains(f.logs.String(), `user=jenkins`) {
		t.Errorf("login not logged with the user name:\n%s", f.logs)
	}
}

func TestSSHShortCommands(t *testing.T) {
	f := startSSH(t)
	c := f.mustDial(t)
	for cmd, want := range map[string]string{"true": "", ":": "", "echo hello  agent": "hello agent\n"} {
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.Output(cmd)
		if err != nil {
			t.Errorf("%q: %v", cmd, err)
		}
		if string(out) != want {
			t.Errorf("%q printed %q, want %q", cmd, out, want)
		}
	}
}

func TestSSHRefusesOtherRequests(t *testing.T) {
	f := startSSH(t)
	c := f.mustDial(t)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err == nil {
		t.Error("shell request accepted, want refused")
	}
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("sftp subsystem accepted, want refused")
	}
	_, _, err = c.OpenChannel("direct-tcpip", ssh.Marshal(struct {
		Host     string
		Port     uint32
		OrigHost string
		OrigPort uint32
	}{"127.0.0.1", 22, "127.0.0.1", 1}))
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.UnknownChannelType {
		t.Errorf("direct-tcpip channel: err %v, want refusal with UnknownChannelType", err)
	}
}

func TestSSHAuthAndHostKey(t *testing.T) {
	f := startSSH(t)
	otherKey, _ := newSigner(t)

	if c, err := f.dial("anyone", f.client, f.hostKey); err != nil {
		t.Errorf("authorized key with user anyone: %v", err)
	} else {
		_ = c.Close()
	}
	if c, err := f.dial("jenkins", otherKey, f.hostKey); err == nil {
		_ = c.Close()
		t.Error("a client key that is not authorized was accepted")
	} else if !strings.Contains(err.Error(), "unable to authenticate") {
		t.Errorf("wrong client key: %v, want an authentication failure", err)
	}
	if c, err := f.dial("jenkins", f.client, otherKey.PublicKey()); err == nil {
		_ = c.Close()
		t.Error("client accepted a host key other than the one in the file")
	} else if !strings.Contains(err.Error(), "host key mismatch") {
		t.Errorf("wrong host key: %v, want a host key mismatch", err)
	}
}

func TestSSHStopsOnCancel(t *testing.T) {
	f := startSSH(t)
	c := f.mustDial(t)
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	// Hold stdin open: with no Stdin the client sends EOF at once, and the
	// command (which runs until its input ends, as remoting does) would end
	// cleanly before the shutdown could cut it.
	stdin, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := s.Start("sleep-forever"); err != nil {
		t.Fatal(err)
	}
	f.cancel()
	select {
	case err := <-f.serveErr:
		if err != nil {
			t.Fatalf("ServeSSH after cancel: %v, want nil", err)
		}
		f.serveErr <- nil // for the cleanup
	case <-time.After(testTimeout):
		t.Fatal("ServeSSH did not return after cancel")
	}
	if err := s.Wait(); err == nil {
		t.Error("session ended cleanly, want it cut by the shutdown")
	}
}

func TestLoadHostKeyGeneratesWhenAbsent(t *testing.T) {
	key, generated, err := LoadHostKey(filepath.Join(t.TempDir(), "absent"))
	if err != nil || !generated || key.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Fatalf("LoadHostKey(absent) = %v, %v, %v; want a generated ed25519 key", key, generated, err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadHostKey(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadHostKey(bad) err = %v, want a parse error naming the file", err)
	}
}

func TestMainSSHGeneratedKeyIsPrinted(t *testing.T) {
	client, _ := newSigner(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	env := envMap(map[string]string{
		"JENKINS_AGENT_SSH_PUBKEY":     string(ssh.MarshalAuthorizedKey(client.PublicKey())),
		"BERTH_TESTAGENT_SSH_ADDR":     addr,
		"BERTH_TESTAGENT_SSH_HOST_KEY": filepath.Join(t.TempDir(), "absent"),
	})
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, nil, env, io.Discard, stderr) }()

	// Wait for the generated key line, then check that the server presents that key.
	deadline := time.Now().Add(testTimeout)
	var line string
	for time.Now().Before(deadline) && !strings.Contains(stderr.String(), "ssh listening") {
		time.Sleep(10 * time.Millisecond)
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "generated a key") {
			line = l
		}
	}
	_, after, ok := strings.Cut(line, `public_key="`)
	if !ok {
		cancel()
		t.Fatalf("no generated public key on stderr:\n%s", stderr)
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSuffix(after, `"`)))
	if err != nil {
		cancel()
		t.Fatalf("printed key does not parse: %v", err)
	}
	c, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "jenkins", Auth: []ssh.AuthMethod{ssh.PublicKeys(client)},
		HostKeyCallback: ssh.FixedHostKey(pub), Timeout: testTimeout})
	if err != nil {
		cancel()
		t.Fatalf("dial with the printed host key: %v", err)
	}
	_ = c.Close()
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("Main exit %d after stop, want 0", code)
	}
}
