package jenkins

import (
	"strconv"
	"strings"
)

// WhyKind classifies a queue item's why text.
type WhyKind int

const (
	// WhyUnknown: text none of the forms below matches (another locale, a plugin's own
	// reason, a future Jenkins).
	WhyUnknown WhyKind = iota
	// WhyNone: no text (why is null for left items and items about to start).
	WhyNone
	// WhyNoNodesWithLabel: "There are no nodes with the label ‘L’".
	WhyNoNodesWithLabel
	// WhyLabelOffline: "All nodes of label ‘L’ are offline".
	WhyLabelOffline
	// WhyWaitingOn: "Waiting for next available executor on ‘X’". X is the label, or,
	// when the label matches exactly one node, that node's name.
	WhyWaitingOn
	// WhyNodeOffline: "‘N’ is offline": the label matches exactly one node, N, and it is
	// offline.
	WhyNodeOffline
	// WhyWaiting: "Waiting for next available executor": the item has no label, or the
	// controller has no agent nodes at all (Jenkins then drops the label).
	WhyWaiting
	// WhyNodesRefused: every node that was offered the item refused it; the text is the
	// node reasons joined by "; " (Jenkins' CompositeCauseOfBlockage), e.g. "Jenkins is
	// reserved for jobs with matching label expression; build1 is offline". Parts holds
	// them.
	WhyNodesRefused
	// WhyQuietPeriod: "In the quiet period. Expires in …" or "Finished waiting".
	WhyQuietPeriod
	// WhyBuildInProgress: "Build #N is already in progress (ETA: …)" or "A build is already
	// in progress".
	WhyBuildInProgress
	// WhyBlockedByJob: "Blocked by ‘J’", "Upstream/Downstream project ‘J’ is already building".
	WhyBlockedByJob
	// WhyShuttingDown: "Jenkins is about to shut down".
	WhyShuttingDown

	// Node reasons: parts of WhyNodesRefused (WhyNodeOffline is one too).

	// WhyNodeReserved: "‘N’ is reserved for jobs with matching label expression" (mode
	// EXCLUSIVE; the built-in node is called "Jenkins" here).
	WhyNodeReserved
	// WhyNodeNotAccepting: "‘N’ is not accepting tasks".
	WhyNodeNotAccepting
	// WhyNodeLacksLabel: "‘N’ doesn’t have label ‘L’".
	WhyNodeLacksLabel
	// WhyNodeNoPermission: "‘U’ lacks permission to run on ‘N’".
	WhyNodeNoPermission
	// WhyNodeOther: another node reason Jenkins core gives ("N has been removed from
	// configuration", "Executor slot already in use", "Exception evaluating if the node can
	// take the task").
	WhyNodeOther
	// WhyMoreReasons: "... and K more", the tail of a list cut at five reasons.
	WhyMoreReasons
)

var whyKindNames = [...]string{
	WhyUnknown: "unknown", WhyNone: "none", WhyNoNodesWithLabel: "no nodes with label",
	WhyLabelOffline: "label offline", WhyWaitingOn: "waiting on", WhyNodeOffline: "node offline",
	WhyWaiting: "waiting", WhyNodesRefused: "nodes refused", WhyQuietPeriod: "quiet period",
	WhyBuildInProgress: "build in progress", WhyBlockedByJob: "blocked by job",
	WhyShuttingDown: "shutting down", WhyNodeReserved: "node reserved",
	WhyNodeNotAccepting: "node not accepting tasks", WhyNodeLacksLabel: "node lacks label",
	WhyNodeNoPermission: "no permission on node", WhyNodeOther: "node reason", WhyMoreReasons: "more reasons",
}

func (k WhyKind) String() string {
	if k >= 0 && int(k) < len(whyKindNames) {
		return whyKindNames[k]
	}
	return "WhyKind(" + strconv.Itoa(int(k)) + ")"
}

// Why is a parsed why text.
type Why struct {
	Kind WhyKind
	// Text is the text as given.
	Text string
	// Label is the label as Jenkins printed it (its normalized expression, e.g.
	// "linux&&docker"), for WhyNoNodesWithLabel, WhyLabelOffline, WhyWaitingOn (where it
	// may be a node's name), WhyNodeLacksLabel, and WhyNodesRefused when its parts name
	// one label.
	Label string
	// Node is the node's display name for WhyNodeOffline and the other node reasons.
	Node string
	// Build is N of "Build #N is already in progress".
	Build int
	// Parts are the node reasons of WhyNodesRefused.
	Parts []Why
	// More is K of a trailing "... and K more" of WhyNodesRefused.
	More int
}

