package label

import (
	"errors"
	"strings"
	"testing"
)

type parseCase struct {
	in   string
	name string // String(): Jenkins' Label.getName()
	tree string // dump of the parsed tree; "" to skip
	expr string // Expression(): Jenkins' getExpression(); "" means same as name
}

// Cases taken from Jenkins core, test/src/test/java/hudson/model/labels/LabelExpressionTest.java.
var jenkinsParseCases = []parseCase{
	// LabelExpressionTest.parser1 (parseAndVerify compares Label.getName()).
	{in: "foo", name: "foo", tree: `"foo"`},
	{in: "32bit.dot", name: "32bit.dot"},
	{in: "foo || bar", name: "foo||bar", tree: `or("foo","bar")`},
	{in: "foo||bar&&zot", name: "foo||bar&&zot", tree: `or("foo",and("bar","zot"))`},
	{in: "foo||(bar&&zot)", name: "foo||(bar&&zot)", tree: `or("foo",paren(and("bar","zot")))`},
	{in: "(foo||bar)&&zot", name: "(foo||bar)&&zot", tree: `and(paren(or("foo","bar")),"zot")`},
	{in: "  ( foo || bar )  && zot", name: "(foo||bar)&&zot"},
	{in: "foo ->\tbar", name: "foo->bar", tree: `implies("foo","bar")`},
	{in: "foo -> bar", name: "foo->bar"},
	{in: "   foo \t\t ->   bar \t ", name: "foo->bar"},
	{in: "!foo <-> bar", name: "!foo<->bar", tree: `iff(not("foo"),"bar")`},
	// LabelExpressionTest.parser2 (JENKINS-8537).
	{in: "aaa&&bbb&&ccc", name: "aaa&&bbb&&ccc", tree: `and(and("aaa","bbb"),"ccc")`},
	// LabelExpressionTest.expression_atom_simple, _simpleLonger, _withDash.
	{in: "a", name: "a", tree: `"a"`},
	{in: "abc123def", name: "abc123def", tree: `"abc123def"`},
	{in: "a-b", name: "a-b", tree: `"a-b"`},
	// LabelExpressionTest.expression_atom_withDashes, _doubleDash, _justDash, _dashBefore,
	// _dashAround (JENKINS-66613).
	{in: "--a----b-c-", name: "--a----b-c-", tree: `"--a----b-c-"`},
	{in: "--", name: "--", tree: `"--"`},
	{in: "-", name: "-", tree: `"-"`},
	{in: "-1", name: "-1", tree: `"-1"`},
	{in: "-abc-", name: "-abc-", tree: `"-abc-"`},
	// LabelExpressionTest.expression_atom_dashBeforeImplies, _dashAfterImplies (JENKINS-66613).
	{in: "a-->b", name: "a-->b", tree: `implies("a-","b")`},
	{in: "a->-b", name: "a->-b", tree: `implies("a","-b")`},
	// LabelExpressionTest.expression_implies, _implies_withoutSpaces, expression_and,
	// _and_withoutSpaces.
	{in: "a -> b", name: "a->b", tree: `implies("a","b")`},
	{in: "a->b", name: "a->b", tree: `implies("a","b")`},
	{in: "a && b", name: "a&&b", tree: `and("a","b")`},
	{in: "a&&b", name: "a&&b", tree: `and("a","b")`},
}

