package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/provisioner"
)

// fleetIdle is the idle timeout of the fleet scenario: no agent is reaped
// while it is watched.
const fleetIdle = 30 * time.Minute

// clockTicks is the kernel's USER_HZ, the unit of utime and stime in
// /proc/PID/stat (100 on every Linux architecture berth runs on).
const clockTicks = 100

// fleetSample is one idle fleet watched for a window.
type fleetSample struct {
	Agents          int
	Window          time.Duration
	Cycles          int            // queue reads in the window
	Jenkins         map[string]int // berth's requests to the simulator
	AgentRequests   int            // agents' own requests (/wsagents/)
	Engine          map[string]int // berth's requests to the engine
	JenkinsPerCycle float64
	EnginePerCycle  float64
	CPUPerCycle     time.Duration // user+system CPU time
	RSSMiB          []float64     // VmRSS samples in the window
	HWMMiB          float64       // VmHWM at the end (the process's peak)
	StartAll        time.Duration // from berth's start to every agent online
}

// runFleet runs the berth binary with each fleet size of idle agents, each
// in a fresh environment, and watches it idle.
func runFleet(ctx context.Context, o options, rep *report) error {
	dir, err := os.MkdirTemp("", "berth-scenario-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "berth")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/berth").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/berth (run from the module root): %w: %s", err, out)
	}
	var samples []fleetSample
	for _, n := range o.fleet {
		s, err := fleetRun(ctx, o, rep, dir, bin, n)
		if err != nil {
			return fmt.Errorf("fleet of %d: %w", n, err)
		}
		samples = append(samples, s)
	}
	rep.fleet(samples, o.window)
	rep.addRaw("fleet", samples)
	return nil
}

func fleetRun(ctx context.Context, o options, rep *report, dir, bin string, n int) (_ fleetSample, err error) {
	e, err := startEnv(ctx, o.log)
	if err != nil {
		return fleetSample{}, err
	}
	defer func() { err = errors.Join(err, e.close()) }()
	rep.noise(fmt.Sprintf("fleet of %d", n), e)

	sock := filepath.Join(dir, fmt.Sprintf("engine-%d.sock", n))
	proxy, err := startEngineProxy(sock, localEngine)
	if err != nil {
		return fleetSample{}, err
	}
	defer proxy.close()
	y, err := e.configYAML(o, fleetIdle, sock)
	if err != nil {
		return fleetSample{}, err
	}
	cfgPath := filepath.Join(dir, fmt.Sprintf("berth-%d.yaml", n))
	if err := os.WriteFile(cfgPath, []byte(y), 0o600); err != nil {
		return fleetSample{}, err
	}
	// The builds wait before berth starts, so that its first cycles see
	// them all and start one agent for each.
	for range n {
		if _, err := e.queue(benchJob); err != nil {
			return fleetSample{}, err
		}
	}

	logPath := filepath.Join(dir, fmt.Sprintf("berth-%d.log", n))
	logf, err := os.Create(logPath)
	if err != nil {
		return fleetSample{}, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "run", "--config", cfgPath, "--log-level", "warn")
	cmd.Env = append(os.Environ(), config.EnvToken+"="+e.Token)
	cmd.Stdout, cmd.Stderr = logf, logf
	// berth dies with this process, whatever ends it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return fleetSample{}, fmt.Errorf("start berth: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if err != nil {
			err = fmt.Errorf("%w\nberth's log (%s):\n%s", err, logPath, tail(logPath, 20))
		}
	}()

	s := fleetSample{Agents: n, Window: o.window}
	err = e.waitFor(ctx, 10*time.Minute, fmt.Sprintf("%d idle agents", n), func() bool {
		select {
		case err := <-exited:
			exited <- err
			return true
		default:
		}
		if _, ok := e.Sim.Node(provisioner.PlaceholderName(e.Instance)); !ok || len(e.Sim.Queue()) > 0 {
			return false
		}
		agents := e.agents()
		for _, a := range agents {
			if !a.Online || a.BusyExecutors > 0 {
				return false
			}
		}
		return len(agents) >= n
	})
	if err != nil {
		return s, err
	}
	select {
	case err := <-exited:
		return s, fmt.Errorf("berth exited: %v", err)
	default:
	}
	s.StartAll = time.Since(t0)
	if got := len(e.agents()); got != n {
		return s, fmt.Errorf("berth started %d agents for %d builds", got, n)
	}
	// Let the last actions' cycles pass, then watch.
	if err := sleep(ctx, 3*time.Second); err != nil {
		return s, err
	}
	pid := cmd.Process.Pid
	e.Sim.ResetRequests()
	proxy.take()
	cpu0, err := cpuTime(pid)
	if err != nil {
		return s, err
	}
	end := time.Now().Add(o.window)
	for time.Now().Before(end) {
		if rss, _, err := memory(pid); err == nil {
			s.RSSMiB = append(s.RSSMiB, rss)
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return s, err
		}
	}
	cpu1, err := cpuTime(pid)
	if err != nil {
		return s, err
	}
	if _, s.HWMMiB, err = memory(pid); err != nil {
		return s, err
	}
	s.Engine = proxy.take()
	s.Jenkins = map[string]int{}
	for _, r := range e.Sim.Requests() {
		if strings.HasPrefix(r.Path, "/wsagents") {
			s.AgentRequests++
			continue
		}
		s.Jenkins[r.Method+" "+requestPath(r.Path)]++
	}
	s.Cycles = s.Jenkins["GET /queue/api/json"]
	if s.Cycles > 0 {
		s.JenkinsPerCycle = float64(sum(s.Jenkins)) / float64(s.Cycles)
		s.EnginePerCycle = float64(sum(s.Engine)) / float64(s.Cycles)
		s.CPUPerCycle = (cpu1 - cpu0) / time.Duration(s.Cycles)
	}
	return s, nil
}

// nodePath matches a node's path, /computer/NAME/...
var nodePath = regexp.MustCompile(`^/computer/([^/]+)/`)

// requestPath hides node names in request paths.
func requestPath(p string) string {
	if m := nodePath.FindStringSubmatch(p); m != nil && m[1] != "api" {
		return "/computer/{name}/" + p[len(m[0]):]
	}
	return p
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// cpuTime is the process's user plus system CPU time.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// memory returns VmRSS and VmHWM in MiB.
func memory(pid int) (rss, hwm float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %q", pid, k, v)
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, 0, err
		}
		if k == "VmRSS" {
			rss = kb / 1024
		} else {
			hwm = kb / 1024
		}
	}
	return rss, hwm, nil
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// breakdown formats request counts per cycle, most frequent first.
func breakdown(m map[string]int, cycles int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("`%s` %.2f", k, float64(m[k])/float64(max(cycles, 1))))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
