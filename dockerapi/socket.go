package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// DockerSocketGID returns the group id that owns the engine socket on the
// host, for agents started with AgentSpec.DockerSocket: HostConfig.SocketGID
// when set; otherwise os.Stat of the socket for unix:// hosts and
// `stat -c %g <socket>` over the SSH connection for ssh:// hosts. tcp://
// hosts cannot be asked and need SocketGID.
//
// Mounting the socket gives the agent root-equivalent control of the host:
// whoever can talk to the engine can start a privileged container that
// mounts the host's root filesystem.
func (h *Host) DockerSocketGID(ctx context.Context) (int, error) {
	op := "read docker socket group id"
	if h.cfg.SocketGID != nil {
		return *h.cfg.SocketGID, nil
	}
	switch h.ep.scheme {
	case "unix":
		fi, err := os.Stat(h.ep.socketPath)
		if err != nil {
			return 0, h.opErr(op, ErrUnavailable, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return 0, h.opErr(op, ErrInvalid, fmt.Errorf("stat %s: no owner information on this platform", h.ep.socketPath))
		}
		return int(st.Gid), nil
	case "ssh":
		var gid int
		err := h.call(ctx, op, func(ctx context.Context) error {
			out, err := h.ssh.run(ctx, "stat -c %g "+shellQuote(h.ep.socketPath))
			if err != nil {
				return err
			}
			gid, err = strconv.Atoi(strings.TrimSpace(out))
			if err != nil {
				return fmt.Errorf("stat -c %%g %s: unexpected output %q", h.ep.socketPath, strings.TrimSpace(out))
			}
			return nil
		})
		return gid, err
	default:
		return 0, h.opErr(op, ErrInvalid, errors.New("the socket's group id cannot be read over tcp://; set socketGID for this host (the group of /var/run/docker.sock there: stat -c %g /var/run/docker.sock)"))
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
