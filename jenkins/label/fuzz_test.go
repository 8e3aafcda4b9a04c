package label

import (
	"errors"
	"maps"
	"testing"
)

// FuzzParse checks that Parse never panics, that its errors are well formed, and that what it
// prints reads back: Expression(e) parses to the same tree with the same truth values (except
// for the Jenkins quirk of printing atoms with ' or " bare), String() equals Expression(e) for
// everything but a single atom, and FromName inverts String().
func FuzzParse(f *testing.F) {
	for _, tc := range jenkinsParseCases {
		f.Add(tc.in)
	}
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, tc := range jenkinsErrorCases {
		f.Add(tc.in)
	}
	for _, tc := range errorCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = Resolve(in) // must not panic
		e, err := Parse(in)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %T is not a *ParseError", in, err)
			}
			if e != nil || pe.Input != in || pe.Pos < 0 || pe.Pos > len(in) || pe.Msg == "" {
				t.Fatalf("Parse(%q) = %v, %+v", in, e, *pe)
			}
			return
		}
		if e == nil {
			if javaTrim(in) != "" {
				t.Fatalf("Parse(%q) = nil, nil for a non-blank input", in)
			}
			return
		}
		name, x := e.String(), Expression(e)
		if a, ok := e.(*atom); ok {
			if name != a.name || x != escape(a.name) {
				t.Fatalf("atom %q prints as %q / %q", a.name, name, x)
			}
		} else if name != x {
			t.Fatalf("Parse(%q): String() %q differs from Expression() %q", in, name, x)
		}
		if back := FromName(name); back.String() != name {
			t.Fatalf("FromName(%q).String() = %q", name, back.String())
		}
		if len(e.Atoms()) == 0 {
			t.Fatalf("Parse(%q) has no atoms", in)
		}
		if bareQuoteAtom(e) {
			return
		}
		e2, err := Parse(x)
		if err != nil {
			t.Fatalf("Parse(%q) prints %q, which does not parse: %v", in, x, err)
		}
		if dump(e2) != dump(e) || e2.String() != name || Expression(e2) != x {
			t.Fatalf("Parse(%q) = %s, but its print %q parses to %s", in, dump(e), x, dump(e2))
		}
		if _, isAtom := e.(*atom); !isAtom {
			if back := FromName(name); dump(back) != dump(e) {
				t.Fatalf("FromName(%q) = %s, want %s", name, dump(back), dump(e))
			}
		}
		for _, s := range labelSets(e) {
			if e.Matches(s) != e2.Matches(s) {
				t.Fatalf("Parse(%q) and its reparse %q disagree on %q", in, x, s.Sorted())
			}
		}
	})
}

// FuzzLabelString checks that LabelString and ParseLabelString are inverse.
func FuzzLabelString(f *testing.F) {
	f.Add("linux", "docker")
	f.Add("a b", `c"d\`)
	f.Add("", "'")
	f.Add(`foo\\ bar`, `x"a b"y`)
	f.Fuzz(func(t *testing.T, a, b string) {
		set := NewSet(a, b)
		if got := ParseLabelString(set.LabelString()); !maps.Equal(got, set) {
			t.Fatalf("LabelString %q of %q reads back as %q", set.LabelString(), set.Sorted(), got.Sorted())
		}
		parsed := ParseLabelString(a)
		if again := ParseLabelString(parsed.LabelString()); !maps.Equal(again, parsed) {
			t.Fatalf("ParseLabelString(%q) = %q does not survive LabelString", a, parsed.Sorted())
		}
	})
}
