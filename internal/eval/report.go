package eval

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes r as a Markdown report, with the command that produced it and the
// dataset it ran on.
func WriteMarkdown(w io.Writer, r Report, command, dataset string) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Tailor feed evaluation\n\n")
	p("- **Command:** `%s`\n", command)
	p("- **Dataset:** %s\n", dataset)
	p("- **Hold-out:** the newest %.0f%% of the interaction log (after %s), the follows made since and the items published since are hidden; states, counters and affinities are rebuilt from the rest, and every list is made as of the cut-off.\n",
		r.Options.Holdout*100, r.Cutoff.UTC().Format("2006-01-02 15:04Z"))
	p("- **Users:** %d, drawn with seed %d among those with at least %d interactions before the cut-off and a later like or bookmark of an item listed at the cut-off; %d such likes and bookmarks in all.\n",
		r.Users, r.Options.Seed, r.Options.MinHistory, r.Relevant)
	p("- **Catalogue:** %d items listed at the cut-off.\n\n", r.Catalogue)
	p("| list | recall@20 | nDCG@10 | topics in the first 10 | catalogue coverage |\n|---|---:|---:|---:|---:|\n")
	for _, s := range r.Scores {
		p("| %s | %.4f | %.4f | %.2f | %.4f |\n", s.Method, s.RecallAt20, s.NDCGAt10, s.TopicCoverageAt10, s.CatalogueCoverage)
	}
	p("\nrecall@20: the share of a user's later likes and bookmarks among the list's first 20 items. nDCG@10: the same, rewarding hits nearer the top (1 is every later like on top). Topics in the first 10: distinct topics of the first 10 items. Catalogue coverage: the share of the catalogue that appears in some user's first 20. Measures are averaged over users; the baselines are the same for everyone except random, drawn per user with the seed.\n")
	p("\nThe data is synthetic: the seed makes each user interact with the topics they stated about half the time and otherwise with items drawn by a skewed popularity, so these numbers compare the lists with each other on this data and say nothing of real readers.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
