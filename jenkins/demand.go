package jenkins

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/jenkins/label"
)

// WantKind says what a queue item needs to start.
type WantKind int

const (
	// WantNone: not demand. The item is waiting out its quiet period, blocked (e.g. by a
	// build in progress), pending (an executor took it), gone, or not buildable.
	WantNone WantKind = iota
	// WantLabel: an executor on a node matching Expr.
	WantLabel
	// WantAnyNode: the item has no label; any node in NORMAL mode will do.
	WantAnyNode
	// WantNode: Jenkins names only the node the item waits for (its label matches just
	// that node) and the label is unknown; the planner maps the node to its template.
	WantNode
	// WantUnknown: buildable, but what it waits for cannot be told (Reason says why).
	WantUnknown
)

func (k WantKind) String() string {
	switch k {
	case WantNone:
		return "none"
	case WantLabel:
		return "label"
	case WantAnyNode:
		return "any node"
	case WantNode:
		return "node"
	}
	return "unknown"
}

// WantSource says where the label of a Want came from.
type WantSource string

const (
	SourceWhy             WantSource = "why"             // the item's why text
	SourceLabelExpression WantSource = "labelExpression" // the task's labelExpression
	SourceMemory          WantSource = "memory"          // an earlier poll, via LabelMemory
	// SourceInferred: no text names a label, and Jenkins would name one if the item had
	// it (agent nodes exist): the item is unlabelled.
	SourceInferred WantSource = "inferred"
)

// Want is what one queue item waits for.
type Want struct {
	Kind WantKind
	// Expr is the label expression, for WantLabel.
	Expr label.Expr
	// Node is the node's name for WantNode; with WantLabel, the node the why text named,
	// if it named one.
	Node string
	// Ambiguous marks a WantLabel read from "Waiting for next available executor on ‘X’"
	// without a labelExpression to compare with: X is either the label or the name of the
	// label's only node. ComputeDemand settles it with the node list.
	Ambiguous bool
	Source    WantSource
	// Reason explains WantNone and WantUnknown, in a few words fit for a log line.
	Reason string
	// Why is the parsed why text.
	Why Why
}

// Reasons given for WantNone and WantUnknown.
const (
	ReasonLeft         = "left the queue"
	ReasonQuietPeriod  = "in the quiet period"
	ReasonBlocked      = "blocked"
	ReasonPending      = "pending: an executor took it"
	ReasonNotBuildable = "not buildable"
	ReasonNoBlockage   = "nothing blocks it: about to start"
	ReasonNoAgents     = "Jenkins has no agent nodes, so its queue does not name the label, and the task exports no labelExpression"
	ReasonUnknownWhy   = "unrecognised why text"
	ReasonBadTaskLabel = "labelExpression cannot be parsed"
	ReasonShuttingDown = "Jenkins is about to shut down"
	ReasonBuildRunning = "a build of the same job is in progress"
	ReasonBlockedByJob = "blocked by another job"
)

