package jenkins

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// Items of the shapes Jenkins produces.
func buildable(id int64, why string, task Task) QueueItem {
	return QueueItem{ID: id, Class: "hudson.model.Queue$BuildableItem", Kind: KindBuildable, Buildable: true,
		Why: why, InQueueSince: time.UnixMilli(1_700_000_000_000 + id*1000).UTC(), Task: task}
}

var (
	placeholder = Task{Class: PlaceholderTaskClass}
	freestyleNo = Task{Class: "hudson.model.FreeStyleProject", Name: "fs", HasLabelExpression: true}
)

func freestyle(expr string) Task {
	return Task{Class: "hudson.model.FreeStyleProject", Name: "fs-" + expr, LabelExpression: expr, HasLabelExpression: true}
}

// wantView is a Want with its expression printed, for comparison.
type wantView struct {
	Kind      WantKind
	Expr      string
	Node      string
	Ambiguous bool
	Source    WantSource
	Reason    string
}

func view(w Want) wantView {
	v := wantView{Kind: w.Kind, Node: w.Node, Ambiguous: w.Ambiguous, Source: w.Source, Reason: w.Reason}
	if w.Expr != nil {
		v.Expr = w.Expr.String()
	}
	return v
}

func TestItemWant(t *testing.T) {
	tests := []struct {
		name   string
		item   QueueItem
		agents bool
		want   wantView
	}{
		// Not demand.
		{"blocked", QueueItem{ID: 1, Kind: KindBlocked, Blocked: true, Why: "Build #9 is already in progress (ETA:15 sec)"}, true,
			wantView{Kind: WantNone, Reason: ReasonBlocked}},
		{"blocked by class only", QueueItem{ID: 1, Class: "hudson.model.Queue$BlockedItem", Kind: KindBlocked, Why: "x"}, true,
			wantView{Kind: WantNone, Reason: ReasonBlocked}},
		{"quiet period", QueueItem{ID: 1, Class: "hudson.model.Queue$WaitingItem", Kind: KindWaiting, Why: "In the quiet period. Expires in 4.9 sec"}, true,
			wantView{Kind: WantNone, Reason: ReasonQuietPeriod}},
		{"pending", QueueItem{ID: 1, Kind: KindBuildable, Buildable: true, Pending: true, Why: "Waiting for next available executor"}, true,
			wantView{Kind: WantNone, Reason: ReasonPending}},
		{"left", QueueItem{ID: 1, Kind: KindLeft, ExecutableURL: "u"}, true, wantView{Kind: WantNone, Reason: ReasonLeft}},
		{"cancelled", QueueItem{ID: 1, Kind: KindLeft, Cancelled: true}, true, wantView{Kind: WantNone, Reason: ReasonLeft}},
		{"not buildable", QueueItem{ID: 1, Why: "There are no nodes with the label ‘x’"}, true,
			wantView{Kind: WantNone, Reason: ReasonNotBuildable}},
		{"buildable but build in progress", buildable(1, "Build #3 is already in progress", placeholder), true,
			wantView{Kind: WantNone, Reason: ReasonBuildRunning}},
		{"buildable, shutting down", buildable(1, "Jenkins is about to shut down", placeholder), true,
			wantView{Kind: WantNone, Reason: ReasonShuttingDown}},
		{"buildable, upstream building", buildable(1, "Upstream project ‘lib’ is already building", placeholder), true,
			wantView{Kind: WantNone, Reason: ReasonBlockedByJob}},
		{"buildable, no why", buildable(1, "", placeholder), true, wantView{Kind: WantNone, Reason: ReasonNoBlockage}},

		// The why text names the label.
		{"no nodes", buildable(1, "There are no nodes with the label ‘linux&&docker’", placeholder), true,
			wantView{Kind: WantLabel, Expr: "linux&&docker", Source: SourceWhy}},
		{"no nodes, no agents (freestyle keeps why)", buildable(1, "There are no nodes with the label ‘linux’", freestyle("linux")), false,
			wantView{Kind: WantLabel, Expr: "linux", Source: SourceWhy}},
		{"label offline", buildable(1, "All nodes of label ‘mac’ are offline", placeholder), true,
			wantView{Kind: WantLabel, Expr: "mac", Source: SourceWhy}},
		{"no nodes, atom with space", buildable(1, "There are no nodes with the label ‘abc def’", freestyle(`"abc def"`)), true,
			wantView{Kind: WantLabel, Expr: "abc def", Source: SourceWhy}},
		{"nodes refused, lacking the label", buildable(1, "‘Built-In Node’ doesn’t have label ‘linux’; ‘a’ is offline", placeholder), true,
			wantView{Kind: WantLabel, Expr: "linux", Source: SourceWhy}},

		// "Waiting for next available executor on ‘X’": X is the label or its only node.
		{"waiting on, pipeline: ambiguous", buildable(1, "Waiting for next available executor on ‘linux&&docker’", placeholder), true,
			wantView{Kind: WantLabel, Expr: "linux&&docker", Node: "linux&&docker", Ambiguous: true, Source: SourceWhy}},
		{"waiting on the label", buildable(1, "Waiting for next available executor on ‘linux&&docker’", freestyle("linux && docker")), true,
			wantView{Kind: WantLabel, Expr: "linux&&docker", Source: SourceWhy}},
		{"waiting on the only node, freestyle", buildable(1, "Waiting for next available executor on ‘berth-linux-7f3a’", freestyle("linux")), true,
			wantView{Kind: WantLabel, Expr: "linux", Node: "berth-linux-7f3a", Source: SourceLabelExpression}},
		{"waiting on built-in, tied job", buildable(1, "Waiting for next available executor on ‘Built-In Node’", freestyleNo), true,
			wantView{Kind: WantNode, Node: "Built-In Node", Source: SourceWhy}},

		// "‘N’ is offline": the label's only node.
		{"node offline, pipeline", buildable(1, "‘berth-linux-7f3a’ is offline", placeholder), true,
			wantView{Kind: WantNode, Node: "berth-linux-7f3a", Source: SourceWhy}},
		{"node offline, freestyle", buildable(1, "‘berth-linux-7f3a’ is offline", freestyle("docker")), true,
			wantView{Kind: WantLabel, Expr: "docker", Node: "berth-linux-7f3a", Source: SourceLabelExpression}},
		{"node offline, old text", buildable(1, "ci4 is offline", placeholder), true,
			wantView{Kind: WantNode, Node: "ci4", Source: SourceWhy}},

		// "Waiting for next available executor": no label, or no agents at all.
		{"unlabelled freestyle", buildable(1, "Waiting for next available executor", freestyleNo), true,
			wantView{Kind: WantAnyNode, Source: SourceLabelExpression}},
		{"unlabelled freestyle, no agents", buildable(1, "Waiting for next available executor", freestyleNo), false,
			wantView{Kind: WantAnyNode, Source: SourceLabelExpression}},
		{"labelled freestyle, no agents: labelExpression", buildable(1, "Waiting for next available executor", freestyle("linux && docker")), false,
			wantView{Kind: WantLabel, Expr: "linux&&docker", Source: SourceLabelExpression}},
		{"pipeline, agents exist: unlabelled", buildable(1, "Waiting for next available executor", placeholder), true,
			wantView{Kind: WantAnyNode, Source: SourceInferred}},
		{"pipeline, no agents: unknown", buildable(1, "Waiting for next available executor", placeholder), false,
			wantView{Kind: WantUnknown, Reason: ReasonNoAgents}},
		{"1.x task without labelExpression, agents", buildable(1, "Waiting for next available executor", Task{Name: "chicken"}), true,
			wantView{Kind: WantAnyNode, Source: SourceInferred}},
		{"bad labelExpression", buildable(1, "Waiting for next available executor", freestyle(`"\u12"`)), true,
			wantView{Kind: WantUnknown, Reason: ReasonBadTaskLabel}},

		// Composite without a label.
		{"nodes refused, pipeline, agents", buildable(1, "Jenkins is reserved for jobs with matching label expression; build1 is offline; build2 is offline", placeholder), true,
			wantView{Kind: WantAnyNode, Source: SourceInferred}},
		{"nodes refused, pipeline, no agents", buildable(1, "‘Jenkins’ is reserved for jobs with matching label expression", placeholder), false,
			wantView{Kind: WantUnknown, Reason: ReasonNoAgents}},
		{"nodes refused, freestyle labelled, no agents", buildable(1, "‘Jenkins’ is reserved for jobs with matching label expression", freestyle("win")), false,
			wantView{Kind: WantLabel, Expr: "win", Source: SourceLabelExpression}},

		// Unknown text.
		{"unknown text", buildable(1, "Just a random message here", placeholder), true,
			wantView{Kind: WantUnknown, Reason: ReasonUnknownWhy}},
		{"unknown text, freestyle", buildable(1, "Warte auf den nächsten freien Build-Prozessor", freestyle("linux")), true,
			wantView{Kind: WantUnknown, Reason: ReasonUnknownWhy}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ItemWant(tc.item, tc.agents)
			if v := view(got); v != tc.want {
				t.Errorf("ItemWant\n got %+v\nwant %+v", v, tc.want)
			}
			if got.Why.Text != tc.item.Why {
				t.Errorf("Why.Text %q", got.Why.Text)
			}
		})
	}
}

