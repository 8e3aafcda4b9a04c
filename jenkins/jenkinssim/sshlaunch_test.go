package jenkinssim_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// sshServer is an in-process SSH server standing in for an agent's sshd: it authenticates one
// public key, accepts exec requests on session channels and keeps them open until closed.
type sshServer struct {
	t       *testing.T
	cfg     *ssh.ServerConfig
	hostKey ssh.Signer

	mu       sync.Mutex
	ln       net.Listener
	conns    []net.Conn
	accepted int
	execs    []string
	wg       sync.WaitGroup
}

func newSigner(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func authorizedKey(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

func startSSHServer(t *testing.T, hostKey ssh.Signer, client ssh.PublicKey, addr string) *sshServer {
	t.Helper()
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, k ssh.PublicKey) (*ssh.Permissions, error) {
			if bytes.Equal(k.Marshal(), client.Marshal()) {
				return nil, nil
			}
			return nil, errRefused
		},
	}
	cfg.AddHostKey(hostKey)
	srv := &sshServer{t: t, cfg: cfg, hostKey: hostKey}
	srv.listen(addr)
	t.Cleanup(srv.close)
	return srv
}

var errRefused = &net.AddrError{Err: "key not authorized"}

func (srv *sshServer) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.t.Fatalf("listen %s: %v", addr, err)
	}
	srv.mu.Lock()
	srv.ln = ln
	srv.mu.Unlock()
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			srv.mu.Lock()
			srv.accepted++
			srv.conns = append(srv.conns, c)
			srv.mu.Unlock()
			srv.wg.Add(1)
			go func() {
				defer srv.wg.Done()
				srv.serveConn(c)
			}()
		}
	}()
}

func (srv *sshServer) serveConn(c net.Conn) {
	_, chans, reqs, err := ssh.NewServerConn(c, srv.cfg)
	if err != nil {
		_ = c.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, requests, err := nc.Accept()
		if err != nil {
			continue
		}
		go func() {
			defer ch.Close()
			for req := range requests {
				if req.Type != "exec" {
					_ = req.Reply(false, nil)
					continue
				}
				var payload struct{ Command string }
				_ = ssh.Unmarshal(req.Payload, &payload)
				srv.mu.Lock()
				srv.execs = append(srv.execs, payload.Command)
				srv.mu.Unlock()
				_ = req.Reply(true, nil) // the "agent process" runs until the connection ends
			}
		}()
	}
}

func (srv *sshServer) addr() string { return srv.ln.Addr().String() }

func (srv *sshServer) port() int { return srv.ln.Addr().(*net.TCPAddr).Port }

// close stops the server and drops every connection (the agent's container is gone).
func (srv *sshServer) close() {
	srv.mu.Lock()
	_ = srv.ln.Close()
	for _, c := range srv.conns {
		_ = c.Close()
	}
	srv.conns = nil
	srv.mu.Unlock()
	srv.wg.Wait()
}

func (srv *sshServer) stats() (accepted int, execs []string) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.accepted, append([]string(nil), srv.execs...)
}

// sshSim starts a simulator with the credential "agent-key" for user jenkins.
func sshSim(t *testing.T, opts jenkinssim.Options) (*jenkinssim.Sim, ssh.Signer) {
	s := startSim(t, opts)
	clientKey := newSigner(t)
	if err := s.AddSSHCredential("agent-key", "jenkins", clientKey); err != nil {
		t.Fatal(err)
	}
	return s, clientKey
}

