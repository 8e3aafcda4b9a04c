package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// fleet is every berth process one test runs, one after the other, on the
// same config file.
type fleet struct {
	t       *testing.T
	cfgPath string
	token   string

	mu   sync.Mutex
	runs []*berthRun
}

// berthRun is one berth process.
type berthRun struct {
	n       int // 1 for the test's first berth, 2 for the next, ...
	cmd     *exec.Cmd
	started time.Time
	log     *lineLog
	done    chan struct{} // closed when the process has exited
	ended   time.Time     // set before done is closed
	err     error         // the exit, set before done is closed
}

// newFleet writes the config and registers the clean-up: any berth still
// running is killed, and when the test failed every berth's log goes into
// the test output.
func newFleet(t *testing.T, configYAML, token string) *fleet {
	t.Helper()
	if berthBin == "" {
		t.Fatal("berth binary not built (TestMain)")
	}
	path := filepath.Join(t.TempDir(), "berth.yaml")
	if err := os.WriteFile(path, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fleet{t: t, cfgPath: path, token: token}
	t.Cleanup(func() {
		f.mu.Lock()
		runs := append([]*berthRun(nil), f.runs...)
		f.mu.Unlock()
		for _, r := range runs {
			if r.running() {
				_ = r.cmd.Process.Kill()
				<-r.done
			}
		}
		if t.Failed() {
			for _, r := range runs {
				r.dump(t)
			}
		}
	})
	return f
}

// start starts a berth: `berth run --config F`, the token in its
// environment only.
func (f *fleet) start() *berthRun {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.runs {
		if r.running() {
			f.t.Fatalf("berth #%d still runs: start a second one only after it ended", r.n)
		}
	}
	r := &berthRun{n: len(f.runs) + 1, log: &lineLog{}, done: make(chan struct{})}
	r.cmd = exec.Command(berthBin, "run", "--config", f.cfgPath)
	r.cmd.Env = append(cleanEnv(), "BERTH_JENKINS_TOKEN="+f.token)
	r.cmd.Stdout = r.log
	r.cmd.Stderr = r.log
	// Should the test binary die without its clean-up (a -timeout panic),
	// berth goes with it.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	r.started = time.Now()
	if err := r.cmd.Start(); err != nil {
		f.t.Fatalf("start berth: %v", err)
	}
	go func() {
		err := r.cmd.Wait()
		r.ended = time.Now()
		r.err = err
		close(r.done)
	}()
	f.runs = append(f.runs, r)
	f.t.Logf("berth #%d started (pid %d)", r.n, r.cmd.Process.Pid)
	return r
}

// all returns every berth process so far.
func (f *fleet) all() []*berthRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*berthRun(nil), f.runs...)
}

// cleanEnv is the test's environment without anything berth would read
// besides what the test sets.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "BERTH_") || k == "NOTIFY_SOCKET" || k == "CREDENTIALS_DIRECTORY" || k == "WATCHDOG_USEC" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func (r *berthRun) running() bool {
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (r *berthRun) kill(t *testing.T) {
	t.Helper()
	if !r.running() {
		t.Fatalf("berth #%d ended on its own: %v", r.n, r.err)
	}
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill berth #%d: %v", r.n, err)
	}
	<-r.done
	t.Logf("berth #%d killed after %s", r.n, r.ended.Sub(r.started).Round(time.Millisecond))
}

// stop sends SIGTERM, waits at most limit for berth to apply its shutdown
// policy, and requires exit status 0.
func (r *berthRun) stop(t *testing.T, limit time.Duration) {
	t.Helper()
	if !r.running() {
		t.Fatalf("berth #%d ended on its own: %v", r.n, r.err)
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop berth #%d: %v", r.n, err)
	}
	select {
	case <-r.done:
	case <-time.After(limit):
		_ = r.cmd.Process.Kill()
		<-r.done
		t.Fatalf("berth #%d did not stop within %s of SIGTERM", r.n, limit)
	}
	if r.err != nil {
		t.Errorf("berth #%d exited with %v after SIGTERM", r.n, r.err)
	}
	t.Logf("berth #%d stopped after %s", r.n, r.ended.Sub(r.started).Round(time.Millisecond))
}

// lifetime is how long the process ran (so far).
func (r *berthRun) lifetime() time.Duration {
	select {
	case <-r.done:
		return r.ended.Sub(r.started)
	default:
		return time.Since(r.started)
	}
}

// waitLog waits until a log record satisfies match, or the process ends,
// or limit passes.
func (r *berthRun) waitLog(t *testing.T, limit time.Duration, what string, match func(logRecord) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		for _, rec := range r.log.records() {
			if match(rec) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("berth #%d: no %s in its log within %s", r.n, what, limit)
		case <-r.done:
			t.Fatalf("berth #%d ended (%v) before its log showed %s", r.n, r.err, what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dump writes the process's log into the test output.
func (r *berthRun) dump(t *testing.T) {
	lines := r.log.lines()
	const most = 4000
	skipped := 0
	if len(lines) > most {
		skipped = len(lines) - most
		lines = lines[skipped:]
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	state := "running"
	if !r.running() {
		state = "exit: " + errText(r.err)
	}
	t.Logf("---- log of berth #%d (%s, ran %s; %d earlier lines left out) ----\n%s---- end of log of berth #%d ----",
		r.n, state, r.lifetime().Round(time.Millisecond), skipped, b.String(), r.n)
}

func errText(err error) string {
	if err == nil {
		return "0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.String()
	}
	return err.Error()
}

// lineLog keeps what a process writes, as lines.
type lineLog struct {
	mu      sync.Mutex
	partial []byte
	all     []string
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *lineLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.all...)
	if len(l.partial) > 0 {
		out = append(out, string(l.partial))
	}
	return out
}

// logRecord is one JSON log line of berth.
type logRecord map[string]any

func (r logRecord) str(k string) string {
	s, _ := r[k].(string)
	return s
}

// action returns the "action" group's key k ("kind", "template", ...).
func (r logRecord) action(k string) string {
	g, _ := r["action"].(map[string]any)
	s, _ := g[k].(string)
	return s
}

// records parses the JSON lines; a line that is not JSON (a process killed
// in mid-line) is left out.
func (l *lineLog) records() []logRecord {
	var out []logRecord
	for _, line := range l.lines() {
		var rec logRecord
		if json.Unmarshal([]byte(line), &rec) == nil {
			out = append(out, rec)
		}
	}
	return out
}
