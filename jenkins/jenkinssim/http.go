package jenkinssim

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ServeHTTP serves one request: request log, injected faults, authentication, crumb check,
// Overall/Read check, then the route.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, s: s, r: r, start: time.Now()}
	defer rec.logOnce()
	if r.URL.Path != "/wsagents/" && r.URL.Path != "/wsagents" {
		latency, fail := s.faults.take()
		if !sleepCtx(r.Context(), latency) {
			return
		}
		if fail != 0 {
			s.faultPage(rec, r, fail)
			return
		}
	}
	s.handle(rec, r)
}

func (s *Sim) handle(w http.ResponseWriter, r *http.Request) {
	segs, err := splitPath(r.URL.EscapedPath())
	if err != nil {
		s.containerError(w, r, http.StatusBadRequest, "Bad Request")
		return
	}
	a, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if !s.checkCrumb(w, r, a) {
		return
	}
	first := ""
	if len(segs) > 0 {
		first = segs[0]
	}
	if !mayRead(a, first) {
		s.loginRequired(w, r, a)
		return
	}
	rest := segs
	if len(rest) > 0 {
		rest = rest[1:]
	}
	switch first {
	case "":
		s.simplePage(w, "Dashboard [Jenkins]", "Jenkins "+s.opts.Version)
	case "api":
		s.serveAPI(w, r, a, segs, s.rootBean)
	case "login":
		s.simplePage(w, "Sign in [Jenkins]", "Sign in to Jenkins")
	case "logout":
		http.Redirect(w, r, "/", http.StatusFound)
	case "whoAmI":
		s.serveAPI(w, r, a, rest, func() (*bean, bool) { return whoAmIBean(a), true })
	case "crumbIssuer":
		if a.sess == nil {
			a.sess = s.newSession(w)
		}
		s.serveAPI(w, r, a, rest, func() (*bean, bool) { return s.crumbBean(a), true })
	case "queue":
		s.handleQueue(w, r, a, rest)
	case "computer":
		s.handleComputer(w, r, a, rest)
	case "job":
		s.handleJob(w, r, a, rest)
	case "wsagents":
		s.handleWSAgents(w, r)
	default:
		s.notFound(w, a)
	}
}

// splitPath splits an escaped URL path into decoded segments; a trailing slash gives a final
// empty segment ("/computer/" is ["computer", ""]), the root gives none.
func splitPath(escaped string) ([]string, error) {
	p := strings.TrimPrefix(escaped, "/")
	if p == "" {
		return nil, nil
	}
	parts := strings.Split(p, "/")
	for i, part := range parts {
		d, err := url.PathUnescape(part)
		if err != nil {
			return nil, err
		}
		parts[i] = d
	}
	return parts, nil
}

// isIndex reports whether segs (after an object's own segment) address its index page.
func isIndex(segs []string) bool { return len(segs) == 1 && segs[0] == "" }

// serveAPI serves ".../api/json" (and the api/ help page) for the object bean builds; segs
// starts at "api". build is called with s.mu held and reports false when the object is gone.
func (s *Sim) serveAPI(w http.ResponseWriter, r *http.Request, a *authn, segs []string, build func() (*bean, bool)) {
	switch {
	case len(segs) == 1 && segs[0] == "api":
		http.Redirect(w, r, r.URL.EscapedPath()+"/", http.StatusFound)
		return
	case len(segs) == 2 && segs[0] == "api" && segs[1] == "":
		s.simplePage(w, "Remote API [Jenkins]", "Access the JSON API at api/json (tree=, depth=, pretty).")
		return
	case (len(segs) == 2 || len(segs) == 3 && segs[2] == "") && segs[0] == "api" && segs[1] == "json":
	default:
		s.notFound(w, a)
		return
	}
	q := r.URL.Query()
	var p pruner
	if tree, ok := q["tree"]; ok {
		t, err := parseTree(tree[0])
		if err != nil {
			s.log.Info("malformed tree expression", "path", r.URL.Path, "err", err)
			s.oops(w, http.StatusInternalServerError)
			return
		}
		p = t
	} else {
		depth := 0
		if d, ok := q["depth"]; ok {
			n, err := strconv.Atoi(d[0])
			if err != nil {
				s.oops(w, http.StatusInternalServerError)
				return
			}
			depth = n
		}
		p = byDepth(1 - depth)
	}
	_, pretty := q["pretty"]
	s.mu.Lock()
	b, ok := build()
	var body []byte
	if ok {
		body = render(b, p, pretty)
	}
	s.mu.Unlock()
	if !ok {
		s.notFound(w, a)
		return
	}
	h := w.Header()
	h.Set("X-Jenkins", s.opts.Version)
	h.Set("X-Jenkins-Session", s.sessionHash)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "deny")
	h.Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// redirect sends a 302 to a path, as Jetty 12 does for a relative sendRedirect: the Location
// is the resolved path, without scheme and host.
func redirect(w http.ResponseWriter, path string) {
	w.Header().Set("Location", path)
	w.WriteHeader(http.StatusFound)
}

// recorder captures the status for the request log and passes Hijack through for WebSockets.
type recorder struct {
	http.ResponseWriter
	s      *Sim
	r      *http.Request
	start  time.Time
	status int
	logged bool
}

func (rec *recorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
	if code == http.StatusSwitchingProtocols {
		rec.logOnce()
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

func (rec *recorder) Flush() {
	if f, ok := rec.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := rec.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("jenkinssim: response writer cannot be hijacked")
	}
	return hj.Hijack()
}

func (rec *recorder) logOnce() {
	if rec.logged {
		return
	}
	rec.logged = true
	rec.s.requests.add(Request{
		Method:   rec.r.Method,
		Path:     rec.r.URL.Path,
		RawQuery: rec.r.URL.RawQuery,
		Status:   rec.status,
		Start:    rec.start,
		Duration: time.Since(rec.start),
	})
}
