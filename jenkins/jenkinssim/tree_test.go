package jenkinssim

import (
	"math"
	"strings"
	"testing"
)

func TestParseTree(t *testing.T) {
	tests := []struct {
		spec string
		err  string
		// check the parsed tree: a path of names and the range at its end
		path []string
		rng  span
	}{
		{spec: "jobs[name,color]", path: []string{"jobs", "name"}, rng: spanAll},
		{spec: "items[task[name,url],why]", path: []string{"items", "task", "url"}, rng: spanAll},
		{spec: "jobs[name]{0,2}", path: []string{"jobs"}, rng: span{0, 2}},
		{spec: "jobs[name]{3}", path: []string{"jobs"}, rng: span{3, 4}},
		{spec: "jobs[name]{,5}", path: []string{"jobs"}, rng: span{0, 5}},
		{spec: "jobs[name]{5,}", path: []string{"jobs"}, rng: span{5, math.MaxInt}},
		{spec: "*[*]", path: []string{"*", "*"}, rng: spanAll},
		{spec: " name", path: []string{" name"}, rng: spanAll}, // names are not trimmed
		{spec: "", err: "expected name at 0"},
		{spec: "jobs[", err: "expected name at 5"},
		{spec: "jobs[name", err: "expected RBRACE at 9"},
		{spec: "a,,b", err: "expected name at 2"},
		{spec: "a]", err: "expected EOF at 1"},
		{spec: "a{x}", err: "expected number at 2"},
		{spec: "a{1;2}", err: "expected number at 2"},
	}
	for _, tt := range tests {
		tree, err := parseTree(tt.spec)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseTree(%q) error = %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseTree(%q): %v", tt.spec, err)
			continue
		}
		node := tree
		for _, name := range tt.path {
			next, ok := node.children[name]
			if !ok {
				t.Fatalf("parseTree(%q): no %q in %v", tt.spec, name, node.children)
			}
			node = next
		}
		if node.r != tt.rng {
			t.Errorf("parseTree(%q): range at %v = %v, want %v", tt.spec, tt.path, node.r, tt.rng)
		}
	}
}

// sample is a small model with the features the pruners look at: visibility, inline
// properties, nested objects, arrays, a lazily computed cycle.
func sample() *bean {
	var top *bean
	child := func(n int) *bean {
		c := newBean("")
		c.add("n", n)
		c.addVis("deep", 3, "d")
		c.lazy("parent", visDefault, func() any { return top })
		return c
	}
	top = newBean("test.Top")
	top.add("a", "x")
	top.addVis("hidden", 0, true)
	top.lazy("obj", visDefault, func() any {
		o := newBean("test.Obj")
		o.add("inner", 1)
		o.addVis("shown", 2, 2)
		return o
	})
	top.inlined("list", visDefault, func() any { return []any{child(0), child(1), child(2)} })
	top.add("nothing", nil)
	return top
}

func TestPruneAndRender(t *testing.T) {
	mustTree := func(spec string) pruner {
		tr, err := parseTree(spec)
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	tests := []struct {
		name string
		p    pruner
		want string
	}{
		// Visibility is a threshold: at depth 0 (ByDepth(1)) "hidden" (visibility 0) is left out;
		// the inline list's elements keep the top level's pruner, so "deep" (visibility 3)
		// shows there, while the nested object shows only its properties of visibility >= 2.
		{"depth 0", byDepth(1),
			`{"_class":"test.Top","a":"x","obj":{"_class":"test.Obj","shown":2},"list":[{"n":0,"deep":"d","parent":{"_class":"test.Top"}},{"n":1,"deep":"d","parent":{"_class":"test.Top"}},{"n":2,"deep":"d","parent":{"_class":"test.Top"}}],"nothing":null}`},
		{"depth 1 shows visibility 0 and one more level", byDepth(0),
			`{"_class":"test.Top","a":"x","hidden":true,"obj":{"_class":"test.Obj","inner":1,"shown":2},"list":[{"n":0,"deep":"d","parent":{"_class":"test.Top","a":"x","obj":{"_class":"test.Obj","shown":2},"list":[{"n":0,"deep":"d","parent":{"_class":"test.Top"}}`},
		{"tree picks names, ignores visibility, keeps _class", mustTree("hidden,obj[inner],list[deep]"),
			`{"_class":"test.Top","hidden":true,"obj":{"_class":"test.Obj","inner":1},"list":[{"deep":"d"},{"deep":"d"},{"deep":"d"}]}`},
		{"tree range", mustTree("list[n]{1,2}"), `{"_class":"test.Top","list":[{"n":1}]}`},
		{"tree wildcard", mustTree("obj[*]"), `{"_class":"test.Top","obj":{"_class":"test.Obj","inner":1,"shown":2}}`},
		{"tree follows a cycle only as deep as asked", mustTree("list[parent[a]]{0}"), `{"_class":"test.Top","list":[{"parent":{"_class":"test.Top","a":"x"}}]}`},
	}
	for _, tt := range tests {
		got := string(render(sample(), tt.p, false))
		if tt.name == "depth 1 shows visibility 0 and one more level" {
			// The cycle continues below; the beginning shows the rule.
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("%s:\n got %s\nwant prefix %s", tt.name, got, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// ?pretty is Stapler's own layout: "key" : value, two spaces, and a blank line inside empty
// arrays (compare queue/ujenkins-queue-blocked-2022.json).
func TestPrettyLayout(t *testing.T) {
	b := newBean("hudson.model.Queue")
	b.add("discoverableItems", []any{})
	b.inlined("items", visDefault, func() any { return []any{newBean("").add("id", 14).add("why", "Build #8 is already in progress")} })
	got := string(render(b, byDepth(1), true))
	want := "{\n  \"_class\" : \"hudson.model.Queue\",\n  \"discoverableItems\" : [\n    \n  ],\n  \"items\" : [\n    {\n      \"id\" : 14,\n      \"why\" : \"Build #8 is already in progress\"\n    }\n  ]\n}"
	if got != want {
		t.Fatalf("pretty:\n%s\nwant\n%s", got, want)
	}
}

// Strings are escaped as JSONDataWriter does: ISO control characters (newline included) as
// \uXXXX, characters outside the BMP as surrogate escapes, the rest verbatim.
func TestJSONStringEscaping(t *testing.T) {
	w := newJSONWriter(false)
	w.str("a\"b\\c\nd\te\u0085‘x’😀")
	want := `"a\"b\\c\u000ad\u0009e\u0085‘x’\ud83d\ude00"`
	if got := w.buf.String(); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
