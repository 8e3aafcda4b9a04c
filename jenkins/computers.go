package jenkins

import (
	"context"
	"fmt"
	"strings"
)

// Node is one computer of the controller: an agent or the built-in node.
type Node struct {
	// Name is the computer's display name: the node name for agents, "Built-In Node"
	// (formerly "master") for the controller. Queue why texts use the same name.
	Name string
	// Class is _class: hudson.slaves.SlaveComputer, hudson.model.Hudson$MasterComputer, …
	Class string
	// Description is the node description (berth writes its marker there).
	Description string
	// BuiltIn marks the controller's own node.
	BuiltIn            bool
	Offline            bool
	TemporarilyOffline bool // marked offline by a user (independent of Offline's cause)
	Idle               bool
	JNLPAgent          bool // launched by an inbound agent
	Executors          int  // configured executors (numExecutors)
	// BusyExecutors counts executors that report idle:false. When Jenkins gives no
	// per-executor state (old or depth-0 answers) it is 1 for a non-idle node: a lower
	// bound.
	BusyExecutors int
	// Labels are the node's labels as Jenkins reports them, its own name included.
	Labels []string
	// OfflineReason is offlineCauseReason: empty, plain text, HTML or a stack trace.
	OfflineReason string
	// OfflineCause is the class of offlineCause (e.g. hudson.slaves.OfflineCause$UserCause);
	// empty when there is none (with Offline: not connected yet or launching).
	OfflineCause string
}

// computerFields is the per-computer part of the node tree.
const computerFields = "_class,displayName,description,offline,temporarilyOffline,idle,numExecutors,jnlpAgent," +
	"offlineCauseReason,offlineCause[_class],assignedLabels[name],executors[idle,currentExecutable[url]]"

// nodesTree lists every computer in one request, whatever their number.
const nodesTree = "computer[" + computerFields + "]"

// BuiltInNodeName is the URL name of the controller's own node (/computer/(built-in)/).
const BuiltInNodeName = "(built-in)"

// Nodes returns every computer, agents and the built-in node, in one request.
func (c *Client) Nodes(ctx context.Context) ([]Node, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var set computerSetJSON
	r := request{op: "list nodes", path: "/computer/api/json", query: treeQuery(nodesTree)}
	if _, err := c.getJSON(ctx, r, &set); err != nil {
		return nil, err
	}
	return set.nodes, nil
}

// Node returns one computer, with the same fields as Nodes; ErrNotFound if there is no
// such node. The built-in node is BuiltInNodeName.
func (c *Client) Node(ctx context.Context, name string) (Node, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.node(ctx, "get node "+name, name)
}

// node fetches one computer for the call op.
func (c *Client) node(ctx context.Context, op, name string) (Node, error) {
	if name == "" {
		return Node{}, &Error{Op: op, Class: ErrInvalid, Detail: "empty node name"}
	}
	var j computerJSON
	r := request{op: op, path: "/computer/" + escapeName(name) + "/api/json", query: treeQuery(computerFields)}
	if _, err := c.getJSON(ctx, r, &j); err != nil {
		return Node{}, err
	}
	return j.node, nil
}

// computerSetJSON decodes /computer/api/json.
type computerSetJSON struct {
	Computer *[]computerJSON `json:"computer"`
	nodes    []Node
}

func (s *computerSetJSON) validate() error {
	if s.Computer == nil {
		return &bodyError{msg: `wrong shape: no "computer"`, quote: true}
	}
	s.nodes = make([]Node, 0, len(*s.Computer))
	for i := range *s.Computer {
		cj := &(*s.Computer)[i]
		if err := cj.validate(); err != nil {
			return &bodyError{msg: fmt.Sprintf("computer %d: %s", i, err.Error())}
		}
		s.nodes = append(s.nodes, cj.node)
	}
	return nil
}

// computerJSON decodes one computer.
type computerJSON struct {
	Class              string  `json:"_class"`
	DisplayName        string  `json:"displayName"`
	Description        *string `json:"description"`
	Offline            bool    `json:"offline"`
	TemporarilyOffline bool    `json:"temporarilyOffline"`
	Idle               bool    `json:"idle"`
	NumExecutors       int     `json:"numExecutors"`
	JNLPAgent          bool    `json:"jnlpAgent"`
	OfflineCauseReason *string `json:"offlineCauseReason"`
	OfflineCause       *struct {
		Class string `json:"_class"`
	} `json:"offlineCause"`
	AssignedLabels []struct {
		Name *string `json:"name"`
	} `json:"assignedLabels"`
	Executors []struct {
		Idle *bool `json:"idle"`
	} `json:"executors"`
	node Node
}

func (j *computerJSON) validate() error {
	if j.DisplayName == "" {
		return &bodyError{msg: `wrong shape: no "displayName"`}
	}
	if j.NumExecutors < 0 {
		return &bodyError{msg: "wrong shape: negative numExecutors"}
	}
	n := Node{
		Name:               j.DisplayName,
		Class:              j.Class,
		BuiltIn:            isBuiltIn(j.Class, j.DisplayName),
		Offline:            j.Offline,
		TemporarilyOffline: j.TemporarilyOffline,
		Idle:               j.Idle,
		JNLPAgent:          j.JNLPAgent,
		Executors:          j.NumExecutors,
	}
	if j.Description != nil {
		n.Description = *j.Description
	}
	if j.OfflineCauseReason != nil {
		n.OfflineReason = *j.OfflineCauseReason
	}
	if j.OfflineCause != nil {
		n.OfflineCause = j.OfflineCause.Class
	}
	for _, l := range j.AssignedLabels {
		// Entries without a name occur (Jenkins 2.62 root: [{}]).
		if l.Name != nil && *l.Name != "" {
			n.Labels = append(n.Labels, *l.Name)
		}
	}
	known := false
	for _, e := range j.Executors {
		if e.Idle != nil {
			known = true
			if !*e.Idle {
				n.BusyExecutors++
			}
		}
	}
	if !known && !j.Idle && len(j.Executors) > 0 {
		n.BusyExecutors = 1
	}
	j.node = n
	return nil
}

// isBuiltIn recognises the controller's computer by its class (hudson.model.Hudson$MasterComputer,
// or its superclass jenkins.model.Jenkins$MasterComputer). Jenkins 1.x exports no _class;
// then its display name decides ("master" before 2.307, "Built-In Node" after).
func isBuiltIn(class, displayName string) bool {
	if class != "" {
		return strings.HasSuffix(class, "$MasterComputer")
	}
	return displayName == "master" || displayName == "Built-In Node"
}

// decodeComputerSet decodes a /computer/api/json body.
func decodeComputerSet(body []byte) ([]Node, error) {
	var s computerSetJSON
	if err := decodeJSON("application/json", body, &s); err != nil {
		return nil, err
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s.nodes, nil
}

// decodeComputer decodes a /computer/NAME/api/json body.
func decodeComputer(body []byte) (Node, error) {
	var j computerJSON
	if err := decodeJSON("application/json", body, &j); err != nil {
		return Node{}, err
	}
	if err := j.validate(); err != nil {
		return Node{}, err
	}
	return j.node, nil
}
