package dockerapi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Container is what berth knows about one container.
type Container struct {
	ID     string
	Name   string // without the leading "/"
	Image  string // as given at create time
	Owner  Owner  // parsed from the ownership labels (zero when unmanaged)
	Labels map[string]string
	// State is the engine's: created, running, paused, restarting,
	// removing, exited or dead.
	State      string
	Running    bool
	ExitCode   int
	OOMKilled  bool // Inspect only
	Created    time.Time
	StartedAt  time.Time // Inspect only
	FinishedAt time.Time // Inspect only
	// Ports maps published container TCP ports to host ports.
	Ports map[int]int
	Error string // the engine's error for a container that failed to start (Inspect only)
}

// Managed reports whether the container carries berth's ownership labels.
func (c Container) Managed() bool { return IsManaged(c.Labels) }

// Inspect returns the container's full state. A missing container gives
// ErrNotFound.
func (h *Host) Inspect(ctx context.Context, id string) (Container, error) {
	var c Container
	err := h.call(ctx, "inspect container "+shortID(id), func(ctx context.Context) error {
		res, err := h.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return err
		}
		c = fromInspect(res.Container)
		return nil
	})
	return c, err
}

func fromInspect(r container.InspectResponse) Container {
	c := Container{
		ID:      r.ID,
		Name:    strings.TrimPrefix(r.Name, "/"),
		Created: parseTime(r.Created),
	}
	if r.Config != nil {
		c.Image = r.Config.Image
		c.Labels = r.Config.Labels
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	if IsManaged(c.Labels) {
		c.Owner = ParseOwner(c.Labels)
	}
	if s := r.State; s != nil {
		c.State = string(s.Status)
		c.Running = s.Running
		c.ExitCode = s.ExitCode
		c.OOMKilled = s.OOMKilled
		c.Error = s.Error
		c.StartedAt = parseTime(s.StartedAt)
		c.FinishedAt = parseTime(s.FinishedAt)
	}
	if r.NetworkSettings != nil {
		c.Ports = hostPorts(r.NetworkSettings.Ports)
	}
	return c
}

// hostPorts picks, for each published TCP port, one host port (IPv4
// binding preferred).
func hostPorts(pm network.PortMap) map[int]int {
	out := map[int]int{}
	for p, bindings := range pm {
		if p.Proto() != network.TCP {
			continue
		}
		for _, b := range bindings {
			hp, err := strconv.Atoi(b.HostPort)
			if err != nil || hp == 0 {
				continue
			}
			if _, have := out[int(p.Num())]; !have || b.HostIP.Is4() {
				out[int(p.Num())] = hp
			}
		}
	}
	return out
}

// parseTime reads the engine's RFC 3339 times; the engine's zero time
// ("0001-01-01T00:00:00Z") and garbage give the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}
