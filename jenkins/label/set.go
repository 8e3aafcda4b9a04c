package label

import (
	"slices"
	"strings"
)

// Set is a set of label atoms (a node's labels, a template's labels).
type Set map[string]struct{}

// NewSet returns a set holding the given labels.
func NewSet(labels ...string) Set {
	s := make(Set, len(labels))
	for _, l := range labels {
		s[l] = struct{}{}
	}
	return s
}

// Has reports whether the set holds label l.
func (s Set) Has(l string) bool {
	_, ok := s[l]
	return ok
}

// Sorted returns the labels in byte order.
func (s Set) Sorted() []string {
	out := make([]string, 0, len(s))
	for l := range s {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// LabelString formats the set as a node labelString that ParseLabelString (and Jenkins'
// Label.parse) reads back to the same set: the labels sorted and separated by one space,
// each one that is empty or contains whitespace, a quote or a backslash written in double
// quotes with " and \ escaped by a backslash.
func (s Set) LabelString() string {
	var b strings.Builder
	for i, l := range s.Sorted() {
		if i > 0 {
			b.WriteByte(' ')
		}
		if l != "" && !strings.ContainsAny(l, " \t\n\r\"'\\") {
			b.WriteString(l)
			continue
		}
		b.WriteByte('"')
		for j := 0; j < len(l); j++ {
			if l[j] == '"' || l[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(l[j])
		}
		b.WriteByte('"')
	}
	return b.String()
}

// ParseLabelString splits a node's labelString (whitespace-separated atoms, as Jenkins does in
// Label.parse) into a Set.
//
// It follows Jenkins' QuotedStringTokenizer: tokens are separated by space, tab, CR and LF;
// single- or double-quoted parts may hold separators; a backslash before \, ", ' or a space
// stands for that character and before anything else is kept. It does not include the node's
// own name, which Jenkins adds to a node's labels separately. Label.parse first checks
// whether the whole string is the name of an atom Jenkins already knows; that depends on the
// controller's state and is not reproduced.
func ParseLabelString(s string) Set {
	set := make(Set)
	for _, t := range tokenize(s) {
		set[t] = struct{}{}
	}
	return set
}

// tokenize is QuotedStringTokenizer with its default settings (delimiters " \t\n\r", single
// and double quotes recognised, quotes and delimiters not returned).
func tokenize(s string) []string {
	const delims = " \t\n\r"
	const escapable = "\\\"' "
	const (
		start = iota
		inToken
		inSingle
		inDouble
	)
	var tokens []string
	var tok []byte
	state, has, esc := start, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch state {
		case start:
			switch {
			case strings.IndexByte(delims, c) >= 0:
			case c == '\'':
				state = inSingle
			case c == '"':
				state = inDouble
			default:
				tok, has, state = append(tok, c), true, inToken
			}
		case inToken:
			has = true
			switch {
			case esc:
				esc = false
				if strings.IndexByte(escapable, c) < 0 {
					tok = append(tok, '\\')
				}
				tok = append(tok, c)
			case strings.IndexByte(delims, c) >= 0:
				tokens = append(tokens, string(tok))
				tok, has, state = tok[:0], false, start
			case c == '\'':
				state = inSingle
			case c == '"':
				state = inDouble
			case c == '\\':
				esc = true
			default:
				tok = append(tok, c)
			}
		case inSingle, inDouble:
			has = true
			closing := byte('\'')
			if state == inDouble {
				closing = '"'
			}
			switch {
			case esc:
				esc = false
				if strings.IndexByte(escapable, c) < 0 {
					tok = append(tok, '\\')
				}
				tok = append(tok, c)
			case c == closing:
				state = inToken
			case c == '\\':
				esc = true
			default:
				tok = append(tok, c)
			}
		}
	}
	if has {
		tokens = append(tokens, string(tok))
	}
	return tokens
}
