package testagent

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/syncbuf"
	"github.com/coder/websocket"
)

const (
	testNode   = "berth-linux-7f3a"
	testSecret = "5e0fc4b1d2a3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5a6b7c8d9e0f1a2b3"
)

func inboundConfig(url string) InboundConfig {
	return InboundConfig{URL: url + "/", Name: testNode, Secret: testSecret, WebSocket: true,
		Retries: DefaultRetries, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
}

// The value is what agent.jar 3256.3258.v858f3c9a_f69d sent in X-Remoting-Capability,
// captured from a real run against a local server.
func TestCapabilityValueMatchesAgentJar(t *testing.T) {
	const captured = "rO0ABXNyABpodWRzb24ucmVtb3RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAf4="
	if got := CapabilityValue(AgentCapabilityMask); got != captured {
		t.Fatalf("CapabilityValue(%#x) = %s, want %s", AgentCapabilityMask, got, captured)
	}
}

func TestRunInboundConnectsAnswersPingsAndStops(t *testing.T) {
	fc := newFakeController(t, testNode, testSecret)
	logs := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- RunInbound(ctx, inboundConfig(fc.URL), testLogger(logs)) }()

	h := fc.next(t)
	if h.Name != testNode || h.Secret != testSecret || h.Capability != CapabilityValue(AgentCapabilityMask) {
		t.Fatalf("handshake headers: name %q, secret ok %v, capability %q", h.Name, h.Secret == testSecret, h.Capability)
	}
	if h.Cookie != "" {
		t.Errorf("first connection sent Connection-Cookie %q, want none", h.Cookie)
	}
	pingCtx, pingCancel := context.WithTimeout(t.Context(), testTimeout)
	defer pingCancel()
	if err := h.Conn.Ping(pingCtx); err != nil {
		t.Fatalf("agent did not answer a ping: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("RunInbound after cancel: %v, want nil", err)
		}
	case <-time.After(testTimeout):
		t.Fatal("RunInbound did not return after cancel")
	}
	out := logs.String()
	if n := strings.Count(out, "connected to controller"); n != 1 {
		t.Errorf("log has %d connect lines, want 1:\n%s", n, out)
	}
	if strings.Contains(out, testSecret) {
		t.Errorf("log contains the secret:\n%s", out)
	}
}

func TestRunInboundRefusals(t *testing.T) {
	tests := []struct {
		name     string
		node     string // the node the controller knows
		secret   string // the secret it expects
		status   int    // forced status, 0 for none
		wantCode int
		wantText string
	}{
		{name: "wrong secret", node: testNode, secret: "other", wantCode: ExitFailure, wantText: "wrong secret (HTTP 403)"},
		{name: "no such agent", node: "someone-else", secret: testSecret, wantCode: ExitNoSuchAgent, wantText: "no such agent (HTTP 400): no such agent"},
		{name: "not found", node: testNode, secret: testSecret, status: http.StatusNotFound, wantCode: ExitNoSuchAgent, wantText: "(HTTP 404)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeController(t, tt.node, tt.secret)
			if tt.status != 0 {
				fc.status = func(int) int { return tt.status }
			}
			logs := &syncbuf.Buffer{}
			err := RunInbound(t.Context(), inboundConfig(fc.URL), testLogger(logs))
			if got := ExitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (err %v), want %d", got, err, tt.wantCode)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantText) || !strings.Contains(msg, testNode) {
				t.Errorf("error %q does not contain %q and the node name", msg, tt.wantText)
			}
			if strings.Contains(msg, testSecret) || strings.Contains(logs.String(), testSecret) {
				t.Errorf("the secret leaked into the error or the log")
			}
			if fc.Requests() != 1 {
				t.Errorf("controller saw %d requests, want 1 (a refusal is final)", fc.Requests())
			}
		})
	}
}

