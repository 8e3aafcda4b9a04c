package e2e_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// dockerProxy is a unix socket that forwards every connection to the
// engine's socket, so that a test can take the Docker API away from berth
// and give it back:
//
//	cutRefuse  the socket is gone: connecting fails at once
//	cutStall   connections are accepted and never answered (a hung engine)
//
// Both close the connections under way; restore closes the stalled ones
// and forwards again.
type dockerProxy struct {
	path   string
	target string

	mu      sync.Mutex
	ln      net.Listener // nil while refusing
	stall   bool
	conns   map[net.Conn]struct{} // forwarded and stalled connections
	wg      sync.WaitGroup
	closed  bool
	accepts int
}

type cutMode int

const (
	cutRefuse cutMode = iota
	cutStall
)

func (m cutMode) String() string {
	if m == cutStall {
		return "stall"
	}
	return "refuse"
}

// startDockerProxy listens on a new socket that forwards to target
// (/var/run/docker.sock); it is closed when the test ends.
func startDockerProxy(t *testing.T, target string) *dockerProxy {
	t.Helper()
	dir, err := os.MkdirTemp("", "berth-dproxy-")
	if err != nil {
		t.Fatal(err)
	}
	p := &dockerProxy{path: filepath.Join(dir, "docker.sock"), target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() {
		p.close()
		_ = os.RemoveAll(dir)
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.listenLocked(); err != nil {
		t.Fatal(err)
	}
	return p
}

// host is the docker host berth is configured with.
func (p *dockerProxy) host() string { return "unix://" + p.path }

func (p *dockerProxy) listenLocked() error {
	ln, err := net.Listen("unix", p.path)
	if err != nil {
		return fmt.Errorf("docker proxy: listen on %s: %w", p.path, err)
	}
	p.ln = ln
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

func (p *dockerProxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = c.Close()
			return
		}
		p.accepts++
		p.conns[c] = struct{}{}
		stall := p.stall
		p.mu.Unlock()
		if stall {
			continue // held unanswered until restore closes it
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

func (p *dockerProxy) forward(c net.Conn) {
	defer p.wg.Done()
	defer p.drop(c)
	up, err := net.Dial("unix", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.closed || p.stall || p.ln == nil {
		p.mu.Unlock()
		_ = up.Close()
		return
	}
	p.conns[up] = struct{}{}
	p.mu.Unlock()
	defer p.drop(up)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}

func (p *dockerProxy) drop(c net.Conn) {
	_ = c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

// closeConnsLocked closes every connection under way or stalled.
func (p *dockerProxy) closeConnsLocked() {
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// cut takes the Docker API away.
func (p *dockerProxy) cut(m cutMode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil || p.stall {
		return errors.New("docker proxy: already cut")
	}
	p.closeConnsLocked()
	if m == cutStall {
		p.stall = true
		return nil
	}
	err := p.ln.Close() // removes the socket file
	p.ln = nil
	return err
}

// restore forwards again.
func (p *dockerProxy) restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closeConnsLocked()
	p.stall = false
	if p.ln == nil {
		return p.listenLocked()
	}
	return nil
}

func (p *dockerProxy) close() {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.closeConnsLocked()
	p.mu.Unlock()
	p.wg.Wait()
}
