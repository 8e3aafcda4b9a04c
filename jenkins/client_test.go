package jenkins

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

const (
	testUser     = "berth"
	testToken    = "11d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6a7"
	testPassword = "correct-horse-battery-staple"
	testSecret   = "5b2a0e1f9c3d4e7a8b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"
)

// recorder keeps the requests a test server saw.
type recorder struct {
	mu   sync.Mutex
	reqs []string // "METHOD RequestURI"
}

func (r *recorder) add(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req.Method+" "+req.RequestURI)
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

// serve starts a test server whose handler also records every request.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, rec
}

func newClient(t *testing.T, rawURL string, edit ...func(*Options)) *Client {
	t.Helper()
	opts := Options{URL: rawURL, User: testUser, Token: testToken, Timeout: 5 * time.Second}
	for _, e := range edit {
		e(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkCommon asserts what every request must carry.
func checkCommon(t *testing.T, r *http.Request, password bool) {
	t.Helper()
	if got := r.Header.Get("Accept-Language"); got != "en" {
		t.Errorf("%s %s: Accept-Language %q", r.Method, r.URL.Path, got)
	}
	user, secret, ok := r.BasicAuth()
	want := testToken
	if password {
		want = testPassword
	}
	if !ok || user != testUser || secret != want {
		t.Errorf("%s %s: basic auth %v %q", r.Method, r.URL.Path, ok, user)
	}
}

// noSecrets fails if s holds a credential or the inbound secret.
func noSecrets(t *testing.T, s string) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testToken))
	basicPw := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPassword))
	for _, sec := range []string{testToken, testPassword, testSecret, basic, basicPw} {
		if strings.Contains(s, sec) {
			t.Errorf("secret %q… in %q", sec[:6], s)
		}
	}
}

func TestNewValidatesOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no URL", Options{}},
		{"bad scheme", Options{URL: "ftp://ci.example.com/"}},
		{"no host", Options{URL: "http:///jenkins"}},
		{"credentials in URL", Options{URL: "https://u:" + testPassword + "@ci.example.com/"}},
		{"token and password", Options{URL: "https://ci/", User: "u", Token: testToken, Password: testPassword}},
		{"token without user", Options{URL: "https://ci/", Token: testToken}},
		{"negative timeout", Options{URL: "https://ci/", Timeout: -time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v", err)
			}
			noSecrets(t, err.Error())
		})
	}
	c, err := New(Options{URL: "https://ci.example.com/jenkins/"})
	if err != nil || c.URL() != "https://ci.example.com/jenkins/" {
		t.Fatalf("%v %v", c, err)
	}
}

