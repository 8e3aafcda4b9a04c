package jenkins

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fixtureItem is what one queue item of a fixture must parse to, and how berth must read it.
type fixtureItem struct {
	item QueueItem
	why  WhyKind
	want WantKind
}

// queueFixtures covers every file of queue/ (TestFixtureFilesAreAllCovered checks that).
var queueFixtures = []struct {
	file  string
	list  bool // /queue/api/json; else /queue/item/N/api/json
	items []fixtureItem
}{
	{
		file: "queue/cdancy-queue-two-buildable-jenkins1x.json", list: true,
		items: []fixtureItem{
			{QueueItem{ID: 7, Kind: KindBuildable, Buildable: true, Why: "Waiting for next available executor",
				InQueueSince: ms(1460738557584), Task: Task{Name: "chicken", URL: "http://localhost:32769/job/chicken/"}},
				WhyWaiting, WantAnyNode},
			{QueueItem{ID: 6, Kind: KindBuildable, Buildable: true, Why: "Waiting for next available executor",
				InQueueSince: ms(1460738551155), Task: Task{Name: "Freestyle", URL: "http://localhost:32769/job/Freestyle/"}},
				WhyWaiting, WantAnyNode},
		},
	},
	{
		file: "queue/silas-queue-buildable-pending-jenkins1x.json", list: true,
		items: []fixtureItem{
			{QueueItem{ID: 130, Kind: KindBuildable, Buildable: true, Pending: true, Why: "Waiting for next available executor",
				InQueueSince: ms(1406363479853), Task: Task{Name: "test-job-b7ef0845-6515-444c-96a1-d2266d5e0f18",
					URL: "http://localhost:8080/job/test-job-b7ef0845-6515-444c-96a1-d2266d5e0f18/"}},
				WhyWaiting, WantNone},
		},
	},
	{
		file: "queue/jam-queue-blocked-plus-placeholder-2.89.4.json", list: true,
		items: []fixtureItem{
			{QueueItem{ID: 841, Class: "hudson.model.Queue$BlockedItem", Kind: KindBlocked, Blocked: true,
				Why: "Build #66 is already in progress (ETA:2 hr 25 min)", InQueueSince: ms(1521145920546),
				Task: Task{Class: "hudson.model.FreeStyleProject", Name: "Jam", URL: "mock://jenkins.mydomain.com:8080/job/Jam/"}},
				WhyBuildInProgress, WantNone},
			{QueueItem{ID: 843, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true,
				Why:          "Jenkins is reserved for jobs with matching label expression; build1 is offline; build2 is offline",
				InQueueSince: ms(1521146001741), Task: Task{Class: PlaceholderTaskClass}},
				WhyNodesRefused, WantAnyNode},
		},
	},
	{
		file: "queue/ujenkins-queue-blocked-2022.json", list: true,
		items: []fixtureItem{
			{QueueItem{ID: 14, Class: "hudson.model.Queue$BlockedItem", Kind: KindBlocked, Blocked: true,
				Why: "Build #8 is already in progress (ETA: 1 min 33 sec)", InQueueSince: ms(1662756642196),
				Task: Task{Class: "hudson.model.FreeStyleProject", Name: "test", URL: "http://localhost:8080/job/test/"}},
				WhyBuildInProgress, WantNone},
		},
	},
	{
		file: "queue/cdancy-queue-item-left-cancelled.json",
		items: []fixtureItem{
			{QueueItem{ID: 143, Class: "hudson.model.Queue$LeftItem", Kind: KindLeft, Cancelled: true,
				InQueueSince: ms(1524074568030),
				Task:         Task{Class: "hudson.model.FreeStyleProject", Name: "test", URL: "http://localhost:8082/job/test/"}},
				WhyNone, WantNone},
		},
	},
	{
		file: "queue/cdancy-queue-item-left-with-executable.json",
		items: []fixtureItem{
			{QueueItem{ID: 143, Class: "hudson.model.Queue$LeftItem", Kind: KindLeft, InQueueSince: ms(1524074837590),
				Task:          Task{Class: "hudson.model.FreeStyleProject", Name: "test", URL: "http://localhost:8082/job/test/"},
				ExecutableURL: "http://localhost:8082/job/test/14/"},
				WhyNone, WantNone},
		},
	},
	{
		file: "queue/cdancy-queue-item-blocked.json",
		items: []fixtureItem{
			{QueueItem{ID: 143, Class: "hudson.model.Queue$BlockedItem", Kind: KindBlocked, Blocked: true,
				Why: "Build #9 is already in progress (ETA:15 sec)", InQueueSince: ms(1524074568030),
				Task: Task{Class: "hudson.model.FreeStyleProject", Name: "test", URL: "http://localhost:8082/job/test/"}},
				WhyBuildInProgress, WantNone},
		},
	},
	{
		file: "queue/cdancy-queue-item-pipeline-placeholder-EDITED.json",
		items: []fixtureItem{
			{QueueItem{ID: 3549, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true, Stuck: true,
				Why: "Just a random message here", InQueueSince: ms(1613541614644), Task: Task{Class: PlaceholderTaskClass}},
				WhyUnknown, WantUnknown},
		},
	},
	{
		file: "queue/silas-queue-item-left-jenkins1x.json",
		items: []fixtureItem{
			{QueueItem{ID: 130, Kind: KindLeft, InQueueSince: ms(1406363479853),
				Task: Task{Name: "test-job-b7ef0845-6515-444c-96a1-d2266d5e0f18",
					URL: "http://localhost:8080/job/test-job-b7ef0845-6515-444c-96a1-d2266d5e0f18/"},
				ExecutableURL: "http://localhost:8080/job/test-job-b7ef0845-6515-444c-96a1-d2266d5e0f18/28/"},
				WhyNone, WantNone},
		},
	},
	{
		file: "queue/ujenkins-queue-item-blocked-2022.json",
		items: []fixtureItem{
			{QueueItem{ID: 16, Class: "hudson.model.Queue$BlockedItem", Kind: KindBlocked, Blocked: true,
				Why: "Build #10 is already in progress (ETA: 1 min 3 sec)", InQueueSince: ms(1662762046812),
				Task: Task{Class: "hudson.model.FreeStyleProject", Name: "test", URL: "http://localhost:8080/job/test/"}},
				WhyBuildInProgress, WantNone},
		},
	},
}

