package provisioner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/jenkins"
)

// errKept reports a retirement that found the agent busy after taking it
// offline: it was put back online and stays.
var errKept = errors.New("a build landed on it while it was being retired; kept")

// retireAgent scales an idle agent down safely: take the node offline (no
// new build can land), confirm it is still idle, then delete the node and
// only then the container. If a build landed in between, the node goes back
// online and the agent stays.
func (e *executor) retireAgent(ctx context.Context, node, reason string, h *hostEntry, containerID string, stop time.Duration) error {
	if err := e.jenkins().TakeOffline(ctx, node, offlinePrefix+reason); err != nil {
		if errors.Is(err, jenkins.ErrNotFound) {
			return e.removeContainer(ctx, h, containerID, stop)
		}
		return fmt.Errorf("take offline: %w", err)
	}
	n, err := e.jenkins().Node(ctx, node)
	switch {
	case errors.Is(err, jenkins.ErrNotFound):
		return e.removeContainer(ctx, h, containerID, stop)
	case err != nil:
		return fmt.Errorf("confirm idle: %w", err)
	case n.BusyExecutors > 0 || !n.Idle:
		if err := e.jenkins().BringOnline(ctx, node); err != nil {
			return fmt.Errorf("busy after offline; bring back online: %w", err)
		}
		return errKept
	}
	return e.removeAgent(ctx, node, h, containerID, stop)
}

// removeAgent deletes the node, then the container. Either may already be
// gone; that counts as done.
func (e *executor) removeAgent(ctx context.Context, node string, h *hostEntry, containerID string, stop time.Duration) error {
	if node != "" {
		if err := e.jenkins().DeleteNode(ctx, node); err != nil && !errors.Is(err, jenkins.ErrNotFound) {
			return fmt.Errorf("delete node: %w", err)
		}
	}
	return e.removeContainer(ctx, h, containerID, stop)
}

func (e *executor) removeContainer(ctx context.Context, h *hostEntry, id string, stop time.Duration) error {
	if h == nil || id == "" {
		return nil
	}
	if err := h.api.Remove(ctx, id, stop); err != nil {
		return fmt.Errorf("remove container: %w", err)
	}
	return nil
}

// lastLogLines returns the container's last log lines, one string, for the
// log line that says why an agent was removed.
func (e *executor) lastLogLines(ctx context.Context, h *hostEntry, id string, n int) string {
	if h == nil || id == "" {
		return ""
	}
	out, err := h.api.Logs(ctx, id, n)
	if err != nil {
		return "(logs unavailable: " + err.Error() + ")"
	}
	return strings.TrimSpace(out)
}