// English texts, from Jenkins core's hudson/model/Messages.properties (Queue.*, Node.*,
// AbstractProject.*) and jenkins/model/Messages.properties (BlockedBecauseOfBuildInProgress).
// Since Jenkins 2.125 (2018) every name is in ‘’ quotes; before, node names and the label
// of "Waiting for next available executor on" were bare, and before 1.526 the label of
// "All nodes of label" was in ASCII quotes. Every form accepts ‘x’, 'x' and bare x.
const (
	textWaiting         = "Waiting for next available executor"
	textWaitingOn       = "Waiting for next available executor on "
	textNoNodesPrefix   = "There are no nodes with the label "
	textAllOfflinePre   = "All nodes of label "
	textAllOfflineSuf   = " are offline"
	textNodeOfflineSuf  = " is offline"
	textQuietPeriod     = "In the quiet period."
	textFinishedWaiting = "Finished waiting"
	textBuildPrefix     = "Build #"
	textBuildSuffix     = " is already in progress"
	textInProgress      = "A build is already in progress"
	textBlockedBy       = "Blocked by "
	textUpstream        = "Upstream project "
	textDownstream      = "Downstream project "
	textAlreadyBuilding = " is already building"
	textShutdown        = "Jenkins is about to shut down"
	textReservedSuf     = " is reserved for jobs with matching label expression"
	textNotAcceptingSuf = " is not accepting tasks"
	textLacksLabel      = " doesn’t have label "
	textLacksLabelASCII = " doesn't have label "
	textNoPermission    = " lacks permission to run on "
	textRemovedSuf      = " has been removed from configuration"
	textSlotInUse       = "Executor slot already in use"
	textExceptionTake   = "Exception evaluating if the node can take the task"
	textMorePrefix      = "... and "
	textMoreSuffix      = " more"
	compositeSep        = "; "
)

// ParseWhy classifies a queue item's why text (as sent with Accept-Language: en). It never
// fails: text it does not know is WhyUnknown, carried in Text.
func ParseWhy(text string) Why {
	s := strings.TrimSpace(text)
	w := parseWhy(s)
	w.Text = text
	return w
}

func parseWhy(s string) Why {
	switch {
	case s == "":
		return Why{Kind: WhyNone}
	case s == textWaiting:
		return Why{Kind: WhyWaiting}
	case strings.HasPrefix(s, textWaitingOn):
		if x := unquote(s[len(textWaitingOn):]); x != "" {
			return Why{Kind: WhyWaitingOn, Label: x}
		}
	case strings.HasPrefix(s, textNoNodesPrefix):
		if x := unquote(s[len(textNoNodesPrefix):]); x != "" {
			return Why{Kind: WhyNoNodesWithLabel, Label: x}
		}
	case strings.HasPrefix(s, textAllOfflinePre) && strings.HasSuffix(s, textAllOfflineSuf):
		if x, ok := between(s, textAllOfflinePre, textAllOfflineSuf); ok {
			return Why{Kind: WhyLabelOffline, Label: x}
		}
	case strings.HasPrefix(s, textQuietPeriod), s == textFinishedWaiting:
		return Why{Kind: WhyQuietPeriod}
	case s == textInProgress:
		return Why{Kind: WhyBuildInProgress}
	case strings.HasPrefix(s, textBuildPrefix):
		if n, ok := buildInProgress(s); ok {
			return Why{Kind: WhyBuildInProgress, Build: n}
		}
	case strings.HasPrefix(s, textBlockedBy),
		strings.HasPrefix(s, textUpstream) && strings.HasSuffix(s, textAlreadyBuilding),
		strings.HasPrefix(s, textDownstream) && strings.HasSuffix(s, textAlreadyBuilding):
		return Why{Kind: WhyBlockedByJob}
	case s == textShutdown:
		return Why{Kind: WhyShuttingDown}
	}
	return parseNodeReasons(s)
}

// parseNodeReasons reads a "; "-joined list of node reasons. One "‘N’ is offline" alone is
// WhyNodeOffline (the label's only node is offline); any other list of reasons Jenkins
// core gives is WhyNodesRefused, which may also carry reasons of plugins (kept as
// WhyUnknown parts) as long as at least one part is a core reason. Node names cannot
// contain ";" (Jenkins.checkGoodName), so the separator is not ambiguous.
func parseNodeReasons(s string) Why {
	raw := strings.Split(s, compositeSep)
	if len(raw) == 1 {
		p, ok := parseNodeReason(s)
		switch {
		case !ok:
			return Why{Kind: WhyUnknown}
		case p.Kind == WhyNodeOffline:
			return p
		}
		return refused([]Why{p})
	}
	parts := make([]Why, 0, len(raw))
	known := 0
	for _, r := range raw {
		p, ok := parseNodeReason(r)
		if ok {
			known++
		} else {
			p = Why{Kind: WhyUnknown, Text: r}
		}
		parts = append(parts, p)
	}
	if known == 0 {
		return Why{Kind: WhyUnknown}
	}
	return refused(parts)
}

