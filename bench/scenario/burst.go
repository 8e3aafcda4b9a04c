package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// burstSample is one pair: the floor's burst of docker runs, and berth's
// burst: every agent start's phases, when the last agent came online and
// when the last build started.
type burstSample struct {
	Load, BerthLoad load // as the floor's and berth's halves began
	FloorLastOnline time.Duration
	FloorLastBuild  time.Duration
	Agents          int
	Starts          []startSample
	LastOnline      time.Duration
	LastBuild       time.Duration
	// Cycles and Lists count berth's queue reads and container listings
	// from the first build queued to the last started; ListTime is the
	// median listing's duration.
	Cycles, Lists int
	ListTime      time.Duration
}

// runBurst: -burst-runs pairs, each in a fresh environment, of a floor
// burst (-burst docker runs at once) and a berth burst (-burst builds
// queued at once at a random phase of berth's poll, each holding its agent,
// so that every build needs an agent of its own, as in the floor).
func runBurst(ctx context.Context, o options, rep *report) error {
	var bursts []burstSample
	var desc string
	for r := range o.burstRuns {
		bs, d, err := burstPair(ctx, o, rep, r)
		if err != nil {
			return err
		}
		desc = d
		bursts = append(bursts, bs)
	}
	rep.printf("berth in-process: %s; %d pairs (floor burst, berth burst) of %d\n\n", desc, o.burstRuns, o.burst)
	var fOn, fBuild, on, bld []time.Duration
	var ratio []float64
	var all []startSample
	for _, b := range bursts {
		fOn, fBuild = append(fOn, b.FloorLastOnline), append(fBuild, b.FloorLastBuild)
		on, bld = append(on, b.LastOnline), append(bld, b.LastBuild)
		ratio = append(ratio, b.LastBuild.Seconds()/b.FloorLastBuild.Seconds())
		all = append(all, b.Starts...)
	}
	rep.table(fmt.Sprintf("a burst of %d (seconds to the last of them)", o.burst), [][]string{
		row("floor: docker runs → last node online", summarize(fOn)),
		row("floor: docker runs → last build started", summarize(fBuild)),
		row("berth: queued → last agent online", summarize(on)),
		row("berth: queued → last build started", summarize(bld)),
		row("berth ÷ floor, last build started (per pair)", summarizeFloats(ratio, "×", 1)),
	})
	var cycles, lists, listTime []float64
	for _, b := range bursts {
		cycles, lists, listTime = append(cycles, float64(b.Cycles)), append(lists, float64(b.Lists)), append(listTime, b.ListTime.Seconds())
	}
	c, l, lt := summarizeFloats(cycles, "", 1), summarizeFloats(lists, "", 1), summarizeFloats(listTime, "s", 1)
	rep.printf("berth's cycles during a burst (median): %s, with %s container listings of %s s each.\n\n", c.fmt(c.Median), l.fmt(l.Median), lt.fmt(lt.Median))
	rep.steps("berth, every start of the bursts", all)
	var loads []load
	for _, b := range bursts {
		loads = append(loads, b.Load, b.BerthLoad)
	}
	rep.loads(loads)
	rep.addRaw("burst", map[string]any{"config": desc, "bursts": bursts})
	return nil
}

func burstPair(ctx context.Context, o options, rep *report, r int) (_ burstSample, desc string, err error) {
	e, err := startEnv(ctx, o.log)
	if err != nil {
		return burstSample{}, "", err
	}
	defer func() { err = errors.Join(err, e.close()) }()
	if r == 0 {
		rep.noise("first pair", e)
	}
	var bs burstSample
	if bs.Load, err = e.waitQuiet(ctx, o.quiet); err != nil {
		return bs, "", err
	}
	fs, err := e.floorBurst(ctx, cliFloor(e), "floor", o.burst)
	if err != nil {
		return bs, "", err
	}
	for _, f := range fs {
		bs.FloorLastOnline, bs.FloorLastBuild = max(bs.FloorLastOnline, f.Online), max(bs.FloorLastBuild, f.Build)
	}

	// The engine's clean-up of the floor's containers passes first.
	if bs.BerthLoad, err = e.waitQuiet(ctx, o.quiet); err != nil {
		return bs, "", err
	}
	b, err := startBerth(ctx, e, o)
	if err != nil {
		return bs, "", err
	}
	defer b.stop()
	if err := b.randomPhase(ctx); err != nil {
		return bs, "", err
	}
	t0 := time.Now()
	ids := make([]int64, 0, o.burst)
	for range o.burst {
		id, err := e.queue(holdJob)
		if err != nil {
			return bs, "", err
		}
		ids = append(ids, id)
	}
	var nodes []string
	err = e.waitFor(ctx, 5*time.Minute, "every build of the burst to start on an online agent", func() bool {
		nodes = nodes[:0]
		for _, id := range ids {
			b, ok := e.started(id)
			if !ok {
				return false
			}
			if _, ok := e.onlineAt(b.Node); !ok {
				return false
			}
			nodes = append(nodes, b.Node)
		}
		return true
	})
	if err != nil {
		return bs, "", err
	}
	bs.Agents = len(nodes)
	for _, id := range ids {
		bd, _ := e.started(id)
		bs.LastBuild = max(bs.LastBuild, bd.Started.Sub(t0))
	}
	for _, n := range nodes {
		s, err := sampleOf(e, b.tr, t0, n, ids[0])
		if err != nil {
			return bs, "", err
		}
		bs.Starts = append(bs.Starts, s)
		bs.LastOnline = max(bs.LastOnline, s.Online)
	}
	var lists []time.Duration
	for _, ev := range b.tr.since(t0) {
		if ev.Start.After(t0.Add(bs.LastBuild)) {
			continue
		}
		switch ev.Step {
		case stepQueue:
			bs.Cycles++
		case stepList:
			bs.Lists++
			lists = append(lists, ev.End.Sub(ev.Start))
		}
	}
	if len(lists) > 0 {
		bs.ListTime = time.Duration(summarize(lists).Median * float64(time.Second))
	}
	e.log.Info("burst pair", "run", r, "floor_last_build", bs.FloorLastBuild, "berth_last_build", bs.LastBuild)
	return bs, b.describe(o), nil
}
