package config

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// scheduleCheckFrom is where a schedule is checked to fire at all. Any
// fixed time does: a cron schedule repeats at least every four years, and
// cron looks five years ahead.
var scheduleCheckFrom = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// warm reads templates[].warm: key is its path. instanceCap is the
// template's cap (NoLimit if none): a pool larger than it could never fill.
func (b *builder) warm(key string, rs []rawWarm, instanceCap int) []Warm {
	if len(rs) == 0 {
		return nil
	}
	ws := make([]Warm, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		wk := indexPath(key, i)
		w := Warm{Spec: r.Schedule, Idle: r.Idle}
		if b.required(wk+".schedule", r.Schedule, `the schedule (cron fields such as "0 8 * * MON-FRI")`) {
			w.Schedule = b.schedule(wk+".schedule", r.Schedule)
		}
		if b.p.present(wk + ".duration") {
			w.Duration = b.duration(wk+".duration", r.Duration, 0, positive)
		} else {
			b.p.errf(wk+".duration", `missing: how long the window stays open (a duration such as "10h") is required`)
		}
		switch {
		case !b.p.present(wk + ".idle"):
			b.p.errf(wk+".idle", "missing: how many agents to keep idle while the window is open is required")
		case r.Idle < 1:
			b.p.errf(wk+".idle", "%d is too small (at least 1)", r.Idle)
		case instanceCap != NoLimit && r.Idle > instanceCap:
			b.p.errf(wk+".idle", "%d is above the template's instanceCap %d: the pool could never fill", r.Idle, instanceCap)
		}
		ws = append(ws, w)
	}
	return ws
}

// schedule parses a warm window's schedule: standard cron fields or a
// descriptor, optionally after CRON_TZ=<zone> (or TZ=<zone>). It returns nil
// after recording the problem.
func (b *builder) schedule(key, spec string) cron.Schedule {
	if strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		// cron.ParseStandard would slice out of range on a zone with
		// nothing after it, and read an empty zone as UTC.
		_, after, _ := strings.Cut(spec, "=")
		if zone, fields, ok := strings.Cut(after, " "); !ok || zone == "" || strings.TrimSpace(fields) == "" {
			b.p.errf(key, `invalid schedule %q: write the zone, a space and the five cron fields, e.g. "CRON_TZ=Europe/Berlin 0 8 * * MON-FRI"`, spec)
			return nil
		}
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		b.p.errCause(key, err, "invalid schedule %q: %v", spec, err)
		return nil
	}
	if _, ok := s.(*cron.SpecSchedule); !ok {
		b.p.errf(key, `invalid schedule %q: @every has no fixed times to open a window at; use the five cron fields `+
			`(minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly`, spec)
		return nil
	}
	if s.Next(scheduleCheckFrom).IsZero() {
		b.p.errf(key, "schedule %q never fires (no such date)", spec)
		return nil
	}
	return s
}
