package label

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		in   string
		name string // String(); ignored when tree is "nil"
		tree string
		expr string // Expression(); "" means same as name
	}{
		// LabelExpressionTest.laxParsing: an unparsable label is one atom.
		{"lucene.zones.apache.org (Solaris 10)", "lucene.zones.apache.org (Solaris 10)", `"lucene.zones.apache.org (Solaris 10)"`, `"lucene.zones.apache.org (Solaris 10)"`},
		// LabelExpressionTest.dataCompatibilityWithHostNameWithWhitespace: the name is bare,
		// the expression (what the job stores) is quoted, and reading that back gives the atom.
		{"abc def", "abc def", `"abc def"`, `"abc def"`},
		{`"abc def"`, "abc def", `"abc def"`, `"abc def"`},
		{"a:b c", "a:b c", `"a:b c"`, `"a:b c"`},
		// LabelExpressionTest.quote.
		{`"abc\\\"def"`, `abc\"def`, `"abc\\\"def"`, `"abc\\\"def"`},
		{`"label1||label2"`, "label1||label2", `or("label1","label2")`, ""},
		// Ordinary expressions parse; invalid ones become atoms; surrounding quotes go.
		{"  linux && docker ", "linux&&docker", `and("linux","docker")`, ""},
		{"linux &&", "linux &&", `"linux &&"`, `"linux &&"`},
		{"'linux'", "linux", `"linux"`, ""},
		{`'a b'`, "a b", `"a b"`, `"a b"`},
		{`"a"&&"b"`, `a"&&"b`, `"a\"&&\"b"`, `"a\"&&\"b"`}, // Jenkins unquotes the whole string first
		{`""`, "", `""`, `""`},
		{`"\u0041"`, "A", `"A"`, ""},
		{`"\uD83D\uDE00"`, "😀", `"😀"`, ""},
		{`"a\nb"`, "a\nb", `"a\nb"`, `"a\nb"`},
		{"", "", "nil", ""},
		{" \t", "", "nil", ""},
	} {
		e, err := Resolve(tc.in)
		if err != nil {
			t.Errorf("Resolve(%q): %v", tc.in, err)
			continue
		}
		if got := dump(e); got != tc.tree {
			t.Errorf("Resolve(%q) = %s, want %s", tc.in, got, tc.tree)
		}
		if e == nil {
			continue
		}
		if got := e.String(); got != tc.name {
			t.Errorf("Resolve(%q).String() = %q, want %q", tc.in, got, tc.name)
		}
		want := tc.expr
		if want == "" {
			want = tc.name
		}
		if got := Expression(e); got != want {
			t.Errorf("Expression(Resolve(%q)) = %q, want %q", tc.in, got, want)
		}
	}
}

// QuotedStringTokenizerTest.testUnquoteTruncatedUnicodeEscape and
// testUnquoteInvalidUnicodeEscape: Jenkins.getLabel throws on these.
func TestResolveBadUnicodeEscape(t *testing.T) {
	for _, in := range []string{`"\u004"`, `"\u00Q1"`, `'\u'`} {
		e, err := Resolve(in)
		if err == nil {
			t.Errorf("Resolve(%q) = %s, want an error", in, dump(e))
			continue
		}
		if !strings.Contains(err.Error(), `\u escape`) {
			t.Errorf("Resolve(%q) error %q does not name the escape", in, err)
		}
	}
}

func TestFromName(t *testing.T) {
	for _, tc := range []struct {
		name string
		tree string
	}{
		{"linux&&docker", `and("linux","docker")`},
		{"(a||b)&&!c", `and(paren(or("a","b")),not("c"))`},
		{`"a b"&&c`, `and("a b","c")`},
		{"linux", `"linux"`},
		{"abc def", `"abc def"`},                         // a single atom's name is bare
		{"a:b", `"a:b"`},                                 // bare although Jenkins would quote it in an expression
		{`"x"`, `"\"x\""`},                               // Jenkins would name the atom x as x, so this atom has quotes in its name
		{"linux && docker", `"linux && docker"`},         // Jenkins never names an expression with spaces
		{"lucene (Solaris 10)", `"lucene (Solaris 10)"`}, // LabelExpressionTest.laxParsing
		{"", `""`},
	} {
		e := FromName(tc.name)
		if got := dump(e); got != tc.tree {
			t.Errorf("FromName(%q) = %s, want %s", tc.name, got, tc.tree)
		}
		if got := e.String(); got != tc.name {
			t.Errorf("FromName(%q).String() = %q", tc.name, got)
		}
	}
}

func TestNeedsEscape(t *testing.T) {
	long := strings.Repeat("a", 1000)
	for _, tc := range []struct {
		name string
		want bool
	}{
		// CheckGoodNameLengthLabelsCharacterizationTest: length does not matter, content does.
		{long, false},
		{long + " ", true},
		// Jenkins.checkGoodName and the extra characters of LabelAtom.needsEscape.
		{"", true},
		{".", true},
		{"..", true},
		{"a.", true},
		{"a.b", false},
		{"a-b_c+d=e,f~g{h}", false},
		{"a b", true},
		{"a\tb", true},
		{"a(b", true},
		{"a)b", true},
		{"a\x7fb", true},
		{"a\u009fb", true},
		{"a\u00a0b", false},
		{`a'b`, false},
		{`a"b`, false},
	} {
		if got := needsEscape(tc.name); got != tc.want {
			t.Errorf("needsEscape(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, c := range unsafeNameChars {
		if !needsEscape("a" + string(c) + "b") {
			t.Errorf("needsEscape does not quote %q", c)
		}
	}
	// CheckGoodNameLengthLabelsCharacterizationTest.escape_longCleanName.
	if got := escape(long); got != long {
		t.Errorf("escape(long clean name) changed it")
	}
}
