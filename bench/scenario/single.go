package main

import (
	"context"
	"fmt"
	"time"
)

// runSingle: -runs pairs of one floor run (docker CLI) and one berth build,
// the build queued at a random phase of berth's poll and served from no
// agents. Pairing puts both halves under the same engine load.
func runSingle(ctx context.Context, e *env, o options, rep *report) error {
	b, err := startBerth(ctx, e, o)
	if err != nil {
		return err
	}
	defer b.stop()
	rep.printf("berth in-process: %s; %d pairs (floor run, berth build)\n\n", b.describe(o), o.runs)
	var (
		loads       []load
		floor       []floorSample
		berth       []startSample
		dOn, dBuild []time.Duration
	)
	for i := range o.runs {
		l, err := e.waitQuiet(ctx, o.quiet)
		if err != nil {
			return err
		}
		loads = append(loads, l)
		fs, err := e.floorBurst(ctx, cliFloor(e), fmt.Sprintf("floor-%d", i), 1)
		if err != nil {
			return err
		}
		if err := e.waitEmpty(ctx, 2*time.Minute); err != nil {
			return err
		}
		if l, err = e.waitQuiet(ctx, o.quiet); err != nil {
			return err
		}
		loads = append(loads, l)
		if err := b.randomPhase(ctx); err != nil {
			return err
		}
		t0 := time.Now()
		id, err := e.queue(benchJob)
		if err != nil {
			return err
		}
		if err := e.waitFor(ctx, 2*time.Minute, "the build to start", func() bool {
			b, ok := e.started(id)
			if ok {
				_, ok = e.onlineAt(b.Node)
			}
			return ok
		}); err != nil {
			return err
		}
		bd, _ := e.started(id)
		s, err := sampleOf(e, b.tr, t0, bd.Node, id)
		if err != nil {
			return err
		}
		floor, berth = append(floor, fs[0]), append(berth, s)
		dOn, dBuild = append(dOn, s.Online-fs[0].Online), append(dBuild, s.Build-fs[0].Build)
		e.log.Info("pair", "run", i, "floor_online", fs[0].Online, "berth_online", s.Online)
	}
	var on, bld, path, dPath []time.Duration
	for i, s := range berth {
		on, bld = append(on, s.Online), append(bld, s.Build)
		if w, ok := s.Steps["poll wait"]; ok {
			path = append(path, s.Online-w)
			dPath = append(dPath, s.Online-w-floor[i].Online)
		}
	}
	var fOn, fBuild []time.Duration
	for _, s := range floor {
		fOn, fBuild = append(fOn, s.Online), append(fBuild, s.Build)
	}
	rep.table("one build (seconds)", [][]string{
		row("floor: docker run → node online", summarize(fOn)),
		row("floor: docker run → build started", summarize(fBuild)),
		row("berth: queued → node online", summarize(on)),
		row("berth: queued → build started", summarize(bld)),
		row("berth: the queue read that saw it → node online", summarize(path)),
		row("berth − floor, node online (per pair)", summarize(dOn)),
		row("berth − floor, build started (per pair)", summarize(dBuild)),
		row("berth without the poll wait − floor (per pair)", summarize(dPath)),
	})
	rep.steps("berth", berth)
	rep.loads(loads)
	rep.addRaw("single", map[string]any{"config": b.describe(o), "floor": floor, "berth": berth, "loads": loads})
	return nil
}
