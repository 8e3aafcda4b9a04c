package jenkinssim_test

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

func buildsOf(s *jenkinssim.Sim, job string) []jenkinssim.Build {
	var out []jenkinssim.Build
	for _, b := range s.Builds() {
		if b.Job == job {
			out = append(out, b)
		}
	}
	return out
}

func finished(s *jenkinssim.Sim, job string, n int) func() bool {
	return func() bool {
		done := 0
		for _, b := range buildsOf(s, job) {
			if b.Result != "" {
				done++
			}
		}
		return done >= n
	}
}

// Builds run only on nodes their label matches, and the build record says where and for which
// queue item.
func TestBuildsRunOnMatchingNodesOnly(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "win", "windows", jenkinssim.Normal)
	inboundNode(t, s, "lin", "linux docker", jenkinssim.Normal)
	connectAgent(t, s, "win")
	connectAgent(t, s, "lin")
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Label: "linux&&docker", Duration: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	id, err := s.QueueBuild("j", nil)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "build finished", finished(s, "j", 1))
	b := buildsOf(s, "j")[0]
	if b.Node != "lin" || b.QueueID != id || b.Number != 1 || b.Result != "SUCCESS" {
		t.Fatalf("build = %+v, want #1 of item %d on lin, SUCCESS", b, id)
	}
	if b.Started.IsZero() || b.Finished.Before(b.Started) {
		t.Fatalf("build times %v .. %v", b.Started, b.Finished)
	}
	// The item left the queue with its executable; the build reports where it was built.
	c := tokenClient(t, s)
	left := c.json("queue/item/" + itoaID(id) + "/api/json")
	exe, _ := left["executable"].(map[string]any)
	if left["_class"] != "hudson.model.Queue$LeftItem" || left["cancelled"] != false || exe["number"] != 1.0 {
		t.Fatalf("left item = %v", left)
	}
	build := c.json("job/j/1/api/json")
	if build["builtOn"] != "lin" || build["result"] != "SUCCESS" || build["queueId"] != float64(id) {
		t.Fatalf("build JSON builtOn %v result %v queueId %v", build["builtOn"], build["result"], build["queueId"])
	}
}

// Node.canTake: an unlabelled build never goes to an EXCLUSIVE node; a labelled one does.
func TestExclusiveMode(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "ex", "linux", jenkinssim.Exclusive)
	connectAgent(t, s, "ex")
	for _, j := range []jenkinssim.JobSpec{
		{Name: "free", Duration: 10 * time.Millisecond},
		{Name: "tied", Label: "linux", Duration: 10 * time.Millisecond},
	} {
		if err := s.CreateJob(j); err != nil {
			t.Fatal(err)
		}
	}
	freeID, _ := s.QueueBuild("free", nil)
	if _, err := s.QueueBuild("tied", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "tied build on the EXCLUSIVE node", finished(s, "tied", 1))
	if b := buildsOf(s, "tied")[0]; b.Node != "ex" {
		t.Fatalf("tied build ran on %q", b.Node)
	}
	if got := buildsOf(s, "free"); len(got) != 0 {
		t.Fatalf("unlabelled build ran on an EXCLUSIVE node: %+v", got)
	}
	if v, ok := s.QueueItem(freeID); !ok || v.Class != "hudson.model.Queue$BuildableItem" {
		t.Fatalf("unlabelled item = %+v", v)
	}
	// A NORMAL node takes it.
	inboundNode(t, s, "normal", "", jenkinssim.Normal)
	connectAgent(t, s, "normal")
	waitFor(t, s, "unlabelled build on the NORMAL node", finished(s, "free", 1))
	if b := buildsOf(s, "free")[0]; b.Node != "normal" {
		t.Fatalf("unlabelled build ran on %q", b.Node)
	}
}

// The built-in node takes builds only when it has executors (0 by default).
func TestBuiltInExecutors(t *testing.T) {
	s := startSim(t, jenkinssim.Options{BuiltInExecutors: 1})
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Duration: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueBuild("j", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "build on the built-in node", finished(s, "j", 1))
	if b := buildsOf(s, "j")[0]; b.Node != "" {
		t.Fatalf("build ran on %q, want the built-in node", b.Node)
	}
	c := tokenClient(t, s)
	if got := c.json("job/j/1/api/json")["builtOn"]; got != "" {
		t.Fatalf("builtOn = %q, want \"\" for the built-in node", got)
	}
}

