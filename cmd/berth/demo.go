package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
	"github.com/berth-dev/berth/provisioner"
)

// demoJob is one job of the demo and how many builds it gets, when.
type demoJob struct {
	spec   jenkinssim.JobSpec
	builds int
	after  time.Duration
}

// cmdDemo runs the Jenkins simulator and berth together on the local Docker
// engine with berth's test agent image: it queues builds for several labels,
// shows agents appearing, running the builds and being reaped, then removes
// everything it created.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "also print berth's own log lines")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	out := &storyWriter{w: stdout, start: time.Now()}
	out.say("preparing: Jenkins simulator, berth test agent image (built once, FROM scratch), local Docker engine")
	env, err := harness.Start(ctx, harness.Options{InstancePrefix: "demo"})
	if err != nil {
		fmt.Fprintf(stderr, "berth demo: %v\n(the demo needs a running Docker engine and the Go toolchain, run from the berth source tree)\n", err)
		return 1
	}
	defer func() {
		if err := env.Close(context.Background()); err != nil {
			fmt.Fprintf(stderr, "berth demo: clean-up: %v\n", err)
		}
	}()
	out.say("Jenkins simulator at %s, agent image %s, berth instance %q", env.Sim.URL(), env.Image, env.Instance)

	idle := 6 * time.Second
	cfg, err := env.Config(harness.Config{
		Templates: []harness.Template{
			{Name: "linux", Labels: []string{"linux", "docker"}, InstanceCap: 3, IdleTimeout: idle},
			{Name: "java", Labels: []string{"java", "maven"}, SSH: true, InstanceCap: 2, Executors: 2, IdleTimeout: idle},
			{Name: "release", Labels: []string{"release"}, SingleUse: true, InstanceCap: 2},
		},
		MaxContainers: 6,
		PollInterval:  time.Second,
		OnShutdown:    "remove",
	})
	if err != nil {
		fmt.Fprintf(stderr, "berth demo: config: %v\n", err)
		return 1
	}
	for _, t := range cfg.Templates {
		launch := string(t.Launcher)
		if t.SingleUse {
			launch += ", single-use"
		}
		out.say("template %-8s labels [%s], %s, instanceCap %d", t.Name, strings.Join(t.Labels, " "), launch, t.InstanceCap)
	}

	jobs := []demoJob{
		{spec: jenkinssim.JobSpec{Name: "webapp", Label: "linux && docker", Duration: 4 * time.Second}, builds: 3},
		{spec: jenkinssim.JobSpec{Name: "library", Label: "linux", Duration: 3 * time.Second}, builds: 3},
		{spec: jenkinssim.JobSpec{Name: "backend", Label: "java", Duration: 4 * time.Second}, builds: 3},
		{spec: jenkinssim.JobSpec{Name: "docs", Kind: jenkinssim.Pipeline, Label: "maven", Duration: 3 * time.Second}, builds: 1, after: 5 * time.Second},
		{spec: jenkinssim.JobSpec{Name: "release", Label: "release", Duration: 2 * time.Second}, builds: 2, after: 8 * time.Second},
		{spec: jenkinssim.JobSpec{Name: "gpu-training", Label: "gpu", Duration: time.Second}, builds: 1},
	}
	for _, j := range jobs {
		j.spec.Concurrent, j.spec.Parameters = true, []string{"n"}
		if err := env.Sim.CreateJob(j.spec); err != nil {
			fmt.Fprintf(stderr, "berth demo: %v\n", err)
			return 1
		}
	}

	logLevel := slog.LevelError
	if *verbose {
		logLevel = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: logLevel}))
	j, err := jenkins.New(jenkins.Options{URL: env.Sim.URL(), User: env.User, Token: env.Token, Timeout: 5 * time.Second})
	if err != nil {
		fmt.Fprintf(stderr, "berth demo: %v\n", err)
		return 1
	}
	host, err := dockerapi.Dial(ctx, dockerapi.HostConfig{Name: "local", Host: cfg.DockerHosts[0].Host}, log)
	if err != nil {
		fmt.Fprintf(stderr, "berth demo: %v\n", err)
		return 1
	}
	defer host.Close()

	reasons := &reasonPrinter{out: out, seen: map[string]string{}}
	d, err := provisioner.New(cfg, j, map[string]provisioner.DockerHost{"local": host}, provisioner.Options{
		Logger:  log,
		OnCycle: reasons.cycle,
	})
	if err != nil {
		fmt.Fprintf(stderr, "berth demo: %v\n", err)
		return 1
	}
	runCtx, stopRun := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(runCtx) }()

	watchCtx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); watchSim(watchCtx, env.Sim, out) }()

	// Queue the builds, some at once, some a little later.
	var gpu int64
	expected := 0
	for _, jb := range jobs {
		if jb.spec.Name != "gpu-training" {
			expected += jb.builds
		}
	}
	queue := func(jb demoJob) {
		for i := range jb.builds {
			id, err := env.Sim.QueueBuild(jb.spec.Name, map[string]string{"n": fmt.Sprint(i)})
			if err != nil {
				out.say("queue %s: %v", jb.spec.Name, err)
				continue
			}
			if jb.spec.Name == "gpu-training" {
				gpu = id
			}
		}
		out.say("queued %d build(s) of %s (label %q)", jb.builds, jb.spec.Name, jb.spec.Label)
	}
	for _, jb := range jobs {
		if jb.after == 0 {
			queue(jb)
		}
	}
	for _, jb := range jobs {
		if jb.after > 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case <-time.After(jb.after):
					queue(jb)
				case <-watchCtx.Done():
				}
			}()
		}
	}

	// Wait until every build that can run has run and every agent is gone.
	ok := waitDemo(ctx, env, expected)
	if gpu != 0 {
		_ = env.Sim.CancelQueueItem(gpu)
		out.say("cancelled the gpu-training build: no template has the label gpu, as berth said")
	}
	stopRun()
	<-done
	stopWatch()
	wg.Wait()
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer scancel()
	if err := d.Shutdown(sctx); err != nil {
		out.say("shutdown: %v", err)
		ok = false
	}
	summarize(out, env, ok)
	if !ok {
		return 1
	}
	return 0
}

