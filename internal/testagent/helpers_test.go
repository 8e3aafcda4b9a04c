package testagent

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testTimeout bounds every wait in these tests; reaching it is a failure.
const testTimeout = 20 * time.Second

// envMap turns a map into a getenv function.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func testLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}

// handshake is what the fake controller saw in one WebSocket request.
type handshake struct {
	Name, Secret, Capability, Cookie string
	Conn                             *websocket.Conn
}

// fakeController is an httptest server with a /wsagents/ endpoint like Jenkins core's
// WebSocketAgents: it answers with status when that is set, 403 for a wrong secret, and
// otherwise upgrades, hands the connection to the test on Conns and holds it open until
// the test or the agent closes it.
type fakeController struct {
	*httptest.Server
	Name, Secret string
	Cookie       string
	status       func(n int) int // status for the n-th request (from 1), 0 to go on
	Conns        chan handshake
	mu           sync.Mutex
	requests     int
}

func newFakeController(t *testing.T, name, secret string) *fakeController {
	t.Helper()
	fc := &fakeController{Name: name, Secret: secret, Cookie: "0a1b2c3d", Conns: make(chan handshake, 16)}
	fc.Server = httptest.NewServer(http.HandlerFunc(fc.serve))
	t.Cleanup(fc.Close)
	return fc
}

func (fc *fakeController) Requests() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.requests
}

func (fc *fakeController) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/wsagents/" {
		http.NotFound(w, r)
		return
	}
	fc.mu.Lock()
	fc.requests++
	n := fc.requests
	fc.mu.Unlock()
	if fc.status != nil {
		if s := fc.status(n); s != 0 {
			http.Error(w, http.StatusText(s), s)
			return
		}
	}
	h := handshake{
		Name:       r.Header.Get(NodeNameHeader),
		Secret:     r.Header.Get(SecretKeyHeader),
		Capability: r.Header.Get(CapabilityHeader),
		Cookie:     r.Header.Get(ConnectionCookieHeader),
	}
	if h.Name != fc.Name {
		http.Error(w, "no such agent", http.StatusBadRequest)
		return
	}
	if h.Secret != fc.Secret {
		http.Error(w, "Forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set(CapabilityHeader, CapabilityValue(AgentCapabilityMask))
	w.Header().Set(ConnectionCookieHeader, fc.Cookie)
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	h.Conn = conn
	fc.Conns <- h
	// Hold the request open while the test uses the connection; the connection's own
	// reads (by the test) decide when it ends.
	<-conn.CloseRead(context.Background()).Done()
}

// next waits for the next upgraded connection.
func (fc *fakeController) next(t *testing.T) handshake {
	t.Helper()
	select {
	case h := <-fc.Conns:
		return h
	case <-time.After(testTimeout):
		t.Fatal("agent did not connect")
		return handshake{}
	}
}