// ItemWant decides what one queue item waits for. agentsExist tells whether the
// controller has any agent node (built-in aside): without one, Jenkins drops every label
// from why texts.
//
// The label comes from the why text when it names one, else from the task's
// labelExpression (exported by freestyle and matrix jobs, not by pipeline node() blocks).
func ItemWant(item QueueItem, agentsExist bool) Want {
	w := Want{Why: ParseWhy(item.Why)}
	none := func(reason string) Want { w.Kind, w.Reason = WantNone, reason; return w }
	switch {
	case item.Kind == KindLeft || item.Cancelled:
		return none(ReasonLeft)
	case item.Kind == KindWaiting || w.Why.Kind == WhyQuietPeriod:
		return none(ReasonQuietPeriod)
	case item.Blocked || item.Kind == KindBlocked:
		return none(ReasonBlocked)
	case item.Pending:
		return none(ReasonPending)
	case !item.Buildable:
		return none(ReasonNotBuildable)
	}

	taskExpr, taskKnown, taskErr := taskLabel(item.Task)
	fromTask := func() Want {
		if taskExpr == nil {
			w.Kind, w.Source = WantAnyNode, SourceLabelExpression
		} else {
			w.Kind, w.Expr, w.Source = WantLabel, taskExpr, SourceLabelExpression
		}
		return w
	}
	unknown := func(reason string) Want { w.Kind, w.Reason = WantUnknown, reason; return w }
	// noLabelInText: the text names no label, and no node either.
	noLabelInText := func() Want {
		switch {
		case taskKnown:
			return fromTask()
		case taskErr:
			return unknown(ReasonBadTaskLabel)
		case agentsExist:
			w.Kind, w.Source = WantAnyNode, SourceInferred
			return w
		}
		return unknown(ReasonNoAgents)
	}
	// namesNode: the text names the label's only node, not the label.
	namesNode := func(node string) Want {
		w.Node = node
		if taskKnown && taskExpr != nil {
			return fromTask()
		}
		// No labelExpression (a pipeline), or none at all: a job tied to the built-in node
		// has a null labelExpression but waits for that node.
		w.Kind, w.Source = WantNode, SourceWhy
		return w
	}

	switch w.Why.Kind {
	case WhyNone:
		return none(ReasonNoBlockage)
	case WhyBuildInProgress:
		return none(ReasonBuildRunning)
	case WhyBlockedByJob:
		return none(ReasonBlockedByJob)
	case WhyShuttingDown:
		return none(ReasonShuttingDown)
	case WhyNoNodesWithLabel, WhyLabelOffline:
		w.Kind, w.Expr, w.Source = WantLabel, whyLabel(w.Why.Label), SourceWhy
		return w
	case WhyWaitingOn:
		x := w.Why.Label
		if taskKnown {
			// Jenkins prints the label as Label.getName(), which is Expr.String().
			if taskExpr != nil && taskExpr.String() == x {
				w.Kind, w.Expr, w.Source = WantLabel, taskExpr, SourceWhy
				return w
			}
			return namesNode(x)
		}
		w.Kind, w.Expr, w.Source, w.Node, w.Ambiguous = WantLabel, whyLabel(x), SourceWhy, x, true
		return w
	case WhyNodeOffline:
		return namesNode(w.Why.Node)
	case WhyWaiting:
		return noLabelInText()
	case WhyNodesRefused:
		if w.Why.Label != "" {
			w.Kind, w.Expr, w.Source = WantLabel, whyLabel(w.Why.Label), SourceWhy
			return w
		}
		return noLabelInText()
	}
	return unknown(ReasonUnknownWhy)
}

// taskLabel resolves the task's labelExpression as Jenkins assigns it (label.Resolve:
// Jenkins exports the text as the user wrote it, quoted if it does not parse). known is
// false when the task exports none; bad is set when it exports one that cannot be read.
func taskLabel(t Task) (e label.Expr, known, bad bool) {
	if !t.HasLabelExpression {
		return nil, false, false
	}
	e, err := label.Resolve(t.LabelExpression)
	if err != nil {
		return nil, false, true
	}
	return e, true, false
}

// whyLabel is the label a why text names (label.FromName: Jenkins prints an expression in
// its normalized form and a single atom by its bare name, even one that needs quotes).
func whyLabel(name string) label.Expr {
	if name == "" {
		return nil
	}
	return label.FromName(name)
}

// Demand is the buildable items waiting for one kind of node.
type Demand struct {
	// Key identifies the demand: the normalized label expression, "" for any node, or
	// "node:NAME".
	Key     string
	Expr    label.Expr // the label expression; nil for any node and node demand
	Node    string     // for node demand
	AnyNode bool
	// Items are queue item ids, oldest first.
	Items []int64
	// Oldest is when the oldest item entered the queue (zero if unknown).
	Oldest time.Time
}

// UnknownItem is a buildable item whose need cannot be told.
type UnknownItem struct {
	ID     int64
	Task   string // task name, or its class for unnamed tasks
	Why    string
	Reason string
}

// NodeKeyPrefix starts the Key of a node demand.
const NodeKeyPrefix = "node:"

