package jenkinssim_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/jenkinssim"
)

// Conformance with captured responses (testdata/jenkins-fixtures at the repository root, see INDEX.md and PROVENANCE.md there):
// for each fixture the simulator is put in the equivalent state and its response at the same
// path (same tree=/depth=) must have the fixture's shape. Every difference that remains is
// listed in the case's rules with the reason.

// Reasons shared by several cases.
const (
	whyAssignedLabels = "Computer.getAssignedLabels is exported by later Jenkins (present in 2021+ captures)"
	whyAbsoluteRemote = "SlaveComputer.getAbsoluteRemotePath is exported since Jenkins 2.125"
)

type conformanceCase struct {
	fixture string
	opts    jenkinssim.Options
	// setup puts the simulator in the fixture's state and returns the path to GET.
	setup func(t *testing.T, s *jenkinssim.Sim, c *client) string
	rules shapeRules
}

func conformanceCases() []conformanceCase {
	agentExtras := map[string]string{"$.assignedLabels": whyAssignedLabels, "$.absoluteRemotePath": whyAbsoluteRemote}
	return []conformanceCase{
		{fixture: "crumb/jam-crumb-issuer-2.89.4.json", setup: path("crumbIssuer/api/json")},
		{fixture: "crumb/ujenkins-crumb-issuer-2021.json", setup: path("crumbIssuer/api/json")},
		{
			fixture: "whoami/butler-whoami-readonly-user-2.62.json", setup: path("whoAmI/api/json"),
			rules: shapeRules{missing: map[string]string{
				"$.details":  "WhoAmI.getDetails is no longer @Exported (it leaked session ids)",
				"$.toString": "WhoAmI.getToString is no longer @Exported (it leaked session ids)",
			}},
		},
		{
			fixture: "root/hillelmed-root-api-json-builtin-node.json",
			opts:    jenkinssim.Options{BuiltInExecutors: 2, SystemMessage: "Jenkins REST API Configuration as code test"},
			setup:   path("api/json"),
			rules: shapeRules{skip: map[string]string{
				"$.url": "the fixture's controller had no root URL configured (null); the simulator's is always set",
			}},
		},
		{
			fixture: "root/butler-root-tree-jobs-2.62.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				mustJob(t, s, jenkinssim.JobSpec{Name: "gradle-xcodePlugin", Kind: jenkinssim.Pipeline})
				mustJob(t, s, jenkinssim.JobSpec{Name: "mas", Kind: jenkinssim.Pipeline})
				mustJob(t, s, jenkinssim.JobSpec{Name: "whoami"})
				return "api/json?tree=jobs[name,color]"
			},
		},
		{
			fixture: "computer/ujenkins-computer-set-master-offline-diskspace-2021.json",
			opts:    jenkinssim.Options{BuiltInExecutors: 2},
			setup:   path("computer/api/json?pretty=true"),
			rules: shapeRules{skip: map[string]string{
				"$.computer[].offlineCause": "the fixture's built-in node was taken offline by the disk space monitor, which the simulator does not have",
			}},
		},
		{
			fixture: "computer/jam-computer-busy-2.89.4.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				inboundNode(t, s, "build1", "", jenkinssim.Normal)
				connectAgent(t, s, "build1")
				occupy(t, s, "busy", "build1")
				return "computer/build1/api/json"
			},
			rules: shapeRules{extra: agentExtras},
		},
		{
			fixture: "computer/jam-computer-offline-starting-up-2.89.4.json",
			opts:    jenkinssim.Options{RetentionCheckInterval: 10 * time.Millisecond},
			setup:   relaunchingSSHAgent,
			rules:   shapeRules{extra: agentExtras},
		},
		{
			fixture: "computer/jam-computer-temporarily-offline-usercause-2.89.4.json",
			setup:   temporarilyOffline("testing purposes"),
			rules:   shapeRules{extra: agentExtras},
		},
		{
			fixture: "computer/jam-computer-with-assignedLabels-HANDADDED-2.89.4.json",
			setup:   temporarilyOffline("jam.stop"),
			rules:   shapeRules{extra: map[string]string{"$.absoluteRemotePath": whyAbsoluteRemote}},
		},
		{
			fixture: "computer/jam-computer-offline-launch-exception-2.89.4.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				inboundNode(t, s, "build1", "agent windows-agent", jenkinssim.Normal)
				connectAgent(t, s, "build1").disconnect(t, s, "build1")
				return "computer/build1/api/json"
			},
			rules: shapeRules{extra: agentExtras},
		},
		{
			fixture: "queue/jam-queue-blocked-plus-placeholder-2.89.4.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				inboundNode(t, s, "build1", "windows", jenkinssim.Normal)
				connectAgent(t, s, "build1")
				occupy(t, s, "Jam", "windows")
				if _, err := s.QueueBuild("Jam", nil); err != nil {
					t.Fatal(err)
				}
				mustJob(t, s, jenkinssim.JobSpec{Name: "pipe", Kind: jenkinssim.Pipeline, Label: "linux"})
				if _, err := s.QueueBuild("pipe", nil); err != nil {
					t.Fatal(err)
				}
				return "queue/api/json"
			},
		},
		{fixture: "queue/ujenkins-queue-blocked-2022.json", setup: blockedByHTTP(false)},
		{fixture: "queue/ujenkins-queue-item-blocked-2022.json", setup: blockedByHTTP(true)},
		{fixture: "queue/cdancy-queue-item-blocked.json", setup: parameterizedItem("blocked")},
		{fixture: "queue/cdancy-queue-item-left-cancelled.json", setup: parameterizedItem("cancelled")},
		{fixture: "queue/cdancy-queue-item-left-with-executable.json", setup: parameterizedItem("running")},
		{
			fixture: "queue/cdancy-queue-item-pipeline-placeholder-EDITED.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				mustJob(t, s, jenkinssim.JobSpec{Name: "p", Kind: jenkinssim.Pipeline, Label: "linux"})
				if _, err := s.QueueBuild("p", nil); err != nil {
					t.Fatal(err)
				}
				return "queue/item/" + itoaID(s.Queue()[0].ID) + "/api/json"
			},
		},
		{
			fixture: "queue/silas-queue-item-left-jenkins1x.json",
			setup:   parameterizedItem("running-unparameterized"),
			rules: shapeRules{noClass: true,
				extra: map[string]string{"$.cancelled": "LeftItem.isCancelled is exported since Jenkins 1.5xx; the 1.x capture lacks it"},
				skip:  map[string]string{"$.actions[].causes[].userId": "the fixture's build was started by anonymous (userId null)"},
			},
		},
		{
			fixture: "job/butler-job-workflowjob-2.62.json",
			setup:   pipelineHistory,
			rules: shapeRules{extra: map[string]string{
				"$.disabled":      "WorkflowJob.isDisabled is exported by later workflow-job versions",
				"$.resumeBlocked": "WorkflowJob.isResumeBlocked is exported by later workflow-job versions",
			}},
		},
		{
			fixture: "job/silas-job-get-jenkins1x.json",
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				mustJob(t, s, jenkinssim.JobSpec{Name: "never-built"})
				return "job/never-built/api/json"
			},
			rules: shapeRules{noClass: true, extra: map[string]string{
				"$.fullDisplayName": "AbstractItem.getFullDisplayName is exported in Jenkins 2",
				"$.fullName":        "AbstractItem.getFullName is exported in Jenkins 2",
				"$.disabled":        "AbstractProject.isDisabled is exported in Jenkins 2",
				"$.labelExpression": "AbstractProject.getAssignedLabelString is exported in Jenkins 2",
			}},
		},
		{
			fixture: "job/cdancy-build-info-jenkins1x.json",
			opts:    jenkinssim.Options{BuiltInExecutors: 1},
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				mustJob(t, s, jenkinssim.JobSpec{Name: "fish", Parameters: []string{"bear", "fish"}, Duration: 10 * time.Millisecond})
				if r := c.post("job/fish/buildWithParameters?delay=0sec&bear=true&fish=salmon", nil); r.status != http.StatusCreated {
					t.Fatalf("buildWithParameters: %d", r.status)
				}
				waitFor(t, s, "build", finished(s, "fish", 1))
				return "job/fish/1/api/json"
			},
			rules: shapeRules{noClass: true,
				extra: map[string]string{"$.inProgress": "Run.isInProgress is exported in Jenkins 2"},
				skip: map[string]string{
					"$.actions[].parameters[].value": "the fixture's first parameter is a BooleanParameterValue; the simulator's are strings",
					"$.actions[].causes[].userId":    "the fixture's build was started by anonymous (userId null)",
				},
			},
		},
		{
			fixture: "job/silas-build-get-jenkins1x.json",
			opts:    jenkinssim.Options{BuiltInExecutors: 1},
			setup: func(t *testing.T, s *jenkinssim.Sim, c *client) string {
				mustJob(t, s, jenkinssim.JobSpec{Name: "t", Duration: 10 * time.Millisecond})
				if r := c.post("job/t/build?delay=0sec", nil); r.status != http.StatusCreated {
					t.Fatalf("build: %d", r.status)
				}
				waitFor(t, s, "build", finished(s, "t", 1))
				return "job/t/1/api/json"
			},
			rules: shapeRules{noClass: true,
				extra: map[string]string{
					"$.inProgress":  "Run.isInProgress is exported in Jenkins 2",
					"$.queueId":     "Run.getQueueId is exported since Jenkins 1.601",
					"$.displayName": "Run.getDisplayName is exported by later Jenkins (the 2016 capture has it)",
				},
				skip: map[string]string{"$.actions[].causes[].userId": "the fixture's build was started by anonymous (userId null)"},
			},
		},
	}
}

