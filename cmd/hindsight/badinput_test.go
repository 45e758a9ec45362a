package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func exampleDoc(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/INC-20260312-001-checkout-database-failover.md")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBadInputRefused: files that are not UTF-8, read-only files and
// symbolic link loops are refused or reported by name, and nothing is
// written.
func TestBadInputRefused(t *testing.T) {
	good := exampleDoc(t)
	// not canonical (so fmt -w and lint --fix would rewrite it) and Latin-1
	latin1 := append(bytes.Replace(good, []byte("**Duration:** "), []byte("**Duration:**   "), 1), []byte("\n- caf\xe9 na\xefve\n")...)
	messy := bytes.Replace(good, []byte("**Duration:** "), []byte("**Duration:**   "), 1)
	for _, tc := range []struct {
		name    string
		files   map[string][]byte
		mode    os.FileMode
		links   map[string]string // name -> target
		args    []string          // {} is the file or folder
		code    int
		stderr  []string
		stdout  []string
		unmoved string // this file must keep its bytes
	}{
		{name: "lint --fix on Latin-1", files: map[string][]byte{"pm.md": latin1}, args: []string{"lint", "--fix", "{}/pm.md"}, code: 2, stderr: []string{"pm.md:", "invalid UTF-8"}, unmoved: "pm.md"},
		{name: "lint on Latin-1", files: map[string][]byte{"pm.md": latin1}, args: []string{"lint", "{}/pm.md"}, code: 2, stderr: []string{"pm.md:", "invalid UTF-8"}, unmoved: "pm.md"},
		{name: "fmt -w on Latin-1", files: map[string][]byte{"pm.md": latin1}, args: []string{"fmt", "-w", "{}/pm.md"}, code: 2, stderr: []string{"pm.md:", "invalid UTF-8"}, unmoved: "pm.md"},
		{name: "fmt -w on a read-only file", files: map[string][]byte{"pm.md": messy}, mode: 0o444, args: []string{"fmt", "-w", "{}/pm.md"}, code: 2, stderr: []string{"pm.md: read-only file"}, unmoved: "pm.md"},
		{name: "lint --fix on a read-only file", files: map[string][]byte{"pm.md": messy}, mode: 0o444, args: []string{"lint", "--fix", "{}/pm.md"}, code: 2, stderr: []string{"pm.md: read-only file"}, unmoved: "pm.md"},
		{name: "fmt -w of a writable file still works", files: map[string][]byte{"pm.md": messy}, args: []string{"fmt", "-w", "{}/pm.md"}, code: 0},
		{name: "lint folder with a link to itself", files: map[string][]byte{"pm.md": good}, links: map[string]string{"again": "."}, args: []string{"lint", "--today", "2026-03-30", "{}"}, code: 2, stderr: []string{"again: symbolic link loop"}},
		{name: "lint folder with a link cycle", files: map[string][]byte{"pm.md": good}, links: map[string]string{"a.md": "b.md", "b.md": "a.md"}, args: []string{"lint", "--today", "2026-03-30", "{}"}, code: 2, stderr: []string{"a.md: symbolic link loop", "b.md: symbolic link loop"}},
		{name: "fmt folder with a link to the parent", files: map[string][]byte{"sub/pm.md": good}, links: map[string]string{"sub/up": ".."}, args: []string{"fmt", "-l", "{}"}, code: 2, stderr: []string{"up: symbolic link loop"}},
		{name: "import folder with a link cycle", files: map[string][]byte{"pm.md": good}, links: map[string]string{"a.md": "b.md", "b.md": "a.md"}, args: []string{"import", "{}"}, code: 0, stdout: []string{"1 created", "2 unreadable"}, stderr: []string{"a.md: symbolic link loop", "b.md: symbolic link loop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, b := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				if tc.mode != 0 {
					if err := os.Chmod(p, tc.mode); err != nil {
						t.Fatal(err)
					}
				}
			}
			for name, target := range tc.links {
				if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"--db", filepath.Join(t.TempDir(), "hs.db")}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "{}", dir))
			}
			code, out, stderr := runCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, out, stderr)
			}
			wantAll(t, "stderr", stderr, tc.stderr)
			wantAll(t, "stdout", out, tc.stdout)
			if tc.unmoved != "" {
				if b, _ := os.ReadFile(filepath.Join(dir, tc.unmoved)); !bytes.Equal(b, tc.files[tc.unmoved]) {
					t.Errorf("%s was rewritten", tc.unmoved)
				}
			}
		})
	}
}

// TestLintSizeLimit: lint refuses a file over the limit, as fmt and import
// do, without reading it into memory first (a 50 MB file took 556 MB).
func TestLintSizeLimit(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.md")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("# Incident Postmortem: big\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: cheap to make
		t.Fatal(err)
	}
	f.Close()
	for _, args := range [][]string{{"lint", big}, {"lint", dir}, {"lint", "--fix", big}, {"fmt", big}, {"import", "--db", filepath.Join(dir, "x.db"), big}} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		code, _, stderr := runCLI(t, args...)
		runtime.ReadMemStats(&after)
		if !strings.Contains(stderr, "big.md: larger than 8 MiB") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
		if args[0] != "import" && code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		alloc := after.TotalAlloc - before.TotalAlloc
		t.Logf("%v: refused after allocating %d KiB", args[:len(args)-1], alloc>>10)
		if alloc > 16<<20 {
			t.Errorf("%v allocated %d MiB for a file it refuses", args, alloc>>20)
		}
	}
}
