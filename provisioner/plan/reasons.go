package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/config"
)

// This file holds the wording of reasons, so that log lines read alike.

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

// startReason explains a Start: what its group waits for, how it is served,
// and the caps after the start, e.g.
//
//	linux&&docker: 3 waiting, 1 starting, 2 new → start linux on h1 (linux 2/4, h1 3/∞, total 5/20)
func startReason(g *group, a *Action, caps string) string {
	var b strings.Builder
	b.WriteString(g.label)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(g.waiting))
	b.WriteString(" waiting")
	for _, part := range [...]struct {
		n    int
		name string
	}{{g.idle, "idle"}, {g.starting, "starting"}, {g.fresh, "new"}, {len(g.held), "held"}} {
		if part.n > 0 {
			fmt.Fprintf(&b, ", %d %s", part.n, part.name)
		}
	}
	fmt.Fprintf(&b, " → start %s on %s (%s)", a.Template, a.Host, caps)
	return b.String()
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

// ofCap shows a count against a cap: "3/4", or "3/∞" without a cap.
func ofCap(n, limit int) string {
	if limit == config.NoLimit {
		return strconv.Itoa(n) + "/∞"
	}
	return strconv.Itoa(n) + "/" + strconv.Itoa(limit)
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
