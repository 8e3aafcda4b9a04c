package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// AgentSpec is everything berth decides about one agent container.
type AgentSpec struct {
	Name   string            // container name = Jenkins node name
	Image  string            // must be on the host (see EnsureImage)
	Owner  Owner             // becomes the ownership labels; Instance is required
	Labels map[string]string // extra labels, case preserved; may not use ownership keys

	Entrypoint []string // nil: the image's
	Cmd        []string // nil: the image's
	Env        []string // "KEY=value", case preserved

	Mounts     []Mount
	Network    string   // network name or mode ("" = the engine's default bridge)
	DNS        []string // DNS server IP addresses
	ExtraHosts []string // "host:ip"

	User     string   // "uid[:gid]" or a name known to the image
	GroupAdd []string // extra groups (names or ids)

	Memory   int64 // bytes; 0 = unlimited
	NanoCPUs int64 // 1e9 = one CPU; 0 = unlimited

	Privileged bool     // off unless asked
	CapAdd     []string // e.g. "NET_ADMIN"
	CapDrop    []string

	// StopTimeout is how long the engine waits after SIGTERM before SIGKILL
	// when the container is stopped without an explicit timeout.
	StopTimeout time.Duration

	// Publish exposes one TCP port on a random host port (SSH agents).
	Publish *Publish

	// Stdin keeps the container's standard input open until a client
	// attaches, writes and closes it (OpenStdin, StdinOnce): start such a
	// container with StartWithInput.
	Stdin bool

	// DockerSocket bind-mounts the host's engine socket at
	// /var/run/docker.sock and adds the socket's group to GroupAdd. This
	// gives the agent root-equivalent control of the host.
	DockerSocket bool
}

// Mount is a bind mount, a volume or a tmpfs.
type Mount struct {
	Type     string // "bind" | "volume" | "tmpfs"
	Source   string // host path (bind), volume name ("" = anonymous), unused for tmpfs
	Target   string // path in the container
	ReadOnly bool
}

// Publish maps ContainerPort/tcp to a random port on HostIP.
type Publish struct {
	ContainerPort int    // default 22
	HostIP        string // default: all interfaces
}

// socketTarget is where DockerSocket mounts the engine socket.
const socketTarget = "/var/run/docker.sock"

// CreateAgent creates (but does not start) the agent container and returns
// its id. Names in use give ErrConflict; a missing image gives
// ErrImageUnavailable.
func (h *Host) CreateAgent(ctx context.Context, spec AgentSpec) (string, error) {
	op := "create container " + spec.Name
	opts, err := h.createOptions(ctx, spec)
	if err != nil {
		var oe *OpError
		if errors.As(err, &oe) {
			oe.Op = op + ": " + oe.Op
			return "", oe
		}
		return "", h.opErr(op, ErrInvalid, err)
	}
	var id string
	err = h.call(ctx, op, func(ctx context.Context) error {
		res, err := h.cli.ContainerCreate(ctx, opts)
		if err != nil {
			return err
		}
		id = res.ID
		for _, w := range res.Warnings {
			h.log.Warn("engine warning on create", "container", spec.Name, "warning", w)
		}
		return nil
	})
	var oe *OpError
	if errors.As(err, &oe) && oe.Class == ErrNotFound && strings.Contains(oe.Err.Error(), "No such image") {
		oe.Class = ErrImageUnavailable
	}
	return id, err
}