func TestConformanceWithFixtures(t *testing.T) {
	for _, tc := range conformanceCases() {
		t.Run(strings.TrimSuffix(filepath.Base(tc.fixture), ".json"), func(t *testing.T) {
			t.Parallel()
			want := loadFixture(t, tc.fixture)
			s := startSim(t, tc.opts)
			c := tokenClient(t, s)
			p := tc.setup(t, s, c)
			got := c.json(p)
			var diffs []string
			compareShape("$", got, want, tc.rules, &diffs)
			for _, d := range diffs {
				t.Errorf("GET /%s vs %s: %s", p, tc.fixture, d)
			}
		})
	}
}

func path(p string) func(*testing.T, *jenkinssim.Sim, *client) string {
	return func(*testing.T, *jenkinssim.Sim, *client) string { return p }
}

func mustJob(t *testing.T, s *jenkinssim.Sim, spec jenkinssim.JobSpec) {
	t.Helper()
	if err := s.CreateJob(spec); err != nil {
		t.Fatal(err)
	}
}

// temporarilyOffline: a connected agent taken offline with a message.
func temporarilyOffline(msg string) func(*testing.T, *jenkinssim.Sim, *client) string {
	return func(t *testing.T, s *jenkinssim.Sim, c *client) string {
		inboundNode(t, s, "build1", "agent windows-agent", jenkinssim.Normal)
		connectAgent(t, s, "build1")
		if r := c.post("computer/build1/toggleOffline?offlineMessage="+url.QueryEscape(msg), nil); r.status != http.StatusFound {
			t.Fatalf("toggleOffline: %d", r.status)
		}
		return "computer/build1/api/json"
	}
}