// The queue is one GET with the tree filter, labelExpression included.
func TestQueueRequest(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommon(t, r, false)
		if r.Method != http.MethodGet || r.URL.Path != "/jenkins/queue/api/json" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if got := r.URL.Query().Get("tree"); got != queueTree || !strings.Contains(got, "task[_class,name,url,labelExpression]") {
			t.Errorf("tree %q", got)
		}
		if r.Header.Get("Jenkins-Crumb") != "" {
			t.Error("crumb sent with a token")
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		fmt.Fprint(w, `{"_class":"hudson.model.Queue","items":[
 {"_class":"hudson.model.Queue$BuildableItem","id":3,"why":"Waiting for next available executor","blocked":false,"buildable":true,
  "stuck":false,"pending":false,"inQueueSince":1700000000000,
  "task":{"_class":"hudson.model.FreeStyleProject","name":"fs","url":"http://ci/job/fs/","labelExpression":"linux && docker"}},
 {"_class":"hudson.model.Queue$BuildableItem","id":4,"why":"Waiting for next available executor","blocked":false,"buildable":true,
  "stuck":true,"pending":false,"inQueueSince":1700000001000,
  "task":{"_class":"hudson.model.FreeStyleProject","name":"any","url":"http://ci/job/any/","labelExpression":null}},
 {"_class":"hudson.model.Queue$BuildableItem","id":5,"why":"There are no nodes with the label ‘linux’","blocked":false,"buildable":true,
  "stuck":true,"pending":false,"inQueueSince":1700000002000,
  "task":{"_class":"`+PlaceholderTaskClass+`"}},
 {"_class":"hudson.model.Queue$WaitingItem","id":6,"why":"In the quiet period. Expires in 4.9 sec","blocked":false,"buildable":false,
  "stuck":false,"inQueueSince":1700000003000,"task":{"_class":"hudson.model.FreeStyleProject","name":"q","url":"http://ci/job/q/","labelExpression":"x"}}
]}`)
	})
	c := newClient(t, srv.URL+"/jenkins/")
	items, err := c.Queue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []QueueItem{
		{ID: 3, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true, Why: "Waiting for next available executor",
			InQueueSince: ms(1700000000000), Task: Task{Class: "hudson.model.FreeStyleProject", Name: "fs", URL: "http://ci/job/fs/",
				LabelExpression: "linux && docker", HasLabelExpression: true}},
		{ID: 4, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true, Stuck: true, Why: "Waiting for next available executor",
			InQueueSince: ms(1700000001000), Task: Task{Class: "hudson.model.FreeStyleProject", Name: "any", URL: "http://ci/job/any/",
				HasLabelExpression: true}},
		{ID: 5, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true, Stuck: true, Why: "There are no nodes with the label ‘linux’",
			InQueueSince: ms(1700000002000), Task: Task{Class: PlaceholderTaskClass}},
		{ID: 6, Class: "hudson.model.Queue$WaitingItem", Kind: KindWaiting, Why: "In the quiet period. Expires in 4.9 sec",
			InQueueSince: ms(1700000003000), Task: Task{Class: "hudson.model.FreeStyleProject", Name: "q", URL: "http://ci/job/q/",
				LabelExpression: "x", HasLabelExpression: true}},
	}
	if !reflect.DeepEqual(items, want) {
		t.Errorf("items\n got %+v\nwant %+v", items, want)
	}
	if n := len(rec.list()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// The node list is one GET with the tree filter, description and executors included.
func TestNodesRequest(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommon(t, r, false)
		if r.Method != http.MethodGet || r.URL.Path != "/computer/api/json" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if got := r.URL.Query().Get("tree"); got != nodesTree || !strings.Contains(got, "description") ||
			!strings.Contains(got, "assignedLabels[name]") || !strings.Contains(got, "executors[idle") {
			t.Errorf("tree %q", got)
		}
		fmt.Fprint(w, `{"_class":"hudson.model.ComputerSet","computer":[
 {"_class":"hudson.model.Hudson$MasterComputer","displayName":"Built-In Node","description":"the Jenkins controller's built-in node",
  "offline":false,"temporarilyOffline":false,"idle":true,"numExecutors":0,"jnlpAgent":false,"offlineCauseReason":"","offlineCause":null,
  "assignedLabels":[{"name":"built-in"}],"executors":[]},
 {"_class":"hudson.slaves.SlaveComputer","displayName":"berth-linux-7f3a","description":"berth v1 i=abc t=linux",
  "offline":false,"temporarilyOffline":false,"idle":false,"numExecutors":3,"jnlpAgent":true,"offlineCauseReason":"","offlineCause":null,
  "assignedLabels":[{"name":"berth-linux-7f3a"},{"name":"docker"},{"name":"linux"}],
  "executors":[{"idle":false,"currentExecutable":{"url":"http://ci/job/a/1/"}},{"idle":true,"currentExecutable":null},{"idle":false,"currentExecutable":{"url":"http://ci/job/b/2/"}}]},
 {"_class":"hudson.slaves.SlaveComputer","displayName":"old","description":"",
  "offline":true,"temporarilyOffline":true,"idle":true,"numExecutors":1,"jnlpAgent":false,"offlineCauseReason":"draining","offlineCause":{"_class":"hudson.slaves.OfflineCause$UserCause"},
  "assignedLabels":[{"name":"old"}],"executors":[{"idle":true}]}
]}`)
	})
	nodes, err := newClient(t, srv.URL).Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{Name: "Built-In Node", Class: "hudson.model.Hudson$MasterComputer", Description: "the Jenkins controller's built-in node",
			BuiltIn: true, Idle: true, Labels: []string{"built-in"}},
		{Name: "berth-linux-7f3a", Class: "hudson.slaves.SlaveComputer", Description: "berth v1 i=abc t=linux", JNLPAgent: true,
			Executors: 3, BusyExecutors: 2, Labels: []string{"berth-linux-7f3a", "docker", "linux"}},
		{Name: "old", Class: "hudson.slaves.SlaveComputer", Offline: true, TemporarilyOffline: true, Idle: true, Executors: 1,
			Labels: []string{"old"}, OfflineReason: "draining", OfflineCause: "hudson.slaves.OfflineCause$UserCause"},
	}
	if !reflect.DeepEqual(nodes, want) {
		t.Errorf("nodes\n got %+v\nwant %+v", nodes, want)
	}
	if n := len(rec.list()); n != 1 {
		t.Errorf("%d requests", n)
	}
}

// computerJSONFor answers /computer/NAME/api/json for a fake node.
func computerJSONFor(name string, temporarilyOffline bool) string {
	b, _ := json.Marshal(map[string]any{"_class": "hudson.slaves.SlaveComputer", "displayName": name, "description": "",
		"offline": temporarilyOffline, "temporarilyOffline": temporarilyOffline, "idle": true, "numExecutors": 1,
		"jnlpAgent": true, "offlineCauseReason": "", "assignedLabels": []any{map[string]string{"name": name}}, "executors": []any{map[string]bool{"idle": true}}})
	return string(b)
}

// jnlpFor is a jenkins-agent.jnlp as Jenkins 2.4xx writes it (one line, no main-class).
func jnlpFor(secret, name string) string {
	var b bytes.Buffer
	b.WriteString(`<jnlp><application-desc><argument>`)
	xml.EscapeText(&b, []byte(secret))
	b.WriteString(`</argument><argument>`)
	xml.EscapeText(&b, []byte(name))
	b.WriteString(`</argument><argument>-webSocket</argument><argument>-workDir</argument><argument>/home/jenkins/agent</argument>` +
		`<argument>-internalDir</argument><argument>remoting</argument><argument>-url</argument><argument>http://ci/</argument></application-desc></jnlp>`)
	return b.String()
}

// fakeNodes is a stateful server for the per-node calls: it decodes the node name from the
// raw request URI, as Jenkins does.
type fakeNodes struct {
	t        *testing.T
	mu       sync.Mutex
	offline  map[string]bool // temporarily offline
	names    []string        // decoded names of every request
	messages []string        // offlineMessage of every toggle
}

