package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// importFolder writes a folder of historical postmortems: a clean one, one
// with lint errors, a Confluence HTML export, and three unreadable files.
func importFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	good, err := os.ReadFile("../../examples/INC-20260312-001-checkout-database-failover.md")
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile("../../testdata/corpus/github-2018-10-21-confluence-export.html")
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(good, []byte("INC-20260312-001"), []byte("INC-20260313-001"), 1)
	bad = bytes.Replace(bad, []byte("**Duration:**"), []byte("**Duration:** 99:00 was"), 1)
	files := map[string][]byte{
		"a-good.md":          good,
		"b-lint-errors.md":   bad,
		"c-confluence.html":  html,
		"d-binary.md":        append([]byte("# Incident Postmortem: x\n\x00\x01"), good...),
		"e-latin1.md":        append([]byte("# Incident Postmortem: caf\xe9\n"), good...),
		"f-too-large.md":     bytes.Repeat([]byte("x"), maxDocBytes+1),
		"notes/g-readme.txt": []byte("not a postmortem"),
		"h-notes.md":         []byte("# Team notes\n\n## Overview\n\nOn-call rota and links.\n"),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestImportMigrates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		summary string
		stdout  []string
		stderr  []string
	}{
		{
			name:    "default stores every readable document",
			code:    0,
			summary: "3 created, 0 updated, 0 unchanged, 0 rejected, 3 unreadable",
			stdout:  []string{"b-lint-errors.md:", "c-confluence.html: converted from HTML", "a-good.md: created INC-20260312-001", "c-confluence.html: created INC-20181021-002", "h-notes.md: skipped: not a postmortem"},
			stderr:  []string{"d-binary.md", "NUL byte", "e-latin1.md", "invalid UTF-8", "f-too-large.md", "larger than"},
		},
		{
			name:    "strict refuses documents with errors",
			args:    []string{"--strict"},
			code:    2,
			summary: "1 created, 0 updated, 0 unchanged, 2 rejected, 3 unreadable",
			stderr:  []string{"b-lint-errors.md", "c-confluence.html", "d-binary.md", "e-latin1.md", "f-too-large.md", "refused (--strict)"},
		},
		{
			name:    "dry run",
			args:    []string{"--dry-run"},
			code:    0,
			summary: "would import (dry run) 6 file(s): 3 created",
			stdout:  []string{"a-good.md: would be created INC-20260312-001"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := importFolder(t)
			db := filepath.Join(t.TempDir(), "hs.db")
			if err := os.WriteFile(db, nil, 0o644); err != nil { // an empty database
				t.Fatal(err)
			}
			args := append([]string{"--db", db, "import"}, tc.args...)
			code, out, stderr := runCLI(t, append(args, dir)...)
			if code != tc.code || !strings.Contains(out, tc.summary) {
				t.Fatalf("exit %d, want %d; stdout %q (want %q); stderr %q", code, tc.code, out, tc.summary, stderr)
			}
			wantAll(t, "stdout", out, tc.stdout)
			wantAll(t, "stderr", stderr, tc.stderr)
		})
	}
}

// TestImportHTMLStoresTheConvertedDocument: a Confluence export is stored
// with its values, and export gives it back as canonical Markdown.
func TestImportHTMLStoresTheConvertedDocument(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hs.db")
	if code, out, stderr := runCLI(t, "--db", db, "import", "../../testdata/corpus/github-2018-10-21-confluence-export.html"); code != 0 || !strings.Contains(out, "1 created") {
		t.Fatalf("exit %d %q %q", code, out, stderr)
	}
	exp := filepath.Join(dir, "out")
	if code, out, stderr := runCLI(t, "--db", db, "export", exp); code != 0 {
		t.Fatalf("export: exit %d %q %q", code, out, stderr)
	}
	names, _ := filepath.Glob(filepath.Join(exp, "INC-20181021-002-*.md"))
	if len(names) != 1 {
		t.Fatalf("exported %q, want one INC-20181021-002-*.md", names)
	}
	b, err := os.ReadFile(names[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"**Start Time (UTC):** 2018-10-21 22:52", "| 2018-10-22 16:24 | Failed back to the original topology |", "| AI-002 | Report status more accurately"} {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("exported document lacks %q:\n%s", w, b)
		}
	}
}

// wantAll reports each of wants that got (the output named name) lacks.
func wantAll(t *testing.T, name, got string, wants []string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", name, w, got)
		}
	}
}

