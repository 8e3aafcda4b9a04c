package jenkinssim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file implements Stapler's pruners (org.kohsuke.stapler.export.TreePruner and
// NamedPathPruner): the rules that decide which properties of the model a response contains.

// pruner decides, property by property, what is written.
type pruner interface {
	// accept returns the pruner for the property's value, or nil if the property is not
	// written.
	accept(p *prop) pruner
	// rng is the slice of an array value that is written.
	rng() span
}

// span is Stapler's Range: elements [min, max) of an array.
type span struct{ min, max int }

var spanAll = span{0, math.MaxInt}

// apply returns the part of n elements the range selects, as start and end indexes.
func (r span) apply(n int) (int, int) {
	end := n
	if r.max < end {
		end = r.max
	}
	start := r.min
	if start > end {
		start = end
	}
	return start, end
}

// byDepth is TreePruner.ByDepth: properties whose visibility is below n are hidden, and each
// non-inline step into a nested object raises n by one. ?depth=D uses byDepth(1-D).
type byDepth int

func (d byDepth) accept(p *prop) pruner {
	if p.vis < int(d) {
		return nil
	}
	if p.inline {
		return d
	}
	return d + 1
}

func (byDepth) rng() span { return spanAll }

// pathTree is one level of a parsed tree= specification.
type pathTree struct {
	children map[string]*pathTree
	r        span
}

func (t *pathTree) accept(p *prop) pruner {
	c, ok := t.children[p.name]
	if !ok {
		c, ok = t.children["*"]
	}
	if !ok {
		return nil
	}
	return c
}

func (t *pathTree) rng() span { return t.r }

// parseTree parses a tree= value with NamedPathPruner's grammar:
//
//	list  := node ("," list)?
//	node  := NAME ("[" list "]")? ("{" range "}")?
//	range := "," NUM | NUM | NUM "," | NUM "," NUM
//
// Names are taken verbatim (no trimming), as Stapler does; errors carry Stapler's messages.
func parseTree(spec string) (*pathTree, error) {
	r := &treeReader{text: spec}
	t := &pathTree{children: map[string]*pathTree{}, r: spanAll}
	if err := r.list(t); err != nil {
		return nil, err
	}
	if err := r.expect(tokEOF); err != nil {
		return nil, err
	}
	return t, nil
}

type treeToken int

const (
	tokName treeToken = iota
	tokComma
	tokLBrace  // [
	tokRBrace  // ]
	tokQLBrace // {
	tokQRBrace // }
	tokEOF
)

func (t treeToken) String() string {
	return [...]string{"NAME", "COMMA", "LBRACE", "RBRACE", "QLBRACE", "QRBRACE", "EOF"}[t]
}

type treeReader struct {
	text      string
	pos, next int
}

// peek returns the token at pos and, for a name, its text.
func (r *treeReader) peek() (treeToken, string) {
	if r.pos == len(r.text) {
		return tokEOF, ""
	}
	r.next = r.pos + 1
	switch r.text[r.pos] {
	case ',':
		return tokComma, ""
	case '[':
		return tokLBrace, ""
	case ']':
		return tokRBrace, ""
	case '{':
		return tokQLBrace, ""
	case '}':
		return tokQRBrace, ""
	}
	end := strings.IndexAny(r.text[r.pos:], ",[]{}")
	if end < 0 {
		r.next = len(r.text)
	} else {
		r.next = r.pos + end
	}
	return tokName, r.text[r.pos:r.next]
}

func (r *treeReader) advance() { r.pos = r.next }

func (r *treeReader) expect(t treeToken) error {
	got, _ := r.peek()
	if got != t {
		return fmt.Errorf("expected %v at %d", t, r.pos)
	}
	r.advance()
	return nil
}

func (r *treeReader) accept(t treeToken) bool {
	got, _ := r.peek()
	if got == t {
		r.advance()
		return true
	}
	return false
}

func (r *treeReader) list(t *pathTree) error {
	if err := r.node(t); err != nil {
		return err
	}
	if r.accept(tokComma) {
		return r.list(t)
	}
	return nil
}

func (r *treeReader) node(t *pathTree) error {
	tok, name := r.peek()
	if tok != tokName {
		return fmt.Errorf("expected name at %d", r.pos)
	}
	r.advance()
	sub := &pathTree{children: map[string]*pathTree{}, r: spanAll}
	t.children[name] = sub
	if r.accept(tokLBrace) {
		if err := r.list(sub); err != nil {
			return err
		}
		if err := r.expect(tokRBrace); err != nil {
			return err
		}
	}
	if r.accept(tokQLBrace) {
		rg, err := r.rangeSpec()
		if err != nil {
			return err
		}
		sub.r = rg
		if err := r.expect(tokQRBrace); err != nil {
			return err
		}
	}
	return nil
}

func (r *treeReader) number() (int, error) {
	tok, s := r.peek()
	if tok != tokName || s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("expected number at %d", r.pos)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("expected number at %d", r.pos)
	}
	r.advance()
	return n, nil
}

func (r *treeReader) rangeSpec() (span, error) {
	if r.accept(tokComma) { // {,M}
		m, err := r.number()
		return span{0, m}, err
	}
	lo, err := r.number()
	if err != nil {
		return span{}, err
	}
	if tok, _ := r.peek(); tok == tokQRBrace { // {N}
		return span{lo, lo + 1}, nil
	}
	if err := r.expect(tokComma); err != nil {
		return span{}, err
	}
	if tok, _ := r.peek(); tok == tokQRBrace { // {N,}
		return span{lo, math.MaxInt}, nil
	}
	hi, err := r.number() // {N,M}
	return span{lo, hi}, err
}
