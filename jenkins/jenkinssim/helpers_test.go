package jenkinssim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// startSim starts a simulator that is closed when the test ends.
func startSim(t *testing.T, opts jenkinssim.Options) *jenkinssim.Sim {
	t.Helper()
	s, err := jenkinssim.Start(opts)
	if err != nil {
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close simulator: %v", err)
		}
	})
	return s
}

// client talks to a simulator as one user, without following redirects.
type client struct {
	t        *testing.T
	base     string
	user     string
	secret   string
	jar      http.CookieJar
	http     *http.Client
	password bool
}

type response struct {
	status int
	header http.Header
	body   string
}

// tokenClient authenticates with the simulator's default user's API token.
func tokenClient(t *testing.T, s *jenkinssim.Sim) *client {
	u := s.Users()[0]
	return newClient(t, s, u.Name, u.APIToken)
}

func newClient(t *testing.T, s *jenkinssim.Sim, user, secret string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookie jar: %v", err)
	}
	c := &client{t: t, base: s.URL(), user: user, secret: secret, jar: jar}
	c.http = &http.Client{
		Jar:     jar,
		Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

func anonymousClient(t *testing.T, s *jenkinssim.Sim) *client { return newClient(t, s, "", "") }

// do sends a request; path is relative to the root URL; headers are "Name: value" pairs.
func (c *client) do(method, path string, body io.Reader, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("request %s %s: %v", method, path, err)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.secret)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) response { return c.do(http.MethodGet, path, nil) }

// post sends a form POST.
func (c *client) post(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	h := append([]string{"Content-Type: application/x-www-form-urlencoded"}, headers...)
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), h...)
}

// json GETs path and decodes the object, failing the test unless the status is 200.
func (c *client) json(path string) map[string]any {
	c.t.Helper()
	r := c.get(path)
	if r.status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d, body %.300s", path, r.status, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		c.t.Fatalf("GET %s: not JSON: %v: %.300s", path, err, r.body)
	}
	return m
}

// waitFor waits (event-driven, not polling) until cond holds.
func waitFor(t *testing.T, s *jenkinssim.Sim, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// nodeIs reports a node's state through the Go view.
func nodeIs(s *jenkinssim.Sim, name string, pred func(jenkinssim.NodeView) bool) func() bool {
	return func() bool {
		n, ok := s.Node(name)
		return ok && pred(n)
	}
}

func online(n jenkinssim.NodeView) bool { return n.Online }

// inboundNode creates an inbound agent with one executor.
func inboundNode(t *testing.T, s *jenkinssim.Sim, name, labels string, mode jenkinssim.Mode) {
	t.Helper()
	err := s.CreateNode(jenkinssim.NodeSpec{
		Name: name, NumExecutors: 1, Labels: labels, Mode: mode, RemoteFS: "/home/jenkins/agent",
		Launcher: &jenkinssim.InboundLauncher{WebSocket: true},
	})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
}

// agentConn is a plain WebSocket "agent" connected to /wsagents/.
type agentConn struct {
	conn   *websocket.Conn
	resp   *http.Response
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why the connection ended
}

// dialAgent opens /wsagents/ with the given headers and returns the connection (nil with the
// HTTP response when the upgrade is refused).
func dialAgent(t *testing.T, s *jenkinssim.Sim, headers http.Header) (*agentConn, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	u := "ws" + strings.TrimPrefix(s.URL(), "http") + "wsagents/"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: headers})
	if err != nil {
		cancel()
		if resp == nil {
			t.Fatalf("dial %s: %v", u, err)
		}
		return nil, resp
	}
	a := &agentConn{conn: conn, resp: resp, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				a.err = err
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = conn.CloseNow()
		<-a.done
	})
	return a, resp
}

func agentHeaders(name, secret string) http.Header {
	h := http.Header{}
	h.Set("Node-Name", name)
	h.Set("Secret-Key", secret)
	h.Set("X-Remoting-Capability", "rO0ABXNyABpodWRzb24ucmVtb3RpbmcuQ2FwYWJpbGl0eQAAAAAAAAABAgABSgAEbWFza3hwAAAAAAAAAf4=")
	return h
}

// connectAgent connects an inbound node and waits until it is online.
func connectAgent(t *testing.T, s *jenkinssim.Sim, name string) *agentConn {
	t.Helper()
	a, resp := dialAgent(t, s, agentHeaders(name, s.InboundSecret(name)))
	if a == nil {
		t.Fatalf("connect agent %s: status %d", name, resp.StatusCode)
	}
	waitFor(t, s, name+" online", nodeIs(s, name, online))
	return a
}

// disconnect closes the agent's side and waits for the node to go offline.
func (a *agentConn) disconnect(t *testing.T, s *jenkinssim.Sim, name string) {
	t.Helper()
	_ = a.conn.Close(websocket.StatusNormalClosure, "")
	a.cancel()
	<-a.done
	waitFor(t, s, name+" offline", nodeIs(s, name, func(n jenkinssim.NodeView) bool { return !n.Connected }))
}

// itemWhy returns the why text of a queue item through the REST API.
func itemWhy(t *testing.T, c *client, id int64) string {
	t.Helper()
	m := c.json("queue/item/" + strconv.FormatInt(id, 10) + "/api/json")
	w, _ := m["why"].(string)
	return w
}

// occupy runs a one-hour build of a new job restricted to label and waits until it runs.
func occupy(t *testing.T, s *jenkinssim.Sim, job, label string) {
	t.Helper()
	if err := s.CreateJob(jenkinssim.JobSpec{Name: job, Label: label, Duration: time.Hour}); err != nil {
		t.Fatal(err)
	}
	id, err := s.QueueBuild(job, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, job+" running", func() bool {
		for _, b := range s.Builds() {
			if b.QueueID == id {
				return true
			}
		}
		return false
	})
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