// createOptions validates spec and translates it to the engine's terms.
func (h *Host) createOptions(ctx context.Context, spec AgentSpec) (client.ContainerCreateOptions, error) {
	var none client.ContainerCreateOptions
	switch {
	case spec.Name == "":
		return none, errors.New("container name is empty")
	case spec.Image == "":
		return none, errors.New("image is empty")
	case spec.Owner.Instance == "":
		return none, errors.New("owner instance is empty: every container must carry berth's ownership labels")
	}
	owner := spec.Owner
	if owner.Created.IsZero() {
		owner.Created = time.Now()
	}
	labels, err := containerLabels(owner, spec.Labels)
	if err != nil {
		return none, err
	}
	for _, e := range spec.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return none, fmt.Errorf("env entry %q: want KEY=value", envKey(e))
		}
	}
	cfg := &container.Config{
		Image:       spec.Image,
		Labels:      labels,
		Env:         spec.Env,
		Cmd:         spec.Cmd,
		Entrypoint:  spec.Entrypoint,
		User:        spec.User,
		OpenStdin:   spec.Stdin,
		StdinOnce:   spec.Stdin,
		AttachStdin: spec.Stdin,
	}
	if spec.StopTimeout > 0 {
		secs := int(math.Ceil(spec.StopTimeout.Seconds()))
		cfg.StopTimeout = &secs
	}
	hc := &container.HostConfig{
		NetworkMode: container.NetworkMode(spec.Network),
		ExtraHosts:  spec.ExtraHosts,
		GroupAdd:    append([]string(nil), spec.GroupAdd...),
		Privileged:  spec.Privileged,
		CapAdd:      spec.CapAdd,
		CapDrop:     spec.CapDrop,
		Resources:   container.Resources{Memory: spec.Memory, NanoCPUs: spec.NanoCPUs},
	}
	for _, d := range spec.DNS {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return none, fmt.Errorf("DNS server %q: %w", d, err)
		}
		hc.DNS = append(hc.DNS, a)
	}
	for _, m := range spec.Mounts {
		mm, err := engineMount(m, labels)
		if err != nil {
			return none, err
		}
		hc.Mounts = append(hc.Mounts, mm)
	}
	if p := spec.Publish; p != nil {
		port := p.ContainerPort
		if port == 0 {
			port = 22
		}
		cp, err := network.ParsePort(strconv.Itoa(port) + "/tcp")
		if err != nil {
			return none, fmt.Errorf("publish port %d: %w", port, err)
		}
		var ip netip.Addr
		if p.HostIP != "" {
			if ip, err = netip.ParseAddr(p.HostIP); err != nil {
				return none, fmt.Errorf("publish host IP %q: %w", p.HostIP, err)
			}
		}
		cfg.ExposedPorts = network.PortSet{cp: {}}
		hc.PortBindings = network.PortMap{cp: {{HostIP: ip, HostPort: ""}}}
	}
	if spec.DockerSocket {
		gid, err := h.DockerSocketGID(ctx)
		if err != nil {
			return none, err
		}
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: h.ep.socketPath, Target: socketTarget})
		hc.GroupAdd = append(hc.GroupAdd, strconv.Itoa(gid))
	}
	return client.ContainerCreateOptions{Name: spec.Name, Config: cfg, HostConfig: hc}, nil
}

// engineMount translates a Mount. Volumes that the engine creates for it
// (named or anonymous) carry the container's labels, ownership included.
func engineMount(m Mount, labels map[string]string) (mount.Mount, error) {
	if m.Target == "" || !strings.HasPrefix(m.Target, "/") {
		return mount.Mount{}, fmt.Errorf("mount target %q: want an absolute path", m.Target)
	}
	out := mount.Mount{Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
	switch m.Type {
	case "bind":
		if !strings.HasPrefix(m.Source, "/") {
			return out, fmt.Errorf("bind mount source %q: want an absolute host path", m.Source)
		}
		out.Type = mount.TypeBind
	case "volume", "":
		out.Type = mount.TypeVolume
		out.VolumeOptions = &mount.VolumeOptions{Labels: labels}
	case "tmpfs":
		if m.Source != "" {
			return out, fmt.Errorf("tmpfs mount at %s takes no source", m.Target)
		}
		out.Type = mount.TypeTmpfs
	default:
		return out, fmt.Errorf("mount type %q: want bind, volume or tmpfs", m.Type)
	}
	return out, nil
}

// envKey returns what may be shown of an env entry in an error: its key.
func envKey(e string) string {
	k, _, _ := strings.Cut(e, "=")
	return k
}