// Items are taken oldest first; a non-concurrent job's next build waits for the running one.
func TestOldestFirstAndNonConcurrent(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "a", "linux", jenkinssim.Normal)
	for _, name := range []string{"first", "second"} {
		if err := s.CreateJob(jenkinssim.JobSpec{Name: name, Label: "linux", Duration: 10 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	id1, _ := s.QueueBuild("first", nil)
	id2, _ := s.QueueBuild("second", nil)
	connectAgent(t, s, "a")
	waitFor(t, s, "both builds", func() bool { return finished(s, "first", 1)() && finished(s, "second", 1)() })
	all := s.Builds()
	if all[0].QueueID != id1 || all[1].QueueID != id2 {
		t.Fatalf("order = %d, %d; want %d then %d", all[0].QueueID, all[1].QueueID, id1, id2)
	}
	if all[1].Started.Before(all[0].Finished) {
		t.Fatalf("second build started before the single executor was free")
	}

	// Non-concurrent: #2 waits for #1 although a second executor is free.
	inboundNode(t, s, "b", "linux", jenkinssim.Normal)
	connectAgent(t, s, "b")
	if _, err := s.QueueBuild("first", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "first #2 running", func() bool { return len(buildsOf(s, "first")) == 2 })
	if _, err := s.QueueBuild("first", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "first #3 finished", finished(s, "first", 3))
	b := buildsOf(s, "first")
	if b[2].Started.Before(b[1].Finished) {
		t.Fatalf("#3 started at %v before #2 finished at %v", b[2].Started, b[1].Finished)
	}
}

// Deleting a busy node aborts its build; temporarily offline nodes take nothing.
func TestDeleteBusyNodeAndTemporarilyOffline(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	inboundNode(t, s, "a", "linux", jenkinssim.Normal)
	connectAgent(t, s, "a")
	if r := c.post("computer/a/toggleOffline", nil); r.status != 302 {
		t.Fatalf("toggleOffline: %d", r.status)
	}
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "long", Label: "linux", Duration: time.Hour}); err != nil {
		t.Fatal(err)
	}
	id, _ := s.QueueBuild("long", nil)
	if v, _ := s.QueueItem(id); v.Why != "‘a’ is offline" || len(s.Builds()) != 0 {
		t.Fatalf("temporarily offline node: item %+v, builds %+v", v, s.Builds())
	}
	if r := c.post("computer/a/toggleOffline", nil); r.status != 302 {
		t.Fatalf("toggleOffline back: %d", r.status)
	}
	waitFor(t, s, "build running", func() bool { return len(buildsOf(s, "long")) == 1 })
	if r := c.post("computer/a/doDelete", nil); r.status != 302 {
		t.Fatalf("doDelete: %d", r.status)
	}
	b := buildsOf(s, "long")[0]
	if b.Result != "ABORTED" || b.Finished.IsZero() || b.Node != "a" {
		t.Fatalf("build on the deleted node = %+v, want ABORTED", b)
	}
	if got := c.json("job/long/1/api/json")["result"]; got != "ABORTED" {
		t.Fatalf("result = %v", got)
	}
}

// A Pipeline's run starts on the built-in node as a flyweight task and queues its node() step
// as a PlaceholderTask, which an agent with the label takes.
func TestPipelinePlaceholder(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "p", Kind: jenkinssim.Pipeline, Label: "linux", Duration: 10 * time.Millisecond, Concurrent: true}); err != nil {
		t.Fatal(err)
	}
	runItem, _ := s.QueueBuild("p", nil)
	c := tokenClient(t, s)
	left := c.json("queue/item/" + itoaID(runItem) + "/api/json")
	exe, _ := left["executable"].(map[string]any)
	if left["_class"] != "hudson.model.Queue$LeftItem" || exe["_class"] != "org.jenkinsci.plugins.workflow.job.WorkflowRun" {
		t.Fatalf("the WorkflowJob item = %v", left)
	}
	q := c.json("queue/api/json")
	items, _ := q["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("queue = %v", q)
	}
	ph := items[0].(map[string]any)
	task := ph["task"].(map[string]any)
	if task["_class"] != "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask" || len(task) != 1 {
		t.Fatalf("placeholder task at depth 0 = %v, want only _class", task)
	}
	// The built-in node is busy with the flyweight run.
	bi := c.json("computer/(built-in)/api/json")
	if bi["idle"] != false || len(bi["oneOffExecutors"].([]any)) != 1 {
		t.Fatalf("built-in node while the run waits: idle %v oneOff %v", bi["idle"], bi["oneOffExecutors"])
	}
	phID := int64(ph["id"].(float64))
	inboundNode(t, s, "a", "linux", jenkinssim.Normal)
	connectAgent(t, s, "a")
	waitFor(t, s, "node block finished", finished(s, "p", 1))
	b := buildsOf(s, "p")[0]
	if b.QueueID != phID || b.Node != "a" || b.Result != "SUCCESS" {
		t.Fatalf("pipeline build = %+v, want placeholder item %d on a", b, phID)
	}
	run := c.json("job/p/1/api/json")
	if run["_class"] != "org.jenkinsci.plugins.workflow.job.WorkflowRun" || run["result"] != "SUCCESS" {
		t.Fatalf("run = %v %v", run["_class"], run["result"])
	}
	if _, ok := run["builtOn"]; ok {
		t.Fatalf("a WorkflowRun exports no builtOn")
	}
}

// Cancelling a queued item leaves a cancelled LeftItem; cancelling it again is refused.
func TestCancelQueueItem(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Label: "linux"}); err != nil {
		t.Fatal(err)
	}
	id, _ := s.QueueBuild("j", nil)
	c := tokenClient(t, s)
	if r := c.post("queue/cancelItem?id="+itoaID(id), nil); r.status != 204 {
		t.Fatalf("cancelItem: %d", r.status)
	}
	left := c.json("queue/item/" + itoaID(id) + "/api/json")
	if left["_class"] != "hudson.model.Queue$LeftItem" || left["cancelled"] != true || left["executable"] != nil || left["why"] != nil {
		t.Fatalf("cancelled item = %v", left)
	}
	if r := c.post("queue/cancelItem?id="+itoaID(id), nil); r.status != 500 {
		t.Fatalf("cancel a left item: %d, want 500", r.status)
	}
	if r := c.post("queue/cancelItem?id=999", nil); r.status != 404 {
		t.Fatalf("cancel an unknown item: %d, want 404", r.status)
	}
	if len(s.Queue()) != 0 {
		t.Fatalf("queue after cancel = %+v", s.Queue())
	}
}
