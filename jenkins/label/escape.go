package label

import "strings"

// This file holds Jenkins' rules for when an atom is printed in quotes
// (LabelAtom.needsEscape / escape, Jenkins.checkGoodName, QuotedStringTokenizer.quote).

// unsafeNameChars are the characters Jenkins.checkGoodName rejects in a name.
const unsafeNameChars = `?*/\%!@#$^&|<>[]:;`

// escape is LabelAtom.escape: the name, quoted if it needs quoting.
func escape(name string) string {
	if needsEscape(name) {
		return quote(name)
	}
	return name
}

// needsEscape is LabelAtom.needsEscape: a name is quoted if Jenkins.checkGoodName rejects it
// or it contains a space, a parenthesis, a tab or a newline. Note what it does not quote:
// ' and " (and "-" before ">" cannot occur without '>', which is quoted).
func needsEscape(name string) bool {
	return !goodName(name) || strings.ContainsAny(name, " ()\t\n")
}

// goodName is Jenkins.checkGoodName with its default settings (trailing dots rejected).
func goodName(name string) bool {
	if name == "" {
		return false
	}
	trimmed := javaTrim(name)
	if trimmed == "." || trimmed == ".." {
		return false
	}
	for _, r := range name {
		if isISOControl(r) || strings.ContainsRune(unsafeNameChars, r) {
			return false
		}
	}
	return !strings.HasSuffix(trimmed, ".")
}

// isISOControl is Java's Character.isISOControl.
func isISOControl(r rune) bool {
	return r <= 0x1f || (r >= 0x7f && r <= 0x9f)
}

// quote is QuotedStringTokenizer.quote(String): always quoted, with ", \, LF, CR, tab, FF
// and BS escaped; every other character is copied as is.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\b':
			b.WriteString(`\b`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// javaTrimBounds returns the bounds of s without leading and trailing characters up to
// U+0020, as Java's String.trim() (and so Jenkins' Util.fixEmptyAndTrim) removes.
func javaTrimBounds(s string) (start, end int) {
	start, end = 0, len(s)
	for start < end && s[start] <= ' ' {
		start++
	}
	for end > start && s[end-1] <= ' ' {
		end--
	}
	return start, end
}

func javaTrim(s string) string {
	start, end := javaTrimBounds(s)
	return s[start:end]
}
