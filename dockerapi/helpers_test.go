package dockerapi

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// The real engine every integration test talks to.
const localEngine = "unix:///var/run/docker.sock"

// testImage is the image built by TestMain: FROM scratch plus the static
// binary of testdata/agent as its entrypoint.
var testImage string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cli, err := client.New(client.WithHost(localEngine))
	if err != nil {
		fmt.Fprintln(os.Stderr, "docker client:", err)
		return 1
	}
	defer cli.Close()
	sweepStale(ctx, cli)
	ref, err := buildTestImage(ctx, cli)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build test image:", err)
		return 1
	}
	testImage = ref
	code := m.Run()
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	if _, err := cli.ImageRemove(rctx, ref, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil {
		fmt.Fprintln(os.Stderr, "remove test image:", err)
	}
	return code
}

// staleAfter is the age after which leftovers of an earlier, killed test
// run are removed (t.Cleanup cannot run when the process is killed).
const staleAfter = 15 * time.Minute

// sweepStale removes containers, volumes and test images of this package
// that a killed run left behind. Recent ones may belong to a concurrent run
// and are left alone.
func sweepStale(ctx context.Context, cli *client.Client) {
	f := client.Filters{}
	f.Add("label", "io.berth.test=dockerapi")
	old := time.Now().Add(-staleAfter)
	if cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f}); err == nil {
		for _, c := range cs.Items {
			if time.Unix(c.Created, 0).Before(old) {
				_, _ = cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			}
		}
	}
	if vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f}); err == nil {
		for _, v := range vs.Items {
			if t, err := time.Parse(time.RFC3339, v.CreatedAt); err == nil && t.Before(old) {
				_, _ = cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{})
			}
		}
	}
	imgf := client.Filters{}
	imgf.Add("reference", "berth-dockerapi-test")
	if is, err := cli.ImageList(ctx, client.ImageListOptions{Filters: imgf}); err == nil {
		for _, im := range is.Items {
			if time.Unix(im.Created, 0).Before(old) {
				for _, tag := range im.RepoTags {
					_, _ = cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true})
				}
			}
		}
	}
}

// buildTestImage compiles testdata/agent and imports it as a one-file image.
func buildTestImage(ctx context.Context, cli *client.Client) (string, error) {
	dir, err := os.MkdirTemp("", "berth-dockerapi-agent")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "agent")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./testdata/agent")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w: %s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	for _, d := range []string{"tmp/", "etc/"} {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: mode, ModTime: now}); err != nil {
			return "", err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "agent", Mode: 0o755, Size: int64(len(b)), ModTime: now}); err != nil {
		return "", err
	}
	if _, err := tw.Write(b); err != nil {
		return "", err
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	ref := "berth-dockerapi-test:" + randomID()
	rc, err := cli.ImageImport(ctx, client.ImageImportSource{Source: &buf, SourceName: "-"}, ref, client.ImageImportOptions{
		Changes: []string{`ENTRYPOINT ["/agent"]`, `LABEL io.berth.test=dockerapi`},
	})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	out, err := io.ReadAll(rc)
	if err != nil {
		return "", err
	}
	if strings.Contains(string(out), `"error"`) {
		return "", fmt.Errorf("import: %s", out)
	}
	return ref, nil
}

func randomID() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// testLogger sends the package's logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// env is one test's view of the local engine: a Host, an instance id and
// the cleanup that removes everything carrying that instance.
type env struct {
	t        *testing.T
	h        *Host
	instance string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, instance: "test-" + randomID()}
	e.h = dialLocal(t, HostConfig{Name: "local", Host: localEngine})
	cleanupInstance(t, e.h.cli, e.instance)
	return e
}

func dialLocal(t *testing.T, cfg HostConfig) *Host {
	t.Helper()
	h, err := Dial(t.Context(), cfg, testLogger(t))
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// cleanupInstance removes, after the test and whatever its outcome, every
// container, volume and network labelled with instance.
func cleanupInstance(t *testing.T, cli *client.Client, instance string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		f := client.Filters{}
		f.Add("label", LabelInstance+"="+instance)
		cs, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			t.Errorf("cleanup: list containers: %v", err)
		} else {
			for _, c := range cs.Items {
				if _, err := cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
					t.Errorf("cleanup: remove container %s: %v", c.ID, err)
				}
			}
		}
		vs, err := cli.VolumeList(ctx, client.VolumeListOptions{Filters: f})
		if err != nil {
			t.Errorf("cleanup: list volumes: %v", err)
		} else {
			for _, v := range vs.Items {
				if _, err := cli.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil {
					t.Errorf("cleanup: remove volume %s: %v", v.Name, err)
				}
			}
		}
		ns, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: f})
		if err != nil {
			t.Errorf("cleanup: list networks: %v", err)
		} else {
			for _, n := range ns.Items {
				if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
					t.Errorf("cleanup: remove network %s: %v", n.Name, err)
				}
			}
		}
	})
}

// spec returns an AgentSpec for the test image owned by the env's instance.
func (e *env) spec(name string, cmd ...string) AgentSpec {
	return AgentSpec{
		Name:   name + "-" + e.instance,
		Image:  testImage,
		Owner:  Owner{Instance: e.instance, Template: "tmpl", Node: name, JenkinsURL: "http://jenkins.test/"},
		Labels: map[string]string{"io.berth.test": "dockerapi"},
		Cmd:    cmd,
	}
}

// create creates a container from spec and fails the test on error.
func (e *env) create(spec AgentSpec) string {
	e.t.Helper()
	id, err := e.h.CreateAgent(e.t.Context(), spec)
	if err != nil {
		e.t.Fatalf("CreateAgent(%s): %v", spec.Name, err)
	}
	return id
}

// run creates and starts a container and waits until it exits.
func (e *env) run(spec AgentSpec) Container {
	e.t.Helper()
	id := e.create(spec)
	if err := e.h.Start(e.t.Context(), id); err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	e.wait(id)
	c, err := e.h.Inspect(e.t.Context(), id)
	if err != nil {
		e.t.Fatalf("Inspect: %v", err)
	}
	return c
}

// wait blocks until the container is not running.
func (e *env) wait(id string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.t.Context(), 20*time.Second)
	defer cancel()
	res := e.h.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-res.Result:
	case err := <-res.Error:
		e.t.Fatalf("wait for %s: %v", id, err)
	}
}

// wantAPIVersion is the API version negotiation must settle on with the
// local engine: the engine's own (read with a bare HTTP request, not with
// the client under test), or the client's maximum if the engine is newer.
func wantAPIVersion(t *testing.T) string {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", DefaultSocketPath)
		},
	}}
	resp, err := hc.Get("http://engine/version")
	if err != nil {
		t.Fatalf("GET /version from the engine: %v", err)
	}
	defer resp.Body.Close()
	var v struct{ ApiVersion string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.ApiVersion == "" {
		t.Fatalf("GET /version from the engine: %q, %v", v.ApiVersion, err)
	}
	if versions.LessThan(client.MaxAPIVersion, v.ApiVersion) {
		return client.MaxAPIVersion
	}
	return v.ApiVersion
}
