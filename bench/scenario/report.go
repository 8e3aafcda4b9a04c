package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/dockerapi"
)

// report prints markdown tables as results come in and keeps the raw
// samples for -json.
type report struct {
	w   io.Writer
	raw map[string]any
}

func newReport(w io.Writer) *report { return &report{w: w, raw: map[string]any{}} }

func (r *report) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

// machine prints what the numbers were measured on.
func (r *report) machine(ctx context.Context) error {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}} {{.Driver}} {{.CgroupVersion}}").Output()
	if err != nil {
		return fmt.Errorf("docker info: %w", err)
	}
	f := strings.Fields(string(out))
	for len(f) < 3 {
		f = append(f, "?")
	}
	r.raw["machine"] = map[string]any{"cpus": runtime.NumCPU(), "cpu": cpu, "kernel": strings.TrimSpace(string(kernel)),
		"go": runtime.Version(), "docker": f[0], "storage": f[1], "cgroup": f[2], "at": time.Now().UTC().Format(time.RFC3339)}
	r.printf("# berth scenarios\n\n%d vCPU (%s), Linux %s, %s, Docker %s (storage driver %s, cgroup v%s), %s\n\n",
		runtime.NumCPU(), cpu, strings.TrimSpace(string(kernel)), runtime.Version(), f[0], f[1], f[2], time.Now().UTC().Format(time.RFC3339))
	return nil
}

// section starts a scenario and says how busy the engine was.
func (r *report) section(name string, e *env) {
	r.printf("## %s\n\n", name)
	r.noise(name, e)
}

func (r *report) table(head string, rows [][]string) {
	r.printf("| %s | n | median | p25–p75 | min–max |\n|---|---:|---:|---:|---:|\n", head)
	for _, row := range rows {
		r.printf("| %s |\n", strings.Join(row, " | "))
	}
	r.printf("\n")
}

func row(name string, s summary) []string { return append([]string{name}, s.cells()...) }

// steps prints the duration of every phase of the starts, and when each
// ended (median, from the build queued).
func (r *report) steps(name string, ss []startSample) {
	r.printf("| %s: phase (seconds) | n | median | p25–p75 | min–max | ends at (median) |\n|---|---:|---:|---:|---:|---:|\n", name)
	for _, st := range stepRows {
		var ds, ends []time.Duration
		for _, s := range ss {
			if d, ok := s.Steps[st]; ok && (s.Complete || st == "build start") {
				ds = append(ds, d)
				if e, ok := s.Ends[st]; ok {
					ends = append(ends, e)
				}
			}
		}
		if len(ds) == 0 {
			continue
		}
		end := "-"
		if len(ends) > 0 {
			sm := summarize(ends)
			end = sm.fmt(sm.Median)
		}
		r.printf("| %s | %s | %s |\n", st, strings.Join(summarize(ds).cells(), " | "), end)
	}
	r.printf("\n")
}

func (r *report) floorSingles(ss []floorSample) {
	var ret, on, bd []time.Duration
	for _, s := range ss {
		ret, on, bd = append(ret, s.Returned), append(on, s.Online), append(bd, s.Build)
	}
	r.table("floor, one agent (seconds)", [][]string{
		row("command returned", summarize(ret)), row("node online", summarize(on)), row("build started", summarize(bd)),
	})
}

func (r *report) floorBursts(bursts [][]floorSample) {
	var ret, on, bd []time.Duration
	for _, ss := range bursts {
		var lr, lo, lb time.Duration
		for _, s := range ss {
			lr, lo, lb = max(lr, s.Returned), max(lo, s.Online), max(lb, s.Build)
		}
		ret, on, bd = append(ret, lr), append(on, lo), append(bd, lb)
	}
	r.table("floor, a burst: the last of them (seconds)", [][]string{
		row("last command returned", summarize(ret)), row("last node online", summarize(on)), row("last build started", summarize(bd)),
	})
}

func (r *report) addRaw(key string, v any) { r.raw[key] = v }

func (r *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(r.raw, "", "  ")
	if err != nil {
		return fmt.Errorf("encode samples: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write samples: %w", err)
	}
	return nil
}

// noise says how many other containers were running on the engine.
func (r *report) noise(what string, e *env) {
	res, err := e.Docker.ContainerList(context.Background(), client.ContainerListOptions{})
	if err != nil {
		return
	}
	others := 0
	for _, c := range res.Items {
		if c.Labels[dockerapi.LabelInstance] != e.Instance {
			others++
		}
	}
	r.printf("%s: other running containers on the engine at start: %d\n\n", what, others)
}

func (r *report) fleet(ss []fleetSample, window time.Duration) {
	r.printf("| idle agents | cycles in %s | Jenkins requests / cycle | engine requests / cycle | CPU / cycle | VmRSS median (min–max) | VmHWM | berth start to all online |\n", window)
	r.printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range ss {
		rss := summarizeFloats(s.RSSMiB, "MiB", 1)
		r.printf("| %d | %d | %.2f | %.2f | %.1f ms | %s MiB (%s–%s) | %.1f MiB | %.1f s |\n",
			s.Agents, s.Cycles, s.JenkinsPerCycle, s.EnginePerCycle, float64(s.CPUPerCycle)/1e6,
			rss.fmt(rss.Median), rss.fmt(rss.Min), rss.fmt(rss.Max), s.HWMMiB, s.StartAll.Seconds())
	}
	r.printf("\n")
	for _, s := range ss {
		r.printf("- %d agents: Jenkins %s; engine %s; agents' own requests in the window: %d\n",
			s.Agents, breakdown(s.Jenkins, s.Cycles), breakdown(s.Engine, s.Cycles), s.AgentRequests)
	}
	r.printf("\n")
}

// loads says how busy the machine was as the measurements began.
func (r *report) loads(ls []load) {
	var others, cpu, avg, waited []float64
	for _, l := range ls {
		others, cpu = append(others, float64(l.Others)), append(cpu, 100*l.CPUBusy)
		avg, waited = append(avg, l.LoadAvg), append(waited, l.Waited.Seconds())
	}
	o, c, a, w := summarizeFloats(others, "", 1), summarizeFloats(cpu, "", 1), summarizeFloats(avg, "", 1), summarizeFloats(waited, "", 1)
	r.printf("As each measurement began (median, max): other containers running %s, %s; CPU busy %s%%, %s%%; load average %s, %s; waited for quiet %s s, %s s.\n\n",
		o.fmt(o.Median), o.fmt(o.Max), c.fmt(c.Median), c.fmt(c.Max), a.fmt(a.Median), a.fmt(a.Max), w.fmt(w.Median), w.fmt(w.Max))
}
