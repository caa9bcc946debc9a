package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// growthReport returns a report of scale with gateway p50s at c=1 (and c=32, ignored).
func growthReport(scale, day string, p50 map[string]float64) *report {
	r := &report{Command: "go run ./bench -scale " + scale, Scale: Scale{Name: scale}}
	r.StartedAt, _ = time.Parse("2006-01-02", day)
	r.Settings.DurationSeconds, r.Settings.Concurrency = 10, []int{1}
	for _, w := range workloads() {
		v, ok := p50[w.Name]
		if !ok {
			continue
		}
		r.Workloads = append(r.Workloads, describeWorkload(w))
		r.Steps = append(r.Steps, stepResult{Target: "gateway", Workload: w.Name, Concurrency: 1, P50Ms: v, StatementsMean: 3},
			stepResult{Target: "gateway", Workload: w.Name, Concurrency: 32, P50Ms: 100 * v})
		if w.floorServes() {
			r.Steps = append(r.Steps, stepResult{Target: "floor", Workload: w.Name, Concurrency: 1, P50Ms: v / 2})
		}
	}
	return r
}

func TestGrowthReport(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := writeGrowth(dir); !errors.Is(err, errNoGrowth) {
		t.Fatalf("empty directory: %v", err)
	}
	write := func(r *report, day string) {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, day+"-"+r.Scale.Name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(growthReport("standard", "2026-01-01", map[string]float64{"W2": 1, "W3": 1}), "2026-01-01") // older: ignored
	write(growthReport("standard", "2026-02-01", map[string]float64{"W2": 4, "W3": 2, "W6": 1, "W6s": 1.5}), "2026-02-01")
	if _, _, err := writeGrowth(dir); !errors.Is(err, errNoGrowth) {
		t.Fatalf("no large results: %v", err)
	}
	write(growthReport("large", "2026-03-01", map[string]float64{"W2": 5, "W3": 4, "W6": 1.2, "W6s": 30, "W4": 1}), "2026-03-01")
	os.WriteFile(filepath.Join(dir, "latest.md"), []byte("x"), 0o644)
	path, md, err := writeGrowth(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != md || filepath.Base(path) != growthFile {
		t.Fatalf("wrote %s", path)
	}
	for _, want := range []string{
		"| W2 | topic page: 50 contents, authors' 3 newest, topics | 4.00 | 5.00 | 1.25× | ✅ holds | 3.0 → 3.0 | 2.00 | 2.50 | 1.25× |",
		"| W3 | content page by slug, with 5 related items | 2.00 | 4.00 | 2.00× | ❌ missed |",
		"| W6s |", "| 1.50 | 30.00 | 20.00× | ❌ missed |",
		"| W4 | viewer: preferences and 10 latest bookmarks, signed in | – | 1.00 | – | not measured |",
		"over: W3 2.00×, W6s 20.00×; not measured at both scales: W4",
		"W6s (signed in) p50 (c=1) ≤ 2× W6's (anonymous), large scale | ❌ missed | 30.00 vs 1.20 ms: 25.00×",
		"W6s (signed in) p50 (c=1) ≤ 2× W6's (anonymous), standard scale | ✅ holds | 1.50 vs 1.00 ms: 1.50×",
		"`2026-02-01-standard.json`", "`2026-03-01-large.json`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("growth report lacks %q:\n%s", want, md)
		}
	}
}