func sshNode(t *testing.T, s *jenkinssim.Sim, name string, port int, key string, retries int) {
	t.Helper()
	err := s.CreateNode(jenkinssim.NodeSpec{
		Name: name, NumExecutors: 1, Labels: "linux", Mode: jenkinssim.Exclusive, RemoteFS: "/home/jenkins/agent/",
		Launcher: &jenkinssim.SSHLauncher{
			Host: "127.0.0.1", Port: port, CredentialsID: "agent-key",
			LaunchTimeoutSeconds: 10, MaxNumRetries: retries, RetryWaitTime: 0,
			HostKeyVerification: jenkinssim.ManuallyProvidedKey{Key: key},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func launchEnded(s *jenkinssim.Sim, name string) func() bool {
	return nodeIs(s, name, func(n jenkinssim.NodeView) bool { return !n.Connecting && (n.Connected || n.OfflineCauseClass != "") })
}

func logHas(v jenkinssim.NodeView, text string) bool {
	for _, l := range v.LaunchLog {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

func TestSSHLaunchWithTheRightHostKey(t *testing.T) {
	s, clientKey := sshSim(t, jenkinssim.Options{})
	hostKey := newSigner(t)
	srv := startSSHServer(t, hostKey, clientKey.PublicKey(), "127.0.0.1:0")
	sshNode(t, s, "ssh1", srv.port(), authorizedKey(hostKey.PublicKey()), 0)
	waitFor(t, s, "ssh1 online", nodeIs(s, "ssh1", online))

	v, _ := s.Node("ssh1")
	if !logHas(v, "[SSH] SSH host key matched the key required for this connection. Connection will be allowed.") {
		t.Errorf("launch log %q", v.LaunchLog)
	}
	_, execs := srv.stats()
	want := `cd "/home/jenkins/agent" && java  -jar remoting.jar -workDir /home/jenkins/agent -jar-cache /home/jenkins/agent/remoting/jarCache`
	if len(execs) != 1 || execs[0] != want {
		t.Fatalf("commands run on the agent = %q, want [%q]", execs, want)
	}
	m := tokenClient(t, s).json("computer/ssh1/api/json")
	if m["offline"] != false || m["jnlpAgent"] != false || m["absoluteRemotePath"] != "/home/jenkins/agent/" {
		t.Fatalf("computer = %v", m)
	}
	// It takes a build of its label.
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueBuild("j", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "build", finished(s, "j", 1))
	if b := buildsOf(s, "j")[0]; b.Node != "ssh1" {
		t.Fatalf("build ran on %q", b.Node)
	}
}

func TestSSHLaunchWithAWrongHostKey(t *testing.T) {
	s, clientKey := sshSim(t, jenkinssim.Options{})
	srv := startSSHServer(t, newSigner(t), clientKey.PublicKey(), "127.0.0.1:0")
	other := newSigner(t)
	sshNode(t, s, "ssh1", srv.port(), authorizedKey(other.PublicKey()), 2)
	waitFor(t, s, "the launch to end", launchEnded(s, "ssh1"))

	v, _ := s.Node("ssh1")
	if v.Connected || v.Online || v.OfflineCauseClass != "hudson.slaves.OfflineCause$LaunchFailed" ||
		v.OfflineCauseReason != "This agent is offline because Jenkins failed to launch the agent process on it." {
		t.Fatalf("node = %+v", v)
	}
	for _, text := range []string{
		"[SSH] WARNING: The SSH key for this host does not match the key required in the connection configuration.",
		"The server hostkey was not accepted by the verifier callback",
		"retrying in 0 seconds. There are 2 more retries left.",
		"There are 1 more retries left.",
		"Launch failed - cleaning up connection",
	} {
		if !logHas(v, text) {
			t.Errorf("launch log lacks %q: %q", text, v.LaunchLog)
		}
	}
	accepted, execs := srv.stats()
	if accepted != 3 || len(execs) != 0 {
		t.Fatalf("server saw %d connections and commands %q; want 3 attempts (1 + 2 retries) and no command", accepted, execs)
	}
	c := tokenClient(t, s)
	m := c.json("computer/ssh1/api/json")
	if cause, _ := m["offlineCause"].(map[string]any); m["offline"] != true || cause["_class"] != "hudson.slaves.OfflineCause$LaunchFailed" {
		t.Fatalf("computer = %v", m)
	}
	// The launch log is readable as Jenkins serves an agent's log.
	r := c.get("computer/ssh1/logText/progressiveText?start=0")
	if r.status != 200 || r.header.Get("X-More-Data") != "true" || !strings.Contains(r.body, "does not match the key required") {
		t.Fatalf("log: %d %v %q", r.status, r.header, r.body)
	}
	if size := r.header.Get("X-Text-Size"); size != strconv.Itoa(len(r.body)) {
		t.Fatalf("X-Text-Size %s for %d bytes", size, len(r.body))
	}
	if rest := c.get("computer/ssh1/logText/progressiveText?start=" + strconv.Itoa(len(r.body)-10)); rest.body != r.body[len(r.body)-10:] {
		t.Fatalf("log from an offset: %q", rest.body)
	}
}

// Each connection attempt is bounded by the launch timeout (plus five seconds for the SSH
// handshake, as the plugin gives its key exchange): a host that accepts TCP and never answers
// fails the launch.
func TestSSHLaunchTimeout(t *testing.T) {
	t.Parallel()
	s, _ := sshSim(t, jenkinssim.Options{})
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	err = s.CreateNode(jenkinssim.NodeSpec{Name: "ssh1", NumExecutors: 1, Launcher: &jenkinssim.SSHLauncher{
		Host: "127.0.0.1", Port: silent.Addr().(*net.TCPAddr).Port, CredentialsID: "agent-key",
		LaunchTimeoutSeconds: 1, MaxNumRetries: 0, RetryWaitTime: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Node("ssh1"); !v.Connecting {
		t.Fatalf("node not launching: %+v", v)
	}
	waitFor(t, s, "the launch to time out", launchEnded(s, "ssh1"))
	v, _ := s.Node("ssh1")
	if v.Connected || v.OfflineCauseClass != "hudson.slaves.OfflineCause$LaunchFailed" || !logHas(v, "timeout") {
		t.Fatalf("node = %+v", v)
	}
}

func TestSSHLaunchFailuresThatAreNotRetried(t *testing.T) {
	t.Run("credentials missing", func(t *testing.T) {
		s, clientKey := sshSim(t, jenkinssim.Options{})
		hostKey := newSigner(t)
		srv := startSSHServer(t, hostKey, clientKey.PublicKey(), "127.0.0.1:0")
		err := s.CreateNode(jenkinssim.NodeSpec{Name: "ssh1", NumExecutors: 1, Launcher: &jenkinssim.SSHLauncher{
			Host: "127.0.0.1", Port: srv.port(), CredentialsID: "nope", MaxNumRetries: 5}})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "the launch to end", launchEnded(s, "ssh1"))
		v, _ := s.Node("ssh1")
		if accepted, _ := srv.stats(); accepted != 0 || !logHas(v, "The selected credentials cannot be found") || v.OfflineCauseClass != "hudson.slaves.OfflineCause$LaunchFailed" {
			t.Fatalf("accepted %d, node %+v", accepted, v)
		}
	})
	t.Run("key not authorized", func(t *testing.T) {
		s, _ := sshSim(t, jenkinssim.Options{})
		hostKey := newSigner(t)
		srv := startSSHServer(t, hostKey, newSigner(t).PublicKey(), "127.0.0.1:0")
		sshNode(t, s, "ssh1", srv.port(), authorizedKey(hostKey.PublicKey()), 5)
		waitFor(t, s, "the launch to end", launchEnded(s, "ssh1"))
		v, _ := s.Node("ssh1")
		if accepted, _ := srv.stats(); accepted != 1 || !logHas(v, "[SSH] Authentication failed.") || v.Connected {
			t.Fatalf("accepted %d (want 1: no retry), node %+v", accepted, v)
		}
	})
}

// The agent's SSH server going away takes the node offline (ChannelTermination); when it comes
// back, RetentionStrategy.Always relaunches the agent.
func TestSSHServerGoneAndBack(t *testing.T) {
	s, clientKey := sshSim(t, jenkinssim.Options{RetentionCheckInterval: 20 * time.Millisecond})
	hostKey := newSigner(t)
	srv := startSSHServer(t, hostKey, clientKey.PublicKey(), "127.0.0.1:0")
	addr := srv.addr()
	sshNode(t, s, "ssh1", srv.port(), authorizedKey(hostKey.PublicKey()), 0)
	waitFor(t, s, "ssh1 online", nodeIs(s, "ssh1", online))

	srv.close()
	waitFor(t, s, "ssh1 offline", nodeIs(s, "ssh1", func(n jenkinssim.NodeView) bool { return !n.Connected }))
	m := tokenClient(t, s).json("computer/ssh1/api/json")
	if c, _ := m["offlineCause"].(map[string]any); m["offline"] != true || c["_class"] != "hudson.slaves.OfflineCause$ChannelTermination" {
		t.Fatalf("after the server went away: %v", m)
	}

	back := startSSHServer(t, hostKey, clientKey.PublicKey(), addr)
	waitFor(t, s, "ssh1 relaunched", nodeIs(s, "ssh1", online))
	if accepted, execs := back.stats(); accepted == 0 || len(execs) != 1 {
		t.Fatalf("relaunch: %d connections, commands %q", accepted, execs)
	}
}

// Deleting an SSH node closes its session.
func TestDeleteSSHNodeClosesSession(t *testing.T) {
	s, clientKey := sshSim(t, jenkinssim.Options{})
	hostKey := newSigner(t)
	srv := startSSHServer(t, hostKey, clientKey.PublicKey(), "127.0.0.1:0")
	sshNode(t, s, "ssh1", srv.port(), authorizedKey(hostKey.PublicKey()), 0)
	waitFor(t, s, "ssh1 online", nodeIs(s, "ssh1", online))
	if err := s.DeleteNode("ssh1"); err != nil {
		t.Fatal(err)
	}
	// The server's connection ends: close() returns only when every connection goroutine has
	// seen its connection closed, which the simulator did.
	done := make(chan struct{})
	go func() {
		srv.mu.Lock()
		_ = srv.ln.Close()
		srv.mu.Unlock()
		srv.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the SSH connection of the deleted node is still open")
	}
}
