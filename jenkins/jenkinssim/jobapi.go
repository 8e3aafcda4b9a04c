package jenkinssim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// /job/...: jobs, their builds, /build and /buildWithParameters.

func (s *Sim) handleJob(w http.ResponseWriter, r *http.Request, a *authn, segs []string) {
	if len(segs) == 0 || segs[0] == "" {
		s.notFound(w, a)
		return
	}
	name, rest := segs[0], segs[1:]
	s.mu.Lock()
	j := s.jobs[name]
	s.mu.Unlock()
	if j == nil {
		s.notFound(w, a)
		return
	}
	base := "/job/" + pathEscape(name) + "/"
	if len(rest) == 0 {
		redirect(w, base)
		return
	}
	switch rest[0] {
	case "":
		s.simplePage(w, name+" [Jenkins]", "Project "+name)
	case "api":
		s.serveAPI(w, r, a, rest, func() (*bean, bool) {
			if s.jobs[name] != j {
				return nil, false
			}
			return s.jobBean(j), true
		})
	case "build":
		s.doBuild(w, r, a, j)
	case "buildWithParameters":
		s.doBuildWithParameters(w, r, a, j)
	default:
		s.mu.Lock()
		run := j.runFor(rest[0])
		s.mu.Unlock()
		if run == nil {
			s.notFound(w, a)
			return
		}
		sub := rest[1:]
		switch {
		case len(sub) == 0:
			redirect(w, base+rest[0]+"/")
		case isIndex(sub):
			s.simplePage(w, name+" #"+strconv.Itoa(run.number)+" [Jenkins]", "Build #"+strconv.Itoa(run.number))
		default:
			s.serveAPI(w, r, a, sub, func() (*bean, bool) { return s.runBean(run, j.runClass()), true })
		}
	}
}

// runFor resolves a build number or a permalink (lastBuild, lastSuccessfulBuild, ...).
func (j *job) runFor(seg string) *run {
	if n, err := strconv.Atoi(seg); err == nil {
		return j.runByNumber(n)
	}
	switch seg {
	case "lastBuild":
		return j.lastBuild()
	case "firstBuild":
		if len(j.runs) > 0 {
			return j.runs[0]
		}
	case "lastCompletedBuild":
		return j.lastWith(func(*run) bool { return true })
	case "lastSuccessfulBuild", "lastStableBuild":
		return j.lastWith(func(r *run) bool { return r.result == resultSuccess })
	case "lastFailedBuild":
		return j.lastWith(func(r *run) bool { return r.result == resultFailure })
	case "lastUnsuccessfulBuild":
		return j.lastWith(func(r *run) bool { return r.result != resultSuccess })
	}
	return nil
}

// doBuild is ParameterizedJobMixIn.doBuild.
func (s *Sim) doBuild(w http.ResponseWriter, r *http.Request, a *authn, j *job) {
	_ = parseAnyForm(r)
	quiet, ok := s.delay(w, r, j)
	if !ok {
		return
	}
	if len(j.params) > 0 && r.Method != http.MethodPost {
		s.simplePage(w, j.name+" [Jenkins]", "This build requires parameters")
		return
	}
	if r.Method != http.MethodPost {
		s.requirePOST(w, r)
		return
	}
	var params []param
	if len(j.params) > 0 {
		// ParametersDefinitionProperty._doBuild reads the submitted form.
		form := r.FormValue("json")
		if form == "" {
			if len(r.Form) > 0 {
				s.containerError(w, r, http.StatusBadRequest, "This page expects a form submission")
			} else {
				s.containerError(w, r, http.StatusBadRequest, "Nothing is submitted")
			}
			return
		}
		var err error
		if params, err = formParams(j, form); err != nil {
			s.oops(w, http.StatusInternalServerError)
			return
		}
	}
	s.scheduleFromRequest(w, a, j, quiet, params)
}

// doBuildWithParameters is ParameterizedJobMixIn.doBuildWithParameters.
func (s *Sim) doBuildWithParameters(w http.ResponseWriter, r *http.Request, a *authn, j *job) {
	_ = parseAnyForm(r)
	if r.Method != http.MethodPost {
		s.requirePOST(w, r)
		return
	}
	quiet, ok := s.delay(w, r, j)
	if !ok {
		return
	}
	if len(j.params) == 0 {
		s.oops(w, http.StatusBadRequest) // "NAME is not parameterized"
		return
	}
	params := make([]param, 0, len(j.params))
	for _, p := range j.params {
		params = append(params, param{name: p, value: r.FormValue(p)})
	}
	s.scheduleFromRequest(w, a, j, quiet, params)
}

