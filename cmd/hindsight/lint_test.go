package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func lintGood(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "lint", "testdata", "good.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeLintFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runLintCLI(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestLintCommand(t *testing.T) {
	good := lintGood(t)
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.md")
	writeLintFile(t, clean, good)
	badDuration := filepath.Join(dir, "bad-duration.md")
	writeLintFile(t, badDuration, strings.Replace(good, "**Duration:** 01:30", "**Duration:** 01:00", 1))
	warnOnly := filepath.Join(dir, "warn.md")
	writeLintFile(t, warnOnly, strings.Replace(good, "- The config push skipped the canary stage.", "- Human error.", 1))
	infoOnly := filepath.Join(dir, "info.md")
	writeLintFile(t, infoOnly, strings.Replace(good, "## Attachments & References", "## Lessons Learned\n\nx\n\n## Attachments & References", 1))

	for _, tc := range []struct {
		name       string
		args       []string
		stdin      string
		code       int
		stdout     []string
		stderr     []string
		noStdout   bool
		stdoutJSON bool
	}{
		{name: "clean", args: []string{"lint", "--today", "2026-07-10", clean}, code: 0, noStdout: true},
		{name: "error finding", args: []string{"lint", "--today", "2026-07-10", badDuration}, code: 1, stdout: []string{badDuration + ":15:17: error HS009 summary.duration is 01:00 but End − Start is 01:30; expected 01:30"}},
		{name: "warning under default fail-on", args: []string{"lint", "--today", "2026-07-10", warnOnly}, code: 0, stdout: []string{"warning HS012"}},
		{name: "warning with fail-on warning", args: []string{"lint", "--today", "2026-07-10", "--fail-on", "warning", warnOnly}, code: 1},
		{name: "info with fail-on warning", args: []string{"lint", "--today", "2026-07-10", "--fail-on", "warning", infoOnly}, code: 0, stdout: []string{"info HS025"}},
		{name: "info with fail-on info", args: []string{"lint", "--today", "2026-07-10", "--fail-on", "info", infoOnly}, code: 1},
		{name: "overdue depends on today", args: []string{"lint", "--today", "2026-08-05", "--fail-on", "warning", clean}, code: 1, stdout: []string{"HS020"}},
		{name: "stdin", args: []string{"lint", "--today", "2026-07-10", "-"}, stdin: strings.Replace(good, "**Severity:** SEV-2", "**Severity:** High", 1), code: 1, stdout: []string{"<stdin>:16:17: error HS005"}},
		{name: "json", args: []string{"lint", "--today", "2026-07-10", "--format", "json", badDuration}, code: 1, stdoutJSON: true, stdout: []string{`"rule": "HS009"`}},
		{name: "sarif", args: []string{"lint", "--today", "2026-07-10", "--format", "sarif", badDuration}, code: 1, stdoutJSON: true, stdout: []string{`"version": "2.1.0"`, `"ruleId": "HS009"`}},
		{name: "github", args: []string{"lint", "--today", "2026-07-10", "--format", "github", badDuration}, code: 1, stdout: []string{"::error file=" + badDuration + ",line=15,col=17,title=HS009 duration-mismatch::"}},
		{name: "bad format", args: []string{"lint", "--format", "xml", clean}, code: 2, stderr: []string{`--format "xml"`}},
		{name: "bad fail-on", args: []string{"lint", "--fail-on", "loud", clean}, code: 2, stderr: []string{"--fail-on"}},
		{name: "bad today", args: []string{"lint", "--today", "tomorrow", clean}, code: 2, stderr: []string{"--today"}},
		{name: "unknown flag", args: []string{"lint", "--frobnicate", clean}, code: 2},
		{name: "missing file", args: []string{"lint", filepath.Join(dir, "nope.md")}, code: 2, stderr: []string{"nope.md"}},
		{name: "missing file still lints others", args: []string{"lint", "--today", "2026-07-10", filepath.Join(dir, "nope.md"), badDuration}, code: 2, stdout: []string{"HS009"}},
		{name: "diff with json", args: []string{"lint", "--diff", "--format", "json", clean}, code: 2},
		{name: "fix stdin", args: []string{"lint", "--fix", "-"}, stdin: good, code: 2, stderr: []string{"standard input"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runLintCLI(tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tc.noStdout && stdout != "" {
				t.Errorf("want no output, got:\n%s", stdout)
			}
			if tc.stdoutJSON && !json.Valid([]byte(stdout)) {
				t.Errorf("stdout is not JSON:\n%s", stdout)
			}
		})
	}
}

// TestLintDirectory lints a tree: postmortems in path order, other
// Markdown skipped and counted, hidden directories ignored, the nearest
// .hindsight.yaml applied.
func TestLintDirectory(t *testing.T) {
	good := lintGood(t)
	bad := strings.Replace(good, "**Severity:** SEV-2", "**Severity:** High", 1)
	dir := t.TempDir()
	var want []string
	for i := 20; i >= 1; i-- { // written in reverse order
		p := filepath.Join(dir, "pm", fmt.Sprintf("%02d.md", i))
		writeLintFile(t, p, bad)
		want = append([]string{p + ":16:17:"}, want...)
	}
	writeLintFile(t, filepath.Join(dir, "README.md"), "# Readme\n\nNot a postmortem.\n")
	writeLintFile(t, filepath.Join(dir, "pm", "notes.markdown"), "# Notes\n\n## Root Cause\n")
	writeLintFile(t, filepath.Join(dir, ".git", "x.md"), bad)
	writeLintFile(t, filepath.Join(dir, "pm", "sub", ".hindsight.yaml"), "rules:\n  severity: off\n")
	writeLintFile(t, filepath.Join(dir, "pm", "sub", "quiet.md"), bad)

	code, stdout, stderr := runLintCLI("", "lint", "--today", "2026-07-10", dir)
	if code != 1 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
	if !strings.Contains(stderr, "skipped 2 non-postmortem file(s)") {
		t.Errorf("stderr: %q", stderr)
	}

	// a malformed config is an error naming file and line
	writeLintFile(t, filepath.Join(dir, "pm", "sub", ".hindsight.yaml"), "rules:\n  severity: off\nextra: 1\n")
	code, _, stderr = runLintCLI("", "lint", "--today", "2026-07-10", dir)
	if code != 2 || !strings.Contains(stderr, ".hindsight.yaml:3:") || !strings.Contains(stderr, `unknown key "extra"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, stderr)
	}
	// --config overrides the files found by walking up
	cfg := filepath.Join(dir, "ci.yaml")
	writeLintFile(t, cfg, "rules:\n  HS005: off\n")
	code, stdout, stderr = runLintCLI("", "lint", "--config", cfg, "--today", "2026-07-10", dir)
	if code != 0 || stdout != "" {
		t.Errorf("--config: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestLintFix checks --diff (prints, writes nothing) and --fix (writes,
// reports, and the fixed file lints clean).
func TestLintFix(t *testing.T) {
	good := lintGood(t)
	src := strings.Replace(good, "**Duration:** 01:30", "**Duration:** 01:00", 1)
	src = strings.Replace(src, "| 2026-07-04 02:20 | Error-rate alert fires. |", "| 2026-07-04 02:30 | Error-rate alert fires. |", 1)
	src = strings.Replace(src, "**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** 2026-07-04T02:20Z", 1)
	dir := t.TempDir()
	p := filepath.Join(dir, "pm.md")
	writeLintFile(t, p, src)

	code, stdout, stderr := runLintCLI("", "lint", "--diff", "--today", "2026-07-10", p)
	if code != 1 {
		t.Errorf("--diff exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"-- **Duration:** 01:00", "+- **Duration:** 01:30", "+- **Detection Time (UTC):** 2026-07-04 02:20", "HS009"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("--diff output lacks %q:\n%s", w, stdout)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != src {
		t.Error("--diff wrote the file")
	}

	code, stdout, stderr = runLintCLI("", "lint", "--fix", "--today", "2026-07-10", p)
	if code != 0 || stdout != "" {
		t.Errorf("--fix exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"fixed:", "summary.duration: set to 01:30", "timeline: sorted", "canonical formatting"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("--fix report lacks %q: %s", w, stderr)
		}
	}
	b, _ := os.ReadFile(p)
	fixed := strings.Replace(good, "| 2026-07-04 02:20 | Error-rate alert fires. |", "| 2026-07-04 02:30 | Error-rate alert fires. |", 1)
	// the sorted timeline has the 02:25 row before the 02:30 one
	fixed = strings.Replace(fixed, "| 2026-07-04 02:30 | Error-rate alert fires. |\n| 2026-07-04 02:25 | Ravi Menon acknowledges. |", "| 2026-07-04 02:25 | Ravi Menon acknowledges. |\n| 2026-07-04 02:30 | Error-rate alert fires. |", 1)
	if string(b) != fixed {
		t.Errorf("fixed file:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// a file that is not a postmortem is never rewritten, even when named
	readme := filepath.Join(dir, "README.md")
	writeLintFile(t, readme, "# Readme\n\nSome notes.\n")
	code, _, stderr = runLintCLI("", "lint", "--fix", readme)
	if b, _ := os.ReadFile(readme); string(b) != "# Readme\n\nSome notes.\n" || !strings.Contains(stderr, "not fixed") {
		t.Errorf("README rewritten or not reported: exit %d, %q", code, stderr)
	}
	os.Remove(readme)
	// a clean canonical file is not rewritten and nothing is reported
	code, stdout, stderr = runLintCLI("", "lint", "--fix", "--today", "2026-07-10", p)
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("second --fix: exit %d %q %q", code, stdout, stderr)
	}
}

// TestFixAndFmtNeverWritePlaceholders: lint --fix leaves an action item's
// empty cells empty and reports them (it used to fill them with "Name" and
// "YYYY-MM-DD", hiding the findings); fmt -w on a lint-clean file that
// lacks optional fields leaves it lint-clean, writing no placeholder.
func TestFixAndFmtNeverWritePlaceholders(t *testing.T) {
	good := lintGood(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "pm.md")
	src := strings.Replace(good, "| AI-002 | Add a canary stage to config pushes | Ines Carvalho | P1 | 2026-07-31 | Open |",
		"| AI-002 | Add a canary stage to config pushes |  | P1 |  | Open |", 1)
	src = strings.Replace(src, "**Duration:** 01:30", "**Duration:** 01:00", 1) // something --fix fixes
	writeLintFile(t, p, src)
	code, stdout, stderr := runLintCLI("", "lint", "--fix", "--today", "2026-07-10", p)
	if code != 1 {
		t.Errorf("--fix exit %d, want 1 (findings left)\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, w := range []string{"HS017", "HS007"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("--fix did not report %s:\n%s", w, stdout)
		}
	}
	b, _ := os.ReadFile(p)
	if !strings.Contains(string(b), "| AI-002 | Add a canary stage to config pushes | | P1 | | Open |") || strings.Contains(string(b), "YYYY-MM-DD") || strings.Contains(string(b), "| Name |") {
		t.Errorf("--fix filled the empty cells:\n%s", b)
	}

	// fmt -w: a clean document without the optional Incident Commander,
	// responders and references stays clean
	clean := strings.Replace(good, "- **Incident Commander:** Ines Carvalho\n", "", 1)
	clean = strings.Replace(clean, "- **On-Call Responders:** Ravi Menon\n", "", 1)
	writeLintFile(t, p, clean)
	if code, stdout, _ := runLintCLI("", "lint", "--today", "2026-07-10", p); code != 0 {
		t.Fatalf("fixture not lint-clean: %s", stdout)
	}
	if code, _, stderr := runLintCLI("", "fmt", "-w", p); code != 0 {
		t.Fatalf("fmt -w: %d %s", code, stderr)
	}
	if code, stdout, _ := runLintCLI("", "lint", "--today", "2026-07-10", p); code != 0 {
		b, _ := os.ReadFile(p)
		t.Errorf("fmt -w made a lint-clean file fail lint:\n%s\n%s", stdout, b)
	}
	if b, _ := os.ReadFile(p); !strings.Contains(string(b), "- **Incident Commander:**\n- **On-Call Responders:**\n") {
		t.Errorf("fmt -w did not write the missing fields empty:\n%s", b)
	}
}
