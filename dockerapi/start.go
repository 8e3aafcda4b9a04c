package dockerapi

import (
	"context"

	"github.com/moby/moby/client"
)

// Start starts a created container.
func (h *Host) Start(ctx context.Context, id string) error {
	return h.call(ctx, "start container "+shortID(id), func(ctx context.Context) error {
		_, err := h.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
		return err
	})
}

// shortID shortens a 64-hex container id for messages; names pass as they are.
func shortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}
