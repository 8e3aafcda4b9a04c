package provisioner

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
)

// startAgent brings up one agent of template t on host h under node name
// name. It either leaves a complete agent (container and node) or nothing:
// every step that fails undoes the steps before it.
func (e *executor) startAgent(ctx context.Context, t *config.Template, h *hostEntry, name string) error {
	if err := h.api.EnsureImage(ctx, t.Image, dockerapi.PullPolicy(t.Pull)); err != nil {
		return fmt.Errorf("image: %w", err)
	}
	switch t.Launcher {
	case config.LauncherSSH:
		return e.startSSH(ctx, t, h, name)
	default:
		return e.startInbound(ctx, t, h, name)
	}
}

// baseSpec is the container both launchers start from.
func (e *executor) baseSpec(t *config.Template, h *hostEntry, name string) dockerapi.AgentSpec {
	cfg := e.cfg()
	mounts := make([]dockerapi.Mount, 0, len(t.Mounts))
	for _, m := range t.Mounts {
		mounts = append(mounts, dockerapi.Mount{Type: m.Type, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
	}
	labels := make(map[string]string, len(t.ContainerLabels))
	for _, kv := range t.ContainerLabels {
		k, v, _ := strings.Cut(kv, "=")
		labels[k] = v
	}
	return dockerapi.AgentSpec{
		Name:  name,
		Image: t.Image,
		Owner: dockerapi.Owner{
			Instance:   cfg.Instance,
			Template:   t.Name,
			Node:       name,
			JenkinsURL: cfg.Jenkins.URL,
			Created:    e.now(),
		},
		Labels:       labels,
		Entrypoint:   t.Entrypoint,
		Cmd:          append([]string(nil), t.Command...),
		Env:          append([]string(nil), t.Env...),
		Mounts:       mounts,
		Network:      t.Network,
		DNS:          t.DNS,
		ExtraHosts:   t.ExtraHosts,
		User:         t.User,
		GroupAdd:     t.GroupAdd,
		Memory:       t.Memory,
		NanoCPUs:     int64(t.CPUs * 1e9),
		Privileged:   t.Privileged,
		CapAdd:       t.CapAdd,
		CapDrop:      t.CapDrop,
		StopTimeout:  t.StopTimeout,
		DockerSocket: t.DockerSocket,
	}
}

func nodeSpec(t *config.Template, name string, m Mark) jenkins.NodeSpec {
	return jenkins.NodeSpec{
		Name:        name,
		Description: Describe(name, m),
		RemoteFS:    t.RemoteFS,
		Labels:      t.Labels,
		Executors:   t.Executors,
		Exclusive:   t.Exclusive,
	}
}

// startSSH: container first (port 22 published to a random host port, a host
// key generated here and copied in), then, once the port speaks SSH, a node
// whose launcher trusts exactly that host key.
func (e *executor) startSSH(ctx context.Context, t *config.Template, h *hostEntry, name string) (err error) {
	signer, privPEM, err := newHostKey()
	if err != nil {
		return err
	}
	spec := e.baseSpec(t, h, name)
	spec.Env = append(spec.Env, "JENKINS_AGENT_SSH_PUBKEY="+t.SSH.PublicKey)
	spec.Publish = &dockerapi.Publish{ContainerPort: t.SSH.Port, HostIP: h.cfg.PublishIP}

	id, err := h.api.CreateAgent(ctx, spec)
	if err != nil {
		// A create that timed out may still have made the container: it
		// carries the node's name, so remove by name.
		e.undoContainer(h, name, name, err)
		return fmt.Errorf("create container: %w", err)
	}
	defer func() {
		if err != nil {
			e.undoContainer(h, id, name, err)
		}
	}()
	if err := h.api.CopyFile(ctx, id, dockerapi.File{Path: t.SSH.HostKeyPath, Content: privPEM, Mode: 0o600}); err != nil {
		return fmt.Errorf("copy host key: %w", err)
	}
	if err := h.api.Start(ctx, id); err != nil {
		return fmt.Errorf("start container: %w", err)
	}
	c, err := h.api.Inspect(ctx, id)
	if err != nil {
		return fmt.Errorf("inspect container: %w", err)
	}
	port, ok := c.Ports[t.SSH.Port]
	if !ok || port == 0 {
		return fmt.Errorf("container %s published no host port for %d/tcp", name, t.SSH.Port)
	}
	addr := net.JoinHostPort(h.cfg.Address, strconv.Itoa(port))
	if err := waitForSSH(ctx, addr, t.LaunchTimeout); err != nil {
		return err
	}
	hostKey := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	mark := Mark{Instance: e.cfg().Instance, Template: t.Name, Host: h.cfg.Name}
	err = e.jenkins().CreateSSHNode(ctx, nodeSpec(t, name, mark), jenkins.SSHLauncher{
		Host:          h.cfg.Address,
		Port:          port,
		CredentialsID: t.SSH.CredentialsID,
		LaunchTimeout: t.LaunchTimeout,
		MaxRetries:    3,
		RetryWait:     2 * time.Second,
		HostKey:       hostKey,
	})
	if err != nil {
		e.undoNode(name, err)
		return fmt.Errorf("create node: %w", err)
	}
	return nil
}

// startInbound: node first, then its secret, then the container that
// connects with it. The secret goes in as a file (the default), on the
// container's standard input, or in JENKINS_SECRET, as the template says.
func (e *executor) startInbound(ctx context.Context, t *config.Template, h *hostEntry, name string) (err error) {
	cfg := e.cfg()
	mark := Mark{Instance: cfg.Instance, Template: t.Name, Host: h.cfg.Name}
	err = e.jenkins().CreateInboundNode(ctx, nodeSpec(t, name, mark), jenkins.InboundLauncher{
		WebSocket: t.Inbound.WebSocket,
		WorkDir:   t.Inbound.WorkDir,
	})
	if err != nil {
		e.undoNode(name, err)
		return fmt.Errorf("create node: %w", err)
	}
	// keep is set when the container may be running: its agent may then
	// be online with a build already, which undoing would abort.
	keep := false
	defer func() {
		if err != nil && !keep {
			e.undoNode(name, err)
		}
	}()
	secret, err := e.jenkins().InboundSecret(ctx, name)
	if err != nil {
		return fmt.Errorf("inbound secret: %w", err)
	}

	spec := e.baseSpec(t, h, name)
	spec.Env = append(spec.Env,
		"JENKINS_URL="+cfg.Jenkins.AgentURL,
		"JENKINS_AGENT_NAME="+name,
	)
	if t.Inbound.WebSocket {
		spec.Env = append(spec.Env, "JENKINS_WEB_SOCKET=true")
	}
	if t.Inbound.WorkDir != "" {
		spec.Env = append(spec.Env, "JENKINS_AGENT_WORKDIR="+t.Inbound.WorkDir)
	}
	switch t.Inbound.Secret {
	case config.SecretEnv:
		spec.Env = append(spec.Env, "JENKINS_SECRET="+secret)
	case config.SecretStdin:
		spec.Stdin = true
		spec.Cmd = append(spec.Cmd, "-secret", "@"+config.StdinSecretPath)
	default:
		spec.Cmd = append(spec.Cmd, "-secret", "@"+t.Inbound.SecretPath)
	}

	id, err := h.api.CreateAgent(ctx, spec)
	if err != nil {
		e.undoContainer(h, name, name, err)
		return fmt.Errorf("create container: %w", err)
	}
	defer func() {
		if err != nil && !keep {
			e.undoContainer(h, id, name, err)
		}
	}()
	start := func() error { return h.api.Start(ctx, id) }
	switch t.Inbound.Secret {
	case config.SecretFile:
		// Readable inside the container only; it never shows in docker inspect.
		if err := h.api.CopyFile(ctx, id, dockerapi.File{Path: t.Inbound.SecretPath, Content: []byte(secret), Mode: 0o444}); err != nil {
			return fmt.Errorf("copy secret file: %w", err)
		}
	case config.SecretStdin:
		// A failed start is judged as any: the container may run with the
		// secret (part of the input may be enough). One that got no secret
		// exits at once, and is removed as an exited agent.
		start = func() error { return h.api.StartWithInput(ctx, id, []byte(secret+"\n")) }
	}
	if err := start(); err != nil {
		return e.failedStart(h, id, name, fmt.Errorf("start container: %w", err), &keep)
	}
	return nil
}

// failedStart decides what an inbound start whose container start answered
// with an error leaves behind. The engine may have started the container all
// the same (the answer was lost, or the deadline ran out after the engine
// acted); its agent then connects and may take a build at once, and deleting
// the node would abort that build. So berth asks the engine: a container
// that is not running is undone as usual (cause is returned); a running one
// is the agent, kept, and the start succeeded (nil); when the engine cannot
// say, node and container are kept (*keep) and the start fails: the next
// cycles judge the agent like any other (online, or removed after
// launchTimeout).
func (e *executor) failedStart(h *hostEntry, id, name string, cause error, keep *bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	c, err := h.api.Inspect(ctx, id)
	switch {
	case err != nil:
		*keep = true
		e.log.Warn("container start failed and the engine cannot say whether the container runs: agent left for the next cycles",
			"node", name, "host", h.cfg.Name, "cause", cause, "err", err)
		return fmt.Errorf("%w (the container may run; left in place)", cause)
	case c.Running:
		e.log.Warn("container start answered with an error, yet the container runs: agent kept", "node", name, "host", h.cfg.Name, "cause", cause)
		return nil
	}
	return cause
}

// undoContainer removes a half-started agent's container. It runs on a fresh
// context: the start's own context may be what ran out.
func (e *executor) undoContainer(h *hostEntry, idOrName, name string, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := h.api.Remove(ctx, idOrName, 0); err != nil && !errors.Is(err, dockerapi.ErrNotManaged) {
		e.log.Error("could not remove container of failed start", "node", name, "host", h.cfg.Name, "cause", cause, "err", err)
	}
}

// undoNode deletes a half-started agent's node. A create that failed may
// still have created the node (a timeout after Jenkins acted), so it is
// deleted whatever the error; not-found is fine.
func (e *executor) undoNode(name string, cause error) {
	if errors.Is(cause, jenkins.ErrConflict) {
		return // the name belongs to a node that existed before: not ours
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := e.jenkins().DeleteNode(ctx, name); err != nil && !errors.Is(err, jenkins.ErrNotFound) {
		e.log.Error("could not delete node of failed start", "node", name, "cause", cause, "err", err)
	}
}

// newHostKey makes the ed25519 host key an SSH agent container serves: the
// signer for its public half, and the private key in OpenSSH PEM form.
func newHostKey() (ssh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, nil, fmt.Errorf("encode host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("host key signer: %w", err)
	}
	return signer, pem.EncodeToMemory(block), nil
}

// waitForSSH waits until addr answers with an SSH identification line. A
// bare TCP accept is not enough: Docker's port proxy accepts connections
// before anything listens in the container.
func waitForSSH(ctx context.Context, addr string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var lastErr error
	for delay := 20 * time.Millisecond; ; delay = min(delay*2, 500*time.Millisecond) {
		if lastErr = probeSSH(ctx, addr); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("ssh port %s not answering within %s: %w", addr, limit, lastErr)
		case <-time.After(delay):
		}
	}
}

func probeSSH(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	deadline := time.Now().Add(2 * time.Second)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetReadDeadline(deadline)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no SSH banner: %w", err)
	}
	if !strings.HasPrefix(line, "SSH-") {
		return fmt.Errorf("not an SSH server: %q", strings.TrimSpace(line))
	}
	return nil
}
