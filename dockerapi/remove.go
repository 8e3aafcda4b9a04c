package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// Remove stops the container (SIGTERM, then SIGKILL after stop) and removes
// it with its anonymous volumes. It first inspects the container and
// refuses, with ErrNotManaged, one that does not carry berth's ownership
// labels. A container that is already gone counts as removed.
func (h *Host) Remove(ctx context.Context, id string, stop time.Duration) error {
	op := "remove container " + shortID(id)
	c, err := h.Inspect(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		var oe *OpError
		if errors.As(err, &oe) {
			oe.Op = op + ": " + oe.Op
		}
		return err
	case !c.Managed():
		return h.opErr(op, ErrNotManaged, fmt.Errorf("container %s has no %s=true label; berth only removes what it created", c.Name, LabelManaged))
	}
	if c.Running {
		secs := max(0, int(math.Ceil(stop.Seconds()))) // a negative timeout would mean "wait for ever"
		err := h.callWithin(ctx, h.cfg.CallTimeout+time.Duration(secs)*time.Second, "stop container "+c.Name, func(ctx context.Context) error {
			_, err := h.cli.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &secs})
			return err
		})
		if err != nil && !errors.Is(err, ErrNotFound) {
			// Removal below forces the container down anyway; report only if
			// that fails too.
			h.log.Warn("stop failed; forcing removal", "container", c.Name, "err", err)
		}
	}
	err = h.call(ctx, "remove container "+c.Name, func(ctx context.Context) error {
		_, err := h.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{RemoveVolumes: true, Force: true})
		return err
	})
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return nil
	case errors.Is(err, ErrConflict) && strings.Contains(err.Error(), "already in progress"):
		// Another removal of the same container is under way.
		return nil
	}
	return err
}
