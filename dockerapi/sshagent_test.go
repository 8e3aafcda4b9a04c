package dockerapi

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/agentimage"
	"golang.org/x/crypto/ssh"
)

// TestSSHAgentPublish runs berth's test agent image as an SSH agent: the
// host key goes in with CopyFile, the port is published on loopback, and a
// real SSH client connects to the reported port and accepts only that host
// key.
func TestSSHAgentPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	bctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	image, err := agentimage.TestAgent(bctx, e.h.cli)
	if err != nil {
		t.Fatalf("build test agent image: %v", err)
	}

	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostBlock, err := ssh.MarshalPrivateKey(hostPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	hostSigner, _ := ssh.NewSignerFromKey(hostPriv)
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	clientSigner, _ := ssh.NewSignerFromKey(clientPriv)

	spec := e.spec("sshagent")
	spec.Image = image
	spec.Cmd = nil
	spec.Env = []string{"JENKINS_AGENT_SSH_PUBKEY=" + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(clientSigner.PublicKey())))}
	spec.Publish = &Publish{ContainerPort: 22, HostIP: "127.0.0.1"}
	id := e.create(spec)
	if err := e.h.CopyFile(ctx, id, File{Path: "/etc/ssh/ssh_host_ed25519_key", Content: pem.EncodeToMemory(hostBlock), Mode: 0o600}); err != nil {
		t.Fatalf("CopyFile host key: %v", err)
	}
	if err := e.h.Start(ctx, id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	c, err := e.h.Inspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	port := c.Ports[22]
	if port == 0 {
		t.Fatalf("no published port for 22/tcp: %v", c.Ports)
	}

	cfg := &ssh.ClientConfig{
		User:            "jenkins",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(clientSigner)},
		HostKeyCallback: ssh.FixedHostKey(hostSigner.PublicKey()),
		Timeout:         5 * time.Second,
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var client *ssh.Client
	deadline := time.Now().Add(15 * time.Second)
	for {
		client, err = ssh.Dial("tcp", addr, cfg)
		if err == nil {
			break
		}
		var netErr net.Error
		retry := strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF") ||
			strings.Contains(err.Error(), "refused") || (errors.As(err, &netErr) && netErr.Timeout())
		if !retry || time.Now().After(deadline) {
			logs, _ := e.h.Logs(ctx, id, 20)
			t.Fatalf("ssh %s: %v (agent logs: %s)", addr, err, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Output("echo berth over ssh")
	if err != nil || string(out) != "berth over ssh\n" {
		t.Errorf("exec echo = %q, %v", out, err)
	}

	// The same agent with a different expected host key is refused: the key
	// that was checked is the one copied in.
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewSignerFromKey(otherPriv)
	bad := *cfg
	bad.HostKeyCallback = ssh.FixedHostKey(other.PublicKey())
	if c2, err := ssh.Dial("tcp", addr, &bad); err == nil {
		c2.Close()
		t.Error("ssh accepted a host key other than the one copied in")
	}
}
