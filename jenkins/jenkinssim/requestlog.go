package jenkinssim

import (
	"sync"
	"time"
)

// Request is one request the simulator served.
type Request struct {
	Method   string
	Path     string // the decoded path, e.g. /computer/my node/api/json
	RawQuery string
	Status   int
	Start    time.Time
	// Duration is the time to the end of the response; for a WebSocket upgrade it is the time
	// to the upgrade (the request is logged then, not when the connection closes).
	Duration time.Duration
}

type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r)
	l.mu.Unlock()
}

// Requests returns every request served since Start or the last ResetRequests, oldest first.
func (s *Sim) Requests() []Request {
	s.requests.mu.Lock()
	defer s.requests.mu.Unlock()
	return append([]Request(nil), s.requests.reqs...)
}

// ResetRequests empties the request log.
func (s *Sim) ResetRequests() {
	s.requests.mu.Lock()
	s.requests.reqs = nil
	s.requests.mu.Unlock()
}