// waitDemo waits until expected builds finished and no agent is left.
func waitDemo(ctx context.Context, env *harness.Env, expected int) bool {
	for {
		finished := 0
		for _, b := range env.Sim.Builds() {
			if b.Node != "" && b.Result != "" {
				finished++
			}
		}
		agents := 0
		for _, n := range env.Sim.Nodes() {
			if !n.BuiltIn && !strings.HasSuffix(n.Name, "-placeholder") {
				agents++
			}
		}
		if finished >= expected && agents == 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-env.Sim.Changed():
		case <-time.After(time.Second):
		}
	}
}

func summarize(out *storyWriter, env *harness.Env, ok bool) {
	perTemplate := map[string]int{}
	nodes := map[string]bool{}
	for _, b := range env.Sim.Builds() {
		if b.Node == "" {
			continue
		}
		nodes[b.Node] = true
		if i := strings.LastIndexByte(b.Node, '-'); i > 0 {
			perTemplate[b.Node[:i]]++
		}
	}
	var parts []string
	for _, t := range slices.Sorted(func(yield func(string) bool) {
		for k := range perTemplate {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%s %d", t, perTemplate[t]))
	}
	out.say("builds run per template: %s, on %d agents", strings.Join(parts, ", "), len(nodes))
	if ok {
		out.say("done: every agent was reaped and berth removed what it created")
	} else {
		out.say("stopped before every build ran (timeout or interrupt); everything berth created was removed")
	}
}

// storyWriter prints demo lines with the time since the demo started.
type storyWriter struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

func (s *storyWriter) say(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, "%6.1fs  %s\n", time.Since(s.start).Seconds(), fmt.Sprintf(format, args...))
}

// reasonPrinter shows berth's answer to "why is my build still waiting?"
// whenever it changes.
type reasonPrinter struct {
	out  *storyWriter
	mu   sync.Mutex
	seen map[string]string
}

func (r *reasonPrinter) cycle(c provisioner.Cycle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range c.Result.Actions {
		what := a.Node
		if what == "" {
			what = a.Template
		}
		r.out.say("berth: %s %s: %s", a.Kind, what, a.Reason)
	}
	now := map[string]string{}
	for _, u := range c.Result.Unserved {
		now[u.Key] = u.Reason
		if r.seen[u.Key] != u.Reason {
			r.out.say("berth: %d build(s) for %q wait: %s", len(u.Items), u.Key, u.Reason)
		}
	}
	r.seen = now
}

// watchSim prints what changes in the simulator: nodes coming and going,
// builds starting and finishing.
func watchSim(ctx context.Context, sim *jenkinssim.Sim, out *storyWriter) {
	online := map[string]bool{}
	known := map[string]bool{}
	// 1: seen running, 2: seen finished
	builds := map[string]int{}
	for {
		ch := sim.Changed()
		current := map[string]bool{}
		for _, n := range sim.Nodes() {
			if n.BuiltIn {
				continue
			}
			current[n.Name] = true
			if !known[n.Name] {
				known[n.Name] = true
				out.say("jenkins: node %s created", n.Name)
			}
			if n.Online && !online[n.Name] {
				kind := "SSH launch"
				if n.Inbound {
					kind = "inbound agent connected"
				}
				out.say("jenkins: node %s online (%s)", n.Name, kind)
			}
			online[n.Name] = n.Online
		}
		for name := range known {
			if !current[name] {
				delete(known, name)
				delete(online, name)
				out.say("jenkins: node %s deleted", name)
			}
		}
		for _, b := range sim.Builds() {
			if b.Node == "" {
				continue
			}
			key := fmt.Sprintf("%s#%d", b.Job, b.Number)
			if builds[key] == 0 {
				builds[key] = 1
				out.say("jenkins: %s started on %s", key, b.Node)
			}
			if b.Result != "" && builds[key] == 1 {
				builds[key] = 2
				out.say("jenkins: %s finished on %s: %s", key, b.Node, b.Result)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
		}
	}
}
