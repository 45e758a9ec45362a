package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/markdown"
)

// fmtDocuments lists every Markdown document of the repository's examples
// and test data.
func fmtDocuments(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, root := range []string{"../examples", "../testdata", "testdata", "../markdown/testdata"} {
		_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".md") {
				files = append(files, path)
			}
			return nil
		})
	}
	if len(files) < 10 {
		t.Fatalf("only %d documents found", len(files))
	}
	return files
}

// findingKeys names findings without their position, which formatting
// moves.
func findingKeys(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%s %s: %s", f.Rule, f.Field, f.Message))
	}
	slices.Sort(out)
	return out
}

// TestFormatKeepsLintClean: fmt never gives lint something new to report on
// any example or test document: a lint-clean file stays lint-clean, and in
// particular fmt never writes a placeholder (HS001) into a document.
func TestFormatKeepsLintClean(t *testing.T) {
	for _, path := range fmtDocuments(t) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !IsPostmortem(src) {
			continue
		}
		t.Run(path, func(t *testing.T) {
			before := findingKeys(Source(path, src, nil, Options{Today: testToday}))
			doc, _ := markdown.Parse(src)
			out := markdown.Render(doc)
			after := findingKeys(Source(path, out, nil, Options{Today: testToday}))
			for _, k := range after {
				if i := slices.Index(before, k); i >= 0 {
					before = slices.Delete(before, i, i+1)
					continue
				}
				t.Errorf("fmt added a finding: %s", k)
			}
		})
	}
}

// TestUnclearMarkersReported: a status or priority written as a marker
// whose meaning is not clear ("🔴" alone, "Low") is kept as text and
// reported; clear ones ("✅ Done", "🟠 High") are read and not reported.
func TestUnclearMarkersReported(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "good.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := "| AI-002 | Add a canary stage to config pushes | Ines Carvalho | P1 | 2026-07-31 | Open |"
	for _, tc := range []struct {
		priority, status string
		rules            []string
	}{
		{"🟠 High", "⚠️ Open", nil},
		{"🔴 P0", "✅ Done", nil},
		{"🔴", "Open", []string{"HS018"}},
		{"Low", "🔴", []string{"HS018", "HS019"}},
	} {
		src := strings.Replace(string(good), row, "| AI-002 | Add a canary stage to config pushes | Ines Carvalho | "+tc.priority+" | 2026-07-31 | "+tc.status+" |", 1)
		var got []string
		for _, f := range Source("x.md", []byte(src), nil, Options{Today: testToday}) {
			if f.Rule == "HS018" || f.Rule == "HS019" {
				got = append(got, f.Rule)
			}
		}
		if strings.Join(got, ",") != strings.Join(tc.rules, ",") {
			t.Errorf("priority %q status %q: findings %v, want %v", tc.priority, tc.status, got, tc.rules)
		}
	}
}
