package main

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner"
)

// Steps of a start, as the tracer names them.
const (
	stepQueue     = "queue read"
	stepImage     = "image check"
	stepNode      = "node create"
	stepSecret    = "secret"
	stepCreate    = "container create"
	stepCopy      = "copy secret"
	stepStart     = "container start"
	stepList      = "container list"
	stepNodesRead = "nodes read"
)

// event is one call berth made, with when it started and ended.
type event struct {
	Step       string
	Node       string // "" when the call names no node
	Start, End time.Time
	Failed     bool
	// Items are the queue ids a queue read returned.
	Items []int64
}

// tracer records every call berth makes through the wrappers below. They
// wrap the real clients: the calls themselves are unchanged.
type tracer struct {
	mu     sync.Mutex
	events []event
	nodeOf map[string]string // container id → node
}

func newTracer() *tracer { return &tracer{nodeOf: map[string]string{}} }

func (t *tracer) add(ev event) {
	t.mu.Lock()
	t.events = append(t.events, ev)
	t.mu.Unlock()
}

func (t *tracer) node(id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nodeOf[id]
}

// since returns the events that started at or after from.
func (t *tracer) since(from time.Time) []event {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []event
	for _, ev := range t.events {
		if !ev.Start.Before(from) {
			out = append(out, ev)
		}
	}
	return out
}

// lastQueueRead returns the latest queue read that has ended.
func (t *tracer) lastQueueRead() (event, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.events) - 1; i >= 0; i-- {
		if t.events[i].Step == stepQueue {
			return t.events[i], true
		}
	}
	return event{}, false
}

// firstQueueRead returns the first queue read started at or after from
// whose answer held item id.
func firstQueueRead(evs []event, id int64) (event, bool) {
	for _, ev := range evs {
		if ev.Step == stepQueue && slices.Contains(ev.Items, id) {
			return ev, true
		}
	}
	return event{}, false
}

// stepOf returns node's first event of step, or (for calls that name no
// node) the first such event in evs.
func stepOf(evs []event, step, node string) (event, bool) {
	for _, ev := range evs {
		if ev.Step == step && (ev.Node == node || ev.Node == "") {
			return ev, true
		}
	}
	return event{}, false
}

func timed[T any](t *tracer, step, node string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	t.add(event{Step: step, Node: node, Start: start, End: time.Now(), Failed: err != nil})
	return v, err
}

// tracedJenkins times the calls of a start and the cycle's reads.
type tracedJenkins struct {
	provisioner.Jenkins
	t *tracer
}

func (j tracedJenkins) Queue(ctx context.Context) ([]jenkins.QueueItem, error) {
	start := time.Now()
	items, err := j.Jenkins.Queue(ctx)
	ev := event{Step: stepQueue, Start: start, End: time.Now(), Failed: err != nil}
	for _, it := range items {
		ev.Items = append(ev.Items, it.ID)
	}
	j.t.add(ev)
	return items, err
}

func (j tracedJenkins) Nodes(ctx context.Context) ([]jenkins.Node, error) {
	return timed(j.t, stepNodesRead, "", func() ([]jenkins.Node, error) { return j.Jenkins.Nodes(ctx) })
}

func (j tracedJenkins) CreateInboundNode(ctx context.Context, spec jenkins.NodeSpec, l jenkins.InboundLauncher) error {
	_, err := timed(j.t, stepNode, spec.Name, func() (struct{}, error) {
		return struct{}{}, j.Jenkins.CreateInboundNode(ctx, spec, l)
	})
	return err
}

func (j tracedJenkins) InboundSecret(ctx context.Context, name string) (string, error) {
	return timed(j.t, stepSecret, name, func() (string, error) { return j.Jenkins.InboundSecret(ctx, name) })
}

// tracedHost times the engine calls of a start and the cycle's listing.
type tracedHost struct {
	provisioner.DockerHost
	t *tracer
}

func (h tracedHost) EnsureImage(ctx context.Context, image string, p dockerapi.PullPolicy) error {
	_, err := timed(h.t, stepImage, "", func() (struct{}, error) {
		return struct{}{}, h.DockerHost.EnsureImage(ctx, image, p)
	})
	return err
}

func (h tracedHost) CreateAgent(ctx context.Context, spec dockerapi.AgentSpec) (string, error) {
	id, err := timed(h.t, stepCreate, spec.Name, func() (string, error) { return h.DockerHost.CreateAgent(ctx, spec) })
	if err == nil {
		h.t.mu.Lock()
		h.t.nodeOf[id] = spec.Name
		h.t.mu.Unlock()
	}
	return id, err
}

func (h tracedHost) CopyFile(ctx context.Context, id string, f dockerapi.File) error {
	_, err := timed(h.t, stepCopy, h.t.node(id), func() (struct{}, error) {
		return struct{}{}, h.DockerHost.CopyFile(ctx, id, f)
	})
	return err
}

func (h tracedHost) Start(ctx context.Context, id string) error {
	_, err := timed(h.t, stepStart, h.t.node(id), func() (struct{}, error) {
		return struct{}{}, h.DockerHost.Start(ctx, id)
	})
	return err
}

func (h tracedHost) StartWithInput(ctx context.Context, id string, input []byte) error {
	_, err := timed(h.t, stepStart, h.t.node(id), func() (struct{}, error) {
		return struct{}{}, h.DockerHost.StartWithInput(ctx, id, input)
	})
	return err
}

func (h tracedHost) List(ctx context.Context, instance string) ([]dockerapi.Container, error) {
	return timed(h.t, stepList, "", func() ([]dockerapi.Container, error) { return h.DockerHost.List(ctx, instance) })
}