// delay reads the delay parameter (TimeDuration: "5sec", or milliseconds); without it the
// job's quiet period applies.
func (s *Sim) delay(w http.ResponseWriter, r *http.Request, j *job) (time.Duration, bool) {
	v, ok := r.Form["delay"]
	if !ok {
		return j.quiet, true
	}
	d := strings.TrimSpace(v[0])
	unit := time.Millisecond
	if strings.HasSuffix(d, "sec") || strings.HasSuffix(d, "secs") {
		d = strings.TrimSpace(d[:strings.LastIndex(d, "sec")])
		unit = time.Second
	}
	n, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		s.oops(w, http.StatusInternalServerError) // Invalid time duration value
		return 0, false
	}
	// Queue.schedule2 takes whole seconds (TimeDuration.getTimeInSeconds).
	return time.Duration(int64(time.Duration(n)*unit)/int64(time.Second)) * time.Second, true
}

// formParams reads {"parameter":[{"name":..,"value":..}]} (or a single object), defaults for
// the parameters not given.
func formParams(j *job, form string) ([]param, error) {
	var f struct {
		Parameter json.RawMessage `json:"parameter"`
	}
	if err := json.Unmarshal([]byte(form), &f); err != nil {
		return nil, err
	}
	type pv struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	}
	var list []pv
	if len(f.Parameter) > 0 && f.Parameter[0] == '[' {
		if err := json.Unmarshal(f.Parameter, &list); err != nil {
			return nil, err
		}
	} else if len(f.Parameter) > 0 {
		var one pv
		if err := json.Unmarshal(f.Parameter, &one); err != nil {
			return nil, err
		}
		list = append(list, one)
	}
	given := map[string]string{}
	for _, p := range list {
		given[p.Name] = str(p.Value)
	}
	out := make([]param, 0, len(j.params))
	for _, name := range j.params {
		out = append(out, param{name: name, value: given[name]})
	}
	return out, nil
}

// scheduleFromRequest queues a build caused by the requesting user and answers 201 with the
// item's absolute URL in Location.
func (s *Sim) scheduleFromRequest(w http.ResponseWriter, a *authn, j *job, quiet time.Duration, params []param) {
	s.mu.Lock()
	it, _ := s.scheduleLocked(j.task, quiet, params, userIDCause(a.name()))
	id := it.id
	s.mu.Unlock()
	w.Header().Set("Location", s.URL()+"queue/item/"+strconv.FormatInt(id, 10)+"/")
	w.WriteHeader(http.StatusCreated)
}

func pathEscape(s string) string { return url.PathEscape(s) }

func (s *Sim) jobURL(j *job) string { return s.URL() + "job/" + pathEscape(j.name) + "/" }

func (s *Sim) runURL(r *run) string { return s.jobURL(r.job) + strconv.Itoa(r.number) + "/" }

func (s *Sim) sortedJobsLocked() []*job {
	out := make([]*job, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool { return javaLess(strings.ToLower(out[i].name), strings.ToLower(out[k].name)) })
	return out
}

// jobBean exports a FreeStyleProject or WorkflowJob (declared as an Item or Task wherever it
// appears, so always with _class): Actionable, AbstractItem, Job, then the project type's
// properties, each group sorted by name.
func (s *Sim) jobBean(j *job) *bean {
	b := newBean(j.class())
	b.lazy("actions", visDefault, func() any {
		if len(j.params) > 0 {
			return []any{paramsDefinitionBean(j)}
		}
		return []any{}
	})
	b.add("description", "")
	b.add("displayName", j.name)
	b.add("displayNameOrNull", nil)
	b.add("fullDisplayName", j.name)
	b.add("fullName", j.name)
	b.addVis("name", 999, j.name)
	b.addVis("url", 999, s.jobURL(j))
	b.add("buildable", true)
	b.lazy("builds", visDefault, func() any {
		out := []any{}
		for i := len(j.runs) - 1; i >= 0 && len(out) < 100; i-- {
			out = append(out, s.runBean(j.runs[i], j.runClass()))
		}
		return out
	})
	b.addVis("color", 2, j.color())
	runRef := func(r *run) any {
		if r == nil {
			return nil
		}
		return s.runBean(r, j.runClass())
	}
	b.lazy("firstBuild", visDefault, func() any { return runRef(j.runFor("firstBuild")) })
	b.lazy("healthReport", visDefault, func() any {
		score, desc, ok := j.healthReport()
		if !ok {
			return []any{}
		}
		cls, img := healthIcon(score)
		h := newBean("")
		h.addVis("description", 2, desc).addVis("iconClassName", 2, cls).addVis("iconUrl", 2, img).addVis("score", 2, score)
		return []any{h}
	})
	var qi *item
	looked := false
	queueItem := func() *item {
		if !looked {
			qi, looked = s.jobQueueItemLocked(j), true
		}
		return qi
	}
	b.lazy("inQueue", visDefault, func() any { return queueItem() != nil })
	b.add("keepDependencies", false)
	b.lazy("lastBuild", visDefault, func() any { return runRef(j.lastBuild()) })
	b.lazy("lastCompletedBuild", visDefault, func() any { return runRef(j.runFor("lastCompletedBuild")) })
	b.lazy("lastFailedBuild", visDefault, func() any { return runRef(j.runFor("lastFailedBuild")) })
	b.lazy("lastStableBuild", visDefault, func() any { return runRef(j.runFor("lastStableBuild")) })
	b.lazy("lastSuccessfulBuild", visDefault, func() any { return runRef(j.runFor("lastSuccessfulBuild")) })
	b.add("lastUnstableBuild", nil)
	b.lazy("lastUnsuccessfulBuild", visDefault, func() any { return runRef(j.runFor("lastUnsuccessfulBuild")) })
	b.add("nextBuildNumber", j.nextNumber)
	b.inlined("property", visDefault, func() any {
		if len(j.params) > 0 {
			return []any{paramsDefinitionBean(j)}
		}
		return []any{}
	})
	b.lazy("queueItem", visDefault, func() any {
		if it := queueItem(); it != nil {
			return s.itemBean(it)
		}
		return nil
	})
	b.add("concurrentBuild", j.concurrent)
	b.add("disabled", false)
	if j.kind == Pipeline {
		b.add("resumeBlocked", false)
		return b
	}
	b.add("downstreamProjects", []any{})
	if j.expr != nil {
		b.add("labelExpression", exprText(j))
	} else {
		b.add("labelExpression", nil)
	}
	b.lazy("scm", visDefault, func() any { return newBean("hudson.scm.NullSCM") })
	b.add("upstreamProjects", []any{})
	return b
}