// relaunchingSSHAgent: an SSH agent that was connected, lost its connection and is being
// launched again (offline, no offline cause: Jenkins clears it when a launch starts) against a
// host that accepts the TCP connection but never answers.
func relaunchingSSHAgent(t *testing.T, s *jenkinssim.Sim, c *client) string {
	clientKey := newSigner(t)
	if err := s.AddSSHCredential("agent-key", "jenkins", clientKey); err != nil {
		t.Fatal(err)
	}
	hostKey := newSigner(t)
	srv := startSSHServer(t, hostKey, clientKey.PublicKey(), "127.0.0.1:0")
	addr := srv.addr()
	sshNode(t, s, "build1", srv.port(), authorizedKey(hostKey.PublicKey()), 0)
	waitFor(t, s, "build1 online", nodeIs(s, "build1", online))
	srv.close()
	silent, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = silent.Close() })
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = conn.Close() })
		}
	}()
	waitFor(t, s, "build1 relaunching", nodeIs(s, "build1", func(n jenkinssim.NodeView) bool { return n.Connecting }))
	return "computer/build1/api/json"
}

// blockedByHTTP: a job triggered twice over HTTP by a user; the second build is blocked by the
// first.
func blockedByHTTP(item bool) func(*testing.T, *jenkinssim.Sim, *client) string {
	return func(t *testing.T, s *jenkinssim.Sim, c *client) string {
		inboundNode(t, s, "a1", "", jenkinssim.Normal)
		connectAgent(t, s, "a1")
		mustJob(t, s, jenkinssim.JobSpec{Name: "test", Duration: time.Hour})
		if r := c.post("job/test/build?delay=0sec", nil); r.status != http.StatusCreated {
			t.Fatalf("build: %d", r.status)
		}
		waitFor(t, s, "first build running", func() bool { return len(buildsOf(s, "test")) == 1 })
		r := c.post("job/test/build?delay=0sec", nil)
		if r.status != http.StatusCreated {
			t.Fatalf("second build: %d", r.status)
		}
		if item {
			return strings.TrimPrefix(r.header.Get("Location"), s.URL()) + "api/json"
		}
		return "queue/api/json"
	}
}

