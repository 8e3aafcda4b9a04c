package e2e_test

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/internal/harness"
)

// caps are the limits of a test's config, as the watch checks them.
type caps struct {
	// template → instanceCap, for the templates that have one.
	template map[string]int
	// total is the global maxContainers and the host's (one host); 0: none.
	total int
}

func capsOf(c harness.Config) caps {
	out := caps{template: map[string]int{}}
	for _, t := range c.Templates {
		if t.InstanceCap > 0 {
			out.template[t.Name] = t.InstanceCap
		}
	}
	for _, m := range []int{c.MaxContainers, c.HostMax} {
		if m > 0 && (out.total == 0 || m < out.total) {
			out.total = m
		}
	}
	return out
}

// watch checks the caps at every observation, across every berth process
// of a test: the engine's container list every 50 ms, and the simulator's
// nodes at every change of the simulator and at least every 50 ms. It also
// counts the container creations the engine reports, by template.
type watch struct {
	env  *harness.Env
	caps caps
	// allNodes counts every berth node against the caps; otherwise only the
	// online ones (a node whose container was killed or never made is not an
	// agent that can take a build).
	allNodes bool
	nodeName *regexp.Regexp

	mu         sync.Mutex
	violations []string
	lists      int
	nodeReads  int
	peak       map[string]int // "ctr:<template>", "node:<template>", "ctr:" for all
	created    map[string]int // container creations by template (engine events)
	eventsErr  error
}

// newWatch starts watching until the test ends; check reports.
func newWatch(t *testing.T, env *harness.Env, c harness.Config, allNodes bool) *watch {
	t.Helper()
	names := make([]string, 0, len(c.Templates))
	for _, tm := range c.Templates {
		names = append(names, regexp.QuoteMeta(tm.Name))
	}
	w := &watch{
		env:      env,
		caps:     capsOf(c),
		allNodes: allNodes,
		nodeName: regexp.MustCompile(`^(` + strings.Join(names, "|") + `)-[0-9a-f]{6}$`),
		peak:     map[string]int{},
		created:  map[string]int{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	ready := make(chan struct{})
	wg.Add(3)
	go func() { defer wg.Done(); w.engineLoop(ctx) }()
	go func() { defer wg.Done(); w.nodeLoop(ctx) }()
	go func() { defer wg.Done(); w.eventLoop(ctx, ready) }()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("engine event stream not open within 30s")
	}
	return w
}

// templateOfNode returns the template of a berth agent node, or "".
func (w *watch) templateOfNode(name string) string {
	m := w.nodeName.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return m[1]
}

func (w *watch) violation(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) < 200 {
		w.violations = append(w.violations, time.Now().Format("15:04:05.000")+" "+fmt.Sprintf(format, args...))
	}
}

// judge checks one observation's counts (by template) against the caps.
func (w *watch) judge(what string, count map[string]int, detail func() string) {
	total := 0
	for tmpl, n := range count {
		total += n
		if limit, ok := w.caps.template[tmpl]; ok && n > limit {
			w.violation("%s: template %s has %d > instanceCap %d (%s)", what, tmpl, n, limit, detail())
		}
	}
	if w.caps.total > 0 && total > w.caps.total {
		w.violation("%s: %d in all > maxContainers %d (%s)", what, total, w.caps.total, detail())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for tmpl, n := range count {
		k := what + ":" + tmpl
		w.peak[k] = max(w.peak[k], n)
	}
	w.peak[what+":"] = max(w.peak[what+":"], total)
}

func (w *watch) engineLoop(ctx context.Context) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctrs, err := w.env.Containers(ctx)
		if err == nil {
			count := map[string]int{}
			for _, c := range ctrs {
				count[c.Owner.Template]++
			}
			w.judge("containers", count, func() string {
				var s []string
				for _, c := range ctrs {
					s = append(s, c.Owner.Node+"="+c.State)
				}
				sort.Strings(s)
				return strings.Join(s, " ")
			})
			w.mu.Lock()
			w.lists++
			w.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *watch) nodeLoop(ctx context.Context) {
	for {
		changed := w.env.Sim.Changed()
		count := map[string]int{}
		var seen []string
		for _, n := range w.env.Sim.Nodes() {
			tmpl := w.templateOfNode(n.Name)
			if tmpl == "" || (!w.allNodes && !n.Online) {
				continue
			}
			count[tmpl]++
			seen = append(seen, fmt.Sprintf("%s(online=%v)", n.Name, n.Online))
		}
		w.judge("nodes", count, func() string { return strings.Join(seen, " ") })
		w.mu.Lock()
		w.nodeReads++
		w.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// eventLoop counts container creations of the instance by template.
func (w *watch) eventLoop(ctx context.Context, ready chan<- struct{}) {
	f := client.Filters{}
	f.Add("type", string(events.ContainerEventType))
	f.Add("event", string(events.ActionCreate))
	f.Add("label", dockerapi.LabelInstance+"="+w.env.Instance)
	res := w.env.Docker.Events(ctx, client.EventsListOptions{Filters: f})
	close(ready)
	for {
		select {
		case <-ctx.Done():
			return
		case err := <-res.Err:
			if ctx.Err() == nil {
				w.mu.Lock()
				w.eventsErr = err
				w.mu.Unlock()
			}
			return
		case m := <-res.Messages:
			w.mu.Lock()
			w.created[m.Actor.Attributes[dockerapi.LabelTemplate]]++
			w.mu.Unlock()
		}
	}
}

// creations returns the container creations seen so far, by template.
func (w *watch) creations() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]int, len(w.created))
	for k, v := range w.created {
		out[k] = v
	}
	return out
}

// check fails the test for every cap violation seen so far.
func (w *watch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lists == 0 || w.nodeReads == 0 {
		t.Errorf("caps were never observed (engine lists %d, node reads %d)", w.lists, w.nodeReads)
	}
	if w.eventsErr != nil {
		t.Errorf("engine event stream failed: %v", w.eventsErr)
	}
	for _, v := range w.violations {
		t.Errorf("cap exceeded: %s", v)
	}
	t.Logf("caps checked over %d engine listings and %d node reads; peaks %v; containers created %v",
		w.lists, w.nodeReads, w.peak, w.created)
}
