package label

import "fmt"

// maxDepth bounds how deeply parentheses may nest, so that hostile input cannot exhaust
// the stack. Jenkins has no explicit limit (its ANTLR parser overflows its stack instead).
const maxDepth = 500

// ParseError is returned by Parse; Pos is the 0-based byte offset of the problem in the input.
type ParseError struct {
	Input string
	Pos   int
	Msg   string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("label expression %q: position %d: %s", e.Input, e.Pos, e.Msg)
}

// Parse parses a label expression. Leading/trailing whitespace is ignored. An empty or
// all-whitespace string is not an error: it returns (nil, nil), meaning "no label" (any node).
//
// Parse accepts exactly what Jenkins' Label.parseExpression accepts after the trimming
// Jenkins applies to a job's label field (Util.fixEmptyAndTrim, which strips characters up
// to U+0020 from both ends). It does not apply Jenkins.getLabel's fallback of treating an
// unparsable string as one atom: see Resolve for that.
func Parse(s string) (Expr, error) {
	start, end := javaTrimBounds(s)
	if start == end {
		return nil, nil
	}
	n, perr := parseRange(s, start, end)
	if perr != nil {
		return nil, perr
	}
	return n, nil
}

// parseRange parses input[start:end] as a whole expression (Jenkins' `expr` rule), reporting
// positions relative to input. An empty range is an error, as in Jenkins.
func parseRange(input string, start, end int) (node, *ParseError) {
	p := &parser{lx: lexer{input: input, src: input[start:end], base: start}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	n, err := p.term1()
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tokEOF:
		return seal(n), nil
	case tokRParen:
		return nil, p.errorf(`unmatched ")"`)
	default:
		return nil, p.errorf("expected an operator or end of expression, found %s", p.tok.describe())
	}
}

// parser is a recursive-descent parser for Jenkins' LabelExpressionParser.g4 with one token
// of lookahead. The rule names follow the grammar.
type parser struct {
	lx      lexer
	tok     token // lookahead
	prev    token // last consumed token
	hasPrev bool
	started bool // tok holds a lexed token
	depth   int  // open parentheses
}

func (p *parser) advance() *ParseError {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	if p.started {
		p.prev, p.hasPrev = p.tok, true
	}
	p.tok, p.started = t, true
	return nil
}

// errorf reports a syntax error at the lookahead token. Like Jenkins' ANTLR parser, whose
// error recovery looks one token past the offending one, it reports instead a lexical error
// in the token that follows: "a -< b" fails at the "<", not at the "-".
func (p *parser) errorf(format string, args ...any) *ParseError {
	if _, lexErr := p.lx.next(); lexErr != nil {
		return lexErr
	}
	return &ParseError{Input: p.lx.input, Pos: p.tok.pos, Msg: fmt.Sprintf(format, args...)}
}

// term1: term2 (IFF term2)*  — left-associative chains of "<->".
func (p *parser) term1() (node, *ParseError) {
	l, err := p.term2()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokIff {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.term2()
		if err != nil {
			return nil, err
		}
		l = &binary{op: precIff, l: l, r: r}
	}
	return l, nil
}

// term2: term3 (IMPLIES term3)?  — at most one "->", because (a->b)->c differs from a->(b->c).
func (p *parser) term2() (node, *ParseError) {
	l, err := p.term3()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tokImplies {
		return l, nil
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	r, err := p.term3()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tokImplies {
		return nil, p.errorf(`"->" cannot be chained; add parentheses, as in "(a->b)->c"`)
	}
	return &binary{op: precImplies, l: l, r: r}, nil
}

// term3: term4 (OR term4)*
func (p *parser) term3() (node, *ParseError) {
	l, err := p.term4()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokOr {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.term4()
		if err != nil {
			return nil, err
		}
		l = &binary{op: precOr, l: l, r: r}
	}
	return l, nil
}

// term4: term5 (AND term5)*
func (p *parser) term4() (node, *ParseError) {
	l, err := p.term5()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tokAnd {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.term5()
		if err != nil {
			return nil, err
		}
		l = &binary{op: precAnd, l: l, r: r}
	}
	return l, nil
}

// term5: term6 | NOT term6  — a single "!"; "!!x" is a syntax error in Jenkins.
func (p *parser) term5() (node, *ParseError) {
	if p.tok.kind != tokNot {
		return p.term6()
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.term6()
	if err != nil {
		return nil, err
	}
	return &not{x: x}, nil
}

// term6: LPAREN term1 RPAREN | ATOM | STRINGLITERAL
func (p *parser) term6() (node, *ParseError) {
	switch p.tok.kind {
	case tokAtom, tokQuoted:
		a := &atom{name: p.tok.text}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return a, nil
	case tokLParen:
		open := p.tok.pos
		if p.depth == maxDepth {
			return nil, p.errorf("parentheses nested deeper than %d levels", maxDepth)
		}
		p.depth++
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.term1()
		if err != nil {
			return nil, err
		}
		switch p.tok.kind {
		case tokRParen:
		case tokEOF:
			return nil, p.errorf(`expected ")" to close the "(" at position %d`, open)
		default:
			return nil, p.errorf(`expected an operator or ")", found %s`, p.tok.describe())
		}
		p.depth--
		if err := p.advance(); err != nil {
			return nil, err
		}
		return &paren{x: x}, nil
	}
	msg := "expected a label"
	if p.hasPrev {
		msg += fmt.Sprintf(" after %q", p.prev.kind.symbol())
	}
	if p.tok.kind != tokEOF {
		msg += ", found " + p.tok.describe()
	}
	if p.tok.kind == tokNot && p.hasPrev && p.prev.kind == tokNot {
		msg += ` (to negate twice, write "!(!x)")`
	}
	return nil, p.errorf("%s", msg)
}