func TestQueueFixtures(t *testing.T) {
	for _, tc := range queueFixtures {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			body := fixture(t, tc.file)
			var got []QueueItem
			if tc.list {
				items, err := decodeQueue(body)
				if err != nil {
					t.Fatalf("decodeQueue: %v", err)
				}
				got = items
			} else {
				it, err := decodeQueueItem(body)
				if err != nil {
					t.Fatalf("decodeQueueItem: %v", err)
				}
				got = []QueueItem{it}
			}
			if len(got) != len(tc.items) {
				t.Fatalf("got %d items, want %d", len(got), len(tc.items))
			}
			for i, want := range tc.items {
				if !reflect.DeepEqual(got[i], want.item) {
					t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], want.item)
				}
				if k := ParseWhy(got[i].Why).Kind; k != want.why {
					t.Errorf("item %d: why kind %v, want %v", i, k, want.why)
				}
				// These controllers all have agents, except the 1.x ones whose nodes we
				// do not know; agentsExist=true is what their texts imply.
				if k := ItemWant(got[i], true).Kind; k != want.want {
					t.Errorf("item %d: want kind %v, want %v", i, k, want.want)
				}
			}
		})
	}
}

// TestQueueFixtureEmbeddedInJob parses the queueItem object inside a 1.x job answer.
func TestQueueFixtureEmbeddedInJob(t *testing.T) {
	var job struct {
		QueueItem json.RawMessage `json:"queueItem"`
	}
	if err := json.Unmarshal(fixture(t, "job/cdancy-job-info-freestyle-jenkins1x.json"), &job); err != nil {
		t.Fatal(err)
	}
	got, err := decodeQueueItem(job.QueueItem)
	if err != nil {
		t.Fatal(err)
	}
	want := QueueItem{ID: 71, Kind: KindBlocked, Blocked: true, Why: "Build #7 is already in progress (ETA:52 sec)",
		InQueueSince: ms(1460940851267), Task: Task{Name: "fish", URL: "http://localhost:32769/job/fish/"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if w := ParseWhy(got.Why); w.Kind != WhyBuildInProgress || w.Build != 7 {
		t.Errorf("why: %+v", w)
	}
}

const launchFailed = "This node is offline because Jenkins failed to launch the slave agent on it."

// computerFixtures covers every file of computer/.
var computerFixtures = []struct {
	file  string
	set   bool // /computer/api/json; else /computer/NAME/api/json
	nodes []Node
	// names, when set, checks only the names of a long list plus the nodes in nodes by name.
	names []string
}{
	{
		file: "computer/cdancy-computer-set-launch-failed-jenkins1x.json", set: true,
		names: []string{"master", "alpine-i686", "arm-greg", "i686-epian533-greg", "macos-giles", "osx-ppc-greg",
			"solaris-greg", "thomas-armv7", "thomas-armv8", "thomas-mips"},
		nodes: []Node{
			// No _class in 1.x: the controller is known by its name. Executors carry no idle
			// state, so a busy node counts one busy executor (a lower bound; the set says 1).
			{Name: "master", BuiltIn: true, Executors: 2, BusyExecutors: 1},
			{Name: "alpine-i686", Offline: true, Idle: true, Executors: 1, OfflineReason: launchFailed},
			{Name: "arm-greg", Offline: true, Idle: true, Executors: 2, OfflineReason: launchFailed},
			{Name: "thomas-mips", Idle: true, Executors: 1},
		},
	},
	{
		file: "computer/silas-computer-set-jenkins1x.json", set: true,
		names: []string{"master", "test", "test-node-abc00edf-4e7e-4dfe-a6d6-157d19d592bc"},
		nodes: []Node{
			{Name: "master", BuiltIn: true, Idle: true, Executors: 3},
			{Name: "test", Offline: true, TemporarilyOffline: true, Idle: true, Executors: 1,
				OfflineReason: "<span class=error style='display:inline-block'>Time out for last 5 try</span>"},
			{Name: "test-node-abc00edf-4e7e-4dfe-a6d6-157d19d592bc", Offline: true, Idle: true, JNLPAgent: true, Executors: 2},
		},
	},
	{
		file: "computer/ujenkins-computer-set-master-offline-diskspace-2021.json", set: true,
		names: []string{"master"},
		nodes: []Node{
			{Name: "master", Class: "hudson.model.Hudson$MasterComputer", Description: "the master Jenkins node",
				BuiltIn: true, Offline: true, TemporarilyOffline: true, Idle: true, Executors: 2, Labels: []string{"master"},
				OfflineReason: "Disk space is too low. Only 0.479GB left on /var/jenkins_home.",
				OfflineCause:  "hudson.node_monitors.DiskSpaceMonitorDescriptor$DiskSpace"},
		},
	},
	{
		file: "computer/jam-computer-busy-2.89.4.json",
		nodes: []Node{
			{Name: "build1", Class: "hudson.slaves.SlaveComputer", Executors: 1, BusyExecutors: 1},
		},
	},
	{
		file: "computer/jam-computer-offline-starting-up-2.89.4.json",
		nodes: []Node{
			// offline with no cause and no reason: not connected yet.
			{Name: "build1", Class: "hudson.slaves.SlaveComputer", Offline: true, Idle: true, Executors: 1},
		},
	},
	{
		file: "computer/jam-computer-temporarily-offline-usercause-2.89.4.json",
		nodes: []Node{
			{Name: "build1", Class: "hudson.slaves.SlaveComputer", Offline: true, TemporarilyOffline: true, Idle: true,
				Executors: 1, OfflineReason: "testing purposes", OfflineCause: "hudson.slaves.OfflineCause$UserCause"},
		},
	},
	{
		file: "computer/jam-computer-with-assignedLabels-HANDADDED-2.89.4.json",
		nodes: []Node{
			{Name: "build1", Class: "hudson.slaves.SlaveComputer", Offline: true, Idle: true, Executors: 1,
				Labels: []string{"agent", "build1", "windows-agent"}, OfflineReason: "jam.stop",
				OfflineCause: "hudson.slaves.OfflineCause$UserCause"},
		},
	},
	{
		file: "computer/silas-computer-jnlp-agent-offline-jenkins1x.json",
		nodes: []Node{
			{Name: "test-node-a532b0f8-6079-4efa-80ea-ad61c05bef5b", Offline: true, Idle: true, JNLPAgent: true,
				Executors: 2, OfflineReason: "away"},
		},
	},
}

func TestComputerFixtures(t *testing.T) {
	for _, tc := range computerFixtures {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			body := fixture(t, tc.file)
			var got []Node
			if tc.set {
				nodes, err := decodeComputerSet(body)
				if err != nil {
					t.Fatalf("decodeComputerSet: %v", err)
				}
				got = nodes
			} else {
				n, err := decodeComputer(body)
				if err != nil {
					t.Fatalf("decodeComputer: %v", err)
				}
				got = []Node{n}
			}
			if tc.names != nil {
				var names []string
				for _, n := range got {
					names = append(names, n.Name)
				}
				if !reflect.DeepEqual(names, tc.names) {
					t.Fatalf("names %q, want %q", names, tc.names)
				}
			}
			byName := map[string]Node{}
			for _, n := range got {
				byName[n.Name] = n
			}
			for _, want := range tc.nodes {
				if n := byName[want.Name]; !reflect.DeepEqual(n, want) {
					t.Errorf("node %s:\n got %+v\nwant %+v", want.Name, n, want)
				}
			}
			builtIn := 0
			for _, n := range got {
				if n.BuiltIn {
					builtIn++
				}
			}
			if tc.set && builtIn != 1 {
				t.Errorf("%d built-in nodes, want 1", builtIn)
			}
		})
	}
}

