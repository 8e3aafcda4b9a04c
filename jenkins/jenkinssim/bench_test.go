package jenkinssim_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// The simulator's own cost per call, so that latency benchmarks of its clients can subtract it.

func BenchmarkQueueAPI(b *testing.B) {
	s, err := jenkinssim.Start(jenkinssim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("job%02d", i)
		if err := s.CreateJob(jenkinssim.JobSpec{Name: name, Label: "linux&&docker"}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.QueueBuild(name, nil); err != nil {
			b.Fatal(err)
		}
	}
	u := s.Users()[0]
	url := s.URL() + "queue/api/json?tree=items[_class,id,why,buildable,blocked,stuck,inQueueSince,task[_class,name,url]]"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth(u.Name, u.APIToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func BenchmarkComputerAPI(b *testing.B) {
	s, err := jenkinssim.Start(jenkinssim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 20; i++ {
		err := s.CreateNode(jenkinssim.NodeSpec{Name: fmt.Sprintf("agent%02d", i), NumExecutors: 1, Labels: "linux docker",
			Launcher: &jenkinssim.InboundLauncher{WebSocket: true}})
		if err != nil {
			b.Fatal(err)
		}
	}
	u := s.Users()[0]
	url := s.URL() + "computer/api/json?tree=computer[_class,displayName,description,offline,temporarilyOffline,idle,numExecutors,jnlpAgent,offlineCauseReason,assignedLabels[name],executors[idle,currentExecutable[url]]]"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth(u.Name, u.APIToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// A whole build cycle on the built-in node: queue, start (the scheduler runs inline), end (a
// zero-length build ends on its timer) and the scheduler's pass after it.
func BenchmarkBuildCycle(b *testing.B) {
	s, err := jenkinssim.Start(jenkinssim.Options{BuiltInExecutors: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Concurrent: true}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.QueueBuild("j", nil); err != nil {
			b.Fatal(err)
		}
		want := i + 1
		err := s.WaitFor(ctx, func() bool {
			bs := s.Builds()
			return len(bs) == want && bs[want-1].Result != ""
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
