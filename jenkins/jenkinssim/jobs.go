package jenkinssim

import (
	"fmt"
	"strings"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// JobKind is the type of a job.
type JobKind int

const (
	// Freestyle is hudson.model.FreeStyleProject: a build is queued with the job's label and
	// runs on one executor.
	Freestyle JobKind = iota
	// Pipeline is org.jenkinsci.plugins.workflow.job.WorkflowJob whose script is
	// node('LABEL') { sleep DURATION }: the run starts on the built-in node as a flyweight
	// task, then queues an ExecutorStepExecution$PlaceholderTask with the label.
	Pipeline
)

// JobSpec describes a job.
type JobSpec struct {
	Name string
	Kind JobKind
	// Label is the label expression the build (Freestyle) or its node() step (Pipeline) is
	// restricted to; "" for none.
	Label string
	// Duration is how long each build occupies its executor.
	Duration time.Duration
	// Concurrent allows concurrent builds; otherwise a queued build is a BlockedItem while a
	// build of the job runs.
	Concurrent bool
	// QuietPeriod is the job's quiet period: a build waits this long as a WaitingItem.
	QuietPeriod time.Duration
	// Parameters names the job's string parameters; with any, the job is parameterized and
	// builds are triggered with /buildWithParameters (or QueueBuild's params).
	Parameters []string
}

const (
	classFreeStyleProject = "hudson.model.FreeStyleProject"
	classFreeStyleBuild   = "hudson.model.FreeStyleBuild"
	classWorkflowJob      = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
	classWorkflowRun      = "org.jenkinsci.plugins.workflow.job.WorkflowRun"
	classPlaceholderTask  = "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask"
	classPlaceholderExec  = classPlaceholderTask + "$PlaceholderExecutable"
)

// job is a TopLevelItem.
type job struct {
	name string
	kind JobKind
	expr label.Expr // nil for no label
	// labelText is the label as the job's configuration holds it: what was
	// typed, trimmed (AbstractProject.submit stores the form field as is).
	labelText  string
	duration   time.Duration
	concurrent bool
	quiet      time.Duration
	params     []string
	nextNumber int
	runs       []*run // oldest first
	task       *task  // the job as a queue task
}

// run is a Run: a FreeStyleBuild or a WorkflowRun.
type run struct {
	job     *job
	number  int
	queueID int64
	actions []action
	start   time.Time
	end     time.Time
	result  string // "" while building
	// exec is the work on an executor: the freestyle build itself, or the Pipeline's node()
	// block once it got an executor.
	exec *execution
	// oneOff is the built-in node's OneOffExecutor a Pipeline run occupies.
	oneOff *executor
	// placeholder is the Pipeline's node() task.
	placeholder *task
}

// execution is work occupying an executor.
type execution struct {
	run         *run
	placeholder bool
	queueID     int64
	exec        *executor
	node        *node
	start, end  time.Time
	result      string
	estimated   int64 // executableEstimatedDuration, ms (-1 unknown)
	timer       *time.Timer
}

func (s *Sim) newJob(spec JobSpec) (*job, error) {
	if err := checkGoodName(spec.Name); err != nil {
		return nil, fmt.Errorf("jenkinssim: create job %q: %w", spec.Name, err)
	}
	if spec.Kind != Freestyle && spec.Kind != Pipeline {
		return nil, fmt.Errorf("jenkinssim: create job %q: unknown kind %d", spec.Name, spec.Kind)
	}
	if spec.Duration < 0 || spec.QuietPeriod < 0 {
		return nil, fmt.Errorf("jenkinssim: create job %q: negative duration or quiet period", spec.Name)
	}
	expr, err := label.Parse(spec.Label)
	if err != nil {
		return nil, fmt.Errorf("jenkinssim: create job %q: label %q: %w", spec.Name, spec.Label, err)
	}
	j := &job{
		name:       spec.Name,
		kind:       spec.Kind,
		expr:       expr,
		labelText:  strings.TrimSpace(spec.Label),
		duration:   spec.Duration,
		concurrent: spec.Concurrent,
		quiet:      spec.QuietPeriod,
		params:     append([]string(nil), spec.Parameters...),
		nextNumber: 1,
	}
	kind := taskFreestyle
	if spec.Kind == Pipeline {
		kind = taskWorkflow
	}
	j.task = &task{kind: kind, job: j}
	return j, nil
}

func (j *job) class() string {
	if j.kind == Pipeline {
		return classWorkflowJob
	}
	return classFreeStyleProject
}

func (j *job) runClass() string {
	if j.kind == Pipeline {
		return classWorkflowRun
	}
	return classFreeStyleBuild
}

func (j *job) lastBuild() *run {
	if len(j.runs) == 0 {
		return nil
	}
	return j.runs[len(j.runs)-1]
}

// building is Job.isLogUpdated for the last build: true while it runs.
func (j *job) building() *run {
	if b := j.lastBuild(); b != nil && b.result == "" {
		return b
	}
	return nil
}

// estimatedDuration is Job.getEstimatedDuration in ms: the mean duration of up to three
// recent successful builds (failed ones as a fallback), -1 when there is none.
func (j *job) estimatedDuration() int64 {
	var cands []*run
	lastOK := -1
	for i := len(j.runs) - 1; i >= 0; i-- {
		if j.runs[i].result == resultSuccess {
			cands = append(cands, j.runs[i])
			lastOK = j.runs[i].number
			break
		}
	}
	var fallback []*run
	for i, seen := len(j.runs)-1, 0; i >= 0 && len(cands) < 3 && seen < 6; i, seen = i-1, seen+1 {
		r := j.runs[i]
		if r.result == "" || r.number == lastOK {
			continue
		}
		switch r.result {
		case resultSuccess:
			cands = append(cands, r)
		case resultFailure:
			fallback = append(fallback, r)
		}
	}
	for len(cands) < 3 && len(fallback) > 0 {
		cands = append(cands, fallback[0])
		fallback = fallback[1:]
	}
	if len(cands) == 0 {
		return -1
	}
	var total int64
	for _, r := range cands {
		total += r.end.Sub(r.start).Milliseconds()
	}
	if total == 0 {
		return -1
	}
	return (total + int64(len(cands))/2) / int64(len(cands))
}

const (
	resultSuccess = "SUCCESS"
	resultFailure = "FAILURE"
	resultAborted = "ABORTED"
)

// color is Job.getIconColor / Run.getIconColor.
func (j *job) color() string {
	b := j.lastBuild()
	if b == nil {
		return "notbuilt"
	}
	return b.color()
}

func (r *run) color() string {
	if r.result == "" {
		var prev *run
		if r.number > 1 {
			prev = r.job.runByNumber(r.number - 1)
		}
		if prev == nil {
			return "notbuilt_anime"
		}
		return prev.color() + "_anime"
	}
	switch r.result {
	case resultSuccess:
		return "blue"
	case resultFailure:
		return "red"
	default:
		return "aborted"
	}
}

func (j *job) runByNumber(n int) *run {
	for _, r := range j.runs {
		if r.number == n {
			return r
		}
	}
	return nil
}

// lastWith returns the newest completed run accepted by keep.
func (j *job) lastWith(keep func(*run) bool) *run {
	for i := len(j.runs) - 1; i >= 0; i-- {
		if r := j.runs[i]; r.result != "" && keep(r) {
			return r
		}
	}
	return nil
}

// healthReport is Job.getBuildStabilityHealthReport; ok is false when Jenkins reports none.
func (j *job) healthReport() (score int, desc string, ok bool) {
	last := j.lastBuild()
	if last != nil && last.result == "" {
		// getBuildHealthReports shows the previous build's report while one runs.
		last = j.runByNumber(last.number - 1)
	}
	if last == nil {
		return 0, "", false
	}
	lastFailed := j.lastWith(func(r *run) bool { return r.result == resultFailure })
	if lastFailed == nil {
		return 100, "Build stability: No recent builds failed.", true
	}
	fail, total := 0, 0
	for i := len(j.runs) - 1; i >= 0 && total < 5; i-- {
		switch j.runs[i].color() {
		case "blue":
			total++
		case "red":
			fail++
			total++
		}
	}
	if total == 0 {
		return 0, "", false
	}
	score = 100 * (total - fail) / total
	switch {
	case fail == 0:
		desc = "No recent builds failed."
	case fail == total:
		desc = "All recent builds failed."
	default:
		desc = fmt.Sprintf("%d out of the last %d builds failed.", fail, total)
	}
	return score, "Build stability: " + desc, true
}

// healthIcon is HealthReport's icon class and image for a score.
func healthIcon(score int) (class, img string) {
	switch {
	case score <= 20:
		return "icon-health-00to19", "health-00to19.png"
	case score <= 40:
		return "icon-health-20to39", "health-20to39.png"
	case score <= 60:
		return "icon-health-40to59", "health-40to59.png"
	case score <= 80:
		return "icon-health-60to79", "health-60to79.png"
	default:
		return "icon-health-80plus", "health-80plus.png"
	}
}
