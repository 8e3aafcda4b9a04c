package agentimage

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/internal/testagent"
)

const (
	testNode   = "berth-linux-7f3a"
	testSecret = "5e0fc4b1d2a3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0f1a2b3"
)

func testAgentImage(t *testing.T, cli *client.Client) string {
	t.Helper()
	ref, err := TestAgent(testContext(t), cli)
	if err != nil {
		t.Fatalf("TestAgent: %v", err)
	}
	return ref
}

func TestTestAgentImage(t *testing.T) {
	cli := newClient(t)
	ref := testAgentImage(t, cli)
	if !strings.HasPrefix(ref, TestAgentRepo+":") {
		t.Errorf("ref %q, want %s:<hash>", ref, TestAgentRepo)
	}
	again := testAgentImage(t, cli)
	if again != ref {
		t.Errorf("second TestAgent = %q, want the cached %q", again, ref)
	}
	img, err := cli.ImageInspect(testContext(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Config.Labels[LabelTestImage]; got != KindTestAgent {
		t.Errorf("label %s = %q, want %q", LabelTestImage, got, KindTestAgent)
	}
	if ep := img.Config.Entrypoint; len(ep) != 1 || ep[0] != TestAgentBinaryPath {
		t.Errorf("entrypoint %q, want [%s]", ep, TestAgentBinaryPath)
	}
	if !strings.HasPrefix(img.Config.Labels[LabelContentHash], strings.TrimPrefix(ref, TestAgentRepo+":")) {
		t.Errorf("hash label %q does not match tag %q", img.Config.Labels[LabelContentHash], ref)
	}
	list, err := cli.ImageList(testContext(t), client.ImageListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Items {
		for _, tag := range s.RepoTags {
			if strings.Contains(tag, "-build-") && strings.HasPrefix(tag, TestAgentRepo+":") {
				t.Errorf("temporary build tag left behind: %s", tag)
			}
		}
	}
}

func TestTestAgentSSHContainer(t *testing.T) {
	cli := newClient(t)
	ref := testAgentImage(t, cli)

	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostSigner, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(hostPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	_, clientPriv, _ := ed25519.GenerateKey(rand.Reader)
	clientSigner, err := ssh.NewSignerFromKey(clientPriv)
	if err != nil {
		t.Fatal(err)
	}

	port := network.MustParsePort("22/tcp")
	id := createContainer(t, cli, &container.Config{
		Image:        ref,
		Env:          []string{"JENKINS_AGENT_SSH_PUBKEY=" + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(clientSigner.PublicKey())))},
		ExposedPorts: network.PortSet{port: {}},
	}, &container.HostConfig{
		PortBindings: network.PortMap{port: {{HostIP: netip.MustParseAddr("127.0.0.1")}}},
	})
	copyFile(t, cli, id, "/etc/ssh", "ssh_host_ed25519_key", 0o600, pem.EncodeToMemory(block))
	startContainer(t, cli, id)

	bindings := inspect(t, cli, id).NetworkSettings.Ports[port]
	if len(bindings) == 0 {
		t.Fatal("port 22 not published")
	}
	addr := net.JoinHostPort("127.0.0.1", bindings[0].HostPort)
	cfg := &ssh.ClientConfig{User: "jenkins", Auth: []ssh.AuthMethod{ssh.PublicKeys(clientSigner)},
		HostKeyCallback: ssh.FixedHostKey(hostSigner.PublicKey()), Timeout: 5 * time.Second}

	// The published port accepts before the server listens: retry until it answers.
	var c *ssh.Client
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err = ssh.Dial("tcp", addr, cfg)
		if err == nil || time.Now().After(deadline) || strings.Contains(err.Error(), "host key mismatch") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("ssh to the container at %s with the copied host key: %v", addr, err)
	}
	defer func() { _ = c.Close() }()

	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
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
	if _, err := s.SendRequest("env", true, ssh.Marshal(struct{ Name, Value string }{"A", "B"})); err != nil {
		t.Fatalf("session closed while the command should run: %v", err)
	}
	select {
	case err := <-waited:
		t.Fatalf("command ended before EOF: %v", err)
	default:
	}
	_ = stdin.Close()
	if err := <-waited; err != nil {
		t.Errorf("command after EOF: %v, want exit 0", err)
	}

	other, _ := ssh.NewSignerFromKey(hostPriv) // a key that is not authorized
	if c2, err := ssh.Dial("tcp", addr, &ssh.ClientConfig{User: "jenkins", Auth: []ssh.AuthMethod{ssh.PublicKeys(other)},
		HostKeyCallback: ssh.FixedHostKey(hostSigner.PublicKey()), Timeout: 5 * time.Second}); err == nil {
		_ = c2.Close()
		t.Error("the container accepted a key other than JENKINS_AGENT_SSH_PUBKEY")
	}

	if code := stopAndExitCode(t, cli, id); code != 0 {
		t.Errorf("exit code after SIGTERM %d, want 0", code)
	}
}

func TestTestAgentInboundContainer(t *testing.T) {
	cli := newClient(t)
	ref := testAgentImage(t, cli)
	fc := newFakeController(t, testNode, testSecret)

	// berth's way: settings in the environment, the secret in a file named by -secret @.
	id := createContainer(t, cli, &container.Config{
		Image: ref,
		Env:   []string{"JENKINS_URL=" + fc.URL + "/", "JENKINS_AGENT_NAME=" + testNode, "JENKINS_WEB_SOCKET=true"},
		Cmd:   []string{"-secret", "@/run/berth/secret"},
	}, &container.HostConfig{NetworkMode: "host"})
	copyFile(t, cli, id, "/run", "berth/secret", 0o400, []byte(testSecret+"\n"))
	startContainer(t, cli, id)

	h := fc.next(t)
	if h.Name != testNode || h.Secret != testSecret || h.Capability != testagent.CapabilityValue(testagent.AgentCapabilityMask) {
		t.Errorf("handshake: name %q, secret right %v, capability %q", h.Name, h.Secret == testSecret, h.Capability)
	}
	noSecretIn(t, inspect(t, cli, id), testSecret)
	if code := stopAndExitCode(t, cli, id); code != 0 {
		t.Errorf("exit code after SIGTERM %d, want 0", code)
	}
}

func TestTestAgentInboundContainerRefused(t *testing.T) {
	cli := newClient(t)
	ref := testAgentImage(t, cli)
	for _, tt := range []struct {
		name, node, secret string
		wantExit           int64
	}{
		{name: "node deleted", node: "another-node", secret: testSecret, wantExit: testagent.ExitNoSuchAgent},
		{name: "wrong secret", node: testNode, secret: "not-the-secret", wantExit: testagent.ExitFailure},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeController(t, tt.node, tt.secret)
			id := createContainer(t, cli, &container.Config{
				Image: ref,
				Env: []string{"JENKINS_URL=" + fc.URL + "/", "JENKINS_AGENT_NAME=" + testNode,
					"JENKINS_WEB_SOCKET=true", "JENKINS_SECRET=" + testSecret},
			}, &container.HostConfig{NetworkMode: "host"})
			startContainer(t, cli, id)
			if code := waitExit(t, cli, id); code != tt.wantExit {
				t.Errorf("exit code %d, want %d", code, tt.wantExit)
			}
		})
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if modulePathOf(root+"/go.mod") != ModulePath {
		t.Errorf("ModuleRoot() = %s, whose go.mod is not %s", root, ModulePath)
	}
	t.Chdir(t.TempDir())
	if _, err := ModuleRoot(); !errors.Is(err, ErrNoModuleRoot) {
		t.Errorf("ModuleRoot outside the module: %v, want ErrNoModuleRoot", err)
	}
}
