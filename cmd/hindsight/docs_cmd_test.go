package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

const longExample = "../../examples/INC-20260312-001-checkout-database-failover.md"

func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestNewCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pm.md")
	code, _, stderr := runIn(t, "", "new", "--title", "Checkout outage", "--severity", "sev 2", "--start", "2026-11-26T14:02Z", "--service", "checkout,payments", "--commander", "Dana Kim", "-o", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	src, _ := os.ReadFile(file)
	doc, _ := markdown.Parse(src)
	if doc.Title != "Checkout outage" || doc.Summary.Severity != hindsight.Sev2 || doc.Summary.Start.String() != "2026-11-26 14:02" ||
		len(doc.Summary.Services) != 2 || doc.Detection.Commander != "Dana Kim" || doc.Status != hindsight.StatusDraft {
		t.Errorf("prefill lost: %+v", doc)
	}
	// the ID is derived from --start as the server derives it; the commander owns the document
	if doc.Summary.IncidentID != hindsight.FormatIncidentID(doc.Summary.Start.T, 1) || doc.Summary.IncidentID != "INC-20261126-001" || doc.Owner != "Dana Kim" {
		t.Errorf("id %q owner %q", doc.Summary.IncidentID, doc.Owner)
	}
	// never overwrites without --force
	code, _, stderr = runIn(t, "", "new", "--title", "Other", "-o", file)
	if code != 2 || !strings.Contains(stderr, "already exists") {
		t.Errorf("overwrite: exit %d %q", code, stderr)
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, src) {
		t.Error("file changed without --force")
	}
	if code, _, _ = runIn(t, "", "new", "--title", "Other", "-o", file, "--force"); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
}

// TestNewCommandTimeForms: --start takes every time form a document does,
// converted to UTC; --owner wins over --commander.
func TestNewCommandTimeForms(t *testing.T) {
	for in, want := range map[string]string{
		"2026-11-26 14:02":           "2026-11-26 14:02",
		"2026-11-26 9:41 PM PT":      "2026-11-27 05:41",
		"2026-11-26T14:02+09:00":     "2026-11-26 05:02",
		"Nov 26, 2026 at 2:02 pm ET": "2026-11-26 19:02",
		"2026-11-26 23:30 UTC-2":     "2026-11-27 01:30",
	} {
		code, out, stderr := runIn(t, "", "new", "--title", "X", "--start", in, "--commander", "Dana Kim", "--owner", "Sam Lee")
		if code != 0 {
			t.Fatalf("--start %q: exit %d %s", in, code, stderr)
		}
		doc, _ := markdown.Parse([]byte(out))
		wantID := "INC-" + strings.ReplaceAll(want[:10], "-", "") + "-001"
		if doc.Summary.Start.String() != want || doc.Summary.IncidentID != wantID || doc.Owner != "Sam Lee" || doc.Detection.Commander != "Dana Kim" {
			t.Errorf("--start %q: start %q id %q owner %q", in, doc.Summary.Start.String(), doc.Summary.IncidentID, doc.Owner)
		}
	}
	code, _, stderr := runIn(t, "", "new", "--start", "2026-11-26 10:00 IST")
	if code != 2 || !strings.Contains(stderr, "IST") || !strings.Contains(stderr, "offset") {
		t.Errorf("ambiguous zone: exit %d %q", code, stderr)
	}
}

func TestNewCommandBadFlags(t *testing.T) {
	for _, c := range []struct{ args, want string }{
		{"--severity SEV-9", "--severity"},
		{"--start yesterday", "--start"},
		{"--id INC-1", "--id"},
	} {
		code, _, stderr := runIn(t, "", append([]string{"new"}, strings.Fields(c.args)...)...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q (want one line naming %s)", c.args, code, stderr, c.want)
		}
	}
}

