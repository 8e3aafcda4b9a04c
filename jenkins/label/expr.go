package label

import "strings"

// Expr is a parsed label expression.
type Expr interface {
	// Matches reports whether a node carrying exactly these labels satisfies the expression.
	Matches(labels Set) bool
	// String returns Jenkins' normalized form: the exact text Jenkins puts inside ‘…’ in queue
	// `why` messages and returns from Label.getName() (e.g. "linux&&docker", with Jenkins'
	// own parenthesization and quoting rules). For every expression except a single atom this
	// is also Label.getExpression(); a single atom prints as its bare name (see Expression).
	String() string
	// Atoms returns the distinct atom names in the expression (used for indexing).
	Atoms() []string
}

// prec is Jenkins' LabelOperatorPrecedence: the precedence of a node's top-most operator,
// tightest first.
type prec int

const (
	precAtom prec = iota // atoms and parenthesized expressions
	precNot
	precAnd
	precOr
	precImplies
	precIff
)

func (p prec) symbol() string {
	switch p {
	case precNot:
		return "!"
	case precAnd:
		return "&&"
	case precOr:
		return "||"
	case precImplies:
		return "->"
	case precIff:
		return "<->"
	}
	return ""
}

// node is implemented by the expression tree types of this package.
type node interface {
	Expr
	prec() prec
	// writeExpr appends Jenkins' getExpression() form.
	writeExpr(b *strings.Builder)
	// collect appends atom names not yet in seen.
	collect(seen map[string]struct{}, out []string) []string
}

// atom is a LabelAtom: a single label name, stored unquoted.
type atom struct{ name string }

// not is LabelExpression.Not.
type not struct {
	x    node
	name string // cached String() of a sealed root
}

// paren is LabelExpression.Paren: parentheses the user wrote, kept so they are printed again.
type paren struct {
	x    node
	name string
}

// binary is LabelExpression.And, Or, Implies or Iff, according to op.
type binary struct {
	op   prec
	l, r node
	name string
}

// seal caches the printed form of a finished tree's root, so that String() on a parsed
// expression does not allocate. Only roots are sealed: caching every node, as Jenkins does,
// costs memory quadratic in the expression's length.
func seal(n node) node {
	switch t := n.(type) {
	case *not:
		t.name = render(t)
	case *paren:
		t.name = render(t)
	case *binary:
		t.name = render(t)
	}
	return n
}

func render(n node) string {
	var b strings.Builder
	n.writeExpr(&b)
	return b.String()
}

// Expression returns Jenkins' Label.getExpression() of e: the same as e.String() except that
// a single atom that needs quoting is quoted ("abc def" rather than abc def). It is the form
// Jenkins stores in a job's configuration, and Parse reads it back to an equal expression
// unless an atom contains a ' or " and nothing else that makes Jenkins quote it (Jenkins then
// prints the atom bare, and neither Jenkins nor Parse can read it back). Expression(nil) is "".
func Expression(e Expr) string {
	switch n := e.(type) {
	case nil:
		return ""
	case *atom:
		return escape(n.name)
	case node:
		return n.String()
	}
	return e.String()
}

// operand writes a child of an operator, in parentheses if it binds more loosely than the
// operator (Jenkins' LabelExpression.paren). Parsed trees never need these parentheses,
// because the parser nests by precedence and keeps the user's own parentheses as paren nodes.
func operand(b *strings.Builder, op prec, child node) {
	if op < child.prec() {
		b.WriteByte('(')
		child.writeExpr(b)
		b.WriteByte(')')
		return
	}
	child.writeExpr(b)
}

func (a *atom) prec() prec { return precAtom }

func (n *not) prec() prec { return precNot }

func (n *paren) prec() prec { return precAtom }

func (n *binary) prec() prec { return n.op }

func (a *atom) writeExpr(b *strings.Builder) { b.WriteString(escape(a.name)) }

func (n *not) writeExpr(b *strings.Builder) {
	b.WriteByte('!')
	operand(b, precNot, n.x)
}

func (n *paren) writeExpr(b *strings.Builder) {
	b.WriteByte('(')
	n.x.writeExpr(b)
	b.WriteByte(')')
}

func (n *binary) writeExpr(b *strings.Builder) {
	operand(b, n.op, n.l)
	b.WriteString(n.op.symbol())
	operand(b, n.op, n.r)
}

// String of an atom is its bare name, as Jenkins' LabelAtom.getName().
func (a *atom) String() string { return a.name }

func (n *not) String() string {
	if n.name != "" {
		return n.name
	}
	return render(n)
}

func (n *paren) String() string {
	if n.name != "" {
		return n.name
	}
	return render(n)
}

func (n *binary) String() string {
	if n.name != "" {
		return n.name
	}
	return render(n)
}

// Matches evaluates the expression with each atom true iff it is in labels. Jenkins evaluates
// both operands of every operator; with no side effects, short-circuiting gives the same result.
func (a *atom) Matches(labels Set) bool {
	_, ok := labels[a.name]
	return ok
}

func (n *not) Matches(labels Set) bool { return !n.x.Matches(labels) }

func (n *paren) Matches(labels Set) bool { return n.x.Matches(labels) }

func (n *binary) Matches(labels Set) bool {
	switch n.op {
	case precAnd:
		return n.l.Matches(labels) && n.r.Matches(labels)
	case precOr:
		return n.l.Matches(labels) || n.r.Matches(labels)
	case precImplies: // Jenkins: !a || b
		return !n.l.Matches(labels) || n.r.Matches(labels)
	default: // precIff — Jenkins: a == b
		return n.l.Matches(labels) == n.r.Matches(labels)
	}
}

func atomsOf(n node) []string {
	return n.collect(make(map[string]struct{}), nil)
}

func (a *atom) Atoms() []string { return atomsOf(a) }

func (n *not) Atoms() []string { return atomsOf(n) }

func (n *paren) Atoms() []string { return atomsOf(n) }

func (n *binary) Atoms() []string { return atomsOf(n) }

func (a *atom) collect(seen map[string]struct{}, out []string) []string {
	if _, ok := seen[a.name]; ok {
		return out
	}
	seen[a.name] = struct{}{}
	return append(out, a.name)
}

func (n *not) collect(seen map[string]struct{}, out []string) []string {
	return n.x.collect(seen, out)
}

func (n *paren) collect(seen map[string]struct{}, out []string) []string {
	return n.x.collect(seen, out)
}

func (n *binary) collect(seen map[string]struct{}, out []string) []string {
	return n.r.collect(seen, n.l.collect(seen, out))
}
