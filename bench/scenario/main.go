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
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags.
type options struct {
	runs      int
	burst     int
	burstRuns int
	poll      time.Duration
	secret    string // inbound.secret: file, env or stdin
	latency   time.Duration
	fleet     []int
	count     int
	window    time.Duration
	quiet     time.Duration
	jsonOut   string
	verbose   bool
	log       *slog.Logger
}

var allScenarios = []string{"gobench", "floor", "single", "burst", "fleet"}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scenario", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var fleet string
	fs.IntVar(&o.runs, "runs", 20, "single builds (and single docker runs for the floor)")
	fs.IntVar(&o.burst, "burst", 20, "builds queued at once in a burst")
	fs.IntVar(&o.burstRuns, "burst-runs", 5, "bursts (and concurrent docker run bursts for the floor)")
	fs.DurationVar(&o.poll, "poll", 0, "berth's jenkins.pollInterval (0: the config default, 1s)")
	secret := fs.String("secret", "file", "how berth hands agents their secret: file (the default), stdin or env")
	fs.DurationVar(&o.latency, "jenkins-latency", 0, "delay the simulator adds to every HTTP request but agents' connections")
	fs.IntVar(&o.count, "count", 10, "how many times the gobench scenario runs each Go benchmark")
	fs.StringVar(&fleet, "fleet", "0,10,100", "idle agent counts for the fleet scenario, ascending")
	fs.DurationVar(&o.window, "window", 30*time.Second, "how long the fleet scenario watches each idle fleet")
	fs.DurationVar(&o.quiet, "quiet", 2*time.Minute, "before each measurement, wait up to this long for no other containers on the engine and a load average below the CPU count (0: do not wait)")
	fs.StringVar(&o.jsonOut, "json", "", "also write every sample to this file as JSON")
	fs.BoolVar(&o.verbose, "v", false, "log berth and the harness to stderr")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./bench/scenario [flags] [%s]...\n", strings.Join(allScenarios, "|"))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var err error
	if o.fleet, err = parseCounts(fleet); err != nil {
		fmt.Fprintf(stderr, "scenario: -fleet: %v\n", err)
		return 2
	}
	switch *secret {
	case "file", "env", "stdin":
		o.secret = *secret
	default:
		fmt.Fprintf(stderr, "scenario: -secret %q: want file, stdin or env\n", *secret)
		return 2
	}
	if o.count < 1 || o.runs < 1 || o.burst < 1 || o.burstRuns < 1 || o.poll < 0 || o.window <= 0 {
		fmt.Fprintln(stderr, "scenario: -runs, -burst, -burst-runs and -window must be positive, -poll not negative")
		return 2
	}
	scenarios := fs.Args()
	if len(scenarios) == 0 {
		scenarios = allScenarios
	}
	for _, s := range scenarios {
		if !slices.Contains(allScenarios, s) {
			fmt.Fprintf(stderr, "scenario: unknown scenario %q (want %s)\n", s, strings.Join(allScenarios, ", "))
			return 2
		}
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	o.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := newReport(stdout)
	if err := rep.machine(ctx); err != nil {
		fmt.Fprintf(stderr, "scenario: %v\n", err)
		return 1
	}
	code := 0
	for _, s := range scenarios {
		if err := runScenario(ctx, s, o, rep); err != nil {
			fmt.Fprintf(stderr, "scenario %s: %v\n", s, err)
			code = 1
			if ctx.Err() != nil {
				break
			}
		}
	}
	if o.jsonOut != "" {
		if err := rep.writeJSON(o.jsonOut); err != nil {
			fmt.Fprintf(stderr, "scenario: %v\n", err)
			code = 1
		}
	}
	return code
}

// runScenario runs one scenario in an environment of its own (simulator,
// instance), which is removed afterwards whatever happened.
func runScenario(ctx context.Context, name string, o options, rep *report) (err error) {
	switch name {
	case "gobench":
		rep.printf("## gobench\n\n")
		return runGoBench(ctx, o, rep)
	case "burst":
		rep.printf("## burst\n\n")
		return runBurst(ctx, o, rep) // an environment per burst
	case "fleet":
		rep.printf("## fleet\n\n")
		return runFleet(ctx, o, rep) // an environment per fleet size
	}
	env, err := startEnv(ctx, o.log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := env.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	rep.section(name, env)
	switch name {
	case "floor":
		return runFloor(ctx, env, o, rep)
	case "single":
		return runSingle(ctx, env, o, rep)
	}
	return fmt.Errorf("unknown scenario %q", name)
}

func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a count", f)
		}
		if len(out) > 0 && n < out[len(out)-1] {
			return nil, fmt.Errorf("counts must be ascending: %s", s)
		}
		out = append(out, n)
	}
	return out, nil
}
