package jenkinssim

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
)

// jsonWriter reproduces Stapler's JSONDataWriter byte for byte: compact output by default, and
// with ?pretty its own layout ("key" : value, two-space indent, a blank line inside empty
// arrays and objects).
type jsonWriter struct {
	buf       bytes.Buffer
	indent    int // -1 when not pretty
	needComma bool
}

func newJSONWriter(pretty bool) *jsonWriter {
	w := &jsonWriter{indent: -1}
	if pretty {
		w.indent = 0
	}
	return w
}

func (w *jsonWriter) comma() {
	if w.needComma {
		w.buf.WriteByte(',')
		w.newline()
	}
	w.needComma = true
}

func (w *jsonWriter) newline() {
	if w.indent >= 0 {
		w.buf.WriteByte('\n')
		for i := 0; i < w.indent*2; i++ {
			w.buf.WriteByte(' ')
		}
	}
}

func (w *jsonWriter) name(n string) {
	w.comma()
	if w.indent < 0 {
		w.buf.WriteString(`"` + n + `":`)
	} else {
		w.buf.WriteString(`"` + n + `" : `)
	}
	w.needComma = false
}

func (w *jsonWriter) data(s string) {
	w.comma()
	w.buf.WriteString(s)
}

func (w *jsonWriter) open(c byte) {
	w.comma()
	w.buf.WriteByte(c)
	w.needComma = false
	if w.indent >= 0 {
		w.indent++
	}
	w.newline()
}

func (w *jsonWriter) close(c byte) {
	if w.indent >= 0 {
		w.indent--
	}
	w.newline()
	w.needComma = true
	w.buf.WriteByte(c)
}

// str writes a JSON string the way JSONDataWriter.value does: ISO control characters
// (U+0000-U+001F, U+007F-U+009F) and surrogate halves as \uXXXX, quote and backslash escaped,
// everything else verbatim.
func (w *jsonWriter) str(s string) {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r <= 0x1f || (r >= 0x7f && r <= 0x9f):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	w.data(b.String())
}

// writeBean writes b, pruned by p, as Model.writeTo does.
func (w *jsonWriter) writeBean(b *bean, p pruner) {
	w.open('{')
	if b.class != "" {
		w.name("_class")
		w.str(b.class)
	}
	for i := range b.props {
		pr := &b.props[i]
		child := p.accept(pr)
		if child == nil {
			continue
		}
		w.name(pr.name)
		w.value(pr.value(), child)
	}
	w.close('}')
}

// value writes one property value; arrays and maps keep the pruner of their property, nested
// beans get it too (the property's accept already moved it one level down).
func (w *jsonWriter) value(v any, p pruner) {
	switch x := v.(type) {
	case nil:
		w.data("null")
	case bool:
		w.data(strconv.FormatBool(x))
	case int:
		w.data(strconv.Itoa(x))
	case int64:
		w.data(strconv.FormatInt(x, 10))
	case string:
		w.str(x)
	case *string:
		if x == nil {
			w.data("null")
		} else {
			w.str(*x)
		}
	case *bean:
		if x == nil {
			w.data("null")
			return
		}
		w.writeBean(x, p)
	case []any:
		w.open('[')
		start, end := p.rng().apply(len(x))
		for _, e := range x[start:end] {
			w.value(e, p)
		}
		w.close(']')
	case []string:
		w.open('[')
		start, end := p.rng().apply(len(x))
		for _, e := range x[start:end] {
			w.str(e)
		}
		w.close(']')
	case *omap:
		w.open('{')
		for _, k := range x.keys {
			w.name(k)
			w.value(x.vals[k], p)
		}
		w.close('}')
	default:
		// Every value the simulator builds is one of the cases above; anything else is a bug
		// in the model, written as Stapler writes an object it cannot export.
		w.open('{')
		w.close('}')
	}
}

// render serialises the top-level bean with the given pruner.
func render(b *bean, p pruner, pretty bool) []byte {
	w := newJSONWriter(pretty)
	w.writeBean(b, p)
	return w.buf.Bytes()
}