// parameterizedItem: a parameterized job's item, triggered with buildWithParameters by a user,
// blocked by a running build, cancelled, or running.
func parameterizedItem(state string) func(*testing.T, *jenkinssim.Sim, *client) string {
	return func(t *testing.T, s *jenkinssim.Sim, c *client) string {
		spec := jenkinssim.JobSpec{Name: "test", Duration: time.Hour, Parameters: []string{"a"}}
		path := "job/test/buildWithParameters?delay=0sec&a=4"
		if state == "running-unparameterized" {
			spec.Parameters = nil
			path = "job/test/build?delay=0sec"
		}
		mustJob(t, s, spec)
		if state != "cancelled" {
			inboundNode(t, s, "a1", "", jenkinssim.Normal)
			connectAgent(t, s, "a1")
		}
		r := c.post(path, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("buildWithParameters: %d %.200s", r.status, r.body)
		}
		loc := strings.TrimPrefix(r.header.Get("Location"), s.URL()) + "api/json"
		switch state {
		case "blocked":
			waitFor(t, s, "first build running", func() bool { return len(buildsOf(s, "test")) == 1 })
			r = c.post(path, nil)
			return strings.TrimPrefix(r.header.Get("Location"), s.URL()) + "api/json"
		case "cancelled":
			id := strings.TrimSuffix(strings.TrimPrefix(loc, "queue/item/"), "/api/json")
			if r := c.post("queue/cancelItem?id="+id, nil); r.status != http.StatusNoContent {
				t.Fatalf("cancel: %d", r.status)
			}
		default:
			waitFor(t, s, "build running", func() bool { return len(buildsOf(s, "test")) == 1 })
		}
		return loc
	}
}

