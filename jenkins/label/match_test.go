package label

import (
	"slices"
	"testing"
)

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		expr   string
		labels []string
		want   bool
	}{
		// LabelExpressionTest.queueBehavior1: agents "win 32bit", "win 64bit", "linux 32bit".
		{"win && 32bit", []string{"win", "32bit"}, true},
		{"win && 32bit", []string{"win", "64bit"}, false},
		{"win && 32bit", []string{"linux", "32bit"}, false},
		{"win", []string{"win", "64bit"}, true},
		// LabelExpressionTest.queueBehavior2: "!win" runs on the built-in node, not on "win".
		{"!win", []string{"built-in"}, true},
		{"!win", []string{"win"}, false},
		// "->" is !a||b (LabelExpression.Implies).
		{"a->b", nil, true},
		{"a->b", []string{"b"}, true},
		{"a->b", []string{"a"}, false},
		{"a->b", []string{"a", "b"}, true},
		// "<->" is a==b (LabelExpression.Iff).
		{"a<->b", nil, true},
		{"a<->b", []string{"b"}, false},
		{"a<->b", []string{"a"}, false},
		{"a<->b", []string{"a", "b"}, true},
		// Why LabelExpressionParser.g4 refuses to chain "->": a=F, b=T, c=F tells them apart.
		{"(a->b)->c", []string{"b"}, false},
		{"a->(b->c)", []string{"b"}, true},
		{"a<->b<->c", []string{"a"}, true}, // (F)<->c: (a<->b)=F, F<->F
		{"a<->b<->c", []string{"a", "b"}, false},
		// Precedence decides the value.
		{"a||b&&c", []string{"a"}, true},
		{"(a||b)&&c", []string{"a"}, false},
		{"!a&&b", []string{"b"}, true},
		{"!(a&&b)", []string{"a"}, true},
		{"a||b->c", []string{"b"}, false},
		{"a->b||c", []string{"a", "c"}, true},
		// Names are exact: case-sensitive, and quoted atoms carry their spaces.
		{"Linux", []string{"linux"}, false},
		{`"abc def"`, []string{"abc def"}, true},
		{`"abc def"`, []string{"abc", "def"}, false},
		{"!gpu", nil, true},
	} {
		e, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := e.Matches(NewSet(tc.labels...)); got != tc.want {
			t.Errorf("Parse(%q).Matches(%q) = %v, want %v", tc.expr, tc.labels, got, tc.want)
		}
	}
}

func TestAtoms(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
	}{
		{"linux", []string{"linux"}},
		{"linux&&docker", []string{"linux", "docker"}},
		{"a&&b||!a->(c<->b)", []string{"a", "b", "c"}},
		{`"x y"&&x&&"x"`, []string{"x y", "x"}},
	} {
		e, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := e.Atoms(); !slices.Equal(got, tc.want) {
			t.Errorf("Parse(%q).Atoms() = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestCanServe(t *testing.T) {
	linuxDocker := NewSet("linux", "docker")
	for _, tc := range []struct {
		expr      string // "" is no label
		labels    Set
		exclusive bool
		want      bool
	}{
		// Node.canTake: an unlabelled build is refused only by EXCLUSIVE nodes.
		{"", linuxDocker, false, true},
		{"", linuxDocker, true, false},
		{"", nil, false, true},
		// A labelled build needs a match, whatever the mode.
		{"linux&&docker", linuxDocker, true, true},
		{"linux&&docker", linuxDocker, false, true},
		{"linux&&gpu", linuxDocker, false, false},
		{"!windows", linuxDocker, true, true},
		{"!windows", nil, true, true},
		// The agent's future name is not among its labels, so a build tied to a node name
		// is not served.
		{"berth-linux-7f3a", linuxDocker, false, false},
	} {
		e, err := Parse(tc.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.expr, err)
		}
		if got := CanServe(e, tc.labels, tc.exclusive); got != tc.want {
			t.Errorf("CanServe(%q, %q, exclusive=%v) = %v, want %v", tc.expr, tc.labels.Sorted(), tc.exclusive, got, tc.want)
		}
	}
}
