package jenkinssim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Sim is a running simulated Jenkins controller. All its methods are safe for concurrent use.
type Sim struct {
	opts        Options
	log         *slog.Logger
	users       map[string]User // fixed after Start
	secretKey   []byte          // JnlpAgentReceiver.SLAVE_SECRET's key
	crumbKey    []byte          // DefaultCrumbIssuer's salt
	cookieName  string          // JSESSIONID.xxxxxxxx
	sessionHash string          // X-Jenkins-Session

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	bg     sync.WaitGroup // launches, sessions, the retention loop

	netMu sync.Mutex
	addr  string // the bound host:port, kept across SetDown
	ln    net.Listener
	srv   *http.Server
	conns map[net.Conn]struct{}
	down  bool

	faults   faultState
	requests requestLog

	mu        sync.Mutex
	closed    bool
	sessions  map[string]*session
	creds     map[string]sshCredential
	builtin   *node
	nodes     map[string]*node
	jobs      map[string]*job
	q         queueState
	execs     []*execution
	waitTimer *time.Timer
	changed   chan struct{}
}

// Start starts a simulator listening on opts.Addr (a random loopback port by default).
func Start(opts Options) (*Sim, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Sim{
		opts:      o,
		log:       o.Logger.With("component", "jenkinssim"),
		users:     map[string]User{},
		conns:     map[net.Conn]struct{}{},
		sessions:  map[string]*session{},
		creds:     map[string]sshCredential{},
		nodes:     map[string]*node{},
		jobs:      map[string]*job{},
		q:         queueState{left: map[int64]*item{}},
		changed:   make(chan struct{}),
		secretKey: randomBytes(32),
		crumbKey:  randomBytes(32),
	}
	s.cookieName = "JSESSIONID." + hex.EncodeToString(randomBytes(4))
	s.sessionHash = hex.EncodeToString(randomBytes(4))
	if len(o.Users) == 0 {
		// Jenkins' new API tokens are "11" followed by 32 hex digits.
		o.Users = []User{{Name: "admin", APIToken: "11" + hex.EncodeToString(randomBytes(16))}}
		s.opts.Users = o.Users
	}
	for _, u := range o.Users {
		s.users[u.Name] = u
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.builtin = newBuiltInNode(o, s.now())

	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("jenkinssim: listen on %s: %w", o.Addr, err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState:         s.trackConn,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.serve(ln)

	s.bg.Add(1)
	go s.retentionLoop()
	s.log.Info("simulator started", "url", s.URL(), "version", o.Version)
	return s, nil
}

// URL is the controller's root URL, with a trailing slash.
func (s *Sim) URL() string { return "http://" + s.addr + "/" }

// Users returns the users who can log in (including the generated default user).
func (s *Sim) Users() []User { return append([]User(nil), s.opts.Users...) }

// Close stops the simulator: it closes every connection (agents included) and stops every
// timer and launch. It is safe to call more than once.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	if s.waitTimer != nil {
		s.waitTimer.Stop()
	}
	for _, ex := range s.execs {
		if ex.timer != nil {
			ex.timer.Stop()
		}
	}
	var closers []func()
	for _, n := range s.agentsLocked() {
		if c := n.comp; c != nil {
			if c.ch != nil {
				closers = append(closers, c.ch.close)
			}
			if c.cancelLaunch != nil {
				closers = append(closers, c.cancelLaunch)
			}
		}
	}
	s.notifyLocked()
	s.mu.Unlock()

	s.cancel()
	for _, f := range closers {
		f()
	}
	s.netMu.Lock()
	srv := s.srv
	s.netMu.Unlock()
	err := srv.Close()
	s.bg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("jenkinssim: close server on %s: %w", s.addr, err)
	}
	return nil
}

// serve starts serving on ln; netMu must not be held by a caller that waits for it.
func (s *Sim) serve(ln net.Listener) {
	s.ln = ln
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		err := s.srv.Serve(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.log.Warn("serve ended", "addr", s.addr, "err", err)
		}
	}()
}

// trackConn keeps the set of open HTTP connections, for SetDown.
func (s *Sim) trackConn(c net.Conn, st http.ConnState) {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	switch st {
	case http.StateNew:
		s.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(s.conns, c)
	}
}

func (s *Sim) now() time.Time { return time.Now() }

// agentsLocked returns the agent nodes sorted by name.
func (s *Sim) agentsLocked() []*node {
	out := make([]*node, 0, len(s.nodes))
	for _, n := range s.nodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return javaLess(out[i].name, out[j].name) })
	return out
}

// computersLocked is ComputerSet.getComputers: the built-in node's computer, then the agents'
// computers sorted by name (agents without executors have none).
func (s *Sim) computersLocked() []*computer {
	out := []*computer{s.builtin.comp}
	for _, n := range s.agentsLocked() {
		if n.comp != nil {
			out = append(out, n.comp)
		}
	}
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	// crypto/rand.Read never returns an error: it crashes the program if the system's
	// random source fails.
	_, _ = rand.Read(b)
	return b
}
