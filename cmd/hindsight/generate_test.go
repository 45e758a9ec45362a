package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// generateRun runs hindsight with args and returns the exit code and output.
func generateRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// dirFiles returns the file names and contents of dir, sorted by name.
func dirFiles(t *testing.T, dir string) ([]string, map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	data := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, e.Name())
		data[e.Name()] = string(b)
	}
	slices.Sort(names)
	return names, data
}

func TestGenerateDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), filepath.Join(t.TempDir(), "new", "dir"), t.TempDir()
	for _, dir := range []string{a, b} {
		if code, out, errs := generateRun(t, "generate", "--count", "25", "--seed", "7", "--out", dir); code != 0 || !strings.Contains(out, "wrote 25 postmortems") {
			t.Fatalf("generate into %s: exit %d, stdout %q, stderr %q", dir, code, out, errs)
		}
	}
	na, da := dirFiles(t, a)
	nb, db := dirFiles(t, b)
	if len(na) != 25 || !slices.Equal(na, nb) {
		t.Fatalf("names differ or wrong count: %d %v vs %v", len(na), na, nb)
	}
	for _, n := range na {
		if da[n] != db[n] {
			t.Errorf("%s differs between two runs with the same seed", n)
		}
		if !strings.HasPrefix(n, "INC-") || !strings.HasSuffix(n, ".md") || !strings.HasPrefix(da[n], "# Incident Postmortem: ") {
			t.Errorf("unexpected file %s", n)
		}
	}
	if code, _, errs := generateRun(t, "generate", "--count", "25", "--seed", "8", "--out", c); code != 0 {
		t.Fatalf("seed 8: exit %d: %s", code, errs)
	}
	if nc, _ := dirFiles(t, c); slices.Equal(na, nc) {
		t.Error("seeds 7 and 8 wrote the same files")
	}
}

func TestGenerateLintClean(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := generateRun(t, "generate", "--count", "40", "--seed", "3", "--now", "2026-11-01", "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	code, out, errs := generateRun(t, "lint", "--fail-on", "warning", "--today", "2026-11-01", dir)
	if code != 0 {
		t.Errorf("lint of generated documents: exit %d\n%s%s", code, out, errs)
	}
}

func TestGenerateRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.md"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"NonEmptyDir", []string{"--out", full}, "not empty"},
		{"OutIsFile", []string{"--out", file}, "not a directory"},
		{"NoOut", nil, "--out"},
		{"NegativeCount", []string{"--out", t.TempDir(), "--count", "-1"}, "--count"},
		{"MessyOutOfRange", []string{"--out", t.TempDir(), "--messy", "1.5"}, "--messy"},
		{"BadNow", []string{"--out", t.TempDir(), "--now", "yesterday"}, "--now"},
		{"Args", []string{"--out", t.TempDir(), "extra"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := generateRun(t, append([]string{"generate"}, tc.args...)...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 mentioning %q", code, errs, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(full, "keep.md")); string(b) != "mine" {
		t.Error("refused run changed an existing file")
	}
	// --force writes into the non-empty directory and keeps other files
	if code, _, errs := generateRun(t, "generate", "--count", "3", "--out", full, "--force"); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, errs)
	}
	names, data := dirFiles(t, full)
	if len(names) != 4 || data["keep.md"] != "mine" {
		t.Errorf("after --force: %v", names)
	}
}

func TestGenerateHidden(t *testing.T) {
	code, out, _ := generateRun(t, "--help")
	if code != 0 || strings.Contains(out, "generate") {
		t.Errorf("generate is listed in help (exit %d):\n%s", code, out)
	}
}