func (f *fakeNodes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/computer/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	seg, action, _ := strings.Cut(rest, "/")
	name, err := url.PathUnescape(seg)
	if err != nil {
		f.t.Errorf("bad escape %q", seg)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names = append(f.names, name)
	state, exists := f.offline[name]
	if !exists {
		http.NotFound(w, r)
		return
	}
	switch {
	case r.Method == http.MethodGet && action == "api/json":
		fmt.Fprint(w, computerJSONFor(name, state))
	case r.Method == http.MethodPost && action == "toggleOffline":
		f.offline[name] = !state
		f.messages = append(f.messages, r.URL.Query().Get("offlineMessage"))
		w.Header().Set("Location", "./")
		w.WriteHeader(http.StatusFound)
	case r.Method == http.MethodPost && action == "doDelete":
		delete(f.offline, name)
		w.Header().Set("Location", "../")
		w.WriteHeader(http.StatusFound)
	case r.Method == http.MethodGet && action == "jenkins-agent.jnlp":
		w.Header().Set("Content-Type", "application/x-java-jnlp-file")
		fmt.Fprint(w, jnlpFor(testSecret, name))
	default:
		f.t.Errorf("unexpected %s %s", r.Method, r.RequestURI)
		http.Error(w, "no", http.StatusMethodNotAllowed)
	}
}

// Every call that names a node escapes the name as one path segment.
func TestNodeNamesAreEscaped(t *testing.T) {
	for _, tc := range []struct{ name, escaped string }{
		{"plain-1", "plain-1"},
		{"with space", "with%20space"},
		{"hash#tag", "hash%23tag"},
		{"what?", "what%3F"},
		{"100%", "100%25"},
		{"a/b", "a%2Fb"},
		{"ünïcode-節点", "%C3%BCn%C3%AFcode-%E7%AF%80%E7%82%B9"},
		{"(built-in)", "%28built-in%29"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeNodes{t: t, offline: map[string]bool{tc.name: false}}
			srv, rec := serve(t, fake.ServeHTTP)
			c := newClient(t, srv.URL)
			ctx := context.Background()
			if n, err := c.Node(ctx, tc.name); err != nil || n.Name != tc.name {
				t.Fatalf("Node: %+v %v", n, err)
			}
			if err := c.TakeOffline(ctx, tc.name, "berth: idle for 10m0s"); err != nil {
				t.Fatalf("TakeOffline: %v", err)
			}
			if err := c.BringOnline(ctx, tc.name); err != nil {
				t.Fatalf("BringOnline: %v", err)
			}
			if s, err := c.InboundSecret(ctx, tc.name); err != nil || s != testSecret {
				t.Fatalf("InboundSecret: %v", err)
			}
			if err := c.DeleteNode(ctx, tc.name); err != nil {
				t.Fatalf("DeleteNode: %v", err)
			}
			p := "/computer/" + tc.escaped
			tree := "?tree=" + url.QueryEscape(computerFields)
			want := []string{
				"GET " + p + "/api/json" + tree,
				"GET " + p + "/api/json" + tree,
				"POST " + p + "/toggleOffline?offlineMessage=berth%3A+idle+for+10m0s",
				"GET " + p + "/api/json" + tree,
				"POST " + p + "/toggleOffline",
				"GET " + p + "/jenkins-agent.jnlp",
				"POST " + p + "/doDelete",
			}
			if got := rec.list(); !reflect.DeepEqual(got, want) {
				t.Errorf("requests\n got %q\nwant %q", got, want)
			}
			for _, n := range fake.names {
				if n != tc.name {
					t.Errorf("server decoded %q", n)
				}
			}
		})
	}
}

// toggleOffline is a toggle: the client reads the state and only toggles when needed.
func TestOfflineOnlineAreIdempotent(t *testing.T) {
	fake := &fakeNodes{t: t, offline: map[string]bool{"n1": false}}
	srv, rec := serve(t, fake.ServeHTTP)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	steps := []struct {
		call  func() error
		posts int
		state bool
	}{
		{func() error { return c.TakeOffline(ctx, "n1", "draining") }, 1, true},
		{func() error { return c.TakeOffline(ctx, "n1", "draining") }, 0, true},
		{func() error { return c.BringOnline(ctx, "n1") }, 1, false},
		{func() error { return c.BringOnline(ctx, "n1") }, 0, false},
	}
	for i, s := range steps {
		before := len(rec.list())
		if err := s.call(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		posts := 0
		for _, r := range rec.list()[before:] {
			if strings.HasPrefix(r, "POST ") {
				posts++
			}
		}
		if posts != s.posts || fake.offline["n1"] != s.state {
			t.Errorf("step %d: %d posts, offline %v", i, posts, fake.offline["n1"])
		}
	}
	if want := []string{"draining", ""}; !reflect.DeepEqual(fake.messages, want) {
		t.Errorf("offlineMessage %q, want %q", fake.messages, want)
	}
	err := c.TakeOffline(ctx, "missing", "x")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing node: %v", err)
	}
	for _, r := range rec.list() {
		if strings.HasPrefix(r, "POST /computer/missing") {
			t.Errorf("toggled a missing node: %s", r)
		}
	}
}

func TestDeleteNodeMissing(t *testing.T) {
	srv, _ := serve(t, (&fakeNodes{t: t, offline: map[string]bool{}}).ServeHTTP)
	err := newClient(t, srv.URL).DeleteNode(context.Background(), "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
	if want := "delete node gone: POST /computer/gone/doDelete: 404 Not Found"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q", err)
	}
}

