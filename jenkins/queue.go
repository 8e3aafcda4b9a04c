package jenkins

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ItemKind is the stage of a queue item (Jenkins' Queue.Item subclasses).
type ItemKind int

const (
	// KindUnknown: neither the class nor the flags tell.
	KindUnknown ItemKind = iota
	// KindWaiting: Queue$WaitingItem, in its quiet period.
	KindWaiting
	// KindBlocked: Queue$BlockedItem, e.g. a build of the same job is running.
	KindBlocked
	// KindBuildable: Queue$BuildableItem, waiting for an executor.
	KindBuildable
	// KindLeft: Queue$LeftItem, started or cancelled (only from /queue/item/N).
	KindLeft
)

func (k ItemKind) String() string {
	switch k {
	case KindWaiting:
		return "waiting"
	case KindBlocked:
		return "blocked"
	case KindBuildable:
		return "buildable"
	case KindLeft:
		return "left"
	}
	return "unknown"
}

// QueueItem is one entry of the build queue, keyed by ID (pipeline placeholders have no
// task name).
type QueueItem struct {
	ID           int64
	Class        string // _class; empty from Jenkins 1.x
	Kind         ItemKind
	Blocked      bool
	Buildable    bool
	Stuck        bool
	Pending      bool // handed to an executor, not started yet
	Cancelled    bool // left items only
	Why          string
	InQueueSince time.Time
	Task         Task
	// ExecutableURL is the build a left item became, if any.
	ExecutableURL string
}

// Task is the queued task: a job, or a pipeline node() block (PlaceholderTask).
type Task struct {
	Class string
	Name  string
	URL   string
	// LabelExpression is the job's label as its user wrote it (AbstractProject exports
	// it as labelExpression; pipelines' placeholder tasks do not).
	LabelExpression string
	// HasLabelExpression reports that the task exported labelExpression at all; with an
	// empty LabelExpression it means "no label: any node".
	HasLabelExpression bool
}

// PlaceholderTaskClass is the class of a pipeline node() block waiting in the queue.
const PlaceholderTaskClass = "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask"

// queueTree asks for exactly what berth uses: one request, whatever the queue's size.
const queueTree = "items[_class,id,why,blocked,buildable,stuck,pending,inQueueSince,task[_class,name,url,labelExpression]]"

// Queue returns the build queue (items the user may see) in Jenkins' order.
func (c *Client) Queue(ctx context.Context) ([]QueueItem, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var q queueJSON
	r := request{op: "list queue", path: "/queue/api/json", query: treeQuery(queueTree)}
	if _, err := c.getJSON(ctx, r, &q); err != nil {
		return nil, err
	}
	return q.items, nil
}

// queueJSON decodes /queue/api/json.
type queueJSON struct {
	Items *[]itemJSON `json:"items"`
	items []QueueItem
}

func (q *queueJSON) validate() error {
	if q.Items == nil {
		return &bodyError{msg: `wrong shape: no "items"`, quote: true}
	}
	q.items = make([]QueueItem, 0, len(*q.Items))
	for i, raw := range *q.Items {
		it, err := raw.item()
		if err != nil {
			return &bodyError{msg: fmt.Sprintf("wrong shape: item %d: %s", i, err.msg)}
		}
		q.items = append(q.items, it)
	}
	return nil
}

// itemJSON decodes one queue item, from the queue list or from /queue/item/N/api/json.
type itemJSON struct {
	Class        string          `json:"_class"`
	ID           *int64          `json:"id"`
	Blocked      bool            `json:"blocked"`
	Buildable    bool            `json:"buildable"`
	Stuck        bool            `json:"stuck"`
	Pending      bool            `json:"pending"`
	Cancelled    *bool           `json:"cancelled"`
	Why          *string         `json:"why"`
	InQueueSince int64           `json:"inQueueSince"`
	Task         *taskJSON       `json:"task"`
	Executable   json.RawMessage `json:"executable"`
}

type taskJSON struct {
	Class string `json:"_class"`
	Name  string `json:"name"`
	URL   string `json:"url"`
	// Raw so that absent (placeholder task), null (no label) and a string differ.
	LabelExpression json.RawMessage `json:"labelExpression"`
}

type executableJSON struct {
	URL string `json:"url"`
}

// item converts and checks one decoded item.
func (j *itemJSON) item() (QueueItem, *bodyError) {
	if j.ID == nil {
		return QueueItem{}, &bodyError{msg: `no "id"`}
	}
	it := QueueItem{
		ID:        *j.ID,
		Class:     j.Class,
		Blocked:   j.Blocked,
		Buildable: j.Buildable,
		Stuck:     j.Stuck,
		Pending:   j.Pending,
		Cancelled: j.Cancelled != nil && *j.Cancelled,
	}
	if j.Why != nil {
		it.Why = *j.Why
	}
	if j.InQueueSince > 0 {
		it.InQueueSince = time.UnixMilli(j.InQueueSince).UTC()
	}
	if j.Task != nil {
		it.Task = Task{Class: j.Task.Class, Name: j.Task.Name, URL: j.Task.URL}
		if le := bytes.TrimSpace(j.Task.LabelExpression); len(le) > 0 {
			it.Task.HasLabelExpression = true
			if !bytes.Equal(le, []byte("null")) {
				if err := json.Unmarshal(le, &it.Task.LabelExpression); err != nil {
					return QueueItem{}, &bodyError{msg: "task labelExpression is not a string"}
				}
			}
		}
	}
	hasExecutable := len(bytes.TrimSpace(j.Executable)) > 0
	if hasExecutable && !bytes.Equal(bytes.TrimSpace(j.Executable), []byte("null")) {
		var e executableJSON
		if err := json.Unmarshal(j.Executable, &e); err != nil {
			return QueueItem{}, &bodyError{msg: "executable is not an object"}
		}
		it.ExecutableURL = e.URL
	}
	it.Kind = itemKind(j.Class, it, j.Cancelled != nil || hasExecutable)
	return it, nil
}

// itemKind decides the stage by _class when there is one, else by the flags: Jenkins 1.x
// exports no _class, and its left items have executable but no cancelled.
func itemKind(class string, it QueueItem, leftFields bool) ItemKind {
	switch {
	case strings.HasSuffix(class, "$WaitingItem"):
		return KindWaiting
	case strings.HasSuffix(class, "$BlockedItem"):
		return KindBlocked
	case strings.HasSuffix(class, "$BuildableItem"):
		return KindBuildable
	case strings.HasSuffix(class, "$LeftItem"):
		return KindLeft
	case class != "":
		return KindUnknown
	case leftFields:
		return KindLeft
	case it.Blocked:
		return KindBlocked
	case it.Buildable:
		return KindBuildable
	case strings.HasPrefix(it.Why, "In the quiet period") || it.Why == "Finished waiting":
		return KindWaiting
	}
	return KindUnknown
}

// decodeQueue decodes a /queue/api/json body.
func decodeQueue(body []byte) ([]QueueItem, error) {
	var q queueJSON
	if err := decodeJSON("application/json", body, &q); err != nil {
		return nil, err
	}
	if err := q.validate(); err != nil {
		return nil, err
	}
	return q.items, nil
}

// decodeQueueItem decodes a /queue/item/N/api/json body.
func decodeQueueItem(body []byte) (QueueItem, error) {
	var j itemJSON
	if err := decodeJSON("application/json", body, &j); err != nil {
		return QueueItem{}, err
	}
	it, err := j.item()
	if err != nil {
		return QueueItem{}, err
	}
	return it, nil
}

// treeQuery is the query for a tree= filter.
func treeQuery(tree string) map[string][]string { return map[string][]string{"tree": {tree}} }
