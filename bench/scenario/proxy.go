package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// engineProxy is a unix socket that forwards to the local engine and counts
// the requests berth makes, by method and path (API version dropped).
type engineProxy struct {
	srv *http.Server
	ln  net.Listener

	mu    sync.Mutex
	calls map[string]int
}

var apiVersion = regexp.MustCompile(`^/v[0-9.]+/`)

// containerPath hides container ids and names in request paths.
var containerPath = regexp.MustCompile(`^/containers/[^/]+/`)

func startEngineProxy(socket, engine string) (*engineProxy, error) {
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, err
	}
	p := &engineProxy{ln: ln, calls: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "docker"})
			r.Out.Host = "docker"
		},
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", engine)
			},
		},
		FlushInterval: -1,
	}
	p.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path := apiVersion.ReplaceAllString(r.URL.Path, "/")
			path = containerPath.ReplaceAllString(path, "/containers/{id}/")
			p.mu.Lock()
			p.calls[r.Method+" "+path]++
			p.mu.Unlock()
			rp.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the scenario sees the engine calls fail
		}
	}()
	return p, nil
}

// take returns the counts since the last take and starts afresh.
func (p *engineProxy) take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.calls
	p.calls = map[string]int{}
	return out
}

func (p *engineProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if p.srv.Shutdown(ctx) != nil {
		_ = p.srv.Close()
	}
}
