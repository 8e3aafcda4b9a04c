package jenkinssim

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// /computer/...: the ComputerSet, each Computer, and the calls on them.

func (s *Sim) handleComputer(w http.ResponseWriter, r *http.Request, a *authn, segs []string) {
	if len(segs) == 0 {
		redirect(w, "/computer/")
		return
	}
	if isIndex(segs) {
		s.simplePage(w, "Nodes [Jenkins]", "Nodes")
		return
	}
	switch segs[0] {
	case "api":
		s.serveAPI(w, r, a, segs, func() (*bean, bool) { return s.computerSetBean(), true })
		return
	case "doCreateItem":
		if r.Method != http.MethodPost { // @POST: other verbs do not dispatch
			s.notFound(w, a)
			return
		}
		s.doCreateItem(w, r, a)
		return
	case "createItem":
		if r.Method != http.MethodPost {
			s.requirePOST(w, r)
			return
		}
		s.createItem(w, r, a)
		return
	}
	name, rest := segs[0], segs[1:]
	s.mu.Lock()
	n := s.computerNodeLocked(name)
	s.mu.Unlock()
	if n == nil {
		s.notFound(w, a)
		return
	}
	base := "/computer/" + url.PathEscape(n.urlName()) + "/"
	if len(rest) == 0 {
		redirect(w, base)
		return
	}
	switch rest[0] {
	case "":
		if len(rest) != 1 {
			s.notFound(w, a)
			return
		}
		s.simplePage(w, n.displayName()+" [Jenkins]", "Agent "+n.displayName())
	case "api":
		s.serveAPI(w, r, a, rest, func() (*bean, bool) {
			if n := s.computerNodeLocked(name); n != nil {
				return s.computerBean(n.comp), true
			}
			return nil, false
		})
	case "doDelete":
		if r.Method != http.MethodPost {
			s.requirePOST(w, r)
			return
		}
		if n.builtIn {
			w.WriteHeader(http.StatusBadRequest) // MasterComputer.doDoDelete
			return
		}
		if err := s.DeleteNode(n.name); err != nil {
			s.notFound(w, a)
			return
		}
		redirect(w, "/computer/")
	case "toggleOffline", "changeOfflineCause":
		if r.Method != http.MethodPost {
			s.requirePOST(w, r)
			return
		}
		msg := fixEmptyAndTrim(r.URL.Query().Get("offlineMessage"))
		if isForm(r) && r.PostFormValue("offlineMessage") != "" {
			msg = fixEmptyAndTrim(r.PostFormValue("offlineMessage"))
		}
		if !s.toggleOffline(name, a.name(), msg, rest[0] == "toggleOffline") {
			s.notFound(w, a)
			return
		}
		redirect(w, base)
	case "launchSlaveAgent":
		if r.Method != http.MethodPost {
			s.requirePOST(w, r)
			return
		}
		s.mu.Lock()
		if n := s.computerNodeLocked(name); n != nil && !n.builtIn {
			s.connectLocked(n, true)
		}
		s.mu.Unlock()
		redirect(w, base+"log")
	case "jenkins-agent.jnlp", "slave-agent.jnlp":
		s.serveJNLP(w, r, a, name)
	case "logText", "progressiveLog":
		if rest[0] == "logText" && (len(rest) != 2 || rest[1] != "progressiveText") {
			s.notFound(w, a)
			return
		}
		s.serveLaunchLog(w, r, name)
	default:
		s.notFound(w, a)
	}
}

// serveLaunchLog is Computer.getLogText().doProgressText: the agent's log (here the SSH launch
// log) from byte ?start=, with X-Text-Size and X-More-Data (a computer's log is never
// complete).
func (s *Sim) serveLaunchLog(w http.ResponseWriter, r *http.Request, name string) {
	s.mu.Lock()
	var text string
	if n := s.computerNodeLocked(name); n != nil {
		for _, l := range n.comp.launchLog {
			text += l + "\n"
		}
	}
	s.mu.Unlock()
	start, err := strconv.ParseInt(r.URL.Query().Get("start"), 10, 64)
	if err != nil || start < 0 || start > int64(len(text)) {
		start = 0
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain;charset=UTF-8")
	h.Set("X-Text-Size", strconv.Itoa(len(text)))
	h.Set("X-More-Data", "true")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, text[start:])
}