// TestImportManyWithOneBad imports 200 generated documents and one with a
// lint error among them under --strict: the documents are prepared on
// several workers ahead of the writes, yet every good one is created, in
// the files' order, and the bad one alone is refused with its file and
// line (it takes nothing else down).
func TestImportManyWithOneBad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "docs")
	if code, out, errs := runCLI(t, "generate", "--count", "200", "--seed", "3", "--out", dir); code != 0 {
		t.Fatalf("generate: %d %s %s", code, out, errs)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(names) != 200 {
		t.Fatalf("%d generated files, %v", len(names), err)
	}
	good, err := os.ReadFile(names[100])
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(good, []byte("**Duration:**"), []byte("**Duration:** 99:00 was"), 1)
	bad = bytes.Replace(bad, []byte("INC-"), []byte("INC-1"), 1) // another Incident ID
	badName := filepath.Base(names[100])[:20] + "-bad.md"
	if err := os.WriteFile(filepath.Join(dir, badName), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "hs.db")
	code, out, errs := runCLI(t, "--db", db, "import", "--strict", dir)
	if code != 2 || !strings.Contains(out, "200 created, 0 updated, 0 unchanged, 1 rejected, 0 unreadable") {
		t.Fatalf("exit %d; stdout %s; stderr %s", code, out, errs)
	}
	if !strings.Contains(errs, badName+":") || !regexp.MustCompile(regexp.QuoteMeta(badName)+`:\d+: `).MatchString(errs) {
		t.Errorf("the refused document is not named with its line: %s", errs)
	}
	// the lines follow the files' order
	last := -1
	for _, n := range names {
		i := strings.Index(out, filepath.Join(dir, filepath.Base(n))+": created")
		if i < 0 || i < last {
			t.Fatalf("%s: not created, or out of order", n)
		}
		last = i
	}
}

// TestImportBatchesAtOnce: an import whose batches are stored two at a
// time (PostgreSQL) stores exactly what a one-at-a-time import (SQLite)
// stores, reports in the files' order, keeps a document whose Incident ID
// an earlier batch holds as an update of it, and numbers documents without
// an Incident ID in the files' order.
func TestImportBatchesAtOnce(t *testing.T) {
	pg := postgresSchema(t, "hs_import_").String()
	dir := filepath.Join(t.TempDir(), "docs")
	if code, out, errs := runCLI(t, "generate", "--count", "450", "--seed", "5", "--out", dir); code != 0 {
		t.Fatalf("generate: %d %s %s", code, out, errs)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil || len(names) != 450 {
		t.Fatalf("%d generated files, %v", len(names), err)
	}
	// in the third batch, while the second may still be stored: a new
	// revision of a document of the second; in the last: two documents
	// with no Incident ID
	first, err := os.ReadFile(names[150])
	if err != nil {
		t.Fatal(err)
	}
	again := strings.TrimSuffix(filepath.Base(names[250]), ".md") + "-again.md"
	extra := map[string][]byte{
		again: bytes.Replace(first, []byte("# Incident Postmortem: "), []byte("# Incident Postmortem: Imported again: "), 1),
	}
	for i, n := range names[1:3] {
		src, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		id := regexp.MustCompile(`INC-\d{8}-\d{3}`).Find(src)
		extra[fmt.Sprintf("zz-%d-no-id.md", i+2)] = bytes.ReplaceAll(src, id, []byte("TBD"))
	}
	for name, b := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exports := map[string]string{}
	for _, c := range []struct{ store, db string }{
		{"sqlite", filepath.Join(t.TempDir(), "hs.db")},
		{"postgres", pg},
	} {
		code, out, errs := runCLI(t, "--db", c.db, "import", dir)
		if code != 0 || !strings.Contains(out, "452 created, 1 updated, 0 unchanged, 0 rejected, 0 unreadable") {
			t.Fatalf("%s: exit %d; stdout %s; stderr %s", c.store, code, out, errs)
		}
		last := -1
		for _, n := range append(names, filepath.Join(dir, "zz-2-no-id.md"), filepath.Join(dir, "zz-3-no-id.md")) {
			i := strings.Index(out, n+": ")
			if i < 0 || i < last {
				t.Fatalf("%s: %s not reported, or out of order", c.store, n)
			}
			last = i
		}
		if !strings.Contains(out, again+": updated "+regexp.MustCompile(`INC-\d{8}-\d{3}`).FindString(string(first))) {
			t.Errorf("%s: the document imported again is not an update of the first", c.store)
		}
		exp := filepath.Join(t.TempDir(), c.store)
		if code, out, errs := runCLI(t, "--db", c.db, "export", exp); code != 0 {
			t.Fatalf("%s export: %d %s %s", c.store, code, out, errs)
		}
		var b strings.Builder
		files, _ := filepath.Glob(filepath.Join(exp, "*.md"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s\n%s\n", filepath.Base(f), src)
		}
		if len(files) != 452 {
			t.Errorf("%s: %d files exported, want 452", c.store, len(files))
		}
		exports[c.store] = b.String()
	}
	if exports["sqlite"] != exports["postgres"] {
		t.Error("the PostgreSQL import (batches two at a time) stored other documents than the SQLite import")
	}
}
