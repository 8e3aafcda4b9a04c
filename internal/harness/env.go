package harness

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/internal/agentimage"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// CredentialsID is the Jenkins credential the SSH templates of the harness
// log in with.
const CredentialsID = "berth-agent-key"

// Env is one run's simulator, engine client and agent image.
type Env struct {
	Sim    *jenkinssim.Sim
	User   string
	Token  string
	Docker *client.Client
	// Image is the berth test agent image.
	Image string
	// Instance is the berth instance of this run: every container it
	// creates carries it, and Close removes them all.
	Instance string
	// SSHPublicKey is the authorized key for the simulator's SSH credential.
	SSHPublicKey string
}

// Options shape an Env.
type Options struct {
	// InstancePrefix starts the random instance name ("e2e", "demo").
	InstancePrefix string
	// Logger receives the simulator's log; nil discards.
	Logger *slog.Logger
}

// Start starts the simulator, builds (or finds) the test agent image and
// connects to the local engine.
func Start(ctx context.Context, o Options) (*Env, error) {
	prefix := o.InstancePrefix
	if prefix == "" {
		prefix = "harness"
	}
	e := &Env{
		User:     "berth",
		Token:    "11" + randomHex(16),
		Instance: prefix + "-" + randomHex(4),
	}
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	e.Docker = cli
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("docker engine not reachable: %w", err)
	}
	if e.Image, err = agentimage.TestAgent(ctx, cli); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("test agent image: %w", err)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e.Sim, err = jenkinssim.Start(jenkinssim.Options{
		Users:  []jenkinssim.User{{Name: e.User, APIToken: e.Token}},
		Logger: logger,
	})
	if err != nil {
		_ = cli.Close()
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		_ = e.Close(ctx)
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		_ = e.Close(ctx)
		return nil, err
	}
	if err := e.Sim.AddSSHCredential(CredentialsID, "jenkins", signer); err != nil {
		_ = e.Close(ctx)
		return nil, err
	}
	e.SSHPublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	return e, nil
}

// Env returns the environment berth's config loader sees: the token.
func (e *Env) Env(key string) string {
	if key == "BERTH_JENKINS_TOKEN" {
		return e.Token
	}
	return ""
}

// Close removes every container of the instance (running or not, with its
// volumes) and stops the simulator. It runs on its own deadline so that a
// cancelled test still cleans up.
func (e *Env) Close(context.Context) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	if e.Docker != nil {
		if _, err := RemoveInstance(ctx, e.Docker, e.Instance); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, e.Docker.Close())
	}
	if e.Sim != nil {
		errs = append(errs, e.Sim.Close())
	}
	return errors.Join(errs...)
}

// Containers lists the instance's containers (any state) in one call.
func (e *Env) Containers(ctx context.Context) ([]dockerapi.Container, error) {
	res, err := e.Docker.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", dockerapi.LabelInstance+"="+e.Instance),
	})
	if err != nil {
		return nil, err
	}
	out := make([]dockerapi.Container, 0, len(res.Items))
	for _, s := range res.Items {
		name := ""
		if len(s.Names) > 0 {
			name = strings.TrimPrefix(s.Names[0], "/")
		}
		out = append(out, dockerapi.Container{
			ID: s.ID, Name: name, Image: s.Image, Labels: s.Labels,
			Owner: dockerapi.ParseOwner(s.Labels), State: string(s.State), Running: s.State == "running",
		})
	}
	return out, nil
}

// RemoveInstance force-removes every container labelled with the berth
// instance, with its volumes, and reports how many there were.
func RemoveInstance(ctx context.Context, cli *client.Client, instance string) (int, error) {
	res, err := cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", dockerapi.LabelInstance+"="+instance),
	})
	if err != nil {
		return 0, fmt.Errorf("list containers of instance %s: %w", instance, err)
	}
	var errs []error
	for _, c := range res.Items {
		if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", c.ID[:12], err))
		}
	}
	return len(res.Items), errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
