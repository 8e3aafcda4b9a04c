package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

// inputGrace is how long StartWithInput waits, after closing the input,
// for the engine to end the attach stream.
const inputGrace = time.Second

// StartWithInput starts a container created with AgentSpec.Stdin and hands
// it input on its standard input, which then closes: a way to give the agent
// a secret that sits neither in its environment, nor in its arguments, nor
// in a file the engine has to unpack into the container. It attaches before
// the start, as docker run -i does, writes the input and half-closes the
// stream; the engine copies what it read into the container and then closes
// the container's standard input (StdinOnce).
//
// The engine usually ends the attach stream then, which StartWithInput
// waits for, at most inputGrace. It does not when the container was already
// running as the engine set up the attach: with StdinOnce it then holds the
// stream until the container stops. The input has arrived all the same
// (the stream is read before that wait), so that is not an error.
//
// An error means the container may have been started with no input, or with
// only part of it.
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
		// The hijacked connection outlives the request that opened it: end
		// it when the call is cancelled or runs out of time.
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
		grace := time.Now().Add(inputGrace)
		if dl, ok := ctx.Deadline(); !ok || grace.Before(dl) {
			_ = att.Conn.SetReadDeadline(grace)
		}
		// The input is sent: whatever ends this wait, the start is done.
		if _, err := io.Copy(io.Discard, att.Reader); err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				h.log.Debug("attach stream ended with an error after the input was sent", "container", shortID(id), "err", err)
			}
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