// computerNodeLocked is Jenkins.getComputer: "(built-in)" (or the old "(master)") names the
// built-in node; an agent without executors has no computer.
func (s *Sim) computerNodeLocked(name string) *node {
	if name == "(built-in)" || name == "(master)" {
		return s.builtin
	}
	if n := s.nodes[name]; n != nil && n.comp != nil {
		return n
	}
	return nil
}

// toggleOffline is Computer.doToggleOffline (toggle=true) or doChangeOfflineCause.
func (s *Sim) toggleOffline(name, user, msg string, toggle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.computerNodeLocked(name)
	if n == nil {
		return false
	}
	if toggle && n.tempOffline != nil {
		n.tempOffline = nil
	} else {
		n.tempOffline = userCause(user, msg, s.now())
	}
	s.maintainLocked()
	return true
}

// computerSetBean is hudson.model.ComputerSet.
func (s *Sim) computerSetBean() *bean {
	b := newBean("hudson.model.ComputerSet")
	comps := s.computersLocked()
	busy, total := 0, 0
	for _, c := range comps {
		if c.online() {
			busy += c.countBusy()
			total += len(c.executors)
		}
	}
	b.add("busyExecutors", busy)
	b.inlined("computer", visDefault, func() any {
		out := make([]any, 0, len(comps))
		for _, c := range comps {
			out = append(out, s.computerBean(c))
		}
		return out
	})
	b.add("displayName", "Nodes")
	b.add("totalExecutors", total)
	return b
}

// computerBean exports a Computer: Actionable's actions, Computer's properties sorted, then
// SlaveComputer's absoluteRemotePath.
func (s *Sim) computerBean(c *computer) *bean {
	n := c.node
	class := "hudson.slaves.SlaveComputer"
	actions := []any{newBean("")} // a transient action Jenkins does not export
	if n.builtIn {
		class = "hudson.model.Hudson$MasterComputer"
		actions = []any{}
	}
	b := newBean(class)
	b.add("actions", actions)
	b.lazy("assignedLabels", visDefault, func() any { return s.labelBeans(n) })
	b.add("description", n.description)
	b.add("displayName", n.displayName())
	b.lazy("executors", visDefault, func() any {
		out := make([]any, 0, len(c.executors))
		for _, e := range c.executors {
			out = append(out, s.executorBean(e, ""))
		}
		return out
	})
	b.add("icon", c.icon())
	b.add("iconClassName", c.icon())
	b.add("idle", c.idle())
	b.add("jnlpAgent", n.inbound())
	b.add("launchSupported", !n.inbound())
	b.lazy("loadStatistics", visDefault, func() any { return newBean("hudson.model.Label$1") })
	b.add("manualLaunchAllowed", true)
	b.inlined("monitorData", visDefault, func() any { return s.monitorData(c) })
	b.add("numExecutors", n.numExec)
	b.add("offline", c.offline())
	if cs := c.cause(); cs != nil {
		b.lazy("offlineCause", visDefault, func() any { return offlineCauseBean(cs) })
		b.add("offlineCauseReason", cs.reason)
	} else {
		b.add("offlineCause", nil)
		b.add("offlineCauseReason", "")
	}
	b.lazy("oneOffExecutors", visDefault, func() any {
		out := make([]any, 0, len(c.oneOff))
		for _, e := range c.oneOff {
			out = append(out, s.executorBean(e, ""))
		}
		return out
	})
	b.add("temporarilyOffline", n.tempOffline != nil)
	if !n.builtIn {
		if c.ch != nil {
			b.add("absoluteRemotePath", n.remoteFS)
		} else {
			b.add("absoluteRemotePath", nil)
		}
	}
	return b
}

