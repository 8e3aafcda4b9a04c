package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/user"
	"path"
	"time"
)

// DefaultSocketPath is the engine socket assumed when a URL does not name one.
const DefaultSocketPath = "/var/run/docker.sock"

// endpoint is a parsed HostConfig.Host.
type endpoint struct {
	scheme string // "unix", "tcp" or "ssh"
	// unix: the socket path. tcp: host:port. ssh: host:port of the SSH server.
	addr string
	// socketPath is the engine socket on the engine's machine (unix and ssh;
	// for tcp the conventional DefaultSocketPath, used only by DockerSocket).
	socketPath string
	sshUser    string // ssh only
}

// parseEndpoint reads unix:///path, tcp://host:port and
// ssh://[user@]host[:port][/path/to/docker.sock].
func parseEndpoint(raw string) (endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL, which may hold a password: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return endpoint{}, fmt.Errorf("parse host URL: %w", err)
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		if p == "" || u.Host != "" {
			return endpoint{}, fmt.Errorf("host URL %q: want unix:///absolute/path/to/docker.sock", u.Redacted())
		}
		return endpoint{scheme: "unix", addr: p, socketPath: p}, nil
	case "tcp":
		if u.Hostname() == "" {
			return endpoint{}, fmt.Errorf("host URL %q: want tcp://host:port", u.Redacted())
		}
		if u.Path != "" && u.Path != "/" {
			return endpoint{}, fmt.Errorf("host URL %q: a tcp:// URL takes no path", u.Redacted())
		}
		port := u.Port()
		if port == "" {
			port = "2376"
		}
		return endpoint{scheme: "tcp", addr: net.JoinHostPort(u.Hostname(), port), socketPath: DefaultSocketPath}, nil
	case "ssh":
		if u.Hostname() == "" {
			return endpoint{}, fmt.Errorf("host URL %q: want ssh://user@host[:port][/path/to/docker.sock]", u.Redacted())
		}
		if _, set := u.User.Password(); set {
			return endpoint{}, fmt.Errorf("host URL %q: passwords in ssh:// URLs are not supported; use a key", u.Redacted())
		}
		ep := endpoint{scheme: "ssh", sshUser: u.User.Username(), socketPath: DefaultSocketPath}
		port := u.Port()
		if port == "" {
			port = "22"
		}
		ep.addr = net.JoinHostPort(u.Hostname(), port)
		if u.Path != "" && u.Path != "/" {
			ep.socketPath = path.Clean(u.Path)
		}
		if ep.sshUser == "" {
			cur, err := user.Current()
			if err != nil {
				return endpoint{}, fmt.Errorf("host URL %q names no user and the current user is unknown: %w", u.Redacted(), err)
			}
			ep.sshUser = cur.Username
		}
		return ep, nil
	case "":
		return endpoint{}, fmt.Errorf("host URL %q: missing scheme (unix://, tcp:// or ssh://)", u.Redacted())
	default:
		return endpoint{}, fmt.Errorf("host URL %q: unsupported scheme %q (want unix, tcp or ssh)", u.Redacted(), u.Scheme)
	}
}

// mobyHost is the host string handed to the moby client. For ssh the
// transport ignores the address, so a plain http URL naming the SSH server
// keeps moby's own messages meaningful.
func (ep endpoint) mobyHost() string {
	switch ep.scheme {
	case "unix":
		return "unix://" + ep.addr
	case "tcp":
		return "tcp://" + ep.addr
	default:
		return "http://" + ep.addr
	}
}

// transport builds the HTTP transport for an endpoint. Proxies from the
// environment are deliberately not used: engine traffic goes straight to
// the engine.
func (h *Host) transport() (*http.Transport, error) {
	if h.ep.scheme != "tcp" && h.cfg.TLS != nil {
		return nil, fmt.Errorf("TLS settings apply to tcp:// hosts only, not %s://", h.ep.scheme)
	}
	tr := &http.Transport{
		MaxIdleConns:          6,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 15 * time.Second}
	switch h.ep.scheme {
	case "unix":
		sock := h.ep.addr
		tr.DisableCompression = true
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "unix", sock)
		}
	case "tcp":
		tr.DialContext = dialer.DialContext
		if h.cfg.TLS != nil {
			cfg, err := h.cfg.TLS.clientConfig(h.log)
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig = cfg
		} else {
			h.log.Warn("tcp host without TLS: anyone who can reach the port controls the engine", "addr", h.ep.addr)
		}
	case "ssh":
		d, err := newSSHDialer(h.ep, h.cfg.SSH, h.log)
		if err != nil {
			return nil, err
		}
		h.ssh = d
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.dialSocket(ctx)
		}
	default:
		return nil, errors.New("unreachable: unknown scheme " + h.ep.scheme)
	}
	return tr, nil
}
