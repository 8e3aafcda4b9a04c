package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"
)

// Defaults for HostConfig.
const (
	DefaultCallTimeout = 30 * time.Second
	DefaultPullTimeout = 10 * time.Minute
)

// HostConfig describes one Docker engine berth starts agents on.
type HostConfig struct {
	// Name is berth's name for the host; it appears in every error.
	Name string
	// Host is unix:///var/run/docker.sock, tcp://h:2376 or
	// ssh://user@h[:port][/path/to/docker.sock].
	Host string
	// TLS secures tcp:// hosts (nil: plain TCP, with a warning).
	TLS *TLSConfig
	// SSH configures ssh:// hosts.
	SSH SSHConfig
	// SocketGID overrides the group id of the engine socket on the host
	// (needed for DockerSocket agents on tcp:// hosts).
	SocketGID *int
	// CallTimeout bounds every call (default 30s). Pulls use PullTimeout.
	CallTimeout time.Duration
	// PullTimeout bounds an image pull (default 10m).
	PullTimeout time.Duration
	// RegistryAuthFile is a docker config.json with registry credentials
	// for pulls; default ~/.docker/config.json when it exists.
	RegistryAuthFile string
}

// Host is one Docker engine. Create it with Dial; it is safe for concurrent
// use.
type Host struct {
	name string
	cfg  HostConfig
	ep   endpoint
	cli  *client.Client
	ssh  *sshDialer // ssh:// hosts only
	log  *slog.Logger
}

// Dial prepares a client for the host. It validates the configuration and
// loads certificates and keys, but does not contact the engine: Ping tells
// whether it is up. ctx is not retained.
func Dial(ctx context.Context, cfg HostConfig, log *slog.Logger) (*Host, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.PullTimeout <= 0 {
		cfg.PullTimeout = DefaultPullTimeout
	}
	h := &Host{name: cfg.Name, cfg: cfg, log: log.With("component", "dockerapi", "host", cfg.Name)}
	fail := func(err error) (*Host, error) {
		return nil, &OpError{Host: cfg.Name, Op: "dial", Class: ErrInvalid, Err: err}
	}
	if cfg.Name == "" {
		return fail(errors.New("host name is empty"))
	}
	ep, err := parseEndpoint(cfg.Host)
	if err != nil {
		return fail(err)
	}
	h.ep = ep
	if cfg.RegistryAuthFile == "" {
		if home, err := os.UserHomeDir(); err == nil {
			def := filepath.Join(home, ".docker", "config.json")
			if _, err := os.Stat(def); err == nil {
				h.cfg.RegistryAuthFile = def
			}
		}
	} else if _, err := loadRegistryConfig(cfg.RegistryAuthFile); err != nil {
		return fail(err)
	}
	tr, err := h.transport()
	if err != nil {
		return fail(err)
	}
	cli, err := client.New(
		client.WithHost(ep.mobyHost()),
		client.WithHTTPClient(&http.Client{Transport: tr, CheckRedirect: client.CheckRedirect}),
		client.WithUserAgent("berth"),
	)
	if err != nil {
		if h.ssh != nil {
			_ = h.ssh.close()
		}
		return fail(err)
	}
	h.cli = cli
	return h, nil
}

// Name returns berth's name for the host.
func (h *Host) Name() string { return h.name }

// Close releases the host's connections.
func (h *Host) Close() error {
	err := h.cli.Close()
	if h.ssh != nil {
		err = errors.Join(err, h.ssh.close())
	}
	return err
}

// call runs f with the call timeout and turns its error into an OpError.
func (h *Host) call(ctx context.Context, op string, f func(ctx context.Context) error) error {
	return h.callWithin(ctx, h.cfg.CallTimeout, op, f)
}

// callWithin is call with an explicit timeout.
func (h *Host) callWithin(ctx context.Context, timeout time.Duration, op string, f func(ctx context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	err := f(cctx)
	h.log.Debug("docker call", "op", op, "took", time.Since(start), "ok", err == nil)
	if err == nil {
		return nil
	}
	return h.fail(ctx, cctx, timeout, op, err)
}

// fail wraps err for op. When the call's own deadline expired (and not the
// caller's context), the message says so.
func (h *Host) fail(parent, cctx context.Context, timeout time.Duration, op string, err error) error {
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	if parent.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s: %w", timeout, err)
		return &OpError{Host: h.name, Op: op, Class: ErrUnavailable, Err: err}
	}
	return &OpError{Host: h.name, Op: op, Class: classify(err), Err: err}
}

// opErr builds an OpError with an explicit class.
func (h *Host) opErr(op string, class, err error) error {
	return &OpError{Host: h.name, Op: op, Class: class, Err: err}
}
