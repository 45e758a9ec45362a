package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// TestExportCSV: hindsight export --csv writes the incidents the filters
// keep, with tags and factor categories; the filter flags need --csv.
func TestExportCSV(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hs.db")
	for i, d := range []struct{ title, tags, factor string }{
		{"DNS outage", "dns, network", "[change/config] TTL set by hand"},
		{"Disk full", "storage", "[capacity] No alert on disk"},
	} {
		p := &hindsight.Postmortem{Title: d.title, Status: hindsight.StatusDraft}
		p.Summary.Start = hindsight.TimeOf(time.Date(2026, 11, 20+i, 10, 0, 0, 0, time.UTC))
		p.Extras = map[string]hindsight.Extra{hindsight.SecSummary: {Fields: []hindsight.Field{{Label: "Tags", Value: d.tags}, {Label: "Region", Value: "us-east-1"}}}}
		p.RootCause.Factors = []string{d.factor}
		file := filepath.Join(dir, d.title+".md")
		if err := os.WriteFile(file, markdown.Render(p), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, stderr := runCLI(t, "--db", db, "import", file); code != 0 {
			t.Fatalf("import: exit %d %q %q", code, out, stderr)
		}
	}
	code, out, stderr := runCLI(t, "--db", db, "export", "--csv", "-", "--tag", "DNS", "--field", "region=US-EAST-1")
	if code != 0 {
		t.Fatalf("export --csv: exit %d %q", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("%v: records %q", err, recs)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	if r := recs[1]; r[col["title"]] != "DNS outage" || r[col["tags"]] != "dns; network" || r[col["factor_categories"]] != "change/config" {
		t.Errorf("row %q", r)
	}
	file := filepath.Join(dir, "all.csv")
	if code, out, stderr := runCLI(t, "--db", db, "export", "--csv", file); code != 0 || !strings.Contains(out, "exported 2 incidents") {
		t.Fatalf("export --csv FILE: exit %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, "--db", db, "export", "--tag", "dns", filepath.Join(dir, "md")); code == 0 || !strings.Contains(stderr, "--csv") {
		t.Errorf("--tag without --csv: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "--db", db, "export", "--csv", "-", "--field", "nolabel"); code == 0 || !strings.Contains(stderr, "Label=value") {
		t.Errorf("--field without =: exit %d %q", code, stderr)
	}
}
