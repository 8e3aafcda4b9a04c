package label

// CanServe reports whether an agent with these labels (a template's labels; the agent's own
// future node name is NOT included, because it does not exist yet) can run a build that waits
// for expr. A nil expr (no label) is served only by agents in NORMAL mode: pass exclusive=true
// for EXCLUSIVE-mode agents. This is the one place berth decides "can this template serve
// that build".
//
// This is the label part of Jenkins' Node.canTake: a labelled build needs a node its label
// matches, whatever the node's mode; an unlabelled build is refused by EXCLUSIVE nodes. (Jenkins
// lets flyweight tasks, such as a Pipeline's top-level run, onto an EXCLUSIVE node when the
// built-in node has no executors; those tasks never wait for an agent berth would start.)
func CanServe(expr Expr, labels Set, exclusive bool) bool {
	if expr == nil {
		return !exclusive
	}
	return expr.Matches(labels)
}
