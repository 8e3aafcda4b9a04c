package jenkinssim

import (
	"regexp"
	"strings"
)

// disconnectedBy matches what IOfflineCause.getReason strips from a cause's text: the
// "Disconnected by USER : " prefix of a commented UserCause (greedy, as in Jenkins), or the
// whole text of an uncommented one.
var (
	disconnectedByCommented = regexp.MustCompile(`^Disconnected by [\w\W]* : `)
	disconnectedByBare      = regexp.MustCompile(`^Disconnected by [\w\W]*`)
)

// offlineReason is IOfflineCause.getReason for a cause whose toString is text.
func offlineReason(text string) string {
	text = disconnectedByCommented.ReplaceAllString(text, "")
	text = disconnectedByBare.ReplaceAllString(text, "")
	return utilEscape(text)
}

// utilEscape is hudson.Util.escape: HTML-escapes, turns newlines into <br> and all but the
// last space of a run of spaces into &nbsp;.
func utilEscape(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case '\n':
			b.WriteString("<br>")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&#039;")
		case ' ':
			if i+1 < len(rs) && rs[i+1] == ' ' {
				b.WriteString("&nbsp;")
			} else {
				b.WriteByte(' ')
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fixEmptyAndTrim is hudson.Util.fixEmptyAndTrim: "" for null, blank or empty.
func fixEmptyAndTrim(s string) string { return javaTrim(s) }

// javaTrim is String.trim: strips every character <= U+0020 at both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
