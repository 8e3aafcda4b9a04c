package dockerapi

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/moby/client"
)

// TestContainerThatExitsAtOnce: exit code, OOMKilled=false and logs are all
// readable after the fact, from Inspect and from List.
func TestContainerThatExitsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.run(e.spec("quick", "lines", "2", "exit", "3"))
	if c.Running || c.State != "exited" || c.ExitCode != 3 || c.OOMKilled || c.FinishedAt.IsZero() {
		t.Errorf("Inspect = %+v, want exited with code 3, not OOM-killed", c)
	}
	logs, err := e.h.Logs(t.Context(), c.ID, 10)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	for _, w := range []string{"out 1", "err 1", "out 2", "err 2"} {
		if !strings.Contains(logs, w) {
			t.Errorf("logs lack %q: %q", w, logs)
		}
	}
	list, err := e.h.List(t.Context(), e.instance)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if l := list[0]; l.State != "exited" || l.ExitCode != 3 || l.Running {
		t.Errorf("List entry = %+v, want exited with code 3", l)
	}
}

// TestOOMKilled: a container over its memory limit is reported as
// OOM-killed.
func TestOOMKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := e.spec("oom", "alloc")
	spec.Memory = 16 << 20
	c := e.run(spec)
	if !c.OOMKilled || c.ExitCode != 137 {
		t.Errorf("Inspect = %+v, want OOMKilled with exit code 137", c)
	}
}

// TestDockerSocket: the agent sees the host's engine socket and runs with
// the socket's group among its groups, so a non-root user can use it.
func TestDockerSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fi, err := os.Stat(DefaultSocketPath)
	if err != nil {
		t.Fatal(err)
	}
	hostGID := int(fi.Sys().(*syscall.Stat_t).Gid)
	gid, err := e.h.DockerSocketGID(t.Context())
	if err != nil || gid != hostGID {
		t.Fatalf("DockerSocketGID = %d, %v; want %d", gid, err, hostGID)
	}

	spec := e.spec("sock", "groups", "ping-docker")
	spec.User = "4321:4321"
	spec.GroupAdd = []string{"777"}
	spec.DockerSocket = true
	c := e.run(spec)
	logs, err := e.h.Logs(t.Context(), c.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	groups := groupsLine(logs)
	if !slices.Contains(groups, strconv.Itoa(hostGID)) || !slices.Contains(groups, "777") {
		t.Errorf("groups in the container = %v, want %d and 777 (logs %q)", groups, hostGID, logs)
	}
	if !strings.Contains(logs, "docker: HTTP/1.0 200 OK") {
		t.Errorf("the agent could not use the engine socket: %q", logs)
	}
	if c.ExitCode != 0 {
		t.Errorf("exit code %d", c.ExitCode)
	}

	raw, err := e.h.cli.ContainerInspect(t.Context(), c.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mounted := false
	for _, m := range raw.Container.Mounts {
		if m.Source == DefaultSocketPath && m.Destination == "/var/run/docker.sock" {
			mounted = true
		}
	}
	if !mounted || raw.Container.HostConfig.Privileged {
		t.Errorf("mounts %+v privileged=%v; want the socket mounted and not privileged", raw.Container.Mounts, raw.Container.HostConfig.Privileged)
	}
}

// TestDockerSocketIsOffByDefault: without DockerSocket the agent has
// neither the socket nor its group.
func TestDockerSocketIsOffByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spec := e.spec("nosock", "groups", "ping-docker")
	spec.User = "4321:4321"
	c := e.run(spec)
	logs, err := e.h.Logs(t.Context(), c.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs, "200 OK") || c.ExitCode == 0 {
		t.Errorf("agent without DockerSocket reached the engine: exit %d, logs %q", c.ExitCode, logs)
	}
	fi, err := os.Stat(DefaultSocketPath)
	if err != nil {
		t.Fatal(err)
	}
	hostGID := strconv.Itoa(int(fi.Sys().(*syscall.Stat_t).Gid))
	if g := groupsLine(logs); slices.Contains(g, hostGID) {
		t.Errorf("groups = %v, want no socket group %s", g, hostGID)
	}
}

func groupsLine(logs string) []string {
	for _, l := range strings.Split(logs, "\n") {
		if f, ok := strings.CutPrefix(l, "Groups:"); ok {
			return strings.Fields(f)
		}
	}
	return nil
}

func TestDockerSocketGIDOverTCPNeedsConfig(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "remote", Host: "tcp://127.0.0.1:1"})
	_, err := h.DockerSocketGID(t.Context())
	if err == nil || !strings.Contains(err.Error(), "socketGID") {
		t.Errorf("DockerSocketGID over tcp = %v, want an error saying to set socketGID", err)
	}
	gid := 995
	h2 := dialLocal(t, HostConfig{Name: "remote", Host: "tcp://127.0.0.1:1", SocketGID: &gid})
	if got, err := h2.DockerSocketGID(t.Context()); err != nil || got != gid {
		t.Errorf("DockerSocketGID with SocketGID set = %d, %v", got, err)
	}
}