// ComputeDemand turns a queue snapshot and the node list of the same poll into demand:
// one entry per label expression (normalized, so "linux && docker" and "linux&&docker"
// are one key), per named node, and one for "any node". Items that are not demand are
// left out; items whose need cannot be told are returned in unknown. Both lists are in
// the order of their oldest item (inQueueSince, then id).
//
// mem may be nil. Otherwise it learns every expression seen, lends it to items whose why
// text later names only a node (or no label), and forgets items no longer queued.
func ComputeDemand(items []QueueItem, nodes []Node, mem *LabelMemory) (demand []Demand, unknown []UnknownItem) {
	agentsExist := false
	for _, n := range nodes {
		if !n.BuiltIn {
			agentsExist = true
			break
		}
	}
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b QueueItem) int {
		return cmp.Or(a.InQueueSince.Compare(b.InQueueSince), cmp.Compare(a.ID, b.ID))
	})

	res := newResolver(nodes)
	index := map[string]int{}
	ids := make([]int64, 0, len(items))
	for _, it := range sorted {
		ids = append(ids, it.ID)
		w := res.resolve(ItemWant(it, agentsExist))
		switch w.Kind {
		case WantLabel:
			if w.Source != SourceMemory {
				mem.Remember(it.ID, w.Expr)
			}
		case WantNode, WantUnknown:
			w = recall(w, it.ID, mem)
		case WantAnyNode:
			if w.Source == SourceInferred {
				w = recall(w, it.ID, mem)
			}
		}

		var d Demand
		switch w.Kind {
		case WantLabel:
			d = Demand{Key: w.Expr.String(), Expr: w.Expr}
		case WantAnyNode:
			d = Demand{Key: "", AnyNode: true}
		case WantNode:
			d = Demand{Key: NodeKeyPrefix + w.Node, Node: w.Node}
		case WantUnknown:
			unknown = append(unknown, UnknownItem{ID: it.ID, Task: taskName(it.Task), Why: it.Why, Reason: w.Reason})
			continue
		default:
			continue
		}
		i, ok := index[d.Key]
		if !ok {
			i = len(demand)
			index[d.Key] = i
			d.Oldest = it.InQueueSince
			demand = append(demand, d)
		}
		demand[i].Items = append(demand[i].Items, it.ID)
	}
	mem.Retain(ids)
	return demand, unknown
}

// resolver settles Ambiguous wants against one node list. It indexes the nodes by name
// and builds their label sets once, and remembers each name's answer: the answer depends
// only on the name and the node list, and on a large controller a thousand queued items
// may all name the same label.
type resolver struct {
	nodes  []Node
	byName map[string]bool
	sets   []label.Set // built on first need
	isNode map[string]bool
}

func newResolver(nodes []Node) *resolver {
	r := &resolver{nodes: nodes, byName: make(map[string]bool, len(nodes)), isNode: map[string]bool{}}
	for _, n := range nodes {
		r.byName[n.Name] = true
	}
	return r
}

// resolve settles an Ambiguous want: X names a node when a node is called X and X, read
// as a label, matches fewer than two nodes (Jenkins names the label itself only when it
// matches several).
func (r *resolver) resolve(w Want) Want {
	if w.Kind != WantLabel || !w.Ambiguous {
		return w
	}
	w.Ambiguous = false
	if !r.byName[w.Node] {
		return w
	}
	isNode, ok := r.isNode[w.Node]
	if !ok {
		if r.sets == nil {
			r.sets = make([]label.Set, len(r.nodes))
			for i, n := range r.nodes {
				r.sets[i] = nodeLabels(n)
			}
		}
		matching := 0
		for _, set := range r.sets {
			if w.Expr.Matches(set) {
				if matching++; matching == 2 {
					break
				}
			}
		}
		isNode = matching < 2
		r.isNode[w.Node] = isNode
	}
	if isNode {
		w.Kind, w.Expr = WantNode, nil
	}
	return w
}

// recall replaces w by the remembered expression of item id, if there is one.
func recall(w Want, id int64, mem *LabelMemory) Want {
	e, ok := mem.Lookup(id)
	if !ok {
		return w
	}
	w.Kind, w.Expr, w.Source, w.Reason = WantLabel, e, SourceMemory, ""
	return w
}

// nodeLabels is the node's label set, its own name included.
func nodeLabels(n Node) label.Set {
	return label.NewSet(append(slices.Clone(n.Labels), n.Name)...)
}

// taskName names a task for a log line.
func taskName(t Task) string {
	if t.Name != "" {
		return t.Name
	}
	if i := strings.LastIndex(t.Class, "."); i >= 0 {
		return t.Class[i+1:]
	}
	return t.Class
}