// demandView is a Demand with its expression printed.
type demandView struct {
	Key     string
	Expr    string
	Node    string
	AnyNode bool
	Items   []int64
}

func views(ds []Demand) []demandView {
	var out []demandView
	for _, d := range ds {
		v := demandView{Key: d.Key, Node: d.Node, AnyNode: d.AnyNode, Items: d.Items}
		if d.Expr != nil {
			v.Expr = d.Expr.String()
		}
		out = append(out, v)
	}
	return out
}

var builtInNode = Node{Name: "Built-In Node", Class: "hudson.model.Hudson$MasterComputer", BuiltIn: true, Executors: 2, Labels: []string{"built-in"}}

func agent(name string, labels ...string) Node {
	return Node{Name: name, Class: "hudson.slaves.SlaveComputer", Executors: 1, Labels: append(labels, name)}
}

func TestComputeDemand(t *testing.T) {
	at := func(it QueueItem, ms int64) QueueItem { it.InQueueSince = time.UnixMilli(ms).UTC(); return it }
	tests := []struct {
		name    string
		items   []QueueItem
		nodes   []Node
		demand  []demandView
		unknown []UnknownItem
	}{
		{
			name: "one key per normalized expression, oldest first",
			items: []QueueItem{
				at(buildable(10, "Waiting for next available executor", freestyle("linux && docker")), 1000),
				at(buildable(11, "There are no nodes with the label ‘linux&&docker’", placeholder), 2000),
				at(buildable(12, "There are no nodes with the label ‘windows’", placeholder), 1500),
				at(buildable(13, "Waiting for next available executor", freestyleNo), 500),
				at(buildable(14, "Waiting for next available executor", placeholder), 3000),
				at(QueueItem{ID: 15, Kind: KindBlocked, Blocked: true, Why: "Build #1 is already in progress"}, 100),
				at(QueueItem{ID: 16, Kind: KindWaiting, Why: "In the quiet period. Expires in 5 sec"}, 50),
			},
			nodes: []Node{builtInNode},
			demand: []demandView{
				{Key: "", AnyNode: true, Items: []int64{13}},
				{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{10, 11}},
				{Key: "windows", Expr: "windows", Items: []int64{12}},
			},
			unknown: []UnknownItem{{ID: 14, Task: "ExecutorStepExecution$PlaceholderTask", Why: "Waiting for next available executor", Reason: ReasonNoAgents}},
		},
		{
			name: "ties in time are ordered by id",
			items: []QueueItem{
				at(buildable(3, "There are no nodes with the label ‘b’", placeholder), 1000),
				at(buildable(2, "There are no nodes with the label ‘a’", placeholder), 1000),
				at(buildable(1, "There are no nodes with the label ‘b’", placeholder), 1000),
			},
			nodes: []Node{builtInNode},
			demand: []demandView{
				{Key: "b", Expr: "b", Items: []int64{1, 3}},
				{Key: "a", Expr: "a", Items: []int64{2}},
			},
		},
		{
			name: "waiting on a label several nodes carry",
			items: []QueueItem{
				buildable(1, "Waiting for next available executor on ‘linux’", placeholder),
			},
			nodes:  []Node{builtInNode, agent("a", "linux"), agent("b", "linux")},
			demand: []demandView{{Key: "linux", Expr: "linux", Items: []int64{1}}},
		},
		{
			name: "waiting on the label's only node, label unknown",
			items: []QueueItem{
				buildable(1, "Waiting for next available executor on ‘mac-1’", placeholder),
			},
			nodes:  []Node{builtInNode, agent("mac-1", "mac"), agent("b", "linux")},
			demand: []demandView{{Key: "node:mac-1", Node: "mac-1", Items: []int64{1}}},
		},
		{
			name: "waiting on a label no node is named after",
			items: []QueueItem{
				buildable(1, "Waiting for next available executor on ‘mac’", placeholder),
			},
			nodes:  []Node{builtInNode, agent("mac-1", "mac")},
			demand: []demandView{{Key: "mac", Expr: "mac", Items: []int64{1}}},
		},
		{
			name: "node names and labels from different texts",
			items: []QueueItem{
				buildable(1, "‘berth-linux-1’ is offline", placeholder),
				buildable(2, "‘berth-linux-1’ is offline", freestyle("linux")),
				buildable(3, "Jenkins is reserved for jobs with matching label expression; build1 is offline", placeholder),
			},
			nodes: []Node{builtInNode, agent("berth-linux-1", "linux")},
			demand: []demandView{
				{Key: "node:berth-linux-1", Node: "berth-linux-1", Items: []int64{1}},
				{Key: "linux", Expr: "linux", Items: []int64{2}},
				{Key: "", AnyNode: true, Items: []int64{3}},
			},
		},
		{
			name:  "empty queue",
			nodes: []Node{builtInNode},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			demand, unknown := ComputeDemand(tc.items, tc.nodes, NewLabelMemory())
			if got := views(demand); !reflect.DeepEqual(got, tc.demand) {
				t.Errorf("demand\n got %+v\nwant %+v", got, tc.demand)
			}
			if !reflect.DeepEqual(unknown, tc.unknown) {
				t.Errorf("unknown\n got %+v\nwant %+v", unknown, tc.unknown)
			}
			// The same snapshot in any order gives the same answer.
			for range 5 {
				shuffled := slices.Clone(tc.items)
				rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				d2, u2 := ComputeDemand(shuffled, tc.nodes, NewLabelMemory())
				if !reflect.DeepEqual(views(d2), views(demand)) || !reflect.DeepEqual(u2, unknown) {
					t.Fatalf("order-dependent: %+v / %+v", views(d2), u2)
				}
			}
		})
	}
}

