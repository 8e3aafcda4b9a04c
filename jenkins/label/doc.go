// Package label parses and evaluates Jenkins label expressions exactly as Jenkins core does
// (LabelExpressionLexer.g4, LabelExpressionParser.g4, hudson.model.Label and
// hudson.model.labels.*), and prints them in Jenkins' normalized form, so that berth can
// compare its own text with the labels Jenkins names in queue items.
//
// # Grammar
//
// Precedence, loosest first: "<->" (chains, left-associative), "->" (at most one; a->b->c is
// an error), "||", "&&", prefix "!" (once: "!!a" is an error, "!(!a)" is not), then
// parentheses and atoms. A bare atom is a run of any characters except & | ! < > ( ) " ',
// space and tab, where "-" may not be followed by ">" (a-->b is a- -> b). Only spaces and
// tabs separate tokens: other whitespace, such as a newline, belongs to an atom. A quoted
// atom is written in double quotes with the escapes \b \t \n \f \r \" \' \\ and no raw line
// break. Single quotes are not allowed, and an unterminated quote is an error.
//
// # Printing
//
// Expr.String is Jenkins' Label.getName(): no spaces, the parentheses the user wrote kept,
// and atoms quoted where Jenkins' LabelAtom.escape quotes them: names that Jenkins'
// checkGoodName rejects (empty, ".", "..", a trailing dot, control characters or any of
// ?*/\%!@#$^&|<>[]:;) and names with a space, tab, newline or parenthesis. So "linux &&
// docker" prints as linux&&docker, and "a:b" && c as "a:b"&&c. Two Jenkins behaviours are
// reproduced on purpose because queue texts contain them:
//   - a single atom prints as its bare name, quoted or not: the expression "abc def" (in
//     quotes) prints as abc def. Expression returns the quoted form, Jenkins'
//     getExpression(), and FromName maps a printed name back to its label.
//   - an atom containing ' or " but nothing else Jenkins quotes for is printed bare (a'b),
//     and neither Jenkins nor Parse can read that text back.
//
// # Evaluation
//
// An atom is true when the node carries that label. "->" is !a||b and "<->" is a==b, as in
// Jenkins. CanServe adds Jenkins' rule for builds without a label and EXCLUSIVE nodes.
//
// # Text from Jenkins
//
// Parse is Jenkins' strict Label.parseExpression. Two other entry points cover what Jenkins
// does around it: Resolve turns a job's label field into the label Jenkins assigns (it unquotes
// the field and falls back to a single atom when the text does not parse, so "linux &&" is
// the atom `linux &&`), and FromName turns a label name read from a queue item's why back
// into a label. ParseLabelString and Set.LabelString read and write a node's labelString.
package label
