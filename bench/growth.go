package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The growth report compares the newest results of two scales: each workload's p50 at c=1 at
// the standard and at the large scale, and the factor between them.
const (
	growthFrom  = "standard"
	growthTo    = "large"
	growthConc  = 1
	growthFile  = "growth.md"
	maxGrowth   = 1.5 // gateway p50 at c=1, large ÷ standard, per workload
	growthNoted = "–"
)

// newestResult returns the path of the newest <date>-<scale>.json in dir, or "" when there is
// none. The date is the run's UTC start day, so the names sort by age.
func newestResult(dir, scale string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "*-"+scale+".json"))
	if err != nil {
		return "", err
	}
	var dated []string
	for _, m := range matches {
		day := strings.TrimSuffix(filepath.Base(m), "-"+scale+".json")
		if _, err := time.Parse("2006-01-02", day); err == nil {
			dated = append(dated, m)
		}
	}
	if len(dated) == 0 {
		return "", nil
	}
	slices.Sort(dated)
	return dated[len(dated)-1], nil
}

// readReport reads a report written by report.write.
func readReport(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// errNoGrowth says that dir lacks the results of one of the two scales.
var errNoGrowth = errors.New("no growth report")

// writeGrowth writes growth.md in dir from the newest standard and large results there and
// returns its path and text; errNoGrowth when one of them is missing.
func writeGrowth(dir string) (string, string, error) {
	var paths [2]string
	var reps [2]*report
	for i, scale := range []string{growthFrom, growthTo} {
		p, err := newestResult(dir, scale)
		if err != nil {
			return "", "", fmt.Errorf("growth: %w", err)
		}
		if p == "" {
			return "", "", fmt.Errorf("%w: %s holds no %s results (<date>-%s.json)", errNoGrowth, dir, scale, scale)
		}
		if reps[i], err = readReport(p); err != nil {
			return "", "", fmt.Errorf("growth: %w", err)
		}
		paths[i] = p
	}
	var md strings.Builder
	growthMarkdown(&md, reps[0], reps[1], filepath.Base(paths[0]), filepath.Base(paths[1]))
	out := filepath.Join(dir, growthFile)
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, []byte(md.String()), 0o644); err != nil {
		return "", "", fmt.Errorf("growth: %w", err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", "", fmt.Errorf("growth: %w", err)
	}
	return out, md.String(), nil
}

// runGrowth is -growth: write growth.md from the results already in dir and print it.
func runGrowth(dir string, stdout io.Writer) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("growth: %s does not exist", dir)
	}
	path, md, err := writeGrowth(dir)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, md)
	fmt.Fprintf(stdout, "\nwrote %s\n", path)
	return nil
}

// growthRow is one workload (or one operation of a mixed workload) at both scales.
type growthRow struct {
	Workload, Title string
	// From and To are the p50s in milliseconds at the two scales; 0 when not measured.
	From, To float64
	// StmtsFrom and StmtsTo are the mean SQL statements per request.
	StmtsFrom, StmtsTo float64
	// FloorFrom and FloorTo are the floor's p50s, when it serves the workload.
	FloorFrom, FloorTo float64
}

func factor(from, to float64) (float64, bool) {
	if from <= 0 || to <= 0 {
		return 0, false
	}
	return to / from, true
}

// growthRows pairs the gateway's (and the floor's) c=1 steps of the two reports, in the
// larger report's workload order, then the workloads only the smaller one ran.
func growthRows(from, to *report) []growthRow {
	var names []string
	titles := map[string]string{}
	for _, r := range []*report{to, from} {
		for _, w := range r.Workloads {
			if !slices.Contains(names, w.Name) {
				names = append(names, w.Name)
				titles[w.Name] = w.Title
			}
		}
	}
	var rows []growthRow
	for _, n := range names {
		row := growthRow{Workload: n, Title: titles[n]}
		if s := from.step("gateway", n, growthConc); s != nil {
			row.From, row.StmtsFrom = s.P50Ms, s.StatementsMean
		}
		if s := to.step("gateway", n, growthConc); s != nil {
			row.To, row.StmtsTo = s.P50Ms, s.StatementsMean
		}
		if s := from.step("floor", n, growthConc); s != nil {
			row.FloorFrom = s.P50Ms
		}
		if s := to.step("floor", n, growthConc); s != nil {
			row.FloorTo = s.P50Ms
		}
		rows = append(rows, row)
	}
	return rows
}