// The stack trace reason is kept whole (multi-line), with its cause class.
func TestComputerFixtureStackTraceReason(t *testing.T) {
	n, err := decodeComputer(fixture(t, "computer/jam-computer-offline-launch-exception-2.89.4.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !n.Offline || n.TemporarilyOffline || n.Name != "build1" || n.BuiltIn {
		t.Errorf("state: %+v", n)
	}
	if n.OfflineCause != "hudson.slaves.OfflineCause$ChannelTermination" {
		t.Errorf("cause %q", n.OfflineCause)
	}
	if !strings.HasPrefix(n.OfflineReason, "org.jinterop.dcom.common.JIException: Message not found for errorCode: 0x00000005\n") ||
		!strings.HasSuffix(n.OfflineReason, "... 10 more") || strings.Count(n.OfflineReason, "\n") != 18 {
		t.Errorf("reason %q", n.OfflineReason)
	}
}

// TestFixtureFilesAreAllCovered fails when a queue or computer fixture is added without a
// table entry here.
func TestFixtureFilesAreAllCovered(t *testing.T) {
	covered := map[string]bool{"computer/jam-computer-offline-launch-exception-2.89.4.json": true}
	for _, f := range queueFixtures {
		covered[f.file] = true
	}
	for _, f := range computerFixtures {
		covered[f.file] = true
	}
	for _, dir := range []string{"queue", "computer"} {
		entries, err := os.ReadDir(filepath.Join(fixturesDir(t), dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if name := dir + "/" + e.Name(); !covered[name] {
				t.Errorf("fixture %s has no test", name)
			}
		}
	}
}

func TestJNLPFixture(t *testing.T) {
	body := fixture(t, "jnlp/remoting-test-agent.jnlp")
	secret, err := parseJNLPSecret(body, "local")
	if err != nil || secret != "secret_key" {
		t.Fatalf("secret %q, %v; want secret_key", secret, err)
	}
	// The second argument names the node: another name is an error that does not quote
	// the secret.
	_, err = parseJNLPSecret(body, "other")
	if err == nil || strings.Contains(err.Error(), "secret_key") {
		t.Fatalf("err = %v", err)
	}
	// Jenkins emits it on one line, without the main-class attribute since 2.x.
	oneLine := strings.Join(strings.Fields(strings.ReplaceAll(string(body), ` main-class="hudson.remoting.jnlp.Main"`, "")), " ")
	if secret, err := parseJNLPSecret([]byte(oneLine), "local"); err != nil || secret != "secret_key" {
		t.Fatalf("one line: %q, %v", secret, err)
	}
}

func TestCrumbFixtures(t *testing.T) {
	for file, want := range map[string]string{
		"crumb/jam-crumb-issuer-2.89.4.json":    strings.Repeat("42", 16),
		"crumb/ujenkins-crumb-issuer-2021.json": "9c427004e7ed327a230436ee3103856d8df1eec7f2964a87d3d95e850974c4cd",
	} {
		var j crumbJSON
		if err := decodeJSON("application/json", fixture(t, file), &j); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := j.validate(); err != nil || j.Crumb != want || j.CrumbRequestField != "Jenkins-Crumb" {
			t.Errorf("%s: %+v, %v", file, j, err)
		}
	}
}

func TestWhoAmIFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		body func([]byte) []byte
		want Identity
	}{
		{"whoami/butler-whoami-anonymous-2.62.apib.md", func(b []byte) []byte { return apibBody(t, b) },
			Identity{Name: "anonymous", Anonymous: true}},
		{"whoami/butler-whoami-readonly-user-2.62.json", func(b []byte) []byte { return b },
			Identity{Name: "readonly", Authorities: []string{"authenticated"}}},
	} {
		var j whoAmIJSON
		if err := decodeJSON("application/json", tc.body(fixture(t, tc.file)), &j); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if err := j.validate(); err != nil {
			t.Fatal(err)
		}
		if got := j.identity(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %+v, want %+v", tc.file, got, tc.want)
		}
	}
}

// The error pages are HTML: as an answer to a JSON call they are bad responses, and the
// status decides the class.
func TestErrorPageFixturesAreNotJSON(t *testing.T) {
	for _, file := range []string{
		"errors/jam-401-crumbissuer-bad-token-2.89.4.html",
		"errors/jam-403-crumbissuer-anonymous-2.89.4.html",
	} {
		var q queueJSON
		err := decodeJSON("text/html;charset=utf-8", fixture(t, file), &q)
		var be *bodyError
		if !errors.As(err, &be) || !strings.Contains(be.msg, "HTML") {
			t.Errorf("%s: %v", file, err)
		}
	}
}
