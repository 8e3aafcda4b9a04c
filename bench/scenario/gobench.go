package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// goBenchmarks are the Go benchmarks the gobench scenario runs: package,
// -bench pattern, extra flags, and at most how many times (0: -count).
var goBenchmarks = []struct {
	pkg, pattern string
	flags        []string
	maxCount     int
}{
	{"./provisioner/plan/", "^BenchmarkPlan1000$", nil, 0},
	{"./provisioner/", "^BenchmarkObservePlan1000$", nil, 0},
	{"./jenkins/", "^(BenchmarkComputeDemand|BenchmarkDecodeQueue|BenchmarkDecodeComputers1000)$", nil, 0},
	// Each iteration creates and removes a container: 10 per run, 3 runs.
	{"./dockerapi/", "^BenchmarkAgentSteps$", []string{"-benchtime", "10x"}, 3},
}

// benchLine is one result line of go test -bench.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

// runGoBench runs the Go benchmarks -count times each and prints, per
// benchmark, the median time per operation with its spread, and the
// median of every other metric it reports.
func runGoBench(ctx context.Context, o options, rep *report) error {
	raw := map[string][]string{}
	rep.printf("`go test -run '^$' -bench PATTERN -count N PKG`, N = %d (engine benchmarks: 3, with -benchtime 10x)\n\n", o.count)
	rep.printf("| benchmark | n | median | p25–p75 | min–max | other metrics (median) |\n|---|---:|---:|---:|---:|---|\n")
	var loads []load
	for _, b := range goBenchmarks {
		l, err := waitQuiet(ctx, o.quiet, nil)
		if err != nil {
			return err
		}
		loads = append(loads, l)
		count := o.count
		if b.maxCount > 0 {
			count = min(count, b.maxCount)
		}
		args := append([]string{"test", "-run", "^$", "-bench", b.pattern, "-count", strconv.Itoa(count)}, b.flags...)
		args = append(args, b.pkg)
		out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		var order []string
		times := map[string][]float64{}
		metrics := map[string]map[string][]float64{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			m := benchLine.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			name := m[1]
			if _, ok := times[name]; !ok {
				order = append(order, name)
				metrics[name] = map[string][]float64{}
			}
			ns, _ := strconv.ParseFloat(m[2], 64)
			times[name] = append(times[name], ns)
			f := strings.Fields(m[3])
			for i := 0; i+1 < len(f); i += 2 {
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					metrics[name][f[i+1]] = append(metrics[name][f[i+1]], v)
				}
			}
			raw[b.pkg] = append(raw[b.pkg], sc.Text())
		}
		for _, name := range order {
			s := summarizeFloats(times[name], "ms", 1e-6)
			var extra []string
			for _, unit := range []string{"B/op", "allocs/op"} {
				if vs := metrics[name][unit]; len(vs) > 0 {
					sm := summarizeFloats(vs, "", 1)
					extra = append(extra, sm.fmt(sm.Median)+" "+unit)
				}
			}
			for unit, vs := range metrics[name] {
				if unit != "B/op" && unit != "allocs/op" {
					sm := summarizeFloats(vs, "", 1)
					extra = append(extra, sm.fmt(sm.Median)+" "+unit)
				}
			}
			rep.printf("| %s (ms) | %s | %s |\n", name, strings.Join(s.cells(), " | "), strings.Join(extra, ", "))
		}
	}
	rep.printf("\n")
	rep.loads(loads)
	rep.addRaw("gobench", raw)
	return nil
}
