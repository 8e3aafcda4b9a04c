package dockerapi

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// List returns every container (in any state) of berth instance instance
// on this host, in one engine call filtered by the ownership labels.
// Fields marked "Inspect only" on Container are left zero; ExitCode is read
// from the engine's status text for exited containers.
func (h *Host) List(ctx context.Context, instance string) ([]Container, error) {
	op := "list containers of instance " + instance
	if instance == "" {
		return nil, h.opErr("list containers", ErrInvalid, errors.New("instance is empty"))
	}
	var out []Container
	err := h.call(ctx, op, func(ctx context.Context) error {
		f := client.Filters{}
		f.Add("label", LabelManaged+"=true", LabelInstance+"="+instance)
		res, err := h.cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			return err
		}
		out = make([]Container, 0, len(res.Items))
		for _, s := range res.Items {
			out = append(out, fromSummary(s))
		}
		return nil
	})
	return out, err
}

// exitedStatus matches the engine's "Exited (137) 5 seconds ago".
var exitedStatus = regexp.MustCompile(`^Exited \((-?\d+)\)`)

func fromSummary(s container.Summary) Container {
	c := Container{
		ID:      s.ID,
		Image:   s.Image,
		Labels:  s.Labels,
		State:   string(s.State),
		Running: s.State == container.StateRunning,
		Created: time.Unix(s.Created, 0),
		Ports:   map[int]int{},
	}
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	if len(s.Names) > 0 {
		c.Name = strings.TrimPrefix(s.Names[0], "/")
	}
	if IsManaged(c.Labels) {
		c.Owner = ParseOwner(c.Labels)
	}
	if m := exitedStatus.FindStringSubmatch(s.Status); m != nil {
		c.ExitCode, _ = strconv.Atoi(m[1])
	}
	for _, p := range s.Ports {
		if p.PublicPort == 0 || p.Type != "tcp" {
			continue
		}
		if _, have := c.Ports[int(p.PrivatePort)]; !have || p.IP.Is4() {
			c.Ports[int(p.PrivatePort)] = int(p.PublicPort)
		}
	}
	return c
}
