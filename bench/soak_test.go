package main

import (
	"strings"
	"testing"
)

func TestSoakCriteria(t *testing.T) {
	const mb = 1 << 20
	pass := soakReport{RSSAfterWarmupBytes: 100 * mb, RSSEndBytes: 110 * mb, GoroutinesBaseline: 30, GoroutinesAfter: 50}
	for _, c := range []struct {
		name   string
		edit   func(*soakReport)
		missed string // the criterion that fails, or "" when all hold
	}{
		{"at every limit", func(*soakReport) {}, ""},
		{"one error", func(r *soakReport) { r.Errors = 1 }, "no failed request"},
		{"RSS over 10% up", func(r *soakReport) { r.RSSEndBytes = 110*mb + 1 }, "RSS at the end"},
		{"21 goroutines left", func(r *soakReport) { r.GoroutinesAfter = 51 }, "goroutines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := pass
			c.edit(&r)
			r.evaluate()
			var missed []string
			for _, cr := range r.Criteria {
				if cr.Status != "holds" {
					missed = append(missed, cr.Name)
				}
			}
			switch {
			case c.missed == "" && len(missed) > 0:
				t.Errorf("missed %q, want every criterion to hold", missed)
			case c.missed != "" && (len(missed) != 1 || !strings.HasPrefix(missed[0], c.missed)):
				t.Errorf("missed %q, want only %q", missed, c.missed)
			}
		})
	}
}
