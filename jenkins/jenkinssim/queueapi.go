package jenkinssim

import (
	"net/http"
	"strconv"
)

// /queue/...: the queue, its items (left items too) and cancelItem.

func (s *Sim) handleQueue(w http.ResponseWriter, r *http.Request, a *authn, segs []string) {
	switch {
	case len(segs) == 0:
		redirect(w, "/queue/")
	case isIndex(segs):
		s.simplePage(w, "Build Queue [Jenkins]", "Build Queue")
	case segs[0] == "api":
		s.serveAPI(w, r, a, segs, func() (*bean, bool) { return s.queueBean(), true })
	case segs[0] == "cancelItem":
		if r.Method != http.MethodPost {
			s.requirePOST(w, r)
			return
		}
		s.cancelItem(w, r, a)
	case segs[0] == "item" && len(segs) >= 2:
		id, err := strconv.ParseInt(segs[1], 10, 64)
		if err != nil {
			s.notFound(w, a)
			return
		}
		rest := segs[2:]
		if len(rest) == 0 {
			redirect(w, "/queue/item/"+segs[1]+"/")
			return
		}
		if isIndex(rest) {
			s.mu.Lock()
			it := s.itemByID(id)
			s.mu.Unlock()
			if it == nil {
				s.notFound(w, a)
				return
			}
			s.simplePage(w, "Queue item "+segs[1]+" [Jenkins]", "Queue item "+segs[1])
			return
		}
		s.serveAPI(w, r, a, rest, func() (*bean, bool) {
			it := s.itemByID(id)
			if it == nil {
				return nil, false
			}
			return s.itemBean(it), true
		})
	default:
		s.notFound(w, a)
	}
}

// cancelItem is Queue.doCancelItem: 204 when cancelled, 404 for an unknown id, 500 for an item
// that already left the queue.
func (s *Sim) cancelItem(w http.ResponseWriter, r *http.Request, a *authn) {
	_ = parseAnyForm(r)
	id, err := strconv.ParseInt(r.FormValue("id"), 10, 64)
	if err != nil {
		s.oops(w, http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	it := s.itemByID(id)
	ok := it != nil && s.cancelLocked(it)
	s.mu.Unlock()
	switch {
	case it == nil:
		s.oops(w, http.StatusNotFound)
	case !ok:
		s.oops(w, http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// queueBean is hudson.model.Queue.
func (s *Sim) queueBean() *bean {
	b := newBean("hudson.model.Queue")
	b.inlined("discoverableItems", visDefault, func() any { return []any{} })
	b.inlined("items", visDefault, func() any {
		items := s.q.liveItems()
		out := make([]any, 0, len(items))
		for _, it := range items {
			out = append(out, s.itemBean(it))
		}
		return out
	})
	return b
}

// itemBean exports a Queue.Item: Actionable's actions (visibility 1), the Item's properties
// (visibility 999, sorted), then the subclass's.
func (s *Sim) itemBean(it *item) *bean {
	class := map[itemState]string{
		stateWaiting:   "hudson.model.Queue$WaitingItem",
		stateBlocked:   "hudson.model.Queue$BlockedItem",
		stateBuildable: "hudson.model.Queue$BuildableItem",
		stateLeft:      "hudson.model.Queue$LeftItem",
	}[it.state]
	b := newBean(class)
	b.add("actions", actionBeans(it.actions))
	b.addVis("blocked", 999, it.state == stateBlocked)
	b.addVis("buildable", 999, it.state == stateBuildable)
	b.addVis("id", 999, it.id)
	b.addVis("inQueueSince", 999, it.inQueueSince.UnixMilli())
	b.addVis("params", 999, paramsText(it.actions))
	b.addVis("stuck", 999, s.stuckLocked(it))
	b.lazy("task", 999, func() any { return s.taskBean(it.task) })
	b.addVis("url", 999, "queue/item/"+strconv.FormatInt(it.id, 10)+"/")
	b.addVis("why", 999, s.whyLocked(it))
	switch it.state {
	case stateWaiting:
		b.addVis("timestamp", 999, it.due.UnixMilli())
	case stateBlocked:
		b.addVis("buildableStartMilliseconds", 999, it.buildableStart.UnixMilli())
	case stateBuildable:
		b.addVis("buildableStartMilliseconds", 999, it.buildableStart.UnixMilli())
		b.addVis("pending", 999, false)
	case stateLeft:
		b.addVis("cancelled", 999, it.cancelled)
		b.lazy("executable", 999, func() any {
			switch {
			case it.exec != nil:
				return s.placeholderExecBean(it.exec)
			case it.run != nil:
				return s.runBean(it.run, it.run.job.runClass())
			}
			return nil
		})
	}
	return b
}

// taskBean exports a Queue.Task (declared as Task, so always with _class): the job itself, or
// a PlaceholderTask whose properties are visibility 1 and so hidden at depth 0.
func (s *Sim) taskBean(t *task) *bean {
	if t.kind != taskPlaceholder {
		return s.jobBean(t.job)
	}
	r := t.run
	b := newBean(classPlaceholderTask)
	name := "part of " + r.job.name + " #" + strconv.Itoa(r.number)
	b.add("fullDisplayName", name)
	b.add("name", name)
	b.add("url", "job/"+pathEscape(r.job.name)+"/"+strconv.Itoa(r.number)+"/")
	return b
}

// placeholderExecBean exports a PlaceholderTask$PlaceholderExecutable.
func (s *Sim) placeholderExecBean(ex *execution) *bean {
	r := ex.run
	name := "part of " + r.job.name + " #" + strconv.Itoa(r.number)
	b := newBean(classPlaceholderExec)
	b.add("displayName", name)
	b.add("estimatedDuration", r.job.estimatedDuration())
	b.add("fullDisplayName", name)
	b.add("number", r.number)
	b.add("timestamp", r.start.UnixMilli())
	b.add("url", s.runURL(r))
	return b
}

// actionBeans exports actions: ParametersAction and CauseAction, or {} for an action Jenkins
// does not export.
func actionBeans(actions []action) []any {
	out := make([]any, 0, len(actions))
	for _, a := range actions {
		switch {
		case a.params != nil:
			b := newBean("hudson.model.ParametersAction")
			ps := make([]any, 0, len(a.params))
			for _, p := range a.params {
				pb := newBean("hudson.model.StringParameterValue")
				pb.addVis("name", 3, p.name)
				pb.addVis("value", 4, p.value)
				ps = append(ps, pb)
			}
			b.addVis("parameters", 2, ps)
			out = append(out, b)
		case len(a.causes) > 0:
			b := newBean("hudson.model.CauseAction")
			cs := make([]any, 0, len(a.causes))
			for _, c := range a.causes {
				cb := newBean(c.class)
				cb.addVis("shortDescription", 3, c.short)
				if c.class == "hudson.model.Cause$UserIdCause" {
					cb.addVis("userId", 3, c.userID)
					cb.addVis("userName", 3, c.userName)
				}
				cs = append(cs, cb)
			}
			b.addVis("causes", 2, cs)
			out = append(out, b)
		default:
			out = append(out, newBean(""))
		}
	}
	return out
}

// paramsText is Item.getParams: "\nNAME=VALUE" for each parameter.
func paramsText(actions []action) string {
	s := ""
	for _, a := range actions {
		for _, p := range a.params {
			s += "\n" + p.name + "=" + p.value
		}
	}
	return s
}
