package dockerapi

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// sshServer is a minimal sshd: public-key auth, direct-streamlocal
// channels to the real engine socket, and `stat -c %g` for its group.
type sshServer struct {
	addr    string
	hostKey ssh.Signer
	logins  atomic.Int32 // successful handshakes

	mu    sync.Mutex
	conns []net.Conn
}

func startSSHServer(t *testing.T, authorized ssh.PublicKey) *sshServer {
	t.Helper()
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if meta.User() == "berth" && bytes.Equal(key.Marshal(), authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("not authorized")
		},
	}
	cfg.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sshServer{addr: l.Addr().String(), hostKey: hostKey}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); s.dropAll(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			wg.Go(func() { s.serve(c, cfg) })
		}
	})
	return s
}

// dropAll cuts every connection, as a reboot or network failure would.
func (s *sshServer) dropAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	s.conns = nil
}

func (s *sshServer) serve(c net.Conn, cfg *ssh.ServerConfig) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	s.logins.Add(1)
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		switch nc.ChannelType() {
		case "direct-streamlocal@openssh.com":
			var req struct {
				SocketPath string
				Reserved0  string
				Reserved1  uint32
			}
			if err := ssh.Unmarshal(nc.ExtraData(), &req); err != nil || req.SocketPath != DefaultSocketPath {
				_ = nc.Reject(ssh.ConnectionFailed, "no such socket: "+req.SocketPath)
				continue
			}
			up, err := net.Dial("unix", DefaultSocketPath)
			if err != nil {
				_ = nc.Reject(ssh.ConnectionFailed, err.Error())
				continue
			}
			ch, creqs, err := nc.Accept()
			if err != nil {
				up.Close()
				continue
			}
			go ssh.DiscardRequests(creqs)
			go func() {
				done := make(chan struct{}, 2)
				go func() { _, _ = io.Copy(up, ch); done <- struct{}{} }()
				go func() { _, _ = io.Copy(ch, up); done <- struct{}{} }()
				<-done
				up.Close()
				ch.Close()
			}()
		case "session":
			ch, creqs, err := nc.Accept()
			if err != nil {
				continue
			}
			go execSession(ch, creqs)
		default:
			_ = nc.Reject(ssh.UnknownChannelType, "unsupported")
		}
	}
}

// execSession answers exactly one command: stat -c %g of the engine socket.
func execSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for r := range reqs {
		if r.Type != "exec" {
			_ = r.Reply(false, nil)
			continue
		}
		var cmd struct{ Command string }
		_ = ssh.Unmarshal(r.Payload, &cmd)
		_ = r.Reply(true, nil)
		status := uint32(0)
		if cmd.Command == "stat -c %g '"+DefaultSocketPath+"'" {
			fi, err := os.Stat(DefaultSocketPath)
			if err == nil {
				fmt.Fprintf(ch, "%d\n", fi.Sys().(*syscall.Stat_t).Gid)
			} else {
				fmt.Fprintln(ch.Stderr(), err)
				status = 1
			}
		} else {
			fmt.Fprintf(ch.Stderr(), "unexpected command %q\n", cmd.Command)
			status = 127
		}
		_, _ = ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
		return
	}
}