func TestComputeDemandOldest(t *testing.T) {
	items := []QueueItem{buildable(5, "There are no nodes with the label ‘x’", placeholder), buildable(4, "There are no nodes with the label ‘x’", placeholder)}
	demand, _ := ComputeDemand(items, []Node{builtInNode}, nil)
	if len(demand) != 1 || !demand[0].Oldest.Equal(items[1].InQueueSince) {
		t.Fatalf("%+v", demand)
	}
}

// TestLabelMemoryAcrossPolls follows one pipeline item while berth starts an agent for it:
// Jenkins first names the label, then only the new node.
func TestLabelMemoryAcrossPolls(t *testing.T) {
	static := agent("static-1", "windows")
	polls := []struct {
		why     string
		nodes   []Node
		want    []demandView // with memory
		without []demandView // without memory
	}{
		{
			why:     "There are no nodes with the label ‘linux&&docker’",
			nodes:   []Node{builtInNode, static},
			want:    []demandView{{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{20}}},
			without: []demandView{{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{20}}},
		},
		{ // berth created the node; it is launching.
			why:     "‘berth-linux-1’ is offline",
			nodes:   []Node{builtInNode, static, agent("berth-linux-1", "linux", "docker")},
			want:    []demandView{{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{20}}},
			without: []demandView{{Key: "node:berth-linux-1", Node: "berth-linux-1", Items: []int64{20}}},
		},
		{ // online, busy with another build.
			why:     "Waiting for next available executor on ‘berth-linux-1’",
			nodes:   []Node{builtInNode, static, agent("berth-linux-1", "linux", "docker")},
			want:    []demandView{{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{20}}},
			without: []demandView{{Key: "node:berth-linux-1", Node: "berth-linux-1", Items: []int64{20}}},
		},
		{ // every agent gone, the placeholder node too: Jenkins drops the label.
			why:   "Waiting for next available executor",
			nodes: []Node{builtInNode},
			want:  []demandView{{Key: "linux&&docker", Expr: "linux&&docker", Items: []int64{20}}},
		},
	}
	mem := NewLabelMemory()
	for i, p := range polls {
		items := []QueueItem{buildable(20, p.why, placeholder)}
		demand, _ := ComputeDemand(items, p.nodes, mem)
		if got := views(demand); !reflect.DeepEqual(got, p.want) {
			t.Errorf("poll %d with memory\n got %+v\nwant %+v", i, got, p.want)
		}
		demand, _ = ComputeDemand(items, p.nodes, nil)
		if got := views(demand); !reflect.DeepEqual(got, p.without) {
			t.Errorf("poll %d without memory\n got %+v\nwant %+v", i, got, p.without)
		}
	}
	if e, ok := mem.Lookup(20); !ok || e.String() != "linux&&docker" {
		t.Fatalf("memory: %v %v", e, ok)
	}
	// The item started: the memory forgets it.
	ComputeDemand(nil, []Node{builtInNode}, mem)
	if mem.Len() != 0 {
		t.Fatalf("memory kept %d items", mem.Len())
	}
}