func hostKey(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
}

// createServer answers doCreateItem like Jenkins (302 to the node list) and hands the
// decoded json field to check. A followed redirect would GET /computer/: that fails.
func createServer(t *testing.T, check func(form url.Values, js map[string]any)) (*httptest.Server, *recorder) {
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommon(t, r, false)
		if r.Method != http.MethodPost || r.RequestURI != "/computer/doCreateItem" {
			t.Errorf("request %s %s (redirect followed?)", r.Method, r.RequestURI)
			http.Error(w, "<html>page</html>", http.StatusOK)
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		var js map[string]any
		if err := json.Unmarshal([]byte(r.PostForm.Get("json")), &js); err != nil {
			t.Fatalf("json field: %v", err)
		}
		check(r.PostForm, js)
		w.Header().Set("Location", "http://"+r.Host+"/computer/")
		w.WriteHeader(http.StatusFound)
	})
}

func TestCreateSSHNode(t *testing.T) {
	key := hostKey(t)
	spec := NodeSpec{Name: "berth-linux-7f3a", Description: "berth v1 i=abc t=linux", RemoteFS: "/home/jenkins/agent",
		Labels: []string{"linux", "docker", "linux"}, Executors: 1, Exclusive: true}
	launcher := SSHLauncher{Host: "10.0.0.5", Port: 32768, CredentialsID: "agent-key", LaunchTimeout: 59500 * time.Millisecond,
		MaxRetries: 10, RetryWait: 15 * time.Second, HostKey: key + " root@agent"}
	want := map[string]any{
		"name": "berth-linux-7f3a", "nodeDescription": "berth v1 i=abc t=linux", "numExecutors": "1",
		"remoteFS": "/home/jenkins/agent", "labelString": "linux docker", "mode": "EXCLUSIVE",
		"launcher": map[string]any{
			"$class": "hudson.plugins.sshslaves.SSHLauncher", "host": "10.0.0.5", "port": "32768",
			"credentialsId": "agent-key", "launchTimeoutSeconds": "60", "maxNumRetries": "10", "retryWaitTime": "15",
			"sshHostKeyVerificationStrategy": map[string]any{
				"$class": "hudson.plugins.sshslaves.verifiers.ManuallyProvidedKeyVerificationStrategy",
				"key":    key,
			},
		},
		"retentionStrategy": map[string]any{"$class": "hudson.slaves.RetentionStrategy$Always"},
		"nodeProperties":    map[string]any{"stapler-class-bag": "true"},
	}
	srv, rec := createServer(t, func(form url.Values, js map[string]any) {
		if form.Get("name") != spec.Name || form.Get("type") != "hudson.slaves.DumbSlave" {
			t.Errorf("form %v", form)
		}
		if !reflect.DeepEqual(js, want) {
			t.Errorf("json\n got %v\nwant %v", js, want)
		}
	})
	if err := newClient(t, srv.URL).CreateSSHNode(context.Background(), spec, launcher); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.list()); n != 1 {
		t.Errorf("%d requests: %q", n, rec.list())
	}
}

