package jenkinssim_test

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// The queue's `why` text at each moment, as BuildableItem.getCauseOfBlockage,
// WaitingItem.getCauseOfBlockage and BlockedBecauseOfBuildInProgress produce it.
func TestWhyTexts(t *testing.T) {
	const hour = time.Hour
	tests := []struct {
		name  string
		opts  jenkinssim.Options
		setup func(t *testing.T, s *jenkinssim.Sim)
		job   jenkinssim.JobSpec
		want  string // exact text, or a regexp when wantRE is set
		re    bool
		stuck bool
	}{
		{
			name:  "no agents at all: the label is dropped",
			job:   jenkinssim.JobSpec{Name: "j", Label: "linux && docker", Duration: hour},
			want:  "Waiting for next available executor",
			stuck: true, // the label matches no online node
		},
		{
			name: "no node with the label (normalized, curly quotes)",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "win1", "windows", jenkinssim.Normal)
			},
			job:   jenkinssim.JobSpec{Name: "j", Label: "linux && docker", Duration: hour},
			want:  "There are no nodes with the label ‘linux&&docker’",
			stuck: true,
		},
		{
			name: "all nodes of the label offline",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
				inboundNode(t, s, "a2", "linux", jenkinssim.Normal)
			},
			job:   jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour},
			want:  "All nodes of label ‘linux’ are offline",
			stuck: true,
		},
		{
			name: "the single node of the label offline is named",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
				inboundNode(t, s, "w1", "windows", jenkinssim.Normal)
			},
			job:   jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour},
			want:  "‘a1’ is offline",
			stuck: true,
		},
		{
			name: "the single node temporarily offline",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
				connectAgent(t, s, "a1")
				c := tokenClient(t, s)
				if r := c.post("computer/a1/toggleOffline?offlineMessage=maintenance", nil); r.status != 302 {
					t.Fatalf("toggleOffline: %d", r.status)
				}
			},
			job:   jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour},
			want:  "‘a1’ is offline",
			stuck: true,
		},
		{
			name: "all nodes of the label busy",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
				inboundNode(t, s, "a2", "linux", jenkinssim.Normal)
				connectAgent(t, s, "a1")
				connectAgent(t, s, "a2")
				occupy(t, s, "busy1", "linux")
				occupy(t, s, "busy2", "linux")
			},
			job:  jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour},
			want: "Waiting for next available executor on ‘linux’",
		},
		{
			name: "the single node of the label busy is named",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
				connectAgent(t, s, "a1")
				occupy(t, s, "busy1", "linux")
			},
			job:  jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour},
			want: "Waiting for next available executor on ‘a1’",
		},
		{
			name: "a label only the built-in node has, without executors",
			opts: jenkinssim.Options{BuiltInLabels: "controller"},
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
			},
			job:  jenkinssim.JobSpec{Name: "j", Label: "controller", Duration: hour},
			want: "Waiting for next available executor on ‘Built-In Node’",
		},
		{
			name: "unlabelled build and an idle EXCLUSIVE agent",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "ex1", "linux", jenkinssim.Exclusive)
				connectAgent(t, s, "ex1")
			},
			job:  jenkinssim.JobSpec{Name: "j", Duration: hour},
			want: "‘ex1’ is reserved for jobs with matching label expression",
		},
		{
			name: "unlabelled build: composite reasons, sorted and joined",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "ex1", "linux", jenkinssim.Exclusive)
				inboundNode(t, s, "a2", "linux", jenkinssim.Normal)
				connectAgent(t, s, "ex1")
			},
			job:  jenkinssim.JobSpec{Name: "j", Duration: hour},
			want: "‘a2’ is offline; ‘ex1’ is reserved for jobs with matching label expression",
		},
		{
			name: "unlabelled build, NORMAL agents all offline, none idle online",
			setup: func(t *testing.T, s *jenkinssim.Sim) {
				inboundNode(t, s, "a1", "", jenkinssim.Normal)
			},
			job:  jenkinssim.JobSpec{Name: "j", Duration: hour},
			want: "Waiting for next available executor",
		},
		{
			name: "quiet period",
			job:  jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: hour, QuietPeriod: 5 * time.Minute},
			want: `^In the quiet period\. Expires in 4 min 5\d sec$`, // Util.getTimeSpanString
			re:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, tt.opts)
			if tt.setup != nil {
				tt.setup(t, s)
			}
			if err := s.CreateJob(tt.job); err != nil {
				t.Fatal(err)
			}
			id, err := s.QueueBuild(tt.job.Name, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := tokenClient(t, s)
			got := itemWhy(t, c, id)
			if tt.re {
				if !regexp.MustCompile(tt.want).MatchString(got) {
					t.Fatalf("why = %q, want match for %q", got, tt.want)
				}
			} else if got != tt.want {
				t.Fatalf("why = %q, want %q", got, tt.want)
			}
			item := c.json("queue/item/" + itoaID(id) + "/api/json")
			if item["stuck"] != tt.stuck {
				t.Errorf("stuck = %v, want %v", item["stuck"], tt.stuck)
			}
			// Nothing ran for the item: it is still waiting for what the text says.
			for _, b := range s.Builds() {
				if b.Job == tt.job.Name {
					t.Fatalf("the build ran on %q although the item should wait", b.Node)
				}
			}
		})
	}
}

// A queued build of a non-concurrent job whose build runs is a BlockedItem; the ETA is N/A
// while the job has no completed build to estimate from.
func TestWhyBlockedByRunningBuild(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
	inboundNode(t, s, "a2", "linux", jenkinssim.Normal)
	connectAgent(t, s, "a1")
	connectAgent(t, s, "a2")
	if err := s.CreateJob(jenkinssim.JobSpec{Name: "j", Label: "linux", Duration: time.Hour}); err != nil {
		t.Fatal(err)
	}
	first, _ := s.QueueBuild("j", nil)
	waitFor(t, s, "first build running", func() bool { return len(s.Builds()) == 1 })
	second, _ := s.QueueBuild("j", nil)
	if second == first {
		t.Fatalf("second build reused the left item %d", first)
	}
	c := tokenClient(t, s)
	item := c.json("queue/item/" + itoaID(second) + "/api/json")
	if item["_class"] != "hudson.model.Queue$BlockedItem" || item["blocked"] != true {
		t.Fatalf("second item is %v (blocked %v), want a BlockedItem", item["_class"], item["blocked"])
	}
	if got, want := item["why"], "Build #1 is already in progress (ETA: N/A)"; got != want {
		t.Fatalf("why = %q, want %q", got, want)
	}
	// A third request for the same job is folded into the queued item.
	third, _ := s.QueueBuild("j", nil)
	if third != second {
		t.Fatalf("third request got item %d, want the queued %d", third, second)
	}
}

func itoaID(id int64) string { return strconv.FormatInt(id, 10) }
