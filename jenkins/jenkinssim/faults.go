package jenkinssim

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Fault injection for chaos tests.

type faultState struct {
	mu         sync.Mutex
	failN      int
	failStatus int
	latency    time.Duration
}

// FailNext makes the next n HTTP requests (WebSocket agent connections on /wsagents/ excepted)
// fail with status, which must be a 5xx code, before authentication, with the error page
// Jenkins or its servlet container shows for that code.
func (s *Sim) FailNext(n, status int) error {
	if status < 500 || status > 599 {
		return fmt.Errorf("jenkinssim: fail next %d requests: status %d is not a 5xx code", n, status)
	}
	if n < 0 {
		return fmt.Errorf("jenkinssim: fail next %d requests: negative count", n)
	}
	s.faults.mu.Lock()
	s.faults.failN, s.faults.failStatus = n, status
	s.faults.mu.Unlock()
	return nil
}

// SetLatency delays every following HTTP request (WebSocket agent connections excepted) by d
// before it is handled; 0 removes the delay.
func (s *Sim) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	s.faults.latency = max(d, 0)
	s.faults.mu.Unlock()
}

// takeFault returns the latency to apply and the failure status (0 for none) for one request.
func (f *faultState) take() (time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	status := 0
	if f.failN > 0 {
		f.failN--
		status = f.failStatus
	}
	return f.latency, status
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// SetDown(true) takes the controller's HTTP front door away: the listener is closed, so new
// connections are refused, and every open HTTP connection is closed, including inbound agents'
// WebSockets (those nodes go offline, as when a controller restarts). SSH agents, whose
// connections the controller opened, stay connected. SetDown(false) listens again on the same
// address. Queue, nodes, jobs and builds are kept across.
func (s *Sim) SetDown(down bool) error {
	if !down {
		// s.mu is held while serving starts, so that Close (which marks the simulator closed
		// under s.mu before it waits for its goroutines) never misses the new one.
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return fmt.Errorf("jenkinssim: listen again on %s: simulator closed", s.addr)
		}
		s.netMu.Lock()
		defer s.netMu.Unlock()
		if !s.down {
			return nil
		}
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return fmt.Errorf("jenkinssim: listen again on %s: %w", s.addr, err)
		}
		s.down = false
		s.serve(ln)
		s.log.Info("front door open again", "addr", s.addr)
		return nil
	}
	s.netMu.Lock()
	if s.down {
		s.netMu.Unlock()
		return nil
	}
	s.down = true
	err := s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
		delete(s.conns, c)
	}
	s.netMu.Unlock()

	s.mu.Lock()
	var closers []func()
	for _, n := range s.nodes {
		if n.comp != nil && n.comp.ch != nil && n.comp.ch.kind == channelWebSocket {
			closers = append(closers, n.comp.ch.close)
		}
	}
	s.mu.Unlock()
	for _, f := range closers {
		f()
	}
	s.log.Info("front door closed", "addr", s.addr)
	if err != nil {
		return fmt.Errorf("jenkinssim: close listener on %s: %w", s.addr, err)
	}
	return nil
}

// isDown reports whether SetDown(true) is in effect.
func (s *Sim) isDown() bool {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	return s.down
}