// sshClientFiles writes berth's key and a known_hosts file trusting hostKey
// for addr.
func sshClientFiles(t *testing.T, addr string, hostKey ssh.PublicKey) (keyFile, knownHostsFile string, pub ssh.PublicKey) {
	t.Helper()
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile = writeFile(t, dir, "id_ed25519", pem.EncodeToMemory(block))
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	knownHostsFile = filepath.Join(dir, "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, hostKey) + "\n"
	if err := os.WriteFile(knownHostsFile, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, knownHostsFile, signer.PublicKey()
}

type sshFixture struct {
	srv        *sshServer
	keyFile    string
	knownHosts string
}

func newSSHFixture(t *testing.T) *sshFixture {
	t.Helper()
	// The server must know the client key and the client the host key:
	// make the client key first with a placeholder host key, then rewrite
	// known_hosts for the real server.
	_, placeholder, _ := ed25519.GenerateKey(rand.Reader)
	ph, _ := ssh.NewSignerFromKey(placeholder)
	keyFile, knownHostsFile, pub := sshClientFiles(t, "127.0.0.1:1", ph.PublicKey())
	srv := startSSHServer(t, pub)
	line := knownhosts.Line([]string{knownhosts.Normalize(srv.addr)}, srv.hostKey.PublicKey()) + "\n"
	if err := os.WriteFile(knownHostsFile, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sshFixture{srv: srv, keyFile: keyFile, knownHosts: knownHostsFile}
}

func (f *sshFixture) config(name string) HostConfig {
	return HostConfig{
		Name:        name,
		Host:        "ssh://berth@" + f.srv.addr + DefaultSocketPath,
		SSH:         SSHConfig{IdentityFile: f.keyFile, KnownHostsFile: f.knownHosts},
		CallTimeout: 10 * time.Second,
	}
}

// TestSSH drives the real engine through an SSH server: API calls over a
// direct-streamlocal channel, the socket's group over exec, a whole
// container run, and a redial after the connection drops.
func TestSSH(t *testing.T) {
	t.Parallel()
	f := newSSHFixture(t)
	h := dialLocal(t, f.config("build-ssh"))
	ctx := t.Context()

	info, err := h.Ping(ctx)
	if err != nil || info.APIVersion != wantAPIVersion(t) {
		t.Fatalf("Ping over ssh = %+v, %v", info, err)
	}

	fi, err := os.Stat(DefaultSocketPath)
	if err != nil {
		t.Fatal(err)
	}
	if gid, err := h.DockerSocketGID(ctx); err != nil || gid != int(fi.Sys().(*syscall.Stat_t).Gid) {
		t.Errorf("DockerSocketGID over ssh = %d, %v; want %d", gid, err, fi.Sys().(*syscall.Stat_t).Gid)
	}

	// A container's whole life over SSH, including a streamed call (logs).
	e := &env{t: t, h: h, instance: "test-" + randomID()}
	cleanupInstance(t, h.cli, e.instance)
	spec := e.spec("viassh", "groups", "ping-docker", "lines", "1")
	spec.User = "4321:4321"
	spec.DockerSocket = true
	c := e.run(spec)
	logs, err := h.Logs(ctx, c.ID, 10)
	if err != nil {
		t.Fatalf("Logs over ssh: %v", err)
	}
	if !strings.Contains(logs, "out 1") || !strings.Contains(logs, "docker: HTTP/1.0 200 OK") {
		t.Errorf("logs over ssh = %q", logs)
	}
	if err := h.Remove(ctx, c.ID, time.Second); err != nil {
		t.Errorf("Remove over ssh: %v", err)
	}

	// A start that hands the container its input over the hijacked stream.
	checkStartWithInput(t, e)

	// The SSH connection dies; the next call redials.
	before := f.srv.logins.Load()
	f.srv.dropAll()
	if _, err := h.Ping(ctx); err != nil {
		t.Fatalf("Ping after the SSH connection dropped: %v", err)
	}
	if after := f.srv.logins.Load(); after != before+1 {
		t.Errorf("logins = %d after the drop, want %d (one redial)", after, before+1)
	}
}

func TestSSHRefusals(t *testing.T) {
	t.Parallel()
	f := newSSHFixture(t)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewSignerFromKey(otherPriv)

	wrongHostKey := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(f.srv.addr)}, other.PublicKey()) + "\n"
	if err := os.WriteFile(wrongHostKey, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	unknownHost := writeFile(t, t.TempDir(), "known_hosts", nil)
	wrongKey, _, _ := sshClientFiles(t, f.srv.addr, other.PublicKey())

	for _, tc := range []struct {
		name   string
		mutate func(*HostConfig)
		want   string
		check  func(t *testing.T, err error)
	}{
		{
			name:   "host key mismatch",
			mutate: func(c *HostConfig) { c.SSH.KnownHostsFile = wrongHostKey },
			want:   "knownhosts: key mismatch",
			check: func(t *testing.T, err error) {
				var ke *knownhosts.KeyError
				if !errors.As(err, &ke) || len(ke.Want) == 0 {
					t.Errorf("error %v is not a knownhosts mismatch", err)
				}
			},
		},
		{
			name:   "host not in known_hosts",
			mutate: func(c *HostConfig) { c.SSH.KnownHostsFile = unknownHost },
			want:   "knownhosts: key is unknown",
		},
		{
			name:   "key not authorized",
			mutate: func(c *HostConfig) { c.SSH.IdentityFile = wrongKey },
			want:   "unable to authenticate",
		},
		{
			name:   "no such socket",
			mutate: func(c *HostConfig) { c.Host = "ssh://berth@" + f.srv.addr + "/run/nope.sock" },
			want:   "no such socket",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := f.config("ssh-refused")
			tc.mutate(&cfg)
			h := dialLocal(t, cfg)
			_, err := h.Ping(t.Context())
			if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), `docker host "ssh-refused": ping: `) {
				t.Fatalf("Ping = %v, want ErrUnavailable naming host and call", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			t.Logf("refused as expected: %v", err)
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}

	// Host key checking is on unless asked: a missing known_hosts file is a
	// configuration error, not a silent trust.
	cfg := f.config("ssh-no-known-hosts")
	cfg.SSH.KnownHostsFile = filepath.Join(t.TempDir(), "absent")
	if _, err := Dial(t.Context(), cfg, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("Dial without known_hosts = %v, want ErrInvalid", err)
	}
	// Explicitly off: connects, with a warning.
	cfg.SSH.KnownHostsFile = wrongHostKey
	cfg.SSH.InsecureIgnoreHostKey = true
	h := dialLocal(t, cfg)
	if _, err := h.Ping(t.Context()); err != nil {
		t.Errorf("Ping with InsecureIgnoreHostKey = %v", err)
	}
}