// An item that once named a label and now gets a composite text without one keeps it.
func TestLabelMemoryOverridesInference(t *testing.T) {
	mem := NewLabelMemory()
	nodes := []Node{builtInNode, agent("a", "x")}
	ComputeDemand([]QueueItem{buildable(1, "All nodes of label ‘linux’ are offline", placeholder)}, nodes, mem)
	demand, _ := ComputeDemand([]QueueItem{buildable(1, "‘Jenkins’ is reserved for jobs with matching label expression; ‘a’ is offline", placeholder)}, nodes, mem)
	if got := views(demand); len(got) != 1 || got[0].Key != "linux" {
		t.Fatalf("%+v", got)
	}
	// An unlabelled item learns nothing and stays "any node".
	demand, _ = ComputeDemand([]QueueItem{buildable(2, "Waiting for next available executor", placeholder)}, nodes, mem)
	if got := views(demand); len(got) != 1 || !got[0].AnyNode || mem.Len() != 0 {
		t.Fatalf("%+v, memory %d", got, mem.Len())
	}
}

func TestLabelMemory(t *testing.T) {
	linux, _ := label.Parse("linux")
	var zero LabelMemory
	zero.Remember(1, linux)
	if e, ok := zero.Lookup(1); !ok || e.String() != "linux" {
		t.Fatal("zero value does not remember")
	}
	zero.Remember(2, nil)
	if _, ok := zero.Lookup(2); ok || zero.Len() != 1 {
		t.Fatal("nil expression remembered")
	}
	zero.Remember(3, linux)
	zero.Retain([]int64{3, 4})
	if _, ok := zero.Lookup(1); ok {
		t.Fatal("item 1 not forgotten")
	}
	if _, ok := zero.Lookup(3); !ok || zero.Len() != 1 {
		t.Fatal("item 3 forgotten")
	}
	var nilMem *LabelMemory
	nilMem.Remember(1, linux)
	nilMem.Retain(nil)
	if _, ok := nilMem.Lookup(1); ok || nilMem.Len() != 0 {
		t.Fatal("nil memory remembers")
	}
}
