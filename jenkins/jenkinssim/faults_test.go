package jenkinssim_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

func TestRequestLogCountsCalls(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	s.ResetRequests()
	c.get("queue/api/json?tree=items[id,why]")
	c.get("computer/api/json")
	c.get("computer/api/json")
	c.get("computer/nope/api/json")
	reqs := s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests logged, want 4: %+v", len(reqs), reqs)
	}
	first := reqs[0]
	if first.Method != "GET" || first.Path != "/queue/api/json" || first.RawQuery != "tree=items[id,why]" || first.Status != 200 || first.Start.IsZero() {
		t.Fatalf("first = %+v", first)
	}
	count := 0
	for _, r := range reqs {
		if r.Path == "/computer/api/json" {
			count++
		}
	}
	if count != 2 || reqs[3].Status != 404 {
		t.Fatalf("computer calls %d, last status %d", count, reqs[3].Status)
	}
	s.ResetRequests()
	if got := len(s.Requests()); got != 0 {
		t.Fatalf("%d requests after reset", got)
	}
}

func TestFailNext(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	c := tokenClient(t, s)
	if err := s.FailNext(2, 404); err == nil {
		t.Fatalf("FailNext accepted a 4xx status")
	}
	if err := s.FailNext(2, 503); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if r := c.get("api/json"); r.status != 503 || !strings.Contains(r.body, "HTTP ERROR 503") {
			t.Fatalf("request %d: %d %q", i, r.status, r.body)
		}
	}
	if r := c.get("api/json"); r.status != 200 {
		t.Fatalf("third request: %d", r.status)
	}
	if err := s.FailNext(1, 500); err != nil {
		t.Fatal(err)
	}
	if r := c.get("api/json"); r.status != 500 || !strings.Contains(r.body, "A problem occurred while processing the request") {
		t.Fatalf("500: %d %q", r.status, r.body)
	}
}

func TestLatency(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"api/json", nil)
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request with latency 1h and a 100ms deadline: %v", err)
	}
	s.SetLatency(0)
	if r := tokenClient(t, s).get("api/json"); r.status != 200 {
		t.Fatalf("without latency: %d", r.status)
	}
}

func TestSetDown(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "a1", "", jenkinssim.Normal)
	a := connectAgent(t, s, "a1")
	if err := s.SetDown(true); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s.URL(), "http://"), "/")
	if conn, err := net.DialTimeout("tcp", host, 5*time.Second); err == nil {
		conn.Close()
		t.Fatalf("connection to %s accepted while down", host)
	}
	<-a.done // the inbound agent's WebSocket was closed
	waitFor(t, s, "a1 offline", nodeIs(s, "a1", func(n jenkinssim.NodeView) bool { return !n.Connected }))
	if err := s.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if r := tokenClient(t, s).get("computer/a1/api/json"); r.status != 200 {
		t.Fatalf("after coming back: %d", r.status)
	}
	connectAgent(t, s, "a1")
}

// Deep depth= requests follow the model's cycles (build -> executor -> build, node -> label ->
// node) only as deep as asked and stay valid JSON; a malformed tree= or depth= is Jenkins' 500.
func TestDeepAndMalformedQueries(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
	connectAgent(t, s, "a1")
	occupy(t, s, "busy", "linux")
	mustJob(t, s, jenkinssim.JobSpec{Name: "p", Kind: jenkinssim.Pipeline, Label: "linux"})
	if _, err := s.QueueBuild("p", nil); err != nil {
		t.Fatal(err)
	}
	c := tokenClient(t, s)
	for _, p := range []string{"api/json?depth=4", "computer/api/json?depth=5", "queue/api/json?depth=4", "job/busy/api/json?depth=3", "job/busy/1/api/json?depth=4&pretty=true"} {
		c.json(p) // fails the test unless 200 and a JSON object
	}
	deep := c.json("computer/api/json?tree=computer[executors[currentExecutable[number,executor[currentExecutable[number]]]]]")
	exe := deep["computer"].([]any)[1].(map[string]any)["executors"].([]any)[0].(map[string]any)["currentExecutable"].(map[string]any)
	if exe["_class"] != "hudson.model.FreeStyleBuild" || exe["number"] != 1.0 {
		t.Fatalf("currentExecutable = %v", exe)
	}
	for _, p := range []string{"api/json?tree=", "api/json?tree=jobs[name", "api/json?depth=x"} {
		if r := c.get(p); r.status != 500 {
			t.Errorf("GET %s: %d, want 500", p, r.status)
		}
	}
}