func TestCreateInboundNode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		launcher InboundLauncher
		want     map[string]any
	}{
		{"websocket, default work dir", InboundLauncher{WebSocket: true}, map[string]any{
			"$class": "hudson.slaves.JNLPLauncher", "webSocket": true,
			"workDirSettings": map[string]any{"disabled": false, "internalDir": "remoting", "failIfWorkDirIsMissing": false}}},
		{"tcp, own work dir", InboundLauncher{WorkDir: "/work"}, map[string]any{
			"$class": "hudson.slaves.JNLPLauncher", "webSocket": false,
			"workDirSettings": map[string]any{"disabled": false, "internalDir": "remoting", "failIfWorkDirIsMissing": false, "workDirPath": "/work"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := createServer(t, func(form url.Values, js map[string]any) {
				if js["mode"] != "NORMAL" || js["labelString"] != "windows" || js["numExecutors"] != "2" {
					t.Errorf("json %v", js)
				}
				if !reflect.DeepEqual(js["launcher"], tc.want) {
					t.Errorf("launcher\n got %v\nwant %v", js["launcher"], tc.want)
				}
			})
			spec := NodeSpec{Name: "berth-win-1", RemoteFS: `C:\agent`, Labels: []string{"windows"}, Executors: 2}
			if err := newClient(t, srv.URL).CreateInboundNode(context.Background(), spec, tc.launcher); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// jenkinsErrorPage is the page hudson.model.Failure renders (AbstractModelObject/error.jelly).
func jenkinsErrorPage(w http.ResponseWriter, message string, withHeader bool) {
	if withHeader {
		w.Header().Set("X-Error", message)
	}
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>Jenkins</title></head><body><div id="main-panel"><h1>Error</h1><p>%s</p></div></body></html>`, message)
}

func TestCreateNodeErrors(t *testing.T) {
	spec := NodeSpec{Name: "berth-linux-7f3a", RemoteFS: "/a", Executors: 1}
	forbidden := fixture(t, "errors/jam-403-crumbissuer-anonymous-2.89.4.html")
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		class   error
		message string
	}{
		{"exists, X-Error", func(w http.ResponseWriter, r *http.Request) {
			jenkinsErrorPage(w, "Agent called ‘berth-linux-7f3a’ already exists", true)
		}, ErrConflict, "create node berth-linux-7f3a: POST /computer/doCreateItem: 400 Bad Request: Agent called ‘berth-linux-7f3a’ already exists"},
		{"exists, page only", func(w http.ResponseWriter, r *http.Request) {
			jenkinsErrorPage(w, "Agent called ‘berth-linux-7f3a’ already exists", false)
		}, ErrConflict, "create node berth-linux-7f3a: POST /computer/doCreateItem: 400 Bad Request: Jenkins Error Agent called ‘berth-linux-7f3a’ already exists"},
		{"other 400", func(w http.ResponseWriter, r *http.Request) {
			jenkinsErrorPage(w, "No node type ‘x’ is known", true)
		}, ErrInvalid, "create node berth-linux-7f3a: POST /computer/doCreateItem: 400 Bad Request: No node type ‘x’ is known"},
		{"forbidden", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html;charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			w.Write(forbidden)
		}, ErrForbidden, "create node berth-linux-7f3a: POST /computer/doCreateItem: 403 Forbidden: Authentication required"},
		{"redirect to login", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "/securityRealm/commenceLogin?from=%2Fcomputer%2FdoCreateItem")
			w.WriteHeader(http.StatusFound)
		}, ErrUnauthorized, "create node berth-linux-7f3a: POST /computer/doCreateItem: 302 Found: redirected to the login page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.handler)
			err := newClient(t, srv.URL).CreateInboundNode(context.Background(), spec, InboundLauncher{})
			if !errors.Is(err, tc.class) {
				t.Fatalf("err = %v, want %v", err, tc.class)
			}
			if err.Error() != tc.message {
				t.Errorf("message\n got %q\nwant %q", err, tc.message)
			}
		})
	}
}

// Bad specs are refused before anything is sent.
func TestCreateNodeRejectsBadSpecs(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("request sent: %s", r.RequestURI) })
	c := newClient(t, srv.URL)
	good := NodeSpec{Name: "n", RemoteFS: "/a", Executors: 1, Labels: []string{"l"}}
	ssh := SSHLauncher{Host: "h", Port: 22, CredentialsID: "c", HostKey: hostKey(t)}
	specs := map[string]func(*NodeSpec){
		"empty name":       func(s *NodeSpec) { s.Name = "" },
		"slash":            func(s *NodeSpec) { s.Name = "a/b" },
		"question mark":    func(s *NodeSpec) { s.Name = "a?b" },
		"hash":             func(s *NodeSpec) { s.Name = "a#b" },
		"percent":          func(s *NodeSpec) { s.Name = "a%b" },
		"dot":              func(s *NodeSpec) { s.Name = "." },
		"trailing dot":     func(s *NodeSpec) { s.Name = "a." },
		"leading space":    func(s *NodeSpec) { s.Name = " a" },
		"control":          func(s *NodeSpec) { s.Name = "a\tb" },
		"no remoteFS":      func(s *NodeSpec) { s.RemoteFS = "" },
		"no executors":     func(s *NodeSpec) { s.Executors = 0 },
		"label with space": func(s *NodeSpec) { s.Labels = []string{"a b"} },
		"empty label":      func(s *NodeSpec) { s.Labels = []string{""} },
	}
	for name, edit := range specs {
		s := good
		edit(&s)
		if err := c.CreateInboundNode(context.Background(), s, InboundLauncher{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	launchers := map[string]func(*SSHLauncher){
		"no host":          func(l *SSHLauncher) { l.Host = "" },
		"port 0":           func(l *SSHLauncher) { l.Port = 0 },
		"port too big":     func(l *SSHLauncher) { l.Port = 70000 },
		"no credentials":   func(l *SSHLauncher) { l.CredentialsID = "" },
		"no host key":      func(l *SSHLauncher) { l.HostKey = "" },
		"garbage host key": func(l *SSHLauncher) { l.HostKey = "ssh-ed25519 not-base64!" },
		"two host keys":    func(l *SSHLauncher) { l.HostKey = l.HostKey + "\n" + l.HostKey },
		"negative retries": func(l *SSHLauncher) { l.MaxRetries = -1 },
	}
	for name, edit := range launchers {
		l := ssh
		edit(&l)
		err := c.CreateSSHNode(context.Background(), good, l)
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "create node n: ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := len(rec.list()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestInboundSecret(t *testing.T) {
	page := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	for _, tc := range []struct {
		name    string
		agent   http.HandlerFunc // jenkins-agent.jnlp
		slave   http.HandlerFunc // slave-agent.jnlp
		class   error
		secret  string
		paths   []string
		message string
	}{
		{"jenkins-agent.jnlp", page(200, jnlpFor(testSecret, "n1")), nil, nil, testSecret,
			[]string{"/computer/n1/jenkins-agent.jnlp"}, ""},
		{"fallback to slave-agent.jnlp", page(404, "<html>Not found</html>"), page(200, jnlpFor(testSecret, "n1")), nil, testSecret,
			[]string{"/computer/n1/jenkins-agent.jnlp", "/computer/n1/slave-agent.jnlp"}, ""},
		{"no such node", page(404, ""), page(404, ""), ErrNotFound, "",
			[]string{"/computer/n1/jenkins-agent.jnlp", "/computer/n1/slave-agent.jnlp"},
			"get inbound secret for n1: GET /computer/n1/slave-agent.jnlp: 404 Not Found"},
		{"forbidden, body holds the secret", page(403, "<html>"+testSecret+"</html>"), nil, ErrForbidden, "",
			[]string{"/computer/n1/jenkins-agent.jnlp"}, "get inbound secret for n1: GET /computer/n1/jenkins-agent.jnlp: 403 Forbidden"},
		{"names another node", page(200, jnlpFor(testSecret, "n2")), nil, ErrBadResponse, "",
			[]string{"/computer/n1/jenkins-agent.jnlp"},
			"get inbound secret for n1: GET /computer/n1/jenkins-agent.jnlp: 200 OK: JNLP file names another node"},
		{"HTML", page(200, "<html><body>"+testSecret+"<br></body></html>"), nil, ErrBadResponse, "",
			[]string{"/computer/n1/jenkins-agent.jnlp"},
			"get inbound secret for n1: GET /computer/n1/jenkins-agent.jnlp: 200 OK: not a JNLP file: malformed XML"},
		{"empty secret", page(200, jnlpFor("", "n1")), nil, ErrBadResponse, "",
			[]string{"/computer/n1/jenkins-agent.jnlp"},
			"get inbound secret for n1: GET /computer/n1/jenkins-agent.jnlp: 200 OK: JNLP file: empty secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				checkCommon(t, r, false)
				paths = append(paths, r.URL.Path)
				switch {
				case strings.HasSuffix(r.URL.Path, "/jenkins-agent.jnlp"):
					tc.agent(w, r)
				case strings.HasSuffix(r.URL.Path, "/slave-agent.jnlp") && tc.slave != nil:
					tc.slave(w, r)
				default:
					t.Errorf("unexpected %s", r.URL.Path)
				}
			})
			secret, err := newClient(t, srv.URL).InboundSecret(context.Background(), "n1")
			if tc.class == nil {
				if err != nil || secret != tc.secret {
					t.Fatalf("secret ok=%v, err %v", secret == tc.secret, err)
				}
			} else {
				if !errors.Is(err, tc.class) || secret != "" {
					t.Fatalf("err = %v", err)
				}
				if err.Error() != tc.message {
					t.Errorf("message\n got %q\nwant %q", err, tc.message)
				}
				noSecrets(t, err.Error())
			}
			if !reflect.DeepEqual(paths, tc.paths) {
				t.Errorf("paths %q", paths)
			}
		})
	}
}

func TestWhoami(t *testing.T) {
	anonymous := fixture(t, "whoami/butler-whoami-anonymous-2.62.apib.md")
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommon(t, r, false)
		if r.URL.Path != "/whoAmI/api/json" {
			t.Errorf("path %s", r.URL.Path)
		}
		for k, v := range apibHeaders(anonymous) {
			w.Header().Set(k, v)
		}
		w.Write(apibBody(t, anonymous))
	})
	id, err := newClient(t, srv.URL).Whoami(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Identity{Name: "anonymous", Anonymous: true, Version: "2.62"}); !reflect.DeepEqual(id, want) {
		t.Errorf("%+v", id)
	}
}

// With a password, POSTs carry a crumb bound to the session; a refused crumb is fetched
// again once.
func TestPasswordModeCrumb(t *testing.T) {
	var mu sync.Mutex
	session, crumbValue, fetches := 0, "", 0
	refuseAll := false
	posts := map[string]int{}
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommon(t, r, true)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/crumbIssuer/api/json" {
			fetches++
			session++
			crumbValue = fmt.Sprintf("%032x", fetches*42)
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID.aa30d0f7", Value: fmt.Sprintf("node0sess%d", session), Path: "/", HttpOnly: true})
			fmt.Fprintf(w, `{"_class":"hudson.security.csrf.DefaultCrumbIssuer","crumb":%q,"crumbRequestField":"Jenkins-Crumb"}`, crumbValue)
			return
		}
		posts[r.URL.Path]++
		cookie, _ := r.Cookie("JSESSIONID.aa30d0f7")
		if refuseAll || r.Header.Get("Jenkins-Crumb") != crumbValue || cookie == nil || cookie.Value != fmt.Sprintf("node0sess%d", session) {
			http.Error(w, "<html><body><h2>HTTP ERROR 403 No valid crumb was included in the request</h2></body></html>", http.StatusForbidden)
			return
		}
		w.Header().Set("Location", "../")
		w.WriteHeader(http.StatusFound)
	})
	c := newClient(t, srv.URL, func(o *Options) { o.Token, o.Password = "", testPassword })
	ctx := context.Background()
	for _, n := range []string{"a", "b"} {
		if err := c.DeleteNode(ctx, n); err != nil {
			t.Fatalf("delete %s: %v", n, err)
		}
	}
	if fetches != 1 {
		t.Errorf("%d crumb fetches for two POSTs", fetches)
	}
	// The session expires: Jenkins refuses the crumb, the client fetches a new one.
	mu.Lock()
	session++
	mu.Unlock()
	if err := c.DeleteNode(ctx, "c"); err != nil {
		t.Fatalf("delete c: %v", err)
	}
	if fetches != 2 || posts["/computer/c/doDelete"] != 2 {
		t.Errorf("%d fetches, %d posts", fetches, posts["/computer/c/doDelete"])
	}
	// Refused again after the new crumb: one retry only, then the 403 stands.
	mu.Lock()
	refuseAll = true
	mu.Unlock()
	err := c.DeleteNode(ctx, "d")
	if !errors.Is(err, ErrForbidden) || posts["/computer/d/doDelete"] != 2 {
		t.Fatalf("err %v after %d posts", err, posts["/computer/d/doDelete"])
	}
	noSecrets(t, err.Error())
	if strings.Contains(err.Error(), crumbValue) {
		t.Error("crumb in error")
	}
}

// A controller without CSRF protection has no crumb issuer: POSTs go without one.
func TestPasswordModeWithoutCrumbIssuer(t *testing.T) {
	fetches := 0
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/crumbIssuer/api/json" {
			fetches++
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Jenkins-Crumb") != "" {
			t.Error("crumb header sent")
		}
		w.WriteHeader(http.StatusFound)
	})
	c := newClient(t, srv.URL, func(o *Options) { o.Token, o.Password = "", testPassword })
	for range 2 {
		if err := c.DeleteNode(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
	}
	if fetches != 1 {
		t.Errorf("%d fetches", fetches)
	}
}

// With a token, no crumb is ever fetched.
func TestTokenModeSendsNoCrumb(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Jenkins-Crumb") != "" || r.Header.Get("Cookie") != "" {
			t.Error("crumb or cookie sent")
		}
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "x"})
		w.WriteHeader(http.StatusFound)
	})
	c := newClient(t, srv.URL)
	for range 2 {
		if err := c.DeleteNode(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rec.list() {
		if strings.Contains(r, "crumbIssuer") {
			t.Errorf("crumb fetched: %s", r)
		}
	}
}

// TestBadAnswers: every kind of failure gives the right class and a message that names the
// call and path, without a secret.
func TestBadAnswers(t *testing.T) {
	unauthorized := fixture(t, "errors/jam-401-crumbissuer-bad-token-2.89.4.html")
	unauthorizedHeaders := headerFile(fixture(t, "errors/jam-401-crumbissuer-bad-token-2.89.4.headers.txt"))
	forbidden := fixture(t, "errors/jam-403-crumbissuer-anonymous-2.89.4.html")
	forbiddenHeaders := headerFile(fixture(t, "errors/jam-403-crumbissuer-anonymous-2.89.4.headers.txt"))
	butler := fixture(t, "errors/butler-403-anonymous-root-2.62.apib.md")

	fixed := func(status int, headers map[string]string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for k, v := range headers {
				if k != "Content-Length" {
					w.Header().Set(k, v)
				}
			}
			w.WriteHeader(status)
			w.Write(body)
		}
	}
	jsonBody := func(body string) http.HandlerFunc {
		return fixed(200, map[string]string{"Content-Type": "application/json;charset=utf-8"}, []byte(body))
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		base    string // context path
		class   error
		message string // exact, or prefix when it ends with "…"
	}{
		{"401 page", fixed(401, unauthorizedHeaders, unauthorized), "", ErrUnauthorized,
			"list queue: GET /queue/api/json: 401 Unauthorized: Error 401 Invalid password/token for user: xxxxx HTTP ERROR 401 Problem accessing /crumbIssuer/api/json. Reason: Invalid password/token for user: xxxxx Powered …"},
		{"403 page", fixed(403, forbiddenHeaders, forbidden), "", ErrForbidden,
			"list queue: GET /queue/api/json: 403 Forbidden: Authentication required"},
		{"403 page under a context path", fixed(403, apibHeaders(butler), apibBody(t, butler)), "/jenkins", ErrForbidden,
			"list queue: GET /jenkins/queue/api/json: 403 Forbidden: Authentication required"},
		{"404", fixed(404, nil, []byte("<html><body>Not Found</body></html>")), "", ErrNotFound,
			"list queue: GET /queue/api/json: 404 Not Found: Not Found"},
		{"500", fixed(500, nil, []byte("<html><body><h2>Oops!</h2> java.lang.NullPointerException</body></html>")), "", ErrUnavailable,
			"list queue: GET /queue/api/json: 500 Internal Server Error: Oops! java.lang.NullPointerException"},
		{"502 from a proxy", fixed(502, nil, nil), "", ErrUnavailable, "list queue: GET /queue/api/json: 502 Bad Gateway"},
		{"503 restarting", fixed(503, nil, []byte("Jenkins is restarting")), "", ErrUnavailable,
			"list queue: GET /queue/api/json: 503 Service Unavailable: Jenkins is restarting"},
		{"429", fixed(429, nil, nil), "", ErrUnavailable, "list queue: GET /queue/api/json: 429 Too Many Requests"},
		{"500 echoing credentials", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, "token=%s auth=%s", testToken, r.Header.Get("Authorization"))
		}, "", ErrUnavailable, "list queue: GET /queue/api/json: 500 Internal Server Error: token=[redacted] auth=Basic [redacted]"},
		{"HTML instead of JSON", fixed(200, map[string]string{"Content-Type": "text/html;charset=utf-8"}, []byte("<html><body>Please sign in</body></html>")), "", ErrBadResponse,
			"list queue: GET /queue/api/json: 200 OK: HTML where JSON was expected (Please sign in)"},
		{"HTML labelled JSON", jsonBody("\n<!DOCTYPE html><html>Dashboard</html>"), "", ErrBadResponse,
			"list queue: GET /queue/api/json: 200 OK: HTML where JSON was expected (Dashboard)"},
		{"empty body", jsonBody(""), "", ErrBadResponse, "list queue: GET /queue/api/json: 200 OK: empty body where JSON was expected"},
		{"truncated JSON", jsonBody(`{"items":[{"id":1,"why":"Wai`), "", ErrBadResponse,
			"list queue: GET /queue/api/json: 200 OK: malformed JSON: truncated (…"},
		{"body shorter than Content-Length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"items":[`)
		}, "", ErrBadResponse, "list queue: GET /queue/api/json: 200 OK: unexpected EOF"},
		{"syntax error", jsonBody(`{"items":[}`), "", ErrBadResponse,
			"list queue: GET /queue/api/json: 200 OK: malformed JSON: invalid character '}' looking for beginning of value at byte 11 ({\"items\":[})"},
		{"items not a list", jsonBody(`{"items":5}`), "", ErrBadResponse,
			`list queue: GET /queue/api/json: 200 OK: malformed JSON: wrong shape: "items" is a JSON number ({"items":5})`},
		{"no items", jsonBody(`{"_class":"hudson.model.Queue"}`), "", ErrBadResponse,
			`list queue: GET /queue/api/json: 200 OK: wrong shape: no "items" ({"_class":"hudson.model.Queue"})`},
		{"item without id", jsonBody(`{"items":[{"why":"x"}]}`), "", ErrBadResponse,
			`list queue: GET /queue/api/json: 200 OK: wrong shape: item 0: no "id"`},
		{"a list", jsonBody(`[]`), "", ErrBadResponse, "list queue: GET /queue/api/json: 200 OK: malformed JSON: wrong shape: …"},
		{"trailing data", jsonBody(`{"items":[]} {}`), "", ErrBadResponse,
			"list queue: GET /queue/api/json: 200 OK: malformed JSON: data after the JSON value (…"},
		{"redirect to login", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/login?from=%2Fqueue%2Fapi%2Fjson", http.StatusFound)
		}, "", ErrUnauthorized, "list queue: GET /queue/api/json: 302 Found: redirected to the login page"},
		{"other redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/queue/api/json?x=1", http.StatusMovedPermanently)
		}, "", ErrBadResponse, "list queue: GET /queue/api/json: 301 Moved Permanently: unexpected redirect to /queue/api/json"},
		{"connection reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}, "", ErrUnavailable, "list queue: GET /queue/api/json: …"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.handler)
			_, err := newClient(t, srv.URL+tc.base).Queue(context.Background())
			checkError(t, err, tc.class, tc.message)
		})
	}
}

