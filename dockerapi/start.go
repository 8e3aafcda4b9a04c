package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/client"
)

// Start starts a created container.
func (h *Host) Start(ctx context.Context, id string) error {
	return h.call(ctx, "start container "+shortID(id), func(ctx context.Context) error {
		_, err := h.cli.ContainerStart(ctx, id, client.ContainerStartOptions{})
		return err
	})
}

// StartWithInput starts a container created with AgentSpec.Stdin and hands
// it input on its standard input, which then closes: a way to give the agent
// a secret that sits neither in its environment, nor in its arguments, nor
// in a file the engine has to unpack into the container. It attaches before
// the start, as docker run -i does, writes, closes its side and waits for
// the engine to close the stream, which it does once the input has reached
// the container and its standard input is closed.
//
// An error means the input may not have arrived; the container may be
// running all the same, waiting on a standard input that has closed.
func (h *Host) StartWithInput(ctx context.Context, id string, input []byte) error {
	return h.call(ctx, "start container "+shortID(id)+" with input", func(ctx context.Context) error {
		att, err := h.cli.ContainerAttach(ctx, id, client.ContainerAttachOptions{Stream: true, Stdin: true})
		if err != nil {
			// The client reports a refused upgrade by its status code only
			// ("received 404"): ask the engine about the container, so that
			// a missing one is ErrNotFound like everywhere else.
			if _, ierr := h.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{}); ierr != nil {
				return fmt.Errorf("attach: %w", ierr)
			}
			return fmt.Errorf("attach: %w", err)
		}
		defer att.Close()
		// The hijacked connection outlives the request that opened it: bound
		// it by the call's deadline, and end it when the call is cancelled.
		if dl, ok := ctx.Deadline(); ok {
			_ = att.Conn.SetDeadline(dl)
		}
		stop := context.AfterFunc(ctx, func() { _ = att.Conn.SetDeadline(time.Unix(1, 0)) })
		defer stop()
		if _, err := h.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
			return err
		}
		if _, err := att.Conn.Write(input); err != nil {
			return fmt.Errorf("write input: %w", err)
		}
		if err := att.CloseWrite(); err != nil {
			return fmt.Errorf("close input: %w", err)
		}
		if _, err := io.Copy(io.Discard, att.Reader); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("wait for the input to be taken: %w", err)
		}
		return nil
	})
}

// shortID shortens a 64-hex container id for messages; names pass as they are.
func shortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}
