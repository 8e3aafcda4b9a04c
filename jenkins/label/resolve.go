package label

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// This file maps between label text as Jenkins stores and shows it and Expr values, where
// Jenkins does more than Label.parseExpression.

// Resolve returns the label Jenkins assigns to a job whose label field holds s, as
// AbstractProject.getAssignedLabel and a Pipeline node step do through Jenkins.getLabel:
//   - s is trimmed like Parse; an empty result is nil, "no label";
//   - a string that starts and ends with the same quote character, " or ', is unquoted first
//     (QuotedStringTokenizer.unquote), so 'linux' and "linux" both mean linux;
//   - the result is parsed as an expression, and if that fails Jenkins "laxly" takes the whole
//     unquoted string as a single atom: "linux &&" is the atom named `linux &&`, and
//     "abc def" the atom named `abc def`.
//
// The error is non-nil only when unquoting fails on a malformed \u escape, where Jenkins
// throws too. Jenkins first looks the text up among the labels it already knows, which can
// yield an atom whose name looks like an expression (for example after a node's labelString
// held "a&&b" in quotes); that depends on the controller's state and is not reproduced.
func Resolve(s string) (Expr, error) {
	start, end := javaTrimBounds(s)
	if start == end {
		return nil, nil
	}
	u, err := unquote(s[start:end])
	if err != nil {
		return nil, fmt.Errorf("resolve label %q: %w", s, err)
	}
	n, perr := parseRange(u, 0, len(u))
	if perr != nil {
		return &atom{name: u}, nil
	}
	return n, nil
}

// FromName returns the label whose Jenkins name (Label.getName(), the text inside ‘…’ in a
// queue item's why) is name: the parsed expression if name parses and prints back as itself,
// otherwise the single atom called name, because Jenkins names an atom by its bare name even
// when that does not parse ("abc def"). A name that reads both ways is taken as the
// expression: "a&&b" is the name of the expression a&&b and also of an atom called a&&b.
// name is used as is, not trimmed; FromName("") is the atom with the empty name.
func FromName(name string) Expr {
	n, err := parseRange(name, 0, len(name))
	if err == nil && n.String() == name {
		return n
	}
	return &atom{name: name}
}

// unquote is QuotedStringTokenizer.unquote: a string of two or more characters that starts
// and ends with the same quote character (" or ') loses those quotes, and a backslash in it
// escapes the next character: \n \r \t \f \b and \uXXXX stand for what they do in Java, a
// backslash before anything else for that character. Two deliberate differences from Java,
// which works on UTF-16: hex digits must be ASCII (Java also takes other Unicode digits), and
// a \u escape of an unpaired surrogate becomes U+FFFD.
func unquote(s string) (string, error) {
	if len(s) < 2 {
		return s, nil
	}
	first, last := s[0], s[len(s)-1]
	if first != last || (first != '"' && first != '\'') {
		return s, nil
	}
	in := s[1 : len(s)-1]
	var b strings.Builder
	var pending []uint16 // consecutive \u escapes, decoded together so surrogate pairs join
	flush := func() {
		if len(pending) > 0 {
			b.WriteString(string(utf16.Decode(pending)))
			pending = pending[:0]
		}
	}
	esc := false
	for i := 0; i < len(in); i++ {
		c := in[i]
		if !esc {
			if c == '\\' {
				esc = true
				continue
			}
			flush()
			b.WriteByte(c)
			continue
		}
		esc = false
		if c == 'u' {
			if i+4 >= len(in) {
				return "", fmt.Errorf(`unquote %q: incomplete \u escape`, s)
			}
			var v uint16
			for k := i + 1; k < i+5; k++ {
				d, ok := hexDigit(in[k])
				if !ok {
					r, _ := utf8.DecodeRuneInString(in[k:])
					return "", fmt.Errorf(`unquote %q: invalid hex digit %q in \u escape`, s, r)
				}
				v = v<<4 | uint16(d)
			}
			pending = append(pending, v)
			i += 4
			continue
		}
		flush()
		switch c {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'f':
			b.WriteByte('\f')
		case 'b':
			b.WriteByte('\b')
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return b.String(), nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
