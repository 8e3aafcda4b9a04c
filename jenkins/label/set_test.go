package label

import (
	"maps"
	"slices"
	"testing"
)

func TestParseLabelString(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		// LabelExpressionTest.parseLabel.
		{"one two three", []string{"one", "two", "three"}},
		// QuotedStringTokenizerTest.test1 … test7.
		{"foo bar", []string{"foo", "bar"}},
		{`foo "bar zot"`, []string{"foo", "bar zot"}},
		{`foo bar="quote zot"`, []string{"foo", "bar=quote zot"}},
		{`foo\"`, []string{`foo"`}},
		{`foo\ bar`, []string{"foo bar"}},
		{`foo\\ bar`, []string{`foo\`, "bar"}},
		{`foo="bar\zot"`, []string{`foo=bar\zot`}},
		// QuotedStringTokenizerTest.testHasMoreToken.
		{"", nil},
		// Separators are space, tab, CR and LF; duplicates collapse.
		{"  linux\tdocker\r\nlinux ", []string{"linux", "docker"}},
		{"a\u00a0b", []string{"a\u00a0b"}},
		{`'x y' "z"`, []string{"x y", "z"}},
		{`""`, []string{""}},
		{`"`, nil},
		{`a\`, []string{"a"}},
		{`a\b`, []string{`a\b`}},
		{"a\\\tb", []string{"a\\\tb"}},
		{`"a'b"`, []string{"a'b"}},
		{`x"a b"y`, []string{"xa by"}},
	} {
		got := ParseLabelString(tc.in)
		if want := NewSet(tc.want...); !maps.Equal(got, want) {
			t.Errorf("ParseLabelString(%q) = %q, want %q", tc.in, got.Sorted(), want.Sorted())
		}
	}
}

func TestSet(t *testing.T) {
	s := NewSet("linux", "docker", "linux")
	if len(s) != 2 || !s.Has("linux") || !s.Has("docker") || s.Has("gpu") {
		t.Fatalf("NewSet(linux, docker, linux) = %q", s.Sorted())
	}
	if got := s.Sorted(); !slices.Equal(got, []string{"docker", "linux"}) {
		t.Errorf("Sorted() = %q", got)
	}
	if got := NewSet("linux", "docker").LabelString(); got != "docker linux" {
		t.Errorf("LabelString() = %q", got)
	}
	if got := NewSet("a b", `c"d`, `e\`, "", "f'g").LabelString(); got != `"" "a b" "c\"d" "e\\" "f'g"` {
		t.Errorf("LabelString() = %q", got)
	}
	if NewSet().LabelString() != "" {
		t.Errorf("empty LabelString() is not empty")
	}
}
