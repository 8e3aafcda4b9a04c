package jenkinssim_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/syncbuf"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// agentJar locates the real Jenkins inbound client (remoting's agent.jar): $BERTH_AGENT_JAR, or
// the repository's testdata/remoting/agent.jar.
func agentJar(t *testing.T) (java, jar string) {
	t.Helper()
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("java is not on PATH: the real agent.jar cannot run")
	}
	jar = os.Getenv("BERTH_AGENT_JAR")
	if jar == "" {
		jar = filepath.Join("..", "..", "testdata", "remoting", "agent.jar")
	}
	if _, err := os.Stat(jar); err != nil {
		t.Skipf("agent.jar not found at %s (set BERTH_AGENT_JAR): %v", jar, err)
	}
	return java, jar
}

// agentProc is a running agent.jar; done is closed when it exits, err is then its exit error.
type agentProc struct {
	done chan struct{}
	err  error
}

// runAgentJar starts agent.jar as the jenkins/inbound-agent image does (-webSocket, the secret
// in a file).
func runAgentJar(t *testing.T, s *jenkinssim.Sim, name, secret string) (*agentProc, *syncbuf.Buffer) {
	t.Helper()
	java, jar := agentJar(t)
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, java, "-jar", jar, "-url", s.URL(), "-name", name,
		"-secret", "@"+secretFile, "-webSocket", "-workDir", filepath.Join(dir, "work"))
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start agent.jar: %v", err)
	}
	p := &agentProc{done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Errorf("agent.jar did not stop")
		}
	})
	return p, out
}

// waitExit waits for agent.jar to exit and returns its exit code.
func waitExit(t *testing.T, p *agentProc, out *syncbuf.Buffer, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		var ee *exec.ExitError
		if errors.As(p.err, &ee) {
			return ee.ExitCode()
		}
		if p.err != nil {
			t.Fatalf("agent.jar: %v", p.err)
		}
		return 0
	case <-time.After(within):
		t.Fatalf("agent.jar still running after %v; output:\n%s", within, out.String())
		return -1
	}
}

// The real agent.jar against /wsagents/: the right secret brings the node online, a wrong one
// is refused (403) and agent.jar exits, and deleting the node makes agent.jar exit when it
// tries to reconnect.
func TestRealAgentJar(t *testing.T) {
	agentJar(t)
	t.Run("right secret", func(t *testing.T) {
		t.Parallel()
		s := startSim(t, jenkinssim.Options{})
		inboundNode(t, s, "jar1", "linux", jenkinssim.Normal)
		_, out := runAgentJar(t, s, "jar1", s.InboundSecret("jar1"))
		waitFor(t, s, "jar1 online", nodeIs(s, "jar1", online))
		// It runs a build.
		if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.QueueBuild("j", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "build on jar1", finished(s, "j", 1))
		if b := buildsOf(s, "j")[0]; b.Node != "jar1" {
			t.Fatalf("build ran on %q; agent output:\n%s", b.Node, out.String())
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		s := startSim(t, jenkinssim.Options{})
		inboundNode(t, s, "jar2", "linux", jenkinssim.Normal)
		exited, out := runAgentJar(t, s, "jar2", s.InboundSecret("someone-else"))
		if code := waitExit(t, exited, out, 60*time.Second); code == 0 {
			t.Fatalf("agent.jar exited 0 after a refused handshake")
		}
		if v, _ := s.Node("jar2"); v.Connected {
			t.Fatalf("node connected with a wrong secret")
		}
		refused := 0
		for _, r := range s.Requests() {
			if r.Path == "/wsagents/" && r.Status == 403 {
				refused++
			}
		}
		if refused == 0 {
			t.Fatalf("no 403 on /wsagents/ in %+v", s.Requests())
		}
	})
	t.Run("node deleted", func(t *testing.T) {
		t.Parallel()
		s := startSim(t, jenkinssim.Options{})
		inboundNode(t, s, "jar3", "linux", jenkinssim.Normal)
		exited, out := runAgentJar(t, s, "jar3", s.InboundSecret("jar3"))
		waitFor(t, s, "jar3 online", nodeIs(s, "jar3", online))
		if err := s.DeleteNode("jar3"); err != nil {
			t.Fatal(err)
		}
		if code := waitExit(t, exited, out, 90*time.Second); code == 0 {
			t.Fatalf("agent.jar exited 0 after its node was deleted")
		}
		noSuchAgent := false
		for _, r := range s.Requests() {
			noSuchAgent = noSuchAgent || (r.Path == "/wsagents/" && r.Status == 400)
		}
		if !noSuchAgent {
			t.Fatalf("agent.jar did not get 400 (no such agent) on reconnect: %+v", s.Requests())
		}
	})
}
