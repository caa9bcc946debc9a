package tree

import (
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// writer writes a tree's answer as the JSON gqlgen would write for the same values.
type writer struct {
	b []byte
}

var buffers = sync.Pool{New: func() any { return &writer{b: make([]byte, 0, 16<<10)} }}

// marshal returns the Marshaler that writes what write produces. The answer is written into a
// pooled buffer when the response is written, and the buffer is returned to the pool after.
func marshal(write func(*writer)) graphql.Marshaler {
	return graphql.WriterFunc(func(out io.Writer) {
		w := buffers.Get().(*writer)
		w.b = w.b[:0]
		write(w)
		_, _ = out.Write(w.b)
		if cap(w.b) <= 1<<20 {
			buffers.Put(w)
		}
	})
}

func (w *writer) open()  { w.b = append(w.b, '{') }
func (w *writer) close() { w.b = append(w.b, '}') }
func (w *writer) null()  { w.b = append(w.b, "null"...) }

// key writes an object's i-th key.
func (w *writer) key(i int, name string) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
	w.string(name)
	w.b = append(w.b, ':')
}

// list writes a JSON array of n elements, each written by item.
func (w *writer) list(n int, item func(i int)) {
	w.b = append(w.b, '[')
	for i := range n {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		item(i)
	}
	w.b = append(w.b, ']')
}

// string writes s quoted, escaped as gqlgen escapes strings.
func (w *writer) string(s string) {
	w.b = append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			i++
			continue
		}
		w.b = append(w.b, s[start:i]...)
		switch c {
		case '\t':
			w.b = append(w.b, `\t`...)
		case '\r':
			w.b = append(w.b, `\r`...)
		case '\n':
			w.b = append(w.b, `\n`...)
		case '\\':
			w.b = append(w.b, `\\`...)
		case '"':
			w.b = append(w.b, `\"`...)
		default:
			w.b = append(w.b, `\u00`...)
			w.b = append(w.b, hex[c>>4], hex[c&0xf])
		}
		i++
		start = i
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '"')
}

const hex = "0123456789ABCDEF"

func (w *writer) stringPtr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.string(*s)
}

func (w *writer) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *writer) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// float writes f as gqlgen does (%g).
func (w *writer) float(f float64) { w.b = strconv.AppendFloat(w.b, f, 'g', -1, 64) }

// time writes an instant as gqlgen's Time scalar does: RFC 3339 with nanoseconds.
func (w *writer) time(t time.Time) {
	if t.IsZero() {
		w.null()
		return
	}
	w.b = append(w.b, '"')
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	w.b = append(w.b, '"')
}

func (w *writer) timePtr(t *time.Time) {
	if t == nil {
		w.null()
		return
	}
	w.time(*t)
}

// enum writes a domain value (lowercase, as stored) as its GraphQL enum value (uppercase).
func (w *writer) enum(value string) {
	w.b = append(w.b, '"')
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		w.b = append(w.b, c)
	}
	w.b = append(w.b, '"')
}

// enumName is the GraphQL name of a domain value.
func enumName(value string) string {
	w := writer{}
	w.enum(value)
	return string(w.b[1 : len(w.b)-1])
}