// refused builds WhyNodesRefused; Label is set when the node reasons name exactly one label.
func refused(parts []Why) Why {
	w := Why{Kind: WhyNodesRefused}
	labels := map[string]bool{}
	for _, p := range parts {
		switch p.Kind {
		case WhyMoreReasons:
			w.More = p.More
			continue
		case WhyNodeLacksLabel:
			labels[p.Label] = true
		}
		w.Parts = append(w.Parts, p)
	}
	if len(w.Parts) == 0 {
		// Only "... and K more": not a text Jenkins writes.
		return Why{Kind: WhyUnknown}
	}
	if len(labels) == 1 {
		for l := range labels {
			w.Label = l
		}
	}
	return w
}

// parseNodeReason reads one node reason (Jenkins' Node.canTake and Queue.JobOffer texts).
func parseNodeReason(s string) (Why, bool) {
	w := Why{Text: s}
	switch {
	case s == textSlotInUse, s == textExceptionTake:
		w.Kind = WhyNodeOther
	case strings.HasPrefix(s, textMorePrefix) && strings.HasSuffix(s, textMoreSuffix):
		x, _ := between(s, textMorePrefix, textMoreSuffix)
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 {
			return w, false
		}
		w.Kind, w.More = WhyMoreReasons, n
	case strings.Contains(s, textLacksLabel), strings.Contains(s, textLacksLabelASCII):
		node, lbl, ok := splitPair(s, textLacksLabel, textLacksLabelASCII)
		if !ok {
			return w, false
		}
		w.Kind, w.Node, w.Label = WhyNodeLacksLabel, node, lbl
	case strings.Contains(s, textNoPermission):
		_, node, ok := splitPair(s, textNoPermission)
		if !ok {
			return w, false
		}
		w.Kind, w.Node = WhyNodeNoPermission, node
	default:
		for _, f := range []struct {
			suffix string
			kind   WhyKind
		}{
			{textNodeOfflineSuf, WhyNodeOffline},
			{textReservedSuf, WhyNodeReserved},
			{textNotAcceptingSuf, WhyNodeNotAccepting},
			{textRemovedSuf, WhyNodeOther},
		} {
			if strings.HasSuffix(s, f.suffix) {
				if n := unquote(s[:len(s)-len(f.suffix)]); n != "" {
					w.Kind, w.Node = f.kind, n
					return w, true
				}
			}
		}
		return w, false
	}
	return w, true
}

// splitPair splits "‘A’<sep>‘B’" into A and B. With quotes, the separator is looked for
// between a closing and an opening quote, so that names may contain it; bare, at its first
// occurrence.
func splitPair(s string, seps ...string) (a, b string, ok bool) {
	for _, sep := range seps {
		for _, q := range [][2]string{{"’", "‘"}, {"'", "'"}} {
			if i := strings.Index(s, q[0]+sep+q[1]); i >= 0 {
				a, b = unquote(s[:i+len(q[0])]), unquote(s[i+len(q[0])+len(sep):])
				return a, b, a != "" && b != ""
			}
		}
	}
	for _, sep := range seps {
		if i := strings.Index(s, sep); i >= 0 {
			a, b = unquote(s[:i]), unquote(s[i+len(sep):])
			return a, b, a != "" && b != ""
		}
	}
	return "", "", false
}

// between returns what lies between prefix and suffix, unquoted.
func between(s, prefix, suffix string) (string, bool) {
	if len(s) < len(prefix)+len(suffix) || !strings.HasPrefix(s, prefix) || !strings.HasSuffix(s, suffix) {
		return "", false
	}
	x := unquote(s[len(prefix) : len(s)-len(suffix)])
	return x, x != ""
}

// unquote removes one pair of quotes, ‘x’ or 'x', around s; bare s is returned as is.
func unquote(s string) string {
	for _, q := range [][2]string{{"‘", "’"}, {"'", "'"}} {
		if len(s) >= len(q[0])+len(q[1]) && strings.HasPrefix(s, q[0]) && strings.HasSuffix(s, q[1]) {
			return s[len(q[0]) : len(s)-len(q[1])]
		}
	}
	return s
}

// buildInProgress reads N of "Build #N is already in progress", followed by nothing or
// " (ETA: …)" (" (ETA:…)" before Jenkins 2.157).
func buildInProgress(s string) (int, bool) {
	rest := s[len(textBuildPrefix):]
	i := strings.Index(rest, textBuildSuffix)
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil || n < 0 {
		return 0, false
	}
	tail := rest[i+len(textBuildSuffix):]
	if tail != "" && !(strings.HasPrefix(tail, " (ETA:") && strings.HasSuffix(tail, ")")) {
		return 0, false
	}
	return n, true
}
