package graph

import "strings"

// SDL returns the schema's source files, as served.
func SDL() string {
	var b strings.Builder
	for i, s := range sources {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("# " + s.Name + "\n")
		b.WriteString(strings.TrimRight(s.Input, "\n") + "\n")
	}
	return b.String()
}
