package provisioner

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
)

// callLog records calls of the fakes below, in order, across both.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

func (l *callLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.calls, "\n")
}

func (l *callLog) has(prefix string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.calls {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// fakeJenkins is a Jenkins whose answers a test sets.
type fakeJenkins struct {
	log    *callLog
	secret string
	// node is what Node returns (after TakeOffline, typically).
	node jenkins.Node
	// fail maps a call name to the error it returns.
	fail map[string]error
}

func (f *fakeJenkins) err(call string) error { return f.fail[call] }

func (f *fakeJenkins) Queue(context.Context) ([]jenkins.QueueItem, error) {
	f.log.add("jenkins queue")
	return nil, f.err("queue")
}
func (f *fakeJenkins) Nodes(context.Context) ([]jenkins.Node, error) {
	f.log.add("jenkins nodes")
	return nil, f.err("nodes")
}
func (f *fakeJenkins) Node(_ context.Context, name string) (jenkins.Node, error) {
	f.log.add("jenkins node %s", name)
	return f.node, f.err("node")
}
func (f *fakeJenkins) CreateSSHNode(_ context.Context, s jenkins.NodeSpec, l jenkins.SSHLauncher) error {
	f.log.add("jenkins create-ssh %s %s:%d key=%s", s.Name, l.Host, l.Port, l.HostKey)
	return f.err("create")
}
func (f *fakeJenkins) CreateInboundNode(_ context.Context, s jenkins.NodeSpec, _ jenkins.InboundLauncher) error {
	f.log.add("jenkins create-inbound %s", s.Name)
	return f.err("create")
}
func (f *fakeJenkins) InboundSecret(_ context.Context, name string) (string, error) {
	f.log.add("jenkins secret %s", name)
	return f.secret, f.err("secret")
}
func (f *fakeJenkins) TakeOffline(_ context.Context, name, msg string) error {
	f.log.add("jenkins offline %s %q", name, msg)
	return f.err("offline")
}
func (f *fakeJenkins) BringOnline(_ context.Context, name string) error {
	f.log.add("jenkins online %s", name)
	return f.err("online")
}
func (f *fakeJenkins) DeleteNode(_ context.Context, name string) error {
	f.log.add("jenkins delete %s", name)
	return f.err("delete")
}

// fakeHost is a Docker host whose answers a test sets.
type fakeHost struct {
	log   *callLog
	specs []dockerapi.AgentSpec
	files []dockerapi.File
	input []string // what StartWithInput was given
	ports map[int]int
	fail  map[string]error
	// startLost makes Start fail (with fail["start"]) after the engine
	// started the container, as when its answer is lost.
	startLost bool
	started   bool
}

func (f *fakeHost) err(call string) error { return f.fail[call] }

func (f *fakeHost) Name() string { return "h1" }
func (f *fakeHost) EnsureImage(_ context.Context, image string, _ dockerapi.PullPolicy) error {
	f.log.add("docker image %s", image)
	return f.err("image")
}
func (f *fakeHost) CreateAgent(_ context.Context, spec dockerapi.AgentSpec) (string, error) {
	f.log.add("docker create %s", spec.Name)
	f.specs = append(f.specs, spec)
	return "ctr-" + spec.Name, f.err("create")
}
func (f *fakeHost) CopyFile(_ context.Context, id string, file dockerapi.File) error {
	f.log.add("docker copy %s %s", id, file.Path)
	f.files = append(f.files, file)
	return f.err("copy")
}
func (f *fakeHost) Start(_ context.Context, id string) error {
	f.log.add("docker start %s", id)
	f.started = f.err("start") == nil || f.startLost
	return f.err("start")
}
func (f *fakeHost) StartWithInput(_ context.Context, id string, input []byte) error {
	f.log.add("docker start %s with input", id)
	f.input = append(f.input, string(input))
	f.started = f.err("start") == nil || f.startLost
	return f.err("start")
}
func (f *fakeHost) Inspect(_ context.Context, id string) (dockerapi.Container, error) {
	f.log.add("docker inspect %s", id)
	return dockerapi.Container{ID: id, Running: f.started, Ports: f.ports}, f.err("inspect")
}
func (f *fakeHost) List(context.Context, string) ([]dockerapi.Container, error) {
	f.log.add("docker list")
	return nil, f.err("list")
}
func (f *fakeHost) Logs(_ context.Context, id string, n int) (string, error) {
	f.log.add("docker logs %s %d", id, n)
	return "last line", f.err("logs")
}
func (f *fakeHost) Remove(_ context.Context, id string, _ time.Duration) error {
	f.log.add("docker remove %s", id)
	return f.err("remove")
}
