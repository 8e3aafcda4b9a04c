package plan

import (
	"fmt"
	"strconv"
	"time"

	"github.com/berth-dev/berth/config"
)

// This file holds the wording of reasons, so that log lines read alike.

// nodesUnread is why nothing starts in a cycle that could not read the
// Jenkins nodes.
const nodesUnread = "Jenkins nodes could not be read this cycle: berth starts nothing until it sees them"

// demandLabel is how reasons name what a Demand waits for.
func demandLabel(d *Demand) string {
	switch {
	case d.Node != "":
		return "node " + d.Node
	case d.Key != "":
		return d.Key
	case d.Expr != nil:
		return d.Expr.String()
	}
	return "(no label)"
}

// startReason explains a Start: what its group waits for, how its items
// are served, and the counts against the caps right after the start, e.g.
//
//	linux&&docker: 3 waiting, 1 starting, 2 new → start linux on h1 (linux 2/4, h1 3/∞, total 5/20)
//
// It is built in one buffer: a plan may hold hundreds of starts.
func (p *planner) startReason(si *startInfo) string {
	g := si.g
	b := make([]byte, 0, 128)
	b = append(b, g.label...)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(g.waiting), 10)
	b = append(b, " waiting"...)
	for _, part := range [...]struct {
		n    int
		name string
	}{{g.idle, " idle"}, {g.starting, " starting"}, {g.fresh, " new"}, {len(g.held), " held"}} {
		if part.n > 0 {
			b = append(b, ", "...)
			b = strconv.AppendInt(b, int64(part.n), 10)
			b = append(b, part.name...)
		}
	}
	b = append(b, " → start "...)
	b = append(b, si.t.Name...)
	b = append(b, " on "...)
	b = append(b, si.h.Name...)
	b = append(b, " ("...)
	b = append(b, si.t.Name...)
	b = append(b, ' ')
	b = appendOfCap(b, si.tmpl, si.t.InstanceCap)
	b = append(b, ", "...)
	b = append(b, si.h.Name...)
	b = append(b, ' ')
	b = appendOfCap(b, si.host, si.h.MaxContainers)
	b = append(b, ", total "...)
	b = appendOfCap(b, si.total, p.cfg.MaxContainers)
	b = append(b, ')')
	return string(b)
}

// unknownReason explains an item whose label berth cannot tell.
func unknownReason(u UnknownItem) string {
	if u.Reason != "" {
		return u.Reason
	}
	return fmt.Sprintf("label unknown: Jenkins did not name it (%q)", u.Why)
}

// exitText describes how a container ended.
func exitText(c *Container) string {
	if c.OOMKilled {
		return fmt.Sprintf("OOMKilled (exit code %d)", c.ExitCode)
	}
	return fmt.Sprintf("exited with code %d", c.ExitCode)
}

// appendOfCap shows a count against a cap: "3/4", or "3/∞" without a cap.
func appendOfCap(b []byte, n, limit int) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '/')
	if limit == config.NoLimit {
		return append(b, "∞"...)
	}
	return strconv.AppendInt(b, int64(limit), 10)
}

// elapsed shows a measured duration, to the second once it is that long.
func elapsed(d time.Duration) string {
	if d >= time.Second {
		d = d.Truncate(time.Second)
	}
	return d.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// warmReason explains a warm start: the pool before this plan's warm
// starts, when its window closes (in the schedule's zone), and the counts
// against the caps right after the start, e.g.
//
//	warm pool linux: 1 of 2 ready, window open until 18:00 CET → start linux on h1 (linux 2/5, h1 3/∞, total 3/20)
func (p *planner) warmReason(wp *warmPool, ready int, h *config.DockerHost) string {
	b := make([]byte, 0, 128)
	b = append(b, "warm pool "...)
	b = append(b, wp.t.Name...)
	b = append(b, ": "...)
	b = strconv.AppendInt(b, int64(ready), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(wp.want), 10)
	b = append(b, " ready, window open until "...)
	b = append(b, clockText(wp.until, p.now, wp.zone)...)
	b = append(b, " → start "...)
	b = append(b, wp.t.Name...)
	b = append(b, " on "...)
	b = append(b, h.Name...)
	b = append(b, " ("...)
	b = append(b, wp.t.Name...)
	b = append(b, ' ')
	b = appendOfCap(b, p.use.tmpl[wp.t.Name], wp.t.InstanceCap)
	b = append(b, ", "...)
	b = append(b, h.Name...)
	b = append(b, ' ')
	b = appendOfCap(b, p.use.host[h.Name], h.MaxContainers)
	b = append(b, ", total "...)
	b = appendOfCap(b, p.use.global, p.cfg.MaxContainers)
	b = append(b, ')')
	return string(b)
}

// clockText shows t in zone: the time of day with the zone's abbreviation
// ("18:00 CET"), and the date too when it is not now's.
func clockText(t, now time.Time, zone *time.Location) string {
	t, now = t.In(zone), now.In(zone)
	layout := "15:04"
	if t.Second() != 0 {
		layout = "15:04:05"
	}
	if y, m, d := t.Date(); y != now.Year() || m != now.Month() || d != now.Day() {
		layout = "2006-01-02 " + layout
	}
	return t.Format(layout + " MST")
}
