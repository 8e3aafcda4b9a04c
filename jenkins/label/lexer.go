package label

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokenKind names the tokens of Jenkins' LabelExpressionLexer.g4.
type tokenKind int

const (
	tokEOF     tokenKind = iota
	tokAnd               // &&
	tokOr                // ||
	tokNot               // !
	tokImplies           // ->
	tokIff               // <->
	tokLParen            // (
	tokRParen            // )
	tokAtom              // bare atom
	tokQuoted            // "quoted atom"
)

// token is one lexed token. pos is its byte offset in the whole input; text is the atom
// name (unquoted and unescaped for tokQuoted).
type token struct {
	kind tokenKind
	pos  int
	text string
}

// describe names a token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of expression"
	case tokAtom:
		return fmt.Sprintf("label %q", t.text)
	case tokQuoted:
		return fmt.Sprintf("quoted label %q", t.text)
	default:
		return `"` + t.kind.symbol() + `"`
	}
}

// symbol is the source text of an operator or parenthesis token.
func (k tokenKind) symbol() string {
	switch k {
	case tokAnd:
		return "&&"
	case tokOr:
		return "||"
	case tokNot:
		return "!"
	case tokImplies:
		return "->"
	case tokIff:
		return "<->"
	case tokLParen:
		return "("
	case tokRParen:
		return ")"
	}
	return ""
}

// lexer is a pull lexer over src; positions are reported as base+offset so that they
// point into the caller's untrimmed input.
type lexer struct {
	input string // the whole input, for errors
	src   string // the part being lexed
	base  int    // offset of src within input
	i     int    // next byte of src
}

func (l *lexer) errorf(off int, format string, args ...any) *ParseError {
	return &ParseError{Input: l.input, Pos: l.base + off, Msg: fmt.Sprintf(format, args...)}
}

// isAtomByte reports whether byte c may appear in a bare atom (the lexer's IDENTIFIER_PART,
// plus '-', which the caller checks for a following '>'). Bytes of multi-byte UTF-8
// sequences are all >= 0x80 and therefore atom bytes, as every excluded character is ASCII.
func isAtomByte(c byte) bool {
	switch c {
	case '&', '|', '!', '<', '>', '(', ')', ' ', '\t', '"', '\'':
		return false
	}
	return true
}

// next returns the next token. Like the ANTLR lexer it skips only spaces and tabs; every
// other character (including newlines and other whitespace) is an atom character.
func (l *lexer) next() (token, *ParseError) {
	s := l.src
	for l.i < len(s) && (s[l.i] == ' ' || s[l.i] == '\t') {
		l.i++
	}
	start := l.i
	tok := func(k tokenKind, n int) (token, *ParseError) {
		l.i += n
		return token{kind: k, pos: l.base + start}, nil
	}
	if start == len(s) {
		return tok(tokEOF, 0)
	}
	rest := s[start:]
	switch c := s[start]; {
	case strings.HasPrefix(rest, "&&"):
		return tok(tokAnd, 2)
	case strings.HasPrefix(rest, "||"):
		return tok(tokOr, 2)
	case c == '!':
		return tok(tokNot, 1)
	case strings.HasPrefix(rest, "->"):
		return tok(tokImplies, 2)
	case strings.HasPrefix(rest, "<->"):
		return tok(tokIff, 3)
	case c == '(':
		return tok(tokLParen, 1)
	case c == ')':
		return tok(tokRParen, 1)
	case c == '&':
		return token{}, l.errorf(start, `unexpected "&" (the "and" operator is "&&")`)
	case c == '|':
		return token{}, l.errorf(start, `unexpected "|" (the "or" operator is "||")`)
	case c == '<':
		return token{}, l.errorf(start, `unexpected "<" (the "iff" operator is "<->")`)
	case c == '>':
		return token{}, l.errorf(start, `unexpected ">" (the "implies" operator is "->")`)
	case c == '\'':
		return token{}, l.errorf(start, `unexpected "'" (quote a label with double quotes)`)
	case c == '"':
		return l.quoted(start)
	}
	// A bare atom: atom bytes, and '-' unless it is followed by '>'.
	j := start
	for j < len(s) && isAtomByte(s[j]) && (s[j] != '-' || j+1 >= len(s) || s[j+1] != '>') {
		j++
	}
	l.i = j
	return token{kind: tokAtom, pos: l.base + start, text: s[start:j]}, nil
}

// quoted lexes a STRINGLITERAL starting at the '"' at start and unescapes it the way
// QuotedStringTokenizer.unquote does. The lexer allows the escapes \b \t \n \f \r \" \' \\
// and no raw CR or LF.
func (l *lexer) quoted(start int) (token, *ParseError) {
	s := l.src
	var b strings.Builder
	for j := start + 1; j < len(s); j++ {
		switch c := s[j]; c {
		case '"':
			l.i = j + 1
			return token{kind: tokQuoted, pos: l.base + start, text: b.String()}, nil
		case '\r', '\n':
			return token{}, l.errorf(j, `line break inside quoted label (write \n or \r)`)
		case '\\':
			if j+1 == len(s) {
				return token{}, l.errorf(start, "unterminated quoted label")
			}
			r, ok := unescape(s[j+1])
			if !ok {
				bad, _ := utf8.DecodeRuneInString(s[j+1:])
				return token{}, l.errorf(j, `invalid escape "\%c" in quoted label (allowed: \b \t \n \f \r \" \' \\)`, bad)
			}
			b.WriteByte(r)
			j++
		default:
			b.WriteByte(c)
		}
	}
	return token{}, l.errorf(start, "unterminated quoted label")
}

// unescape maps the character after a backslash in a quoted label to the byte it stands for.
func unescape(c byte) (byte, bool) {
	switch c {
	case 'b':
		return '\b', true
	case 't':
		return '\t', true
	case 'n':
		return '\n', true
	case 'f':
		return '\f', true
	case 'r':
		return '\r', true
	case '"', '\'', '\\':
		return c, true
	}
	return 0, false
}
