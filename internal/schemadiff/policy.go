package schemadiff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// Violation is a change or a definition that Tailor's schema policy refuses.
type Violation struct {
	// Path names the element, as in Change.Path.
	Path string
	// Message says what is wrong and how to put it right.
	Message string
}

// String returns the violation as one line: the path, then the message.
func (v Violation) String() string {
	return v.Path + ": " + v.Message
}

// Check applies Tailor's schema policy to the step from old to new, judging dates as of today,
// and returns what it refuses, ordered by path:
//   - every breaking change, except the removal of a field, input field, argument or enum value
//     that old marked @deprecated with a reason naming a removal date (YYYY-MM-DD) on or before
//     today;
//   - every field, input field, argument or enum value that new marks @deprecated without a
//     removal date in its reason.
//
// When a reason names several dates, the latest is the removal date.
func Check(old, new *ast.Schema, today time.Time) []Violation {
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	var out []Violation
	for _, c := range diff(old, new) {
		if c.Severity != Breaking {
			continue
		}
		if msg, refused := judgeBreaking(c, day); refused {
			out = append(out, Violation{Path: c.Path, Message: msg})
		}
	}
	forEachDeprecatable(new, func(path string, dirs ast.DirectiveList) {
		reason, ok := deprecationReason(dirs)
		if !ok {
			return
		}
		if _, dated := removalDate(reason); !dated {
			out = append(out, Violation{Path: path, Message: fmt.Sprintf(
				"deprecated without a removal date: name the date in the reason as YYYY-MM-DD (reason: %q)", reason)})
		}
	})
	slices.SortStableFunc(out, func(a, b Violation) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Message, b.Message))
	})
	return out
}

// judgeBreaking returns why the breaking change c is refused on day, or false when the
// deprecation policy allows it.
func judgeBreaking(c change, day time.Time) (string, bool) {
	switch c.Kind {
	case FieldRemoved, InputFieldRemoved, ArgumentRemoved, EnumValueRemoved:
	default:
		return "breaking change: " + c.Message, true
	}
	reason, deprecated := deprecationReason(c.removed)
	if !deprecated {
		return "breaking change: " + c.Message + "; deprecate it first, with a reason naming its removal date (YYYY-MM-DD)", true
	}
	date, dated := removalDate(reason)
	switch {
	case !dated:
		return "breaking change: " + c.Message + "; its deprecation names no removal date (YYYY-MM-DD)", true
	case date.After(day):
		return fmt.Sprintf("breaking change: %s before its removal date %s", c.Message, date.Format(time.DateOnly)), true
	}
	return "", false
}

// removalDate returns the latest date written as YYYY-MM-DD in reason, and whether there is one.
func removalDate(reason string) (time.Time, bool) {
	var latest time.Time
	found := false
	for i := 0; i+len(time.DateOnly) <= len(reason); i++ {
		end := i + len(time.DateOnly)
		// A date stands alone: "12025-01-011" holds no date.
		if (i > 0 && isDigit(reason[i-1])) || (end < len(reason) && isDigit(reason[end])) {
			continue
		}
		d, err := time.Parse(time.DateOnly, reason[i:end])
		if err != nil {
			continue
		}
		if !found || d.After(latest) {
			latest, found = d, true
		}
	}
	return latest, found
}

func isDigit(b byte) bool {
	return '0' <= b && b <= '9'
}

// forEachDeprecatable calls fn with the path and directives of every field, argument, input
// field and enum value that s defines, built-ins left out.
func forEachDeprecatable(s *ast.Schema, fn func(path string, dirs ast.DirectiveList)) {
	args := func(parent string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			fn(parent+"("+a.Name+":)", a.Directives)
		}
	}
	for _, name := range sortedKeys(s.Types) {
		def := s.Types[name]
		if def.BuiltIn {
			continue
		}
		for _, f := range def.Fields {
			path := name + "." + f.Name
			fn(path, f.Directives)
			args(path, f.Arguments)
		}
		for _, v := range def.EnumValues {
			fn(name+"."+v.Name, v.Directives)
		}
	}
	for _, name := range sortedKeys(s.Directives) {
		if d := s.Directives[name]; !builtInDirective(d) {
			args("@"+name, d.Arguments)
		}
	}
}