func TestRunInboundReconnectsWithCookie(t *testing.T) {
	fc := newFakeController(t, testNode, testSecret)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- RunInbound(ctx, inboundConfig(fc.URL), testLogger(&syncbuf.Buffer{})) }()

	first := fc.next(t)
	_ = first.Conn.Close(websocket.StatusInternalError, "controller restarting")
	second := fc.next(t)
	if second.Cookie != fc.Cookie {
		t.Errorf("reconnect sent Connection-Cookie %q, want %q", second.Cookie, fc.Cookie)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("RunInbound: %v", err)
	}
}

func TestRunInboundGivesUpAfterRetries(t *testing.T) {
	fc := newFakeController(t, testNode, testSecret)
	fc.status = func(int) int { return http.StatusServiceUnavailable }
	cfg := inboundConfig(fc.URL)
	cfg.Retries = 2
	err := RunInbound(t.Context(), cfg, testLogger(&syncbuf.Buffer{}))
	if ExitCode(err) != ExitFailure || !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("err = %v (exit %d), want giving up after 3 attempts, exit 1", err, ExitCode(err))
	}
	if fc.Requests() != 3 {
		t.Errorf("controller saw %d requests, want 3 (1 + 2 retries)", fc.Requests())
	}
}

func TestMainInboundSecretFromFile(t *testing.T) {
	fc := newFakeController(t, testNode, testSecret)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envMap(map[string]string{
		"JENKINS_URL": fc.URL, "JENKINS_AGENT_NAME": testNode, "JENKINS_WEB_SOCKET": "true",
	})
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncbuf.Buffer{}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, []string{"-secret", "@" + secretFile}, env, &syncbuf.Buffer{}, stderr) }()

	h := fc.next(t)
	if h.Secret != testSecret {
		t.Fatalf("controller got a different secret (length %d, want %d)", len(h.Secret), len(testSecret))
	}
	cancel() // what SIGTERM does in cmd/berth-testagent
	if code := <-done; code != ExitOK {
		t.Fatalf("Main exit %d after stop, want 0; stderr:\n%s", code, stderr)
	}
}

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantText string
	}{
		{name: "no websocket", args: []string{"-url", "http://127.0.0.1:1/", testSecret, testNode},
			wantText: "only WebSocket connections are supported"},
		{name: "tcp tunnel", args: []string{"-tunnel", "host:50000", "-webSocket"},
			env:      map[string]string{"JENKINS_URL": "http://127.0.0.1:1/", "JENKINS_SECRET": testSecret, "JENKINS_AGENT_NAME": testNode},
			wantText: "only WebSocket connections"},
		{name: "missing secret file", args: []string{"-webSocket", "-url", "http://127.0.0.1:1/", "-name", testNode, "-secret", "@/nonexistent/secret"},
			wantText: "read argument file /nonexistent/secret"},
		{name: "unknown mode", env: map[string]string{ModeEnv: "telnet"}, wantText: `unknown mode \"telnet\"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stderr := &syncbuf.Buffer{}
			code := Main(t.Context(), tt.args, envMap(tt.env), &syncbuf.Buffer{}, stderr)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(stderr.String(), tt.wantText) {
				t.Errorf("stderr does not say %q:\n%s", tt.wantText, stderr)
			}
			if strings.Contains(stderr.String(), testSecret) {
				t.Errorf("stderr contains the secret")
			}
		})
	}
}

func TestMainVersion(t *testing.T) {
	stdout := &syncbuf.Buffer{}
	if code := Main(t.Context(), []string{"-version"}, envMap(nil), stdout, &syncbuf.Buffer{}); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(stdout.String(), "berth-testagent ") {
		t.Errorf("version output %q", stdout)
	}
}

func TestExitCode(t *testing.T) {
	if ExitCode(nil) != ExitOK || ExitCode(errors.New("x")) != ExitFailure ||
		ExitCode(&ExitError{Code: ExitNoSuchAgent, Err: errors.New("x")}) != ExitNoSuchAgent {
		t.Fatal("ExitCode mapping broken")
	}
}
