package schemadiff

import (
	"fmt"
	"strings"
)

// Markdown renders changes as a changelog: a "## Breaking", "## Dangerous" and "## Safe"
// section for each severity that has changes, one "- `Path`: message" line per change in the
// order given, or "No changes." when there are none.
func Markdown(changes []Change) string {
	if len(changes) == 0 {
		return "No changes.\n"
	}
	var b strings.Builder
	for _, sev := range []Severity{Breaking, Dangerous, Safe} {
		heading := false
		for _, c := range changes {
			if c.Severity != sev {
				continue
			}
			if !heading {
				if b.Len() > 0 {
					b.WriteString("\n")
				}
				title := sev.String()
				fmt.Fprintf(&b, "## %s%s\n\n", strings.ToUpper(title[:1]), title[1:])
				heading = true
			}
			fmt.Fprintf(&b, "- `%s`: %s\n", c.Path, c.Message)
		}
	}
	return b.String()
}
