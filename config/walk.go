package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the nodes one walk visits. yaml.v3 already refuses
// documents whose aliases expand excessively; this is the walker's own guard
// against anything that slips through.
const maxNodes = 1_000_000

// walker checks a YAML node tree against the raw* schema: every key known,
// no secret in clear, every value of the right YAML type. It records the line
// of every key present in problems.lines. Value checks (is the duration valid,
// the URL, the enum) are left to the build step, which has the decoded values.
type walker struct {
	p     *problems
	nodes int
	// stopped is set once the node budget is spent.
	stopped bool
}

// field is one key of a mapping in the schema.
type field struct {
	key  string
	typ  reflect.Type
	kind string // berth tag: "", "duration", "size"
}

func fieldsOf(t reflect.Type) []field {
	fs := make([]field, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		fs = append(fs, field{key: f.Tag.Get("mapstructure"), typ: f.Type, kind: f.Tag.Get("berth")})
	}
	return fs
}

// deref follows aliases and counts the node against the budget; it returns
// nil once the budget is spent.
func (w *walker) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	w.nodes++
	if w.nodes > maxNodes {
		if !w.stopped {
			w.stopped = true
			w.p.errAt(0, "", "the document is too large (more than %d values after expanding aliases)", maxNodes)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// value checks node n, found at path, against type t.
func (w *walker) value(n *yaml.Node, t reflect.Type, kind, path string) {
	if n = w.deref(n); n == nil {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.p.errAt(n.Line, path, "expected a mapping of keys, got %s", describe(n))
			return
		}
		w.mapping(n, t, path, map[string]bool{})
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.p.errAt(n.Line, path, "expected a list, got %s", describe(n))
			return
		}
		for i, c := range n.Content {
			ip := indexPath(path, i)
			if d := w.deref(c); d != nil {
				w.p.lines[ip] = d.Line
				w.value(d, t.Elem(), kind, ip)
			}
		}
	default:
		w.scalar(n, t.Kind(), kind, path)
	}
}

// mapping checks the keys of n against struct type t. seen holds the keys
// already given explicitly, which a merge ("<<: *anchor") does not override.
func (w *walker) mapping(n *yaml.Node, t reflect.Type, path string, seen map[string]bool) {
	fields := fieldsOf(t)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := w.deref(n.Content[i]), n.Content[i+1]
		if k == nil {
			return
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			w.p.errAt(k.Line, path, "expected a key name, got %s", describe(k))
			continue
		}
		w.key(k, v, fields, path, seen)
	}
	// yaml.v3 rejects merge values that are not mappings or lists of
	// mappings before we get here; anything else is skipped.
	for _, m := range merges {
		m = w.deref(m)
		if m == nil {
			return
		}
		switch m.Kind {
		case yaml.MappingNode:
			w.mapping(m, t, path, seen)
		case yaml.SequenceNode:
			for _, e := range m.Content {
				if e = w.deref(e); e != nil && e.Kind == yaml.MappingNode {
					w.mapping(e, t, path, seen)
				}
			}
		}
	}
}

// key checks one key k with value v of a mapping at path.
func (w *walker) key(k, v *yaml.Node, fields []field, path string, seen map[string]bool) {
	name := k.Value
	kp := childPath(path, name)
	if why := forbiddenKey(kp); why != "" {
		// Never look at (or print) the value.
		w.p.errAt(k.Line, kp, "%s", why)
		return
	}
	var f *field
	for i := range fields {
		if fields[i].key == name {
			f = &fields[i]
			break
		}
	}
	if f == nil {
		w.p.errAt(k.Line, kp, "unknown key%s", suggest(name, fields))
		return
	}
	if seen[name] {
		return // overridden by an explicit key (or an earlier merge)
	}
	seen[name] = true
	d := w.deref(v)
	if d == nil || isNull(d) {
		return // a key with no value counts as absent
	}
	w.p.lines[kp] = k.Line
	w.value(d, f.typ, f.kind, kp)
}

// plainDecimal is an integer that reads the same as a string: a string key
// such as user accepts 1000 unquoted, but not 0755 or 1_000.
var plainDecimal = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)

func (w *walker) scalar(n *yaml.Node, k reflect.Kind, kind, path string) {
	want := wantText(k, kind)
	if n.Kind != yaml.ScalarNode {
		w.p.errAt(n.Line, path, "expected %s, got %s", want, describe(n))
		return
	}
	tag := n.ShortTag()
	ok := false
	switch k {
	case reflect.String:
		switch kind {
		case "duration":
			if tag == "!!int" || tag == "!!float" {
				w.p.errAt(n.Line, path, "invalid duration %s: give a unit, e.g. %q", n.Value, n.Value+"s")
				return
			}
			ok = tag == "!!str"
		case "size":
			ok = tag == "!!str" || tag == "!!int"
		default:
			ok = tag == "!!str" || (tag == "!!int" && plainDecimal.MatchString(n.Value))
			if !ok && isScalarTag(tag) && tag != "!!null" {
				w.p.errAt(n.Line, path, "expected %s, got %s; put it in quotes if it is meant as text", want, describe(n))
				return
			}
		}
	case reflect.Int:
		if tag == "!!int" {
			var i int64
			if err := n.Decode(&i); err != nil || i < -1<<31 || i > 1<<31-1 {
				w.p.errAt(n.Line, path, "integer %s is out of range", n.Value)
				return
			}
			ok = true
		}
	case reflect.Float64:
		ok = tag == "!!int" || tag == "!!float"
	case reflect.Bool:
		ok = tag == "!!bool"
	}
	if !ok {
		w.p.errAt(n.Line, path, "expected %s, got %s", want, describe(n))
	}
}

func isScalarTag(tag string) bool {
	switch tag {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp":
		return true
	}
	return false
}

func wantText(k reflect.Kind, kind string) string {
	switch {
	case kind == "duration":
		return `a duration such as "30s" or "5m"`
	case kind == "size":
		return `a size such as "512m" or "2g", or a number of bytes`
	case k == reflect.String:
		return "a string"
	case k == reflect.Int:
		return "an integer"
	case k == reflect.Float64:
		return "a number"
	case k == reflect.Bool:
		return "true or false"
	}
	return "a value"
}

// describe names what a node is, for "expected X, got Y". Scalars are
// quoted and shortened; callers never describe a secret's value.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "a boolean (" + v + ")"
		case "!!int":
			return "an integer (" + v + ")"
		case "!!float":
			return "a number (" + v + ")"
		case "!!timestamp":
			return fmt.Sprintf("a date (%s)", v)
		case "!!str":
			return fmt.Sprintf("a string (%q)", v)
		default:
			return fmt.Sprintf("a value tagged %s", n.ShortTag())
		}
	}
	return "an unexpected YAML node"
}

// suggest returns ` (did you mean "x"?)` for a misspelled key, or "".
func suggest(name string, fields []field) string {
	best, bestD := "", 3
	for _, f := range fields {
		if strings.EqualFold(f.key, name) {
			return fmt.Sprintf(" (keys are case-sensitive: did you mean %q?)", f.key)
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(f.key)); d < bestD {
			best, bestD = f.key, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance, for suggestions; long inputs
// are not worth comparing.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