var parseCases = []parseCase{
	// Precedence and associativity (LabelExpressionParser.g4 term1..term6).
	{in: "linux && docker", name: "linux&&docker", tree: `and("linux","docker")`},
	{in: "a||b&&c", name: "a||b&&c", tree: `or("a",and("b","c"))`},
	{in: "a&&b||c", name: "a&&b||c", tree: `or(and("a","b"),"c")`},
	{in: "!a&&b", name: "!a&&b", tree: `and(not("a"),"b")`},
	{in: "!(a||b)", name: "!(a||b)", tree: `not(paren(or("a","b")))`},
	{in: "!(!a)", name: "!(!a)", tree: `not(paren(not("a")))`},
	{in: "a->b||c", name: "a->b||c", tree: `implies("a",or("b","c"))`},
	{in: "a||b->c", name: "a||b->c", tree: `implies(or("a","b"),"c")`},
	{in: "a<->b<->c", name: "a<->b<->c", tree: `iff(iff("a","b"),"c")`},
	{in: "a<->b->c", name: "a<->b->c", tree: `iff("a",implies("b","c"))`},
	{in: "a->b<->c->d", name: "a->b<->c->d", tree: `iff(implies("a","b"),implies("c","d"))`},
	{in: "(a->b)->c", name: "(a->b)->c", tree: `implies(paren(implies("a","b")),"c")`},
	{in: "a->(b->c)", name: "a->(b->c)", tree: `implies("a",paren(implies("b","c")))`},
	{in: "a||b||c", name: "a||b||c", tree: `or(or("a","b"),"c")`},
	// The user's parentheses are kept, even redundant ones (LabelExpression.Paren).
	{in: "(a)", name: "(a)", tree: `paren("a")`},
	{in: "( ( a ) )", name: "((a))", tree: `paren(paren("a"))`},
	{in: "(a&&b)&&c", name: "(a&&b)&&c", tree: `and(paren(and("a","b")),"c")`},
	// Dashes and arrows.
	{in: "a-b->c", name: "a-b->c", tree: `implies("a-b","c")`},
	{in: "a-<->b", name: "a-<->b", tree: `iff("a-","b")`},
	{in: "a- ->b", name: "a-->b", tree: `implies("a-","b")`},
	// Characters the lexer accepts in bare atoms.
	{in: "x86_64.linux+docker=1,a@b", name: "x86_64.linux+docker=1,a@b", tree: `"x86_64.linux+docker=1,a@b"`, expr: `"x86_64.linux+docker=1,a@b"`},
	{in: "x86_64.linux+docker=1,a@b||c", name: `"x86_64.linux+docker=1,a@b"||c`},
	{in: "x86_64.linux+docker=1,a~b{c}||c", name: "x86_64.linux+docker=1,a~b{c}||c"},
	{in: "linux&&x86_64", name: "linux&&x86_64"},
	{in: "größe&&日本", name: "größe&&日本", tree: `and("größe","日本")`},
	{in: "a\u00a0b", name: "a\u00a0b", tree: `"a\u00a0b"`}, // NBSP is not whitespace to the lexer
	// Only space and tab separate tokens; a newline inside an expression belongs to an atom,
	// and Jenkins quotes it when printing.
	{in: "a\nb&&c", name: `"a\nb"&&c`, tree: `and("a\nb","c")`},
	{in: "a &&\nb", name: `a&&"\nb"`, tree: `and("a","\nb")`},
	// Trimming: characters up to U+0020 at either end are dropped (Java's String.trim).
	{in: "\n\r linux \t\n", name: "linux", tree: `"linux"`},
	{in: "\x01linux\x00", name: "linux", tree: `"linux"`},
	// Quoted atoms: quotes disappear when Jenkins does not need them.
	{in: `"linux"`, name: "linux", tree: `"linux"`},
	{in: `"linux"&&"docker"`, name: "linux&&docker", tree: `and("linux","docker")`},
	{in: `"a b"&&c`, name: `"a b"&&c`, tree: `and("a b","c")`},
	{in: `"a b"`, name: "a b", tree: `"a b"`, expr: `"a b"`},
	{in: `"a(b)"||c`, name: `"a(b)"||c`},
	{in: `"a\tb" && c`, name: `"a\tb"&&c`, tree: `and("a\tb","c")`},
	{in: `"a\nb\rc\fd\be" && c`, name: `"a\nb\rc\fd\be"&&c`, tree: `and("a\nb\rc\fd\be","c")`},
	{in: `"a\\b"&&c`, name: `"a\\b"&&c`, tree: `and("a\\b","c")`},
	{in: `"a\'b"&&c`, name: `a'b&&c`, tree: `and("a'b","c")`},
	{in: `""&&a`, name: `""&&a`, tree: `and("","a")`},
	{in: `""`, name: ``, tree: `""`, expr: `""`},
	{in: `"->"||"<->"`, name: `"->"||"<->"`},
	{in: `!"a b"`, name: `!"a b"`, tree: `not("a b")`},
	// Atoms Jenkins' checkGoodName rejects are quoted inside expressions (LabelAtom.escape),
	// but a single atom prints bare.
	{in: "a:b&&c", name: `"a:b"&&c`, tree: `and("a:b","c")`},
	{in: "a:b", name: "a:b", tree: `"a:b"`, expr: `"a:b"`},
	{in: "x.&&y", name: `"x."&&y`, tree: `and("x.","y")`},
	{in: "..&&y", name: `".."&&y`},
	{in: `"."||y`, name: `"."||y`},
	{in: "a?b||c*d||e/f||g%h||i@j||k#l||m$n||o^p||q[r]||s;t", name: `"a?b"||"c*d"||"e/f"||"g%h"||"i@j"||"k#l"||"m$n"||"o^p"||"q[r]"||"s;t"`},
	{in: "a\u0085b&&c", name: "\"a\u0085b\"&&c"}, // C1 control characters count as controls
	{in: "1.5&&y", name: "1.5&&y"},               // an inner dot is fine
	// A quote inside an atom is not a reason for Jenkins to quote it: printed bare, it cannot
	// be read back (see the package documentation).
	{in: `"a\"b"&&c`, name: `a"b&&c`, tree: `and("a\"b","c")`},
}