func TestNewToStdoutIsTheTemplateWhenEmpty(t *testing.T) {
	code, out, _ := runIn(t, "", "new")
	if code != 0 || !strings.Contains(out, "# Incident Postmortem Template") || !strings.Contains(out, "**Status:** Draft") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestFmtCommand(t *testing.T) {
	dir := t.TempDir()
	messy, err := os.ReadFile("../../testdata/messy/bullets-and-labels.md")
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "a.md")
	os.WriteFile(f, messy, 0o644)
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# Not a postmortem\n\nhello\n"), 0o644)

	code, out, _ := runIn(t, "", "fmt", "--check", dir)
	if code != 1 || strings.TrimSpace(out) != f {
		t.Fatalf("--check: exit %d, out %q", code, out)
	}
	if code, out, _ = runIn(t, "", "fmt", "-l", dir); code != 0 || strings.TrimSpace(out) != f {
		t.Fatalf("-l: exit %d, out %q", code, out)
	}
	if code, _, _ = runIn(t, "", "fmt", "-w", dir); code != 0 {
		t.Fatalf("-w: exit %d", code)
	}
	once, _ := os.ReadFile(f)
	if code, out, _ = runIn(t, "", "fmt", "--check", dir); code != 0 || out != "" {
		t.Fatalf("after -w, --check: exit %d %q", code, out)
	}
	// idempotent
	runIn(t, "", "fmt", "-w", f)
	if twice, _ := os.ReadFile(f); !bytes.Equal(once, twice) {
		t.Error("fmt is not idempotent")
	}
	// the non-postmortem file found by walking is left alone
	if readme, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(readme) != "# Not a postmortem\n\nhello\n" {
		t.Error("fmt rewrote a file that is not a postmortem")
	}
	// stdin to stdout
	code, out, _ = runIn(t, string(messy), "fmt", "-")
	if code != 0 || out != string(once) {
		t.Errorf("stdin: exit %d", code)
	}
}

func TestRenderCommand(t *testing.T) {
	src, err := os.ReadFile(longExample)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runIn(t, "", "render", longExample)
	if code != 0 || out != string(src) {
		t.Errorf("md: exit %d, not canonical", code)
	}
	code, out, _ = runIn(t, "", "render", "--format", "json", longExample)
	var doc hindsight.Postmortem
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Summary.IncidentID != "INC-20260312-001" || len(doc.Timeline) != 40 || len(doc.ActionItems) != 12 {
		t.Errorf("json: exit %d, %d rows %d items", code, len(doc.Timeline), len(doc.ActionItems))
	}
	code, out, _ = runIn(t, "", "render", "--format", "html", longExample)
	if code != 0 || !strings.Contains(out, "<!DOCTYPE html>") || !strings.Contains(out, "@media print") || !strings.Contains(out, "<table>") {
		t.Errorf("html: exit %d", code)
	}
	if code, _, stderr := runIn(t, "", "render", "--format", "pdf", longExample); code != 2 || !strings.Contains(stderr, "--format") {
		t.Errorf("bad format: exit %d %q", code, stderr)
	}
}

func TestRenderHTMLIsSanitized(t *testing.T) {
	evil := "# Incident Postmortem: <script>alert(1)</script>\n\n## Executive Summary\n\n<img src=x onerror=alert(1)> [x](javascript:alert(1))\n"
	code, out, _ := runIn(t, evil, "render", "--format", "html", "-")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, bad := range []string{"<script>alert", "onerror", "javascript:"} {
		if strings.Contains(out, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
}

func TestBadInputNamesFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin.md")
	os.WriteFile(bin, []byte("# Incident Postmortem: x\n\nok\n\x00\x01"), 0o644)
	code, _, stderr := runIn(t, "", "render", bin)
	if code != 2 || !strings.Contains(stderr, bin+":4:") {
		t.Errorf("exit %d %q", code, stderr)
	}
	code, _, stderr = runIn(t, "", "fmt", filepath.Join(dir, "missing.md"))
	if code != 2 || !strings.Contains(stderr, "missing.md") {
		t.Errorf("missing: exit %d %q", code, stderr)
	}
	// fmt -w on a bad file writes nothing
	good := filepath.Join(dir, "good.md")
	os.WriteFile(good, []byte("## Incident Summary\n\n* Severity: sev1\n"), 0o644)
	if code, _, _ := runIn(t, "", "fmt", "-w", good, bin); code != 2 {
		t.Errorf("exit %d", code)
	}
	if b, _ := os.ReadFile(good); string(b) != "## Incident Summary\n\n* Severity: sev1\n" {
		t.Error("a file was rewritten although the run failed first")
	}
}

func TestImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hs.db")
	code, out, stderr := runIn(t, "", "--db", db, "import", "../../examples")
	if code != 0 || !strings.Contains(out, "4 created") {
		t.Fatalf("import: exit %d %q %q", code, out, stderr)
	}
	exp := filepath.Join(dir, "out")
	if code, out, _ = runIn(t, "", "--db", db, "export", exp); code != 0 || !strings.Contains(out, "4 written") {
		t.Fatalf("export: exit %d %q", code, out)
	}
	if code, out, _ = runIn(t, "", "--db", db, "import", exp); code != 0 || !strings.Contains(out, "4 unchanged") {
		t.Fatalf("re-import: exit %d %q", code, out)
	}
	if code, out, _ = runIn(t, "", "--db", db, "import", "--strict", "--dry-run", "../../testdata/messy"); code != 2 || !strings.Contains(out, "rejected") {
		t.Errorf("messy dry run: exit %d %q", code, out)
	}
}
