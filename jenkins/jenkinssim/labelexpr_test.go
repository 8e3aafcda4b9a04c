package jenkinssim_test

import (
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// A job's labelExpression is exported as its configuration holds it, as
// typed in the job form, not normalized; the why texts use the normalized
// form.
func TestLabelExpressionAsTyped(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "web", Label: " linux && docker ", Duration: time.Second}); err != nil {
		t.Fatal(err)
	}
	if got := c.json("job/web/api/json?tree=labelExpression")["labelExpression"]; got != "linux && docker" {
		t.Errorf("job labelExpression = %q, want the typed text, trimmed", got)
	}
	id, err := s.QueueBuild("web", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := c.json("queue/api/json?tree=items[id,why,task[labelExpression]]")
	items, _ := q["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("queue: %v", q)
	}
	item := items[0].(map[string]any)
	if task := item["task"].(map[string]any); task["labelExpression"] != "linux && docker" {
		t.Errorf("queue task labelExpression = %v", task["labelExpression"])
	}
	if why := itemWhy(t, c, id); why != "Waiting for next available executor" {
		// No agent nodes at all: Jenkins drops the label from why.
		t.Errorf("why = %q", why)
	}
}