// jobQueueItemLocked is Job.getQueueItem: the job's item in the queue, if any.
func (s *Sim) jobQueueItemLocked(j *job) *item {
	for _, it := range s.q.liveItems() {
		if it.task == j.task {
			return it
		}
	}
	return nil
}

// paramsDefinitionBean exports the job's ParametersDefinitionProperty.
func paramsDefinitionBean(j *job) *bean {
	defs := make([]any, 0, len(j.params))
	for _, p := range j.params {
		dv := newBean("hudson.model.StringParameterValue")
		dv.addVis("name", 3, p).addVis("value", 4, "")
		d := newBean("hudson.model.StringParameterDefinition")
		d.addVis("defaultParameterValue", 3, dv).addVis("description", 3, "").addVis("name", 3, p).
			addVis("type", 3, "StringParameterDefinition").addVis("trim", 3, false)
		defs = append(defs, d)
	}
	b := newBean("hudson.model.ParametersDefinitionProperty")
	b.add("parameterDefinitions", defs)
	return b
}

// runBean exports a Run of the given class.
func (s *Sim) runBean(r *run, class string) *bean {
	b := newBean(class)
	b.add("actions", actionBeans(r.actions))
	b.add("artifacts", []any{})
	b.add("building", r.result == "")
	b.add("description", nil)
	b.add("displayName", "#"+strconv.Itoa(r.number))
	if r.result == "" {
		b.add("duration", 0)
	} else {
		b.add("duration", r.end.Sub(r.start).Milliseconds())
	}
	b.add("estimatedDuration", r.job.estimatedDuration())
	b.lazy("executor", visDefault, func() any {
		e := r.executor()
		if e == nil {
			return nil
		}
		if e == r.oneOff {
			return s.executorBean(e, "hudson.model.OneOffExecutor")
		}
		return s.executorBean(e, "")
	})
	b.add("fullDisplayName", r.job.name+" #"+strconv.Itoa(r.number))
	b.add("id", strconv.Itoa(r.number))
	b.add("inProgress", r.result == "")
	b.add("keepLog", false)
	b.addVis("number", 2, r.number)
	b.add("queueId", r.queueID)
	if r.result == "" {
		b.add("result", nil)
	} else {
		b.add("result", r.result)
	}
	b.add("timestamp", r.start.UnixMilli())
	b.addVis("url", 2, s.runURL(r))
	if r.job.kind == Pipeline {
		b.add("changeSets", []any{})
		b.add("culprits", []any{})
		b.lazy("nextBuild", visDefault, func() any { return s.runRefBean(r.job.runByNumber(r.number + 1)) })
		b.lazy("previousBuild", visDefault, func() any { return s.runRefBean(r.job.runByNumber(r.number - 1)) })
		return b
	}
	builtOn := ""
	if r.exec != nil {
		builtOn = r.exec.node.name
	}
	b.add("builtOn", builtOn)
	b.lazy("changeSet", visDefault, func() any {
		cs := newBean("hudson.scm.EmptyChangeLogSet")
		cs.addVis("items", 999, []any{}).addVis("kind", 999, nil)
		return cs
	})
	b.add("culprits", []any{})
	return b
}

// runRefBean is a WorkflowRun's previous/next build (declared as WorkflowRun: no _class).
func (s *Sim) runRefBean(r *run) any {
	if r == nil {
		return nil
	}
	return s.runBean(r, "")
}

// exprText is AbstractProject.getAssignedLabelString: the label as the job's
// configuration holds it, as typed in the job's form (not normalized).
func exprText(j *job) string {
	return j.labelText
}