func checkError(t *testing.T, err error, class error, message string) {
	t.Helper()
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	if !errors.Is(err, class) {
		t.Errorf("err = %v, want class %v", err, class)
	}
	if prefix, ok := strings.CutSuffix(message, "…"); ok {
		if !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("message\n got %q\nwant %q…", err, prefix)
		}
	} else if err.Error() != message {
		t.Errorf("message\n got %q\nwant %q", err, message)
	}
	noSecrets(t, err.Error())
}

func TestUnreachable(t *testing.T) {
	// Connection refused: a listener that is closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = newClient(t, "http://"+addr).Nodes(context.Background())
	checkError(t, err, ErrUnavailable, "list nodes: GET /computer/api/json: dial tcp "+addr+": connect: connection refused")

	// A server that never answers: the call's own timeout ends it.
	release := make(chan struct{})
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newClient(t, srv.URL, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	_, err = c.Queue(context.Background())
	checkError(t, err, ErrUnavailable, "list queue: GET /queue/api/json: context deadline exceeded")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("not a deadline: %v", err)
	}

	// The caller's cancellation is not "unavailable".
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newClient(t, srv.URL).Queue(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

// A node answer of the wrong shape, and Node on a missing node.
func TestNodeErrors(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/computer/weird/api/json":
			fmt.Fprint(w, `{"_class":"hudson.slaves.SlaveComputer","numExecutors":1}`)
		default:
			http.NotFound(w, r)
		}
	})
	c := newClient(t, srv.URL)
	_, err := c.Node(context.Background(), "weird")
	checkError(t, err, ErrBadResponse, `get node weird: GET /computer/weird/api/json: 200 OK: wrong shape: no "displayName"`)
	_, err = c.Node(context.Background(), "gone")
	checkError(t, err, ErrNotFound, "get node gone: GET /computer/gone/api/json: 404 Not Found: 404 page not found")
	_, err = c.Node(context.Background(), "")
	checkError(t, err, ErrInvalid, "get node : empty node name")
}

// No log line carries a credential or the inbound secret.
func TestLogsCarryNoSecrets(t *testing.T) {
	fake := &fakeNodes{t: t, offline: map[string]bool{"n1": false}}
	srv, _ := serve(t, fake.ServeHTTP)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv.URL, func(o *Options) { o.Logger = log })
	ctx := context.Background()
	c.Node(ctx, "n1")
	c.InboundSecret(ctx, "n1")
	c.TakeOffline(ctx, "n1", "x")
	c.Queue(ctx) // 404: an error path
	if !strings.Contains(buf.String(), `"msg":"jenkins request"`) || !strings.Contains(buf.String(), `"component":"jenkins"`) {
		t.Fatalf("no request lines: %s", buf.String())
	}
	noSecrets(t, buf.String())
}
