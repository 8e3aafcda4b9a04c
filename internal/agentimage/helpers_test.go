package agentimage

import (
	"archive/tar"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/internal/testagent"
)

// Label on every container these tests create.
const (
	testLabel      = "io.berth.test"
	testLabelValue = "agentimage"
)

// testTimeout bounds every wait in these tests (image builds included); reaching it is a
// failure.
const testTimeout = 2 * time.Minute

// newClient connects to the engine from the environment, skipping the test when there is
// none.
func newClient(t *testing.T) *client.Client {
	t.Helper()
	cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		t.Skipf("no Docker engine reachable: %v", err)
	}
	return cli
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// createContainer creates a labelled container, removed (forcibly) when the test ends; its
// logs are printed when the test failed.
func createContainer(t *testing.T, cli *client.Client, cfg *container.Config, host *container.HostConfig) string {
	t.Helper()
	ctx := testContext(t)
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	cfg.Labels[testLabel] = testLabelValue
	res, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		t.Fatalf("create container from %s: %v", cfg.Image, err)
	}
	id := res.ID
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			t.Errorf("remove container %s: %v", id, err)
		}
	})
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		logs, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
		if err != nil {
			t.Logf("logs of %s: %v", id, err)
			return
		}
		defer func() { _ = logs.Close() }()
		var out bytes.Buffer
		_, _ = stdcopy.StdCopy(&out, &out, logs)
		t.Logf("logs of container %.12s:\n%s", id, out.String())
	})
	return id
}

// copyFile copies one file into the (created, not yet started) container at dir/name.
func copyFile(t *testing.T, cli *client.Client, id, dir, name string, mode int64, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CopyToContainer(testContext(t), id, client.CopyToContainerOptions{DestinationPath: dir, Content: &buf}); err != nil {
		t.Fatalf("copy %s into %s of container %.12s: %v", name, dir, id, err)
	}
}

func startContainer(t *testing.T, cli *client.Client, id string) {
	t.Helper()
	if _, err := cli.ContainerStart(testContext(t), id, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start container %.12s: %v", id, err)
	}
}

func inspect(t *testing.T, cli *client.Client, id string) container.InspectResponse {
	t.Helper()
	res, err := cli.ContainerInspect(testContext(t), id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect container %.12s: %v", id, err)
	}
	return res.Container
}

// stopAndExitCode stops the container with SIGTERM (SIGKILL after 10 s) and returns its
// exit code.
func stopAndExitCode(t *testing.T, cli *client.Client, id string) int {
	t.Helper()
	timeout := 10
	if _, err := cli.ContainerStop(testContext(t), id, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		t.Fatalf("stop container %.12s: %v", id, err)
	}
	return inspect(t, cli, id).State.ExitCode
}

// waitExit waits for the container to stop by itself and returns its exit code.
func waitExit(t *testing.T, cli *client.Client, id string) int64 {
	t.Helper()
	w := cli.ContainerWait(testContext(t), id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case res := <-w.Result:
		return res.StatusCode
	case err := <-w.Error:
		t.Fatalf("wait for container %.12s: %v", id, err)
		return -1
	}
}

// agentHandshake is what the fake controller saw in one WebSocket request.
type agentHandshake struct {
	Name, Secret, Capability string
}

// fakeController serves /wsagents/ like Jenkins core's WebSocketAgents: 400 "no such
// agent" for another node name, 403 for a wrong secret, otherwise the upgrade, after which
// it reads and discards what the agent sends until the agent goes away.
type fakeController struct {
	*httptest.Server
	name, secret string
	conns        chan agentHandshake
	mu           sync.Mutex
	refused      []int
}

func newFakeController(t *testing.T, name, secret string) *fakeController {
	t.Helper()
	fc := &fakeController{name: name, secret: secret, conns: make(chan agentHandshake, 16)}
	fc.Server = httptest.NewServer(http.HandlerFunc(fc.serve))
	t.Cleanup(fc.Close)
	return fc
}

func (fc *fakeController) refuse(w http.ResponseWriter, status int, msg string) {
	fc.mu.Lock()
	fc.refused = append(fc.refused, status)
	fc.mu.Unlock()
	http.Error(w, msg, status)
}

func (fc *fakeController) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/wsagents/" {
		http.NotFound(w, r)
		return
	}
	h := agentHandshake{
		Name:       r.Header.Get(testagent.NodeNameHeader),
		Secret:     r.Header.Get(testagent.SecretKeyHeader),
		Capability: r.Header.Get(testagent.CapabilityHeader),
	}
	if h.Name != fc.name {
		fc.refuse(w, http.StatusBadRequest, "no such agent")
		return
	}
	if h.Secret != fc.secret {
		fc.refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	w.Header().Set(testagent.CapabilityHeader, testagent.CapabilityValue(testagent.AgentCapabilityMask))
	w.Header().Set(testagent.ConnectionCookieHeader, "c0ffee")
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer func() { _ = conn.CloseNow() }()
	conn.SetReadLimit(-1)
	fc.conns <- h
	for {
		if _, _, err := conn.Read(r.Context()); err != nil {
			return
		}
	}
}

func (fc *fakeController) refusals() []int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]int(nil), fc.refused...)
}

// next waits for the next upgraded connection.
func (fc *fakeController) next(t *testing.T) agentHandshake {
	t.Helper()
	select {
	case h := <-fc.conns:
		return h
	case <-time.After(testTimeout):
		t.Fatalf("agent did not connect (refusals: %v)", fc.refusals())
		return agentHandshake{}
	}
}

// noSecretIn fails the test when the container's configuration shows the secret.
func noSecretIn(t *testing.T, c container.InspectResponse, secret string) {
	t.Helper()
	all := strings.Join(append(append(append([]string{}, c.Config.Env...), c.Config.Cmd...), c.Args...), " ")
	if strings.Contains(all, secret) {
		t.Errorf("the secret is visible in docker inspect (env, cmd or args)")
	}
}
