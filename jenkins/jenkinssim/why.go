package jenkinssim

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// The `why` texts of queue items, computed when they are read, as Item.getWhy does, from
// Jenkins' English messages (hudson/model/Messages.properties,
// jenkins/model/Messages.properties).

// whyLocked is Item.getWhy; nil for a left item.
func (s *Sim) whyLocked(it *item) *string {
	var w string
	switch it.state {
	case stateWaiting:
		// WaitingItem.getCauseOfBlockage
		diff := it.due.Sub(s.now()).Milliseconds()
		if diff >= 0 {
			w = "In the quiet period. Expires in " + timeSpanString(diff)
		} else {
			w = "Finished waiting"
		}
	case stateBlocked:
		if it.block.build != nil {
			w = s.buildInProgressLocked(it.block.build)
		} else {
			w = it.block.text
		}
	case stateBuildable:
		w = s.buildableWhyLocked(it)
	default:
		return nil
	}
	return &w
}

// buildInProgressLocked is BlockedBecauseOfBuildInProgress.getShortDescription:
// "Build #{0} is already in progress{1}" with {1} = " (ETA: {0})" when the build has an
// executor.
func (s *Sim) buildInProgressLocked(r *run) string {
	eta := ""
	if e := r.executor(); e != nil {
		eta = " (ETA: " + s.remainingLocked(e.cur) + ")"
	}
	return "Build #" + javaInt(int64(r.number)) + " is already in progress" + eta
}

// executor is Run.getExecutor: the executor running the build (a Pipeline run's
// OneOffExecutor).
func (r *run) executor() *executor {
	if r.result != "" {
		return nil
	}
	if r.oneOff != nil {
		return r.oneOff
	}
	if r.exec != nil && r.exec.result == "" {
		return r.exec.exec
	}
	return nil
}

// remainingLocked is Executor.getEstimatedRemainingTime.
func (s *Sim) remainingLocked(ex *execution) string {
	if ex == nil || ex.estimated < 0 {
		return "N/A"
	}
	eta := ex.estimated - s.now().Sub(ex.start).Milliseconds()
	if eta <= 0 {
		return "N/A"
	}
	return timeSpanString(eta)
}

// buildableWhyLocked is BuildableItem.getCauseOfBlockage.
func (s *Sim) buildableWhyLocked(it *item) string {
	l := it.task.label()
	if len(s.nodes) == 0 {
		l = nil // no agents at all: "pointless to talk about nodes"
	}
	if l != nil {
		nodes := s.labelNodesLocked(l)
		if labelOffline(nodes) {
			if len(nodes) != 1 {
				if len(nodes) == 0 {
					return "There are no nodes with the label ‘" + l.String() + "’"
				}
				return "All nodes of label ‘" + l.String() + "’ are offline"
			}
			return "‘" + nodes[0].displayName() + "’ is offline"
		}
		if it.transient != nil && labelIdle(nodes) > 0 {
			return composite(it.transient)
		}
		if len(nodes) != 1 {
			return "Waiting for next available executor on ‘" + l.String() + "’"
		}
		return "Waiting for next available executor on ‘" + nodes[0].displayName() + "’"
	}
	if it.transient != nil && s.idleExecutorsLocked() > 0 {
		return composite(it.transient)
	}
	return "Waiting for next available executor"
}

// stuckLocked is Item.isStuck (only a BuildableItem can be stuck).
func (s *Sim) stuckLocked(it *item) bool {
	if it.state != stateBuildable {
		return false
	}
	if l := it.task.label(); l != nil && labelOffline(s.labelNodesLocked(l)) {
		return true // no executor online to process this job
	}
	elapsed := s.now().Sub(it.buildableStart).Milliseconds()
	if d := it.task.estimatedDuration(); d >= 0 {
		return elapsed > max(d, 60000)*10
	}
	return elapsed/int64(time.Hour/time.Millisecond) > 24
}

// labelNodesLocked is Label.getNodes: the built-in node and the agents the label matches.
func (s *Sim) labelNodesLocked(l label.Expr) []*node {
	var out []*node
	if l.Matches(s.builtin.labels) {
		out = append(out, s.builtin)
	}
	for _, n := range s.agentsLocked() {
		if l.Matches(n.labels) {
			out = append(out, n)
		}
	}
	return out
}

// labelOffline is Label.isOffline: no matching node has an online computer.
func labelOffline(nodes []*node) bool {
	for _, n := range nodes {
		if n.comp != nil && !n.comp.offline() {
			return false
		}
	}
	return true
}

// labelIdle is Label.getIdleExecutors.
func labelIdle(nodes []*node) int {
	idle := 0
	for _, n := range nodes {
		if c := n.comp; c != nil && (c.online() || c.connecting) {
			idle += c.countIdle()
		}
	}
	return idle
}

// idleExecutorsLocked is ComputerSet.getIdleExecutors.
func (s *Sim) idleExecutorsLocked() int {
	idle := 0
	for _, c := range s.computersLocked() {
		if c.online() || c.connecting {
			idle += c.countIdle()
		}
	}
	return idle
}

// composite is CompositeCauseOfBlockage.getShortDescription: the distinct reasons sorted,
// joined with "; ", at most five of them.
func composite(reasons []string) string {
	set := map[string]struct{}{}
	var uniq []string
	for _, r := range reasons {
		if _, ok := set[r]; !ok {
			set[r] = struct{}{}
			uniq = append(uniq, r)
		}
	}
	sort.Slice(uniq, func(i, j int) bool { return javaLess(uniq[i], uniq[j]) })
	const maxReasons = 5
	if len(uniq) <= maxReasons {
		return strings.Join(uniq, "; ")
	}
	return strings.Join(uniq[:maxReasons], "; ") + "; ... and " + strconv.Itoa(len(uniq)-maxReasons) + " more"
}

// javaLess is String.compareTo order (UTF-16 code units).
func javaLess(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			return utf16Key(ra[i]) < utf16Key(rb[i])
		}
	}
	return len(ra) < len(rb)
}

// utf16Key orders a rune as its first UTF-16 code unit would be ordered.
func utf16Key(r rune) rune {
	if r > 0xffff {
		return 0xd800 + ((r-0x10000)>>10)&0x3ff
	}
	return r
}

// javaInt formats an integer the way MessageFormat's {0} does in English: with grouping commas.
func javaInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
