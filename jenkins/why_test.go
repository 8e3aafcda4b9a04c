package jenkins

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseWhy(t *testing.T) {
	part := func(k WhyKind, text, node, label string) Why {
		return Why{Kind: k, Text: text, Node: node, Label: label}
	}
	tests := []struct {
		name string
		text string
		want Why
	}{
		{"empty", "", Why{Kind: WhyNone}},
		{"blank", "  ", Why{Kind: WhyNone}},

		// Queue.LabelHasNoNodes
		{"no nodes", "There are no nodes with the label ‘linux’", Why{Kind: WhyNoNodesWithLabel, Label: "linux"}},
		{"no nodes expression", "There are no nodes with the label ‘linux&&docker’",
			Why{Kind: WhyNoNodesWithLabel, Label: "linux&&docker"}},
		{"no nodes quoted atom inside", `There are no nodes with the label ‘"a b"&&c’`,
			Why{Kind: WhyNoNodesWithLabel, Label: `"a b"&&c`}},
		{"no nodes ascii quotes", "There are no nodes with the label 'linux'", Why{Kind: WhyNoNodesWithLabel, Label: "linux"}},
		{"no nodes label with ; and quote", "There are no nodes with the label ‘a; b’", Why{Kind: WhyNoNodesWithLabel, Label: "a; b"}},

		// Queue.AllNodesOffline, with ‘’ (1.526+) and '' (older)
		{"label offline", "All nodes of label ‘oracle_12’ are offline", Why{Kind: WhyLabelOffline, Label: "oracle_12"}},
		{"label offline ascii", "All nodes of label 'oracle_12' are offline", Why{Kind: WhyLabelOffline, Label: "oracle_12"}},
		{"label offline expression", "All nodes of label ‘(linux||mac)&&!arm’ are offline",
			Why{Kind: WhyLabelOffline, Label: "(linux||mac)&&!arm"}},

		// Queue.WaitingForNextAvailableExecutorOn: a label, or the one node of the label
		{"waiting on label", "Waiting for next available executor on ‘linux&&docker’",
			Why{Kind: WhyWaitingOn, Label: "linux&&docker"}},
		{"waiting on node", "Waiting for next available executor on ‘berth-linux-7f3a’",
			Why{Kind: WhyWaitingOn, Label: "berth-linux-7f3a"}},
		{"waiting on built-in", "Waiting for next available executor on ‘Built-In Node’",
			Why{Kind: WhyWaitingOn, Label: "Built-In Node"}},
		{"waiting on unquoted (before 2.125)", "Waiting for next available executor on ci6",
			Why{Kind: WhyWaitingOn, Label: "ci6"}},

		// Queue.WaitingForNextAvailableExecutor
		{"waiting", "Waiting for next available executor", Why{Kind: WhyWaiting}},
		{"waiting trailing space", "Waiting for next available executor ", Why{Kind: WhyWaiting}},

		// Queue.NodeOffline: the label's only node
		{"node offline", "‘berth-linux-7f3a’ is offline", Why{Kind: WhyNodeOffline, Node: "berth-linux-7f3a"}},
		{"node offline built-in", "‘Built-In Node’ is offline", Why{Kind: WhyNodeOffline, Node: "Built-In Node"}},
		{"node offline unquoted (before 2.125)", "ci4 is offline", Why{Kind: WhyNodeOffline, Node: "ci4"}},
		{"node offline ascii", "'ci4' is offline", Why{Kind: WhyNodeOffline, Node: "ci4"}},
		{"node offline with space", "‘my node’ is offline", Why{Kind: WhyNodeOffline, Node: "my node"}},

		// CompositeCauseOfBlockage: node reasons joined by "; "
		{"composite 2.89", "Jenkins is reserved for jobs with matching label expression; build1 is offline; build2 is offline",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				part(WhyNodeReserved, "Jenkins is reserved for jobs with matching label expression", "Jenkins", ""),
				part(WhyNodeOffline, "build1 is offline", "build1", ""),
				part(WhyNodeOffline, "build2 is offline", "build2", ""),
			}}},
		{"composite quoted", "‘Jenkins’ is reserved for jobs with matching label expression; ‘agent-1’ is not accepting tasks",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				part(WhyNodeReserved, "‘Jenkins’ is reserved for jobs with matching label expression", "Jenkins", ""),
				part(WhyNodeNotAccepting, "‘agent-1’ is not accepting tasks", "agent-1", ""),
			}}},
		{"composite single reserved", "‘Jenkins’ is reserved for jobs with matching label expression",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				part(WhyNodeReserved, "‘Jenkins’ is reserved for jobs with matching label expression", "Jenkins", ""),
			}}},
		{"composite names the label", "‘Built-In Node’ doesn’t have label ‘linux’; ‘mac-1’ doesn’t have label ‘linux’; ‘x’ is offline",
			Why{Kind: WhyNodesRefused, Label: "linux", Parts: []Why{
				part(WhyNodeLacksLabel, "‘Built-In Node’ doesn’t have label ‘linux’", "Built-In Node", "linux"),
				part(WhyNodeLacksLabel, "‘mac-1’ doesn’t have label ‘linux’", "mac-1", "linux"),
				part(WhyNodeOffline, "‘x’ is offline", "x", ""),
			}}},
		{"composite lacks label unquoted, ascii apostrophe", "master doesn't have label linux&&docker; b is offline",
			Why{Kind: WhyNodesRefused, Label: "linux&&docker", Parts: []Why{
				part(WhyNodeLacksLabel, "master doesn't have label linux&&docker", "master", "linux&&docker"),
				part(WhyNodeOffline, "b is offline", "b", ""),
			}}},
		{"composite truncated", "‘a’ is offline; ‘b’ is offline; ‘c’ is offline; ‘d’ is offline; ‘e’ is offline; ... and 3 more",
			Why{Kind: WhyNodesRefused, More: 3, Parts: []Why{
				part(WhyNodeOffline, "‘a’ is offline", "a", ""), part(WhyNodeOffline, "‘b’ is offline", "b", ""),
				part(WhyNodeOffline, "‘c’ is offline", "c", ""), part(WhyNodeOffline, "‘d’ is offline", "d", ""),
				part(WhyNodeOffline, "‘e’ is offline", "e", ""),
			}}},
		{"composite other core reasons", "‘bob’ lacks permission to run on ‘agent-2’; Executor slot already in use; agent-3 has been removed from configuration; Exception evaluating if the node can take the task",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				part(WhyNodeNoPermission, "‘bob’ lacks permission to run on ‘agent-2’", "agent-2", ""),
				part(WhyNodeOther, "Executor slot already in use", "", ""),
				part(WhyNodeOther, "agent-3 has been removed from configuration", "agent-3", ""),
				part(WhyNodeOther, "Exception evaluating if the node can take the task", "", ""),
			}}},
		{"composite with a plugin reason", "Throttled by category; ‘a’ is offline",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				{Kind: WhyUnknown, Text: "Throttled by category"},
				part(WhyNodeOffline, "‘a’ is offline", "a", ""),
			}}},

		// WaitingItem
		{"quiet period", "In the quiet period. Expires in 4.9 sec", Why{Kind: WhyQuietPeriod}},
		{"quiet period ms", "In the quiet period. Expires in 0 ms", Why{Kind: WhyQuietPeriod}},
		{"finished waiting", "Finished waiting", Why{Kind: WhyQuietPeriod}},

		// BlockedBecauseOfBuildInProgress, with and without the ETA space (2.157)
		{"build in progress old", "Build #66 is already in progress (ETA:2 hr 25 min)", Why{Kind: WhyBuildInProgress, Build: 66}},
		{"build in progress new", "Build #8 is already in progress (ETA: 1 min 33 sec)", Why{Kind: WhyBuildInProgress, Build: 8}},
		{"build in progress no ETA", "Build #12 is already in progress", Why{Kind: WhyBuildInProgress, Build: 12}},
		{"build in progress ETA N/A", "Build #3 is already in progress (ETA: N/A)", Why{Kind: WhyBuildInProgress, Build: 3}},
		{"a build in progress", "A build is already in progress", Why{Kind: WhyBuildInProgress}},
		{"blocked by", "Blocked by ‘upstream-job’", Why{Kind: WhyBlockedByJob}},
		{"upstream", "Upstream project ‘lib’ is already building", Why{Kind: WhyBlockedByJob}},
		{"downstream", "Downstream project ‘app’ is already building", Why{Kind: WhyBlockedByJob}},
		{"shutdown", "Jenkins is about to shut down", Why{Kind: WhyShuttingDown}},

		// Unknown
		{"random", "Just a random message here", Why{Kind: WhyUnknown}},
		{"german", "Warte auf den nächsten freien Build-Prozessor auf ‘linux’", Why{Kind: WhyUnknown}},
		{"build not a number", "Build #x is already in progress", Why{Kind: WhyUnknown}},
		{"waiting on nothing", "Waiting for next available executor on ‘’", Why{Kind: WhyUnknown}},
		{"no nodes with nothing", "There are no nodes with the label ", Why{Kind: WhyUnknown}},
		{"offline nothing", "‘’ is offline", Why{Kind: WhyUnknown}},
		{"unknown parts only", "foo; bar", Why{Kind: WhyUnknown}},
		{"only a tail", "... and 2 more", Why{Kind: WhyUnknown}},
		{"bad more", "‘a’ is offline; ... and lots more",
			Why{Kind: WhyNodesRefused, Parts: []Why{
				part(WhyNodeOffline, "‘a’ is offline", "a", ""),
				{Kind: WhyUnknown, Text: "... and lots more"},
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseWhy(tc.text)
			tc.want.Text = tc.text
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseWhy(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestWhyKindString(t *testing.T) {
	for k := WhyUnknown; k <= WhyMoreReasons; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "WhyKind(") {
			t.Errorf("kind %d has no name", int(k))
		}
	}
	if s := WhyKind(99).String(); s != "WhyKind(99)" {
		t.Errorf("got %q", s)
	}
}

// FuzzParseWhy: any text is classified without panicking, the text is kept, and the kinds
// that name something name something.
func FuzzParseWhy(f *testing.F) {
	for _, s := range []string{
		"", "Waiting for next available executor", "Waiting for next available executor on ‘a&&b’",
		"There are no nodes with the label ‘linux’", "All nodes of label ‘x’ are offline", "‘n’ is offline",
		"Jenkins is reserved for jobs with matching label expression; build1 is offline; build2 is offline",
		"‘a’ doesn’t have label ‘b’; ... and 2 more", "In the quiet period. Expires in 4.9 sec",
		"Build #66 is already in progress (ETA:2 hr 25 min)", "‘", "’", "'", "; ", "Build #", "... and  more",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := ParseWhy(s)
		if w.Text != s {
			t.Fatalf("Text %q, want %q", w.Text, s)
		}
		switch w.Kind {
		case WhyNoNodesWithLabel, WhyLabelOffline, WhyWaitingOn:
			if w.Label == "" {
				t.Fatalf("%v without a label: %q", w.Kind, s)
			}
		case WhyNodeOffline:
			if w.Node == "" {
				t.Fatalf("node offline without a node: %q", s)
			}
		case WhyNodesRefused:
			if len(w.Parts) == 0 && w.More == 0 {
				t.Fatalf("nodes refused without parts: %q", s)
			}
		}
		// ItemWant must cope with whatever ParseWhy returned.
		for _, agents := range []bool{false, true} {
			_ = ItemWant(QueueItem{ID: 1, Kind: KindBuildable, Buildable: true, Why: s}, agents)
		}
	})
}