// offlineCauseBean exports an OfflineCause: its timestamp, and SimpleOfflineCause's
// description.
func offlineCauseBean(cs *offlineCause) *bean {
	b := newBean(cs.class)
	b.add("timestamp", cs.at.UnixMilli())
	if cs.description != "" {
		b.add("description", cs.description)
	}
	return b
}

// executorBean exports an Executor (class "" when declared as such).
func (s *Sim) executorBean(e *executor, class string) *bean {
	b := newBean(class)
	ex := e.cur
	b.lazy("currentExecutable", visDefault, func() any {
		if ex == nil {
			return nil
		}
		return s.executableBean(ex)
	})
	b.add("idle", ex == nil)
	b.add("likelyStuck", s.likelyStuck(ex))
	b.add("number", e.number)
	b.add("progress", s.progress(ex))
	return b
}

// executableBean exports what an executor runs: a FreeStyleBuild, a WorkflowRun (on a
// OneOffExecutor) or a Pipeline node() block's PlaceholderExecutable.
func (s *Sim) executableBean(ex *execution) *bean {
	if ex.placeholder {
		return s.placeholderExecBean(ex)
	}
	return s.runBean(ex.run, ex.run.job.runClass())
}

// likelyStuck is Executor.isLikelyStuck.
func (s *Sim) likelyStuck(ex *execution) bool {
	if ex == nil {
		return false
	}
	elapsed := s.now().Sub(ex.start).Milliseconds()
	if ex.estimated >= 0 {
		return ex.estimated*10 < elapsed
	}
	return elapsed/int64(time.Hour/time.Millisecond) > 24
}

// progress is Executor.getProgress: -1 without an estimate, else the percentage (at most 99).
func (s *Sim) progress(ex *execution) int {
	if ex == nil || ex.estimated <= 0 {
		return -1
	}
	p := int(s.now().Sub(ex.start).Milliseconds() * 100 / ex.estimated)
	return min(p, 99)
}

// monitorData is Computer.getMonitorData: the node monitors' last readings (kept after a
// disconnection, as Jenkins keeps them until the next monitoring round), null for a computer
// that never connected.
func (s *Sim) monitorData(c *computer) *omap {
	m := &omap{}
	keys := []string{
		"hudson.node_monitors.SwapSpaceMonitor",
		"hudson.node_monitors.TemporarySpaceMonitor",
		"hudson.node_monitors.DiskSpaceMonitor",
		"hudson.node_monitors.ArchitectureMonitor",
		"hudson.node_monitors.ResponseTimeMonitor",
		"hudson.node_monitors.ClockMonitor",
	}
	if c.node.builtIn || c.everConnected {
		at := s.now().UnixMilli()
		fs := c.node.remoteFS
		if c.node.builtIn {
			fs = "/var/jenkins_home"
		}
		swap := newBean("hudson.node_monitors.SwapSpaceMonitor$MemoryUsage2")
		swap.add("availablePhysicalMemory", int64(6)<<30).add("availableSwapSpace", int64(2)<<30).
			add("totalPhysicalMemory", int64(16)<<30).add("totalSwapSpace", int64(2)<<30)
		m.set(keys[0], swap)
		m.set(keys[1], diskSpaceBean(at, "/tmp"))
		m.set(keys[2], diskSpaceBean(at, fs))
		m.set(keys[3], "Linux (amd64)")
		rt := newBean("hudson.node_monitors.ResponseTimeMonitor$Data")
		rt.add("timestamp", at).add("average", 0)
		m.set(keys[4], rt)
		clock := newBean("hudson.util.ClockDifference")
		clock.add("diff", 0)
		m.set(keys[5], clock)
		return m
	}
	for _, k := range keys {
		m.set(k, nil)
	}
	return m
}

func diskSpaceBean(at int64, path string) *bean {
	b := newBean("hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace")
	b.add("timestamp", at).add("path", path).add("size", int64(50)<<30)
	return b
}
