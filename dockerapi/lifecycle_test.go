package dockerapi

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

func TestPingNegotiatesAPIVersion(t *testing.T) {
	t.Parallel()
	h := dialLocal(t, HostConfig{Name: "local", Host: localEngine})
	info, err := h.Ping(t.Context())
	if err != nil {
		t.Fatalf("Ping: %v", err)
	}
	// The development engine speaks 1.41; the client's own maximum is far
	// newer, so without negotiation every call would be rejected.
	if want := wantAPIVersion(t); info.APIVersion != want {
		t.Errorf("APIVersion = %q, want %s (negotiated down to the engine's)", info.APIVersion, want)
	}
	if info.ServerVersion == "" {
		t.Error("ServerVersion is empty")
	}
	if h.Name() != "local" {
		t.Errorf("Name() = %q", h.Name())
	}
}

// TestAgentLifecycle walks one SSH-style agent through create, copy-in,
// start, publish, inspect, list, logs and remove.
func TestAgentLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	const keyPath = "/etc/berth/keys/host_key"
	spec := e.spec("life",
		"stat", keyPath, "stat", "/etc/berth/keys", "stat", "/etc", "env", "MiXed_Case", "lines", "3",
		"serve", "22", keyPath)
	spec.Labels["Team.Name"] = "Build-Infra"
	spec.Env = []string{"MiXed_Case=Value"}
	spec.Publish = &Publish{HostIP: "127.0.0.1"}
	spec.Mounts = []Mount{
		{Type: "volume", Target: "/anon"},
		{Type: "volume", Source: "vol-" + e.instance, Target: "/named"},
		{Type: "tmpfs", Target: "/scratch"},
	}
	spec.StopTimeout = 3 * time.Second
	created := time.Now().UTC().Truncate(time.Second)
	spec.Owner.Created = created

	id := e.create(spec)

	content := []byte("-----BEGIN FAKE KEY-----\nxyz\n")
	if err := e.h.CopyFile(ctx, id, File{Path: keyPath, Content: content, Mode: 0o640, UID: 1000, GID: 1001}); err != nil {
		t.Fatalf("CopyFile: %v", err)
	}
	// Read it back before start: content and mode as written.
	got, mode := copyFrom(t, e.h.cli, id, keyPath)
	if string(got) != string(content) || mode != 0o640 {
		t.Errorf("copied file = %q mode %o, want %q mode 640", got, mode, content)
	}

	before, err := e.h.Inspect(ctx, id)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if before.State != "created" || before.Running {
		t.Errorf("before start: State=%q Running=%v, want created", before.State, before.Running)
	}

	if err := e.h.Start(ctx, id); err != nil {
		t.Fatalf("Start: %v", err)
	}
	c, err := e.h.Inspect(ctx, id)
	if err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	if !c.Running || c.State != "running" || c.StartedAt.IsZero() {
		t.Errorf("after start: %+v", c)
	}
	port := c.Ports[22]
	if port == 0 {
		t.Fatalf("no host port for 22/tcp: Ports=%v", c.Ports)
	}
	want := Owner{Instance: e.instance, Template: "tmpl", Node: "life", JenkinsURL: "http://jenkins.test/", Created: created}
	if !c.Owner.Created.Equal(want.Created) || c.Owner.Instance != want.Instance || c.Owner.Template != want.Template ||
		c.Owner.Node != want.Node || c.Owner.JenkinsURL != want.JenkinsURL {
		t.Errorf("Owner = %+v, want %+v", c.Owner, want)
	}
	if c.Labels["Team.Name"] != "Build-Infra" || c.Name != spec.Name || c.Image != testImage {
		t.Errorf("Labels=%v Name=%q Image=%q", c.Labels, c.Name, c.Image)
	}

	// Publish: the port answers with the file that was copied in.
	banner := readPort(t, fmt.Sprintf("127.0.0.1:%d", port))
	if banner != "hello\n"+string(content) {
		t.Errorf("published port answered %q", banner)
	}

	// List: one call, this instance only, with owner and ports.
	list, err := e.h.List(ctx, e.instance)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(list) != 1 || list[0].ID != id || !list[0].Running || list[0].Ports[22] != port ||
		list[0].Owner.Node != "life" || list[0].Labels["Team.Name"] != "Build-Infra" || list[0].Name != spec.Name {
		t.Errorf("List = %+v", list)
	}

	// Logs: stdout and stderr, last N lines only.
	logs, err := e.h.Logs(ctx, id, 100)
	if err != nil {
		t.Fatalf("Logs: %v", err)
	}
	for _, w := range []string{
		keyPath + " mode=0640 uid=1000 gid=1001",
		"/etc/berth/keys mode=0755 uid=1000 gid=1001", // created for the file
		"/etc mode=0755 uid=0 gid=0",                  // existed: left alone
		"MiXed_Case=Value",
		"out 3", "err 3", "serving on 22",
	} {
		if !strings.Contains(logs, w) {
			t.Errorf("logs lack %q:\n%s", w, logs)
		}
	}
	tail, err := e.h.Logs(ctx, id, 2)
	if err != nil {
		t.Fatalf("Logs(2): %v", err)
	}
	all := strings.Split(strings.TrimSuffix(logs, "\n"), "\n")
	if want := strings.Join(all[len(all)-2:], "\n") + "\n"; tail != want {
		t.Errorf("Logs(2) = %q, want the last 2 lines %q", tail, want)
	}

	// Volumes: the named one carries the ownership labels.
	raw, err := e.h.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var anon string
	for _, m := range raw.Container.Mounts {
		if m.Destination == "/anon" {
			anon = m.Name
		}
	}
	if anon == "" {
		t.Fatalf("no anonymous volume in %+v", raw.Container.Mounts)
	}
	named, err := e.h.cli.VolumeInspect(ctx, "vol-"+e.instance, client.VolumeInspectOptions{})
	if err != nil {
		t.Fatalf("named volume: %v", err)
	}
	if named.Volume.Labels[LabelInstance] != e.instance || named.Volume.Labels[LabelManaged] != "true" {
		t.Errorf("named volume labels = %v", named.Volume.Labels)
	}

	// Remove: stops (SIGTERM handled at once), removes container and the
	// anonymous volume.
	if err := e.h.Remove(ctx, id, 5*time.Second); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if _, err := e.h.Inspect(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Inspect after Remove: err = %v, want ErrNotFound", err)
	}
	if _, err := e.h.cli.VolumeInspect(ctx, anon, client.VolumeInspectOptions{}); err == nil {
		t.Errorf("anonymous volume %s survived Remove", anon)
	}
	if list, err := e.h.List(ctx, e.instance); err != nil || len(list) != 0 {
		t.Errorf("List after Remove = %v, %v; want empty", list, err)
	}
	// Removing again: already gone is success.
	if err := e.h.Remove(ctx, id, time.Second); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

func copyFrom(t *testing.T, cli *client.Client, id, path string) ([]byte, int64) {
	t.Helper()
	res, err := cli.CopyFromContainer(t.Context(), id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		t.Fatalf("CopyFromContainer %s: %v", path, err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	hdr, err := tr.Next()
	if err != nil {
		t.Fatalf("read archive of %s: %v", path, err)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		t.Fatal(err)
	}
	return b, hdr.Mode & 0o7777
}

// readPort connects to addr and reads until the server closes, retrying
// while the program in the container is still coming up.
func readPort(t *testing.T, addr string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			b, rerr := io.ReadAll(c)
			c.Close()
			if rerr == nil && len(b) > 0 {
				return string(b)
			}
			err = rerr
		}
		if time.Now().After(deadline) {
			t.Fatalf("connect to %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