func TestParsePrint(t *testing.T) {
	for _, tc := range append(append([]parseCase{}, jenkinsParseCases...), parseCases...) {
		e, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if e == nil {
			t.Errorf("Parse(%q) = nil", tc.in)
			continue
		}
		if got := e.String(); got != tc.name {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, tc.name)
		}
		if tc.tree != "" {
			if got := dump(e); got != tc.tree {
				t.Errorf("Parse(%q) tree = %s, want %s", tc.in, got, tc.tree)
			}
		}
		wantExpr := tc.expr
		if wantExpr == "" {
			wantExpr = tc.name
		}
		if got := Expression(e); got != wantExpr {
			t.Errorf("Expression(Parse(%q)) = %q, want %q", tc.in, got, wantExpr)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, in := range []string{"", " ", "\t \n\r", "\x00\x1f "} {
		e, err := Parse(in)
		if e != nil || err != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, nil", in, e, err)
		}
	}
	if got := Expression(nil); got != "" {
		t.Errorf("Expression(nil) = %q", got)
	}
}

// TestComposite checks the parenthesization Jenkins adds for trees built in code; the parser
// never produces such trees, but the rule is part of the printed form.
func TestComposite(t *testing.T) {
	x := &atom{name: "x"}
	ab := &binary{op: precAnd, l: &atom{name: "a"}, r: &atom{name: "b"}}
	for _, tc := range []struct {
		n    node
		want string
	}{
		// LabelExpressionTest.composite.
		{&not{x: &not{x: x}}, "!!x"},
		{&binary{op: precAnd, l: &binary{op: precOr, l: x, r: x}, r: x}, "(x||x)&&x"},
		{&binary{op: precOr, l: &binary{op: precAnd, l: x, r: x}, r: x}, "x&&x||x"},
		// LabelExpression.paren: parentheses when the operand binds more loosely.
		{&not{x: ab}, "!(a&&b)"},
		{&binary{op: precAnd, l: x, r: &binary{op: precIff, l: x, r: x}}, "x&&(x<->x)"},
		{&binary{op: precImplies, l: &binary{op: precImplies, l: x, r: x}, r: x}, "x->x->x"},
		{&binary{op: precIff, l: ab, r: &not{x: x}}, "a&&b<->!x"},
	} {
		if got := tc.n.String(); got != tc.want {
			t.Errorf("%s prints %q, want %q", dump(tc.n), got, tc.want)
		}
	}
}

type errorCase struct {
	in  string
	pos int
	msg string // substring of ParseError.Msg
}

// LabelExpressionTest.parserError: every one must fail, at the column Jenkins reports.
var jenkinsErrorCases = []errorCase{
	{"foo bar", 4, `expected an operator or end of expression, found label "bar"`}, // line 1:4: extraneous input 'bar' expecting <EOF>
	{"foo (bar)", 4, `expected an operator or end of expression, found "("`},       // line 1:4: mismatched input '('
	{"foo(bar)", 3, `expected an operator or end of expression, found "("`},        // line 1:3: mismatched input '('
	{"a <- b", 2, `unexpected "<"`},                                                // line 1:2: token recognition error at: '<- '
	{"a -< b", 3, `unexpected "<"`},                                                // line 1:3: token recognition error at: '< '
	{"a - b", 2, `expected an operator or end of expression, found label "-"`},     // line 1:2: mismatched input '-'
	{"->", 0, `expected a label, found "->"`},                                      // line 1:0: mismatched input '->'
	{"-<", 1, `unexpected "<"`},                                                    // line 1:1: token recognition error at: '<'
	{"-!", 1, `expected an operator or end of expression, found "!"`},              // line 1:1: extraneous input '!'
}

