package jenkinssim_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Shape comparison of the simulator's JSON with captured Jenkins responses: the same keys, the
// same kinds of values (null, bool, number, string, object, array) and the same _class values,
// recursively. Values themselves are not compared.

// shapeRules lists the known, explained differences of one comparison. Paths are "$" for the
// top object, ".key" for a property and "[]" for the elements of an array.
type shapeRules struct {
	// noClass: the fixture comes from Jenkins 1.x, which wrote no _class; the simulator's
	// _class keys are not compared.
	noClass bool
	// extra: keys the simulator has and the fixture not (added to Jenkins later).
	extra map[string]string
	// missing: keys the fixture has and the simulator not (removed from Jenkins later).
	missing map[string]string
	// skip: values not compared (a state the simulator cannot reproduce).
	skip map[string]string
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64, json.Number:
		return "number"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// compareShape appends to diffs every difference between got (the simulator) and want (the
// fixture) at path.
func compareShape(path string, got, want any, r shapeRules, diffs *[]string) {
	if _, ok := r.skip[path]; ok {
		return
	}
	gk, wk := kindOf(got), kindOf(want)
	if gk != wk {
		*diffs = append(*diffs, fmt.Sprintf("%s: simulator has %s, fixture has %s", path, gk, wk))
		return
	}
	switch wk {
	case "object":
		g, w := got.(map[string]any), want.(map[string]any)
		for _, k := range sortedKeys(w) {
			p := path + "." + k
			gv, ok := g[k]
			if !ok {
				if _, known := r.missing[p]; !known {
					*diffs = append(*diffs, fmt.Sprintf("%s: missing in the simulator", p))
				}
				continue
			}
			if k == "_class" {
				if gv != w[k] {
					*diffs = append(*diffs, fmt.Sprintf("%s: simulator %v, fixture %v", p, gv, w[k]))
				}
				continue
			}
			compareShape(p, gv, w[k], r, diffs)
		}
		for _, k := range sortedKeys(g) {
			if _, ok := w[k]; ok {
				continue
			}
			p := path + "." + k
			if _, known := r.extra[p]; known || (k == "_class" && r.noClass) {
				continue
			}
			*diffs = append(*diffs, fmt.Sprintf("%s: only in the simulator", p))
		}
	case "array":
		g, w := got.([]any), want.([]any)
		if len(g) == 0 || len(w) == 0 {
			return // nothing to compare the elements with
		}
		if len(g) == len(w) {
			for i := range w {
				compareShape(path+"[]", g[i], w[i], r, diffs)
			}
			return
		}
		compareShape(path+"[]", merge(g), merge(w), r, diffs)
	}
}

// merge folds the elements of an array of objects into one object with every key (the first
// non-null value of each); other arrays are represented by their first element.
func merge(a []any) any {
	if _, ok := a[0].(map[string]any); !ok {
		return a[0]
	}
	out := map[string]any{}
	for _, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		for k, v := range m {
			if cur, ok := out[k]; !ok || cur == nil {
				out[k] = v
			}
		}
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// loadFixture reads a captured JSON response from testdata/jenkins-fixtures at the repository root.
func loadFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixturesDir, name))
	if err != nil {
		t.Fatalf("read fixture %s: %v", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("fixture %s is not a JSON object: %v", name, err)
	}
	return m
}

// The comparator itself: it must see added, removed and retyped keys and other classes.
func TestCompareShape(t *testing.T) {
	want := map[string]any{"_class": "A", "n": 1.0, "o": map[string]any{"s": "x"}, "a": []any{map[string]any{"b": true}}}
	tests := []struct {
		name  string
		got   map[string]any
		rules shapeRules
		diffs int
	}{
		{"same shape, other values", map[string]any{"_class": "A", "n": 2.0, "o": map[string]any{"s": "y"}, "a": []any{map[string]any{"b": false}}}, shapeRules{}, 0},
		{"other class", map[string]any{"_class": "B", "n": 2.0, "o": map[string]any{"s": "y"}, "a": []any{}}, shapeRules{}, 1},
		{"retyped", map[string]any{"_class": "A", "n": "2", "o": map[string]any{"s": nil}, "a": []any{}}, shapeRules{}, 2},
		{"extra and missing", map[string]any{"_class": "A", "n": 1.0, "x": 1.0, "a": []any{}}, shapeRules{}, 2},
		{"explained", map[string]any{"_class": "A", "n": 1.0, "x": 1.0, "a": []any{}},
			shapeRules{extra: map[string]string{"$.x": "new"}, missing: map[string]string{"$.o": "old"}}, 0},
		{"array element keys", map[string]any{"_class": "A", "n": 1.0, "o": map[string]any{"s": ""}, "a": []any{map[string]any{"c": true}}}, shapeRules{}, 2},
	}
	for _, tt := range tests {
		var diffs []string
		compareShape("$", tt.got, want, tt.rules, &diffs)
		if len(diffs) != tt.diffs {
			t.Errorf("%s: %d differences %q, want %d", tt.name, len(diffs), diffs, tt.diffs)
		}
	}
}

// fixturesDir holds the captured Jenkins responses (with INDEX.md and
// PROVENANCE.md), shared with the jenkins package's tests.
var fixturesDir = filepath.Join("..", "..", "testdata", "jenkins-fixtures")
