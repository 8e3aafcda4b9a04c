package dockerapi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// maxLogBytes caps what Logs reads.
const maxLogBytes = 1 << 20

// Logs returns the last lines lines of the container's stdout and stderr,
// interleaved as the engine recorded them (at most 1 MiB).
func (h *Host) Logs(ctx context.Context, id string, lines int) (string, error) {
	if lines <= 0 {
		lines = 100
	}
	var out string
	err := h.call(ctx, fmt.Sprintf("read logs of container %s", shortID(id)), func(ctx context.Context) error {
		rc, err := h.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{
			ShowStdout: true,
			ShowStderr: true,
			Tail:       strconv.Itoa(lines),
		})
		if err != nil {
			return err
		}
		defer rc.Close()
		raw, err := io.ReadAll(io.LimitReader(rc, maxLogBytes))
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if _, err := stdcopy.StdCopy(&buf, &buf, bytes.NewReader(raw)); err != nil && buf.Len() == 0 {
			// A TTY container's log is not multiplexed: return it as is.
			out = string(raw)
			return nil
		}
		out = buf.String()
		return nil
	})
	return out, err
}