// growthOpRows pairs the operations of the mixed workloads' gateway c=1 steps.
func growthOpRows(from, to *report) []growthRow {
	var rows []growthRow
	for _, w := range to.Workloads {
		st := to.step("gateway", w.Name, growthConc)
		if st == nil || len(st.Operations) == 0 {
			continue
		}
		sf := from.step("gateway", w.Name, growthConc)
		for _, o := range st.Operations {
			row := growthRow{Workload: w.Name, Title: o.Name, To: o.P50Ms, StmtsTo: o.StatementsMean}
			if sf != nil {
				if i := slices.IndexFunc(sf.Operations, func(x opResult) bool { return x.Name == o.Name }); i >= 0 {
					row.From, row.StmtsFrom = sf.Operations[i].P50Ms, sf.Operations[i].StatementsMean
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func ms(v float64) string {
	if v <= 0 {
		return growthNoted
	}
	return fmt.Sprintf("%.2f", v)
}

func stmts(from, to float64) string {
	if from <= 0 && to <= 0 {
		return growthNoted
	}
	return fmt.Sprintf("%.1f → %.1f", from, to)
}

// growthMarkdown renders the growth report of from (standard) and to (large).
func growthMarkdown(w io.Writer, from, to *report, fromFile, toFile string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Tailor benchmark: growth from the %s to the %s scale\n\n", from.Scale.Name, to.Scale.Name)
	p("Each workload's gateway p50 at c=%d at both scales, from the newest results of each in this directory. "+
		"Growth is %s ÷ %s; the target is ≤ %.1f× per workload. The floor's p50s show how much of the growth the data itself "+
		"imposes on a hand-written service.\n\n", growthConc, to.Scale.Name, from.Scale.Name, maxGrowth)
	for _, x := range []struct {
		r    *report
		file string
	}{{from, fromFile}, {to, toFile}} {
		r := x.r
		size := ""
		if r.Database.SizeBytes > 0 {
			size = ", " + formatBytes(r.Database.SizeBytes)
		}
		p("- **%s** (`%s`, %s): %d users, %d topics, %d contents, %d interactions (database `%s`%s); `%s`; %s steps after %s of warm-up; load average %s → %s\n",
			r.Scale.Name, x.file, r.StartedAt.UTC().Format("2006-01-02 15:04Z"), r.Scale.Users, r.Scale.Topics, r.Scale.Contents,
			r.Scale.Interactions, r.Scale.Database, size, r.Command,
			time.Duration(r.Settings.DurationSeconds*float64(time.Second)), time.Duration(r.Settings.WarmupSeconds*float64(time.Second)),
			r.Machine.LoadAvgStart, r.Machine.LoadAvgEnd)
	}
	if from.Settings.DurationSeconds != to.Settings.DurationSeconds || from.Settings.WarmupSeconds != to.Settings.WarmupSeconds ||
		!slices.Equal(from.Settings.ServerEnv, to.Settings.ServerEnv) {
		p("- **Note:** the two runs' step lengths or gateway settings differ, so the factors compare unlike runs\n")
	}

	rows := growthRows(from, to)
	p("\n## p50 at c=%d\n\n", growthConc)
	p("| workload | what | %s p50 ms | %s p50 ms | growth | ≤ %.1f× | SQL stmts mean | floor %s | floor %s | floor growth |\n",
		from.Scale.Name, to.Scale.Name, maxGrowth, from.Scale.Name, to.Scale.Name)
	p("|---|---|---:|---:|---:|:---:|---:|---:|---:|---:|\n")
	var missed, unmeasured []string
	for _, r := range rows {
		g, ok := factor(r.From, r.To)
		gs, mark := growthNoted, "not measured"
		if ok {
			gs = fmt.Sprintf("%.2f×", g)
			mark = statusMark(verdict(g <= maxGrowth))
			if g > maxGrowth {
				missed = append(missed, fmt.Sprintf("%s %.2f×", r.Workload, g))
			}
		} else {
			unmeasured = append(unmeasured, r.Workload)
		}
		fg := growthNoted
		if f, ok := factor(r.FloorFrom, r.FloorTo); ok {
			fg = fmt.Sprintf("%.2f×", f)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.Workload, r.Title, ms(r.From), ms(r.To), gs, mark,
			stmts(r.StmtsFrom, r.StmtsTo), ms(r.FloorFrom), ms(r.FloorTo), fg)
	}

	p("\n## Targets\n\n| target | result | measured |\n|---|---|---|\n")
	t := targetResult{Name: fmt.Sprintf("gateway p50 (c=%d) growth ≤ %.1f×, every workload", growthConc, maxGrowth), Status: "not measured"}
	if len(rows) > len(unmeasured) {
		t.Status = verdict(len(missed) == 0)
		t.Detail = "every workload measured at both scales within the target"
		if len(missed) > 0 {
			t.Detail = "over: " + strings.Join(missed, ", ")
		}
		if len(unmeasured) > 0 {
			t.Detail += "; not measured at both scales: " + strings.Join(unmeasured, ", ")
		}
	}
	p("| %s | %s | %s |\n", t.Name, statusMark(t.Status), t.Detail)
	for _, x := range []*report{to, from} {
		t := x.signedInListTarget(growthConc)
		p("| %s, %s scale | %s | %s |\n", t.Name, x.Scale.Name, statusMark(t.Status), t.Detail)
	}
	t = to.commonSearchTarget(growthConc)
	p("| %s, %s scale | %s | %s |\n", t.Name, to.Scale.Name, statusMark(t.Status), t.Detail)

	if ops := growthOpRows(from, to); len(ops) > 0 {
		p("\n## Mixed workloads by operation, p50 at c=%d\n\n", growthConc)
		p("| workload | operation | %s p50 ms | %s p50 ms | growth | SQL stmts mean |\n|---|---|---:|---:|---:|---:|\n", from.Scale.Name, to.Scale.Name)
		for _, r := range ops {
			gs := growthNoted
			if g, ok := factor(r.From, r.To); ok {
				gs = fmt.Sprintf("%.2f×", g)
			}
			p("| %s | %s | %s | %s | %s | %s |\n", r.Workload, r.Title, ms(r.From), ms(r.To), gs, stmts(r.StmtsFrom, r.StmtsTo))
		}
	}
	p("\n%s marks a workload one of the runs did not measure at c=%d. Timing targets are reported, never enforced. "+
		"`make bench-large` rewrites this file after its run; `go run ./bench -growth` rewrites it from the results already here.\n", growthNoted, growthConc)
}
