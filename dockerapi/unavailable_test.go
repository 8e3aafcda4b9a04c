package dockerapi

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// silentListener accepts TCP connections and never answers.
func silentListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestUnavailableHost: a host that hangs or refuses gives ErrUnavailable,
// naming host and call, within the call timeout.
func TestUnavailableHost(t *testing.T) {
	t.Parallel()
	const timeout = 400 * time.Millisecond
	// Generous slack for a loaded machine; without the timeout the silent
	// host would block for ever.
	const limit = timeout + 3*time.Second
	for _, tc := range []struct{ name, addr string }{
		{"silent", silentListener(t)},
		{"refused", closedPort(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := dialLocal(t, HostConfig{Name: "down-" + tc.name, Host: "tcp://" + tc.addr, CallTimeout: timeout})
			calls := map[string]func(ctx context.Context) error{
				"ping": func(ctx context.Context) error { _, err := h.Ping(ctx); return err },
				"list containers": func(ctx context.Context) error {
					_, err := h.List(ctx, "test-x")
					return err
				},
				"create container": func(ctx context.Context) error {
					_, err := h.CreateAgent(ctx, AgentSpec{Name: "n", Image: "i", Owner: Owner{Instance: "test-x"}})
					return err
				},
				"remove container": func(ctx context.Context) error { return h.Remove(ctx, "abc", time.Second) },
				"watch events": func(ctx context.Context) error {
					_, errc := h.Events(ctx, "test-x")
					return <-errc
				},
			}
			for call, f := range calls {
				start := time.Now()
				err := f(t.Context())
				took := time.Since(start)
				if !errors.Is(err, ErrUnavailable) {
					t.Errorf("%s: err = %v, want ErrUnavailable", call, err)
					continue
				}
				prefix := `docker host "down-` + tc.name + `": `
				if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), call) {
					t.Errorf("%s: error %q does not name host and call", call, err)
				}
				if took > limit {
					t.Errorf("%s took %v; the call timeout is %v", call, took, timeout)
				}
			}
		})
	}
}
