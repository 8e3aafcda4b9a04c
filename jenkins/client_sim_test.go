package jenkins_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/jenkins/jenkinssim"
	"github.com/berth-dev/berth/jenkins/label"
)

const (
	simUser     = "berth"
	simToken    = "11aa22bb33cc44dd55ee66ff77889900aa"
	simPwUser   = "operator"
	simPassword = "s3cret-pass-word"
)

func startSim(t *testing.T) *jenkinssim.Sim {
	t.Helper()
	sim, err := jenkinssim.Start(jenkinssim.Options{Users: []jenkinssim.User{
		{Name: simUser, APIToken: simToken},
		{Name: simPwUser, Password: simPassword},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	return sim
}

func simClient(t *testing.T, sim *jenkinssim.Sim, edit ...func(*jenkins.Options)) *jenkins.Client {
	t.Helper()
	opts := jenkins.Options{URL: sim.URL(), User: simUser, Token: simToken, Timeout: 10 * time.Second}
	for _, e := range edit {
		e(&opts)
	}
	c, err := jenkins.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func waitFor(t *testing.T, sim *jenkinssim.Sim, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sim.WaitFor(ctx, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// posts counts the simulator's POSTs to path.
func posts(sim *jenkinssim.Sim, path string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "POST" && r.Path == path {
			n++
		}
	}
	return n
}

func simHostKey(t *testing.T) string {
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

// TestSimEveryCall drives every Client call against the simulator, and the demand
// computation on the queue it reports.
func TestSimEveryCall(t *testing.T) {
	sim := startSim(t)
	c := simClient(t, sim)
	ctx := context.Background()

	id, err := c.Whoami(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Name != simUser || id.Anonymous || id.Version != jenkinssim.DefaultVersion {
		t.Errorf("whoami: %+v", id)
	}

	nodes, err := c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || !nodes[0].BuiltIn || !strings.HasSuffix(nodes[0].Class, "$MasterComputer") {
		t.Fatalf("nodes: %+v", nodes)
	}

	// Three builds wait: a labelled freestyle job, a pipeline node('linux && docker') and an
	// unlabelled freestyle job. The built-in node has no executors and there are no agents.
	for _, j := range []jenkinssim.JobSpec{
		{Name: "fs-linux", Kind: jenkinssim.Freestyle, Label: "linux && docker", Duration: time.Hour},
		{Name: "pipe", Kind: jenkinssim.Pipeline, Label: "linux && docker", Duration: time.Hour},
		{Name: "fs-any", Kind: jenkinssim.Freestyle, Duration: time.Hour},
	} {
		if err := sim.CreateJob(j); err != nil {
			t.Fatal(err)
		}
		if _, err := sim.QueueBuild(j.Name, nil); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, sim, "three buildable items", func() bool {
		n := 0
		for _, it := range sim.Queue() {
			if strings.HasSuffix(it.Class, "$BuildableItem") {
				n++
			}
		}
		return n == 3
	})
	items, err := c.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byTask := map[string]jenkins.QueueItem{}
	for _, it := range items {
		if it.Task.Class == jenkins.PlaceholderTaskClass {
			byTask["pipe"] = it
		} else {
			byTask[it.Task.Name] = it
		}
	}
	// Jenkins exports the label as the user wrote it; what matters is the expression.
	if it := byTask["fs-linux"]; !it.Task.HasLabelExpression || !sameExpr(it.Task.LabelExpression, "linux && docker") || it.Kind != jenkins.KindBuildable {
		t.Errorf("fs-linux: %+v", it)
	}
	if it := byTask["fs-any"]; !it.Task.HasLabelExpression || it.Task.LabelExpression != "" {
		t.Errorf("fs-any: %+v", it)
	}
	if it := byTask["pipe"]; it.Task.HasLabelExpression || it.ID == 0 {
		t.Errorf("pipe: %+v", it)
	}

	// No agents: Jenkins names no label. The freestyle jobs' labelExpression still tells;
	// the pipeline's need is unknown.
	mem := jenkins.NewLabelMemory()
	demand, unknown := jenkins.ComputeDemand(items, nodes, mem)
	keys := map[string][]int64{}
	for _, d := range demand {
		keys[d.Key] = d.Items
	}
	if !slices.Equal(keys["linux&&docker"], []int64{byTask["fs-linux"].ID}) || !slices.Equal(keys[""], []int64{byTask["fs-any"].ID}) {
		t.Errorf("demand without agents: %+v", demand)
	}
	if len(unknown) != 1 || unknown[0].ID != byTask["pipe"].ID || unknown[0].Reason != jenkins.ReasonNoAgents {
		t.Errorf("unknown: %+v", unknown)
	}

	// An inbound agent for linux&&docker.
	spec := jenkins.NodeSpec{Name: "berth-linux-1", Description: "berth test node", RemoteFS: "/home/jenkins/agent",
		Labels: []string{"linux", "docker"}, Executors: 1, Exclusive: true}
	if err := c.CreateInboundNode(ctx, spec, jenkins.InboundLauncher{WebSocket: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateInboundNode(ctx, spec, jenkins.InboundLauncher{WebSocket: true}); !errors.Is(err, jenkins.ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	n, err := c.Node(ctx, "berth-linux-1")
	if err != nil {
		t.Fatal(err)
	}
	if n.BuiltIn || !n.Offline || !n.JNLPAgent || n.Executors != 1 || n.Description != "berth test node" ||
		!slices.Contains(n.Labels, "docker") || !slices.Contains(n.Labels, "berth-linux-1") {
		t.Errorf("node: %+v", n)
	}
	secret, err := c.InboundSecret(ctx, "berth-linux-1")
	if err != nil || secret != sim.InboundSecret("berth-linux-1") {
		t.Fatalf("secret matches: %v, err %v", secret == sim.InboundSecret("berth-linux-1"), err)
	}

	// Now the label matches one node: Jenkins names that node. The memory keeps the
	// pipeline's expression? It never saw one: the pipeline is node demand until berth's
	// planner maps the node to its template; the freestyle job keeps its label.
	items, err = c.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err = c.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	demand, unknown = jenkins.ComputeDemand(items, nodes, mem)
	keys = map[string][]int64{}
	for _, d := range demand {
		keys[d.Key] = d.Items
	}
	if !slices.Equal(keys["linux&&docker"], []int64{byTask["fs-linux"].ID}) ||
		!slices.Equal(keys["node:berth-linux-1"], []int64{byTask["pipe"].ID}) || len(unknown) != 0 {
		t.Errorf("demand with one agent: %+v, unknown %+v, whys %q", demand, unknown, whys(items))
	}

	// An SSH agent; its launch fails (nothing listens), which leaves it offline.
	signer, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)))
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.AddSSHCredential("agent-key", "jenkins", signer); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	sshSpec := jenkins.NodeSpec{Name: "berth ssh ü-1", RemoteFS: "/home/jenkins", Labels: []string{"ssh"}, Executors: 2}
	err = c.CreateSSHNode(ctx, sshSpec, jenkins.SSHLauncher{Host: "127.0.0.1", Port: port, CredentialsID: "agent-key",
		LaunchTimeout: 5 * time.Second, HostKey: simHostKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Node(ctx, sshSpec.Name); err != nil || n.Name != sshSpec.Name || n.JNLPAgent || n.Executors != 2 {
		t.Errorf("ssh node: %+v %v", n, err)
	}
	if v, ok := sim.Node(sshSpec.Name); !ok || v.Mode != jenkinssim.Normal {
		t.Errorf("sim view: %+v", v)
	}

	// Offline and back, each once however often asked.
	togglePath := "/computer/berth-linux-1/toggleOffline"
	for range 2 {
		if err := c.TakeOffline(ctx, "berth-linux-1", "berth: draining"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.Node(ctx, "berth-linux-1"); err != nil || !n.TemporarilyOffline || !strings.Contains(n.OfflineReason, "berth: draining") {
		t.Errorf("after TakeOffline: %+v %v", n, err)
	}
	if p := posts(sim, togglePath); p != 1 {
		t.Errorf("%d toggles to take offline", p)
	}
	for range 2 {
		if err := c.BringOnline(ctx, "berth-linux-1"); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := c.Node(ctx, "berth-linux-1"); err != nil || n.TemporarilyOffline {
		t.Errorf("after BringOnline: %+v %v", n, err)
	}
	if p := posts(sim, togglePath); p != 2 {
		t.Errorf("%d toggles in all", p)
	}

	// Deletion, and the classes of a missing node.
	for _, name := range []string{"berth-linux-1", sshSpec.Name} {
		if err := c.DeleteNode(ctx, name); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
		if err := c.DeleteNode(ctx, name); !errors.Is(err, jenkins.ErrNotFound) {
			t.Errorf("delete %s again: %v", name, err)
		}
		if _, err := c.Node(ctx, name); !errors.Is(err, jenkins.ErrNotFound) {
			t.Errorf("node %s after delete: %v", name, err)
		}
		if err := c.TakeOffline(ctx, name, "x"); !errors.Is(err, jenkins.ErrNotFound) {
			t.Errorf("offline %s after delete: %v", name, err)
		}
		if _, err := c.InboundSecret(ctx, name); !errors.Is(err, jenkins.ErrNotFound) {
			t.Errorf("secret of %s after delete: %v", name, err)
		}
	}
	if nodes, err := c.Nodes(ctx); err != nil || len(nodes) != 1 {
		t.Errorf("nodes after delete: %+v %v", nodes, err)
	}
	// The escaped name reached the simulator as the name.
	found := false
	for _, r := range sim.Requests() {
		if r.Path == "/computer/"+sshSpec.Name+"/doDelete" {
			found = true
		}
	}
	if !found {
		t.Errorf("no doDelete for %q in the request log", sshSpec.Name)
	}
}

func sameExpr(a, b string) bool {
	ea, erra := label.Resolve(a)
	eb, errb := label.Resolve(b)
	return erra == nil && errb == nil && ea != nil && eb != nil && ea.String() == eb.String()
}

func whys(items []jenkins.QueueItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%d: %s", it.ID, it.Why))
	}
	return out
}

// A password client fetches a crumb once and sends it with its session on every POST.
func TestSimPasswordCrumb(t *testing.T) {
	sim := startSim(t)
	c := simClient(t, sim, func(o *jenkins.Options) { o.User, o.Token, o.Password = simPwUser, "", simPassword })
	ctx := context.Background()
	for i := range 3 {
		spec := jenkins.NodeSpec{Name: fmt.Sprintf("pw-%d", i), RemoteFS: "/a", Executors: 1}
		if err := c.CreateInboundNode(ctx, spec, jenkins.InboundLauncher{}); err != nil {
			t.Fatalf("create %s: %v", spec.Name, err)
		}
	}
	if err := c.DeleteNode(ctx, "pw-0"); err != nil {
		t.Fatal(err)
	}
	crumbs := 0
	for _, r := range sim.Requests() {
		if r.Path == "/crumbIssuer/api/json" {
			crumbs++
		}
		if r.Method == "POST" && r.Status == 403 {
			t.Errorf("refused POST %s", r.Path)
		}
	}
	if crumbs != 1 {
		t.Errorf("%d crumb requests", crumbs)
	}
}

// Wrong credentials, anonymous access and server faults get their classes.
func TestSimErrorClasses(t *testing.T) {
	sim := startSim(t)
	ctx := context.Background()

	bad := simClient(t, sim, func(o *jenkins.Options) { o.Token = "11000000000000000000000000000000ff" })
	if _, err := bad.Queue(ctx); !errors.Is(err, jenkins.ErrUnauthorized) {
		t.Errorf("bad token: %v", err)
	} else if strings.Contains(err.Error(), "11000000000000000000000000000000ff") {
		t.Errorf("token in %q", err)
	}
	if _, err := bad.Whoami(ctx); !errors.Is(err, jenkins.ErrUnauthorized) {
		t.Errorf("bad token whoami: %v", err)
	}

	anon := simClient(t, sim, func(o *jenkins.Options) { o.User, o.Token = "", "" })
	if _, err := anon.Queue(ctx); !errors.Is(err, jenkins.ErrForbidden) {
		t.Errorf("anonymous queue: %v", err)
	}
	if id, err := anon.Whoami(ctx); err != nil || !id.Anonymous {
		t.Errorf("anonymous whoami: %+v %v", id, err)
	}

	c := simClient(t, sim)
	if err := sim.FailNext(1, 503); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Nodes(ctx); !errors.Is(err, jenkins.ErrUnavailable) || !strings.Contains(err.Error(), "503 Service Unavailable") {
		t.Errorf("503: %v", err)
	}
	if _, err := c.Nodes(ctx); err != nil {
		t.Errorf("after the fault: %v", err)
	}
	if err := sim.SetDown(true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Queue(ctx); !errors.Is(err, jenkins.ErrUnavailable) {
		t.Errorf("down: %v", err)
	}
	if err := sim.SetDown(false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Queue(ctx); err != nil {
		t.Errorf("back up: %v", err)
	}
}

// One poll, Queue and Nodes, costs exactly two requests whatever the number of nodes.
func TestSimPollIsTwoRequests(t *testing.T) {
	for _, count := range []int{0, 1, 50} {
		t.Run(fmt.Sprint(count, " nodes"), func(t *testing.T) {
			sim := startSim(t)
			for i := range count {
				err := sim.CreateNode(jenkinssim.NodeSpec{Name: fmt.Sprintf("agent-%02d", i), RemoteFS: "/a", NumExecutors: 2,
					Labels: "linux", Launcher: &jenkinssim.InboundLauncher{WebSocket: true}})
				if err != nil {
					t.Fatal(err)
				}
			}
			c := simClient(t, sim)
			sim.ResetRequests()
			ctx := context.Background()
			if _, err := c.Queue(ctx); err != nil {
				t.Fatal(err)
			}
			nodes, err := c.Nodes(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(nodes) != count+1 {
				t.Errorf("%d nodes", len(nodes))
			}
			reqs := sim.Requests()
			var got []string
			for _, r := range reqs {
				got = append(got, r.Method+" "+r.Path)
				q, _ := url.ParseQuery(r.RawQuery)
				if q.Get("tree") == "" || q.Has("depth") {
					t.Errorf("%s %s?%s: no tree= or a depth=", r.Method, r.Path, r.RawQuery)
				}
			}
			if want := []string{"GET /queue/api/json", "GET /computer/api/json"}; !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}
