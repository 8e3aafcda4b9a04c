package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/dockerapi"
)

// load is how busy the machine was when a measurement began.
type load struct {
	Others  int     // running containers of other instances on the engine
	CPUBusy float64 // fraction of CPU time not idle over the last second
	LoadAvg float64 // 1-minute load average
	Waited  time.Duration
}

// quietCPU is the CPU use below which the machine counts as quiet.
const quietCPU = 0.25

// others counts the engine's running containers that are not the
// instance's.
func (e *env) others(ctx context.Context) (int, error) {
	res, err := e.Docker.ContainerList(ctx, client.ContainerListOptions{})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range res.Items {
		if c.Labels[dockerapi.LabelInstance] != e.Instance {
			n++
		}
	}
	return n, nil
}

// waitQuiet waits, up to limit, until no other container runs on the
// engine and the CPUs were mostly idle for a second, so that other work on
// a shared machine (and the engine's clean-up of the last measurement)
// disturbs the next one less. It reports the load it proceeded under.
func (e *env) waitQuiet(ctx context.Context, limit time.Duration) (load, error) {
	return waitQuiet(ctx, limit, e.others)
}

// waitQuiet waits, up to limit, until others (if set) reports no other
// container and the CPUs were mostly idle for a second.
func waitQuiet(ctx context.Context, limit time.Duration, others func(context.Context) (int, error)) (load, error) {
	start := time.Now()
	prev, err := cpuTimes()
	if err != nil {
		return load{}, err
	}
	for {
		if err := sleep(ctx, time.Second); err != nil {
			return load{}, err
		}
		cur, err := cpuTimes()
		if err != nil {
			return load{}, err
		}
		n := 0
		if others != nil {
			if n, err = others(ctx); err != nil {
				return load{}, err
			}
		}
		l := load{Others: n, CPUBusy: busy(prev, cur), LoadAvg: loadAvg(), Waited: time.Since(start)}
		if (n == 0 && l.CPUBusy < quietCPU) || time.Since(start) >= limit {
			return l, nil
		}
		prev = cur
	}
}

// jiffies are the idle and total CPU time of all CPUs (/proc/stat).
type jiffies struct{ idle, total uint64 }

// busy is the fraction of CPU time between a and b that was not idle.
func busy(a, b jiffies) float64 {
	if b.total <= a.total {
		return 0
	}
	return 1 - float64(b.idle-a.idle)/float64(b.total-a.total)
}

func cpuTimes() (jiffies, error) {
	var j jiffies
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return j, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return j, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return j, fmt.Errorf("/proc/stat: %w", err)
		}
		j.total += n
		if i == 3 || i == 4 { // idle, iowait
			j.idle += n
		}
	}
	return j, nil
}

// loadAvg is the 1-minute load average (-1 if unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return v
}
