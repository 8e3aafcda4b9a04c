package provisioner

import (
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/provisioner/plan"
)

// maxOutageDelay caps the poll back-off while Jenkins cannot be read.
const maxOutageDelay = 10 * time.Second

// reporter logs what changes, not what repeats: an unserved demand's reason
// when it changes, a Jenkins or Docker host outage when it starts and when
// it ends. It also backs the poll off while Jenkins is down.
type reporter struct {
	log      *slog.Logger
	unserved map[string]string // key → reason last logged
	warm     map[string]string // template → why its warm pool is short, last logged
	jenkins  string            // error text of the current outage, "" when up
	failures int               // consecutive cycles Jenkins could not be read
	hosts    map[string]string // host → error text of its current outage
}

func newReporter(log *slog.Logger) reporter {
	return reporter{log: log, unserved: map[string]string{}, warm: map[string]string{}, hosts: map[string]string{}}
}

func (r *reporter) report(c Cycle) {
	if c.JenkinsErr != nil {
		r.failures++
		if msg := c.JenkinsErr.Error(); r.jenkins == "" {
			r.log.Error("jenkins unreachable: keeping agents, retrying with back-off", "err", msg)
			r.jenkins = msg
		}
	} else {
		if r.jenkins != "" {
			r.log.Info("jenkins reachable again", "after_failed_cycles", r.failures)
		}
		r.jenkins, r.failures = "", 0
	}

	for _, h := range c.Snapshot.Hosts {
		err, down := c.HostErrs[h.Name]
		switch {
		case down && r.hosts[h.Name] == "":
			r.hosts[h.Name] = err.Error()
			r.log.Error("docker host unreachable: leaving its agents alone, counting it full", "host", h.Name, "err", err)
		case !down && r.hosts[h.Name] != "":
			delete(r.hosts, h.Name)
			r.log.Info("docker host reachable again", "host", h.Name)
		}
	}

	if c.JenkinsErr != nil {
		return // no queue this cycle: nothing to say about demand
	}
	seen := make(map[string]bool, len(c.Result.Unserved))
	for _, u := range c.Result.Unserved {
		seen[u.Key] = true
		if r.unserved[u.Key] == u.Reason {
			continue
		}
		r.unserved[u.Key] = u.Reason
		r.log.Info("builds waiting", "label", displayKey(u.Key), "items", len(u.Items), "why", u.Reason)
	}
	for _, k := range slices.Sorted(maps.Keys(r.unserved)) {
		if !seen[k] {
			delete(r.unserved, k)
			r.log.Info("builds no longer blocked", "label", displayKey(k))
		}
	}
	r.reportWarm(c.Result.Warm)
}

// reportWarm logs why a warm pool stays short of its idle count, when that
// changes, and when it is short no more.
func (r *reporter) reportWarm(pools []plan.WarmPool) {
	short := make(map[string]bool, len(pools))
	for _, w := range pools {
		if w.Blocked == "" {
			continue
		}
		short[w.Template] = true
		if r.warm[w.Template] == w.Blocked {
			continue
		}
		r.warm[w.Template] = w.Blocked
		r.log.Info("warm pool short", "template", w.Template, "ready", w.Ready, "idle", w.Idle, "why", w.Blocked)
	}
	for _, t := range slices.Sorted(maps.Keys(r.warm)) {
		if !short[t] {
			delete(r.warm, t)
			r.log.Info("warm pool no longer short", "template", t)
		}
	}
}

// nextDelay is the poll interval, doubled per failed cycle while Jenkins is
// unreachable, up to maxOutageDelay.
func (r *reporter) nextDelay(interval time.Duration) time.Duration {
	d := interval
	for i := 0; i < r.failures && d < maxOutageDelay; i++ {
		d *= 2
	}
	return min(d, max(interval, maxOutageDelay))
}

func displayKey(k string) string {
	if strings.TrimSpace(k) == "" {
		return "(no label)"
	}
	return k
}
