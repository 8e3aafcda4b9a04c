package label

import (
	"fmt"
	"strings"
)

// dump renders a tree's structure, so tests can compare shapes, not just printed text.
func dump(e Expr) string {
	var b strings.Builder
	var walk func(n Expr)
	walk = func(n Expr) {
		switch t := n.(type) {
		case nil:
			b.WriteString("nil")
		case *atom:
			fmt.Fprintf(&b, "%q", t.name)
		case *not:
			b.WriteString("not(")
			walk(t.x)
			b.WriteString(")")
		case *paren:
			b.WriteString("paren(")
			walk(t.x)
			b.WriteString(")")
		case *binary:
			name := map[prec]string{precAnd: "and", precOr: "or", precImplies: "implies", precIff: "iff"}[t.op]
			fmt.Fprintf(&b, "%s(", name)
			walk(t.l)
			b.WriteString(",")
			walk(t.r)
			b.WriteString(")")
		default:
			fmt.Fprintf(&b, "?%T", n)
		}
	}
	walk(e)
	return b.String()
}

// bareQuoteAtom reports whether e has an atom that Jenkins prints bare although it contains
// ' or ", which no lexer can read back.
func bareQuoteAtom(e Expr) bool {
	for _, a := range e.Atoms() {
		if !needsEscape(a) && strings.ContainsAny(a, `'"`) {
			return true
		}
	}
	return false
}

// labelSets returns label sets to evaluate e on: every subset of its atoms when there are few,
// otherwise a spread of them, plus an unrelated label.
func labelSets(e Expr) []Set {
	atoms := e.Atoms()
	if len(atoms) > 8 {
		atoms = atoms[:8]
	}
	var sets []Set
	for mask := 0; mask < 1<<len(atoms); mask++ {
		s := NewSet("unrelated")
		for i, a := range atoms {
			if mask&(1<<i) != 0 {
				s[a] = struct{}{}
			}
		}
		sets = append(sets, s)
	}
	return sets
}