var errorCases = []errorCase{
	{"linux &&", 8, `expected a label after "&&"`},
	{"linux && ", 8, `expected a label after "&&"`},
	{"  foo bar", 6, `found label "bar"`},
	{"&&a", 0, `expected a label, found "&&"`},
	{"a||", 3, `expected a label after "||"`},
	{"a->", 3, `expected a label after "->"`},
	{"a<->", 4, `expected a label after "<->"`},
	{"!", 1, `expected a label after "!"`},
	{"!!a", 1, `expected a label after "!", found "!" (to negate twice, write "!(!x)")`},
	{"a&&&&b", 3, `expected a label after "&&", found "&&"`},
	{"a->b->c", 4, `"->" cannot be chained`},
	{"(a->b->c)", 5, `"->" cannot be chained`},
	{"a<->b->c->d", 8, `"->" cannot be chained`},
	{"(a", 2, `expected ")" to close the "(" at position 0`},
	{"((a)", 4, `expected ")" to close the "(" at position 0`},
	{"(a b)", 3, `expected an operator or ")", found label "b"`},
	{"a)", 1, `unmatched ")"`},
	{"()", 1, `expected a label after "(", found ")"`},
	{"a!", 1, `found "!"`},
	{`a"b"`, 1, `found quoted label "b"`},
	{"a & b", 2, `unexpected "&" (the "and" operator is "&&")`},
	{"a | b", 2, `unexpected "|" (the "or" operator is "||")`},
	{"a > b", 2, `unexpected ">" (the "implies" operator is "->")`},
	{"a<-b", 1, `unexpected "<" (the "iff" operator is "<->")`},
	{"'a'", 0, `unexpected "'" (quote a label with double quotes)`},
	{"a'b", 1, `unexpected "'"`},
	{`"abc`, 0, "unterminated quoted label"},
	{`a && "abc\`, 5, "unterminated quoted label"},
	{`"abc\"`, 0, "unterminated quoted label"},
	{`"a\xb"`, 2, `invalid escape "\x" in quoted label`},
	{`"a\ub"`, 2, `invalid escape "\u"`},
	{`"a\éb"`, 2, `invalid escape "\é"`},
	{"\"a\nb\"", 2, "line break inside quoted label"},
	{"\"a\rb\"", 2, "line break inside quoted label"},
	{strings.Repeat("(", maxDepth+1) + "a" + strings.Repeat(")", maxDepth+1), maxDepth, "nested deeper than 500"},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range append(append([]errorCase{}, jenkinsErrorCases...), errorCases...) {
		e, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %s, want an error", tc.in, dump(e))
			continue
		}
		if e != nil {
			t.Errorf("Parse(%q) returned %s with its error", tc.in, dump(e))
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) error %T is not a *ParseError", tc.in, err)
			continue
		}
		if pe.Input != tc.in || pe.Pos != tc.pos || !strings.Contains(pe.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %+v, want Pos %d and a message containing %q", tc.in, *pe, tc.pos, tc.msg)
		}
	}
}

func TestParseErrorText(t *testing.T) {
	_, err := Parse("linux &&")
	want := `label expression "linux &&": position 8: expected a label after "&&"`
	if err == nil || err.Error() != want {
		t.Fatalf("Parse(\"linux &&\") error = %v, want %s", err, want)
	}
}

// TestParseDeepNesting: nesting up to the limit parses and prints back.
func TestParseDeepNesting(t *testing.T) {
	in := strings.Repeat("(", maxDepth) + "a" + strings.Repeat(")", maxDepth)
	e, err := Parse(in)
	if err != nil {
		t.Fatalf("Parse(%d parentheses): %v", maxDepth, err)
	}
	if e.String() != in {
		t.Fatalf("deeply nested expression prints differently")
	}
}

func TestRoundTripCases(t *testing.T) {
	for _, tc := range append(append([]parseCase{}, jenkinsParseCases...), parseCases...) {
		e, err := Parse(tc.in)
		if err != nil || e == nil {
			continue // reported by TestParsePrint
		}
		if bareQuoteAtom(e) {
			continue
		}
		x := Expression(e)
		e2, err := Parse(x)
		if err != nil {
			t.Errorf("Parse(Expression(Parse(%q)) = %q): %v", tc.in, x, err)
			continue
		}
		if dump(e2) != dump(e) {
			t.Errorf("Parse(%q) = %s, reparsed from %q as %s", tc.in, dump(e), x, dump(e2))
		}
	}
}