// pipelineHistory: a concurrent Pipeline whose #1 failed (its agent disconnected) and whose
// #2 and #3 succeeded, nothing queued.
func pipelineHistory(t *testing.T, s *jenkinssim.Sim, c *client) string {
	inboundNode(t, s, "a1", "linux", jenkinssim.Normal)
	mustJob(t, s, jenkinssim.JobSpec{Name: "mas", Kind: jenkinssim.Pipeline, Label: "linux", Duration: time.Hour, Concurrent: true})
	a := connectAgent(t, s, "a1")
	if _, err := s.QueueBuild("mas", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "mas #1 running", func() bool { return len(buildsOf(s, "mas")) == 1 })
	a.disconnect(t, s, "a1")
	if b := buildsOf(s, "mas")[0]; b.Result != "FAILURE" {
		t.Fatalf("#1 after its agent disconnected: %+v", b)
	}
	if err := s.SetJobDuration("mas", 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	connectAgent(t, s, "a1")
	for n := 2; n <= 3; n++ {
		if _, err := s.QueueBuild("mas", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, s, "mas build", finished(s, "mas", n))
	}
	return "job/mas/api/json"
}

func TestConformanceErrorPages(t *testing.T) {
	s := startSim(t, jenkinssim.Options{})
	// 401: WWW-Authenticate and the container's ISO-8859-1 page, as in
	// errors/jam-401-crumbissuer-bad-token-2.89.4.headers.txt.
	r := newClient(t, s, "admin", "wrong").get("crumbIssuer/api/json")
	want401 := fixtureHeaders(t, "errors/jam-401-crumbissuer-bad-token-2.89.4.headers.txt")
	for _, h := range []string{"WWW-Authenticate", "Content-Type", "X-Content-Type-Options", "Cache-Control"} {
		if got := r.header.Get(h); !strings.EqualFold(got, want401.Get(h)) {
			t.Errorf("401 %s = %q, fixture %q", h, got, want401.Get(h))
		}
	}
	if !strings.Contains(r.body, "HTTP ERROR 401") || !strings.Contains(r.body, "Invalid password/token for user: admin") {
		t.Errorf("401 body %q", r.body)
	}
	// 403 for anonymous: the headers of errors/jam-403-crumbissuer-anonymous-2.89.4.headers.txt
	// (X-Permission-Implied-By is sent twice; the capture shows the values joined).
	r = anonymousClient(t, s).get("crumbIssuer/api/json")
	want403 := fixtureHeaders(t, "errors/jam-403-crumbissuer-anonymous-2.89.4.headers.txt")
	for _, h := range []string{"X-You-Are-Authenticated-As", "X-You-Are-In-Group-Disabled", "X-Required-Permission", "X-Content-Type-Options", "X-Hudson"} {
		if got := r.header.Get(h); got != want403.Get(h) {
			t.Errorf("403 %s = %q, fixture %q", h, got, want403.Get(h))
		}
	}
	if got := strings.Join(r.header.Values("X-Permission-Implied-By"), ", "); got != want403.Get("X-Permission-Implied-By") {
		t.Errorf("403 X-Permission-Implied-By = %q, fixture %q", got, want403.Get("X-Permission-Implied-By"))
	}
	fixture403, err := os.ReadFile(filepath.Join(fixturesDir, "errors", "jam-403-crumbissuer-anonymous-2.89.4.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"<meta http-equiv='refresh' content='1;url=/login?from=%2FcrumbIssuer%2Fapi%2Fjson'/>",
		"Authentication required", "You are authenticated as: anonymous",
		"Permission you need to have (but didn't): hudson.model.Hudson.Read",
		" ... which is implied by: hudson.security.Permission.GenericRead",
		" ... which is implied by: hudson.model.Hudson.Administer",
	} {
		if !strings.Contains(string(fixture403), line) {
			t.Fatalf("the fixture itself lacks %q", line)
		}
		if !strings.Contains(r.body, line) {
			t.Errorf("403 body lacks %q", line)
		}
	}
}

func fixtureHeaders(t *testing.T, name string) http.Header {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		}
	}
	return h
}

// The JNLP file has the layout remoting's parser expects (jnlp/remoting-test-agent.jnlp): the
// secret, the node name, then option pairs with -workDir, -internalDir and -url.
func TestConformanceJNLP(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixturesDir, "jnlp", "remoting-test-agent.jnlp"))
	if err != nil {
		t.Fatal(err)
	}
	want := jnlpArgs(t, string(b))
	s := startSim(t, jenkinssim.Options{})
	if err := s.CreateNode(jenkinssim.NodeSpec{Name: "local", NumExecutors: 1, RemoteFS: "/jenkins/nodes/local",
		Launcher: &jenkinssim.InboundLauncher{}}); err != nil {
		t.Fatal(err)
	}
	got := jnlpArgs(t, tokenClient(t, s).get("computer/local/jenkins-agent.jnlp").body)
	if len(got) != len(want) {
		t.Fatalf("arguments %q, fixture %q", got, want)
	}
	for i := range want {
		if i == 0 || want[i] == "http://jenkins:8080/" {
			continue // the secret and the URL differ by nature
		}
		if got[i] != want[i] {
			t.Errorf("argument %d = %q, fixture %q", i, got[i], want[i])
		}
	}
}
