package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestHelperHoldDatabase is not a test: run by TestRestoreCommand in
// another process, it holds the database HINDSIGHT_HELPER_DB open (as a
// running server does) until its standard input closes.
func TestHelperHoldDatabase(t *testing.T) {
	path := os.Getenv("HINDSIGHT_HELPER_DB")
	if path == "" {
		t.Skip("a helper process of TestRestoreCommand")
	}
	s, err := openStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.FindIncidents(context.Background(), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

func countIncidents(t *testing.T, db string) int {
	t.Helper()
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.FindIncidents(t.Context(), hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Incidents)
}

func addIncidents(t *testing.T, db string, n int) {
	t.Helper()
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		if _, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: fmt.Sprintf("restore %d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// strays lists the files a command must not leave behind in dir: partial
// copies and journals.
func strays(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		n := e.Name()
		if strings.Contains(n, ".tmp-") || strings.Contains(n, ".restore-") || strings.HasSuffix(n, "-journal") {
			out = append(out, n)
		}
	}
	return out
}

func TestRestoreCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hindsight.db")
	backup := filepath.Join(dir, "backup.db")
	addIncidents(t, db, 3)
	if code, _, errOut := runCLI(t, "--db", db, "backup", backup); code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	addIncidents(t, db, 2) // after the backup: lost by the restore

	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 500)), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.db") // empty: a SQLite database without Hindsight's tables
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.db")
	b, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 2; i < len(b) && i < 4096*6; i++ {
		b[i] ^= 0x5a // pages after the schema's
	}
	if err := os.WriteFile(corrupt, b, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, backup string
		code         int
		msg          string
	}{
		{"NotADatabase", notDB, 2, "not a Hindsight database"},
		{"EmptyFile", plain, 2, "not a Hindsight database"},
		{"Corrupt", corrupt, 2, "corrupt.db"},
		{"Missing", filepath.Join(dir, "nope.db"), 2, "nope.db"},
		{"Itself", db, 2, "the database itself"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "--db", db, "restore", c.backup)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, errOut, c.code, c.msg)
			}
			if n := countIncidents(t, db); n != 5 {
				t.Errorf("a refused restore changed the database: %d incidents", n)
			}
			if s := strays(t, dir); len(s) > 0 {
				t.Errorf("left behind: %v", s)
			}
		})
	}

	t.Run("RefusedWhileInUse", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldDatabase$")
		cmd.Env = append(os.Environ(), "HINDSIGHT_HELPER_DB="+db)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { stdin.Close(); _ = cmd.Wait() }()
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if strings.TrimSpace(line) != "open" {
			t.Fatalf("helper: %q", line)
		}
		code, _, errOut := runCLI(t, "--db", db, "restore", backup)
		if code != 3 || !strings.Contains(errOut, "in use by another process") {
			t.Errorf("exit %d, stderr %q; want 3, in use", code, errOut)
		}
		if n := countIncidents(t, db); n != 5 {
			t.Errorf("a refused restore changed the database: %d incidents", n)
		}
	})

	t.Run("Restores", func(t *testing.T) {
		code, out, errOut := runCLI(t, "--db", db, "restore", backup)
		if code != 0 || !strings.Contains(out, "3 incidents") || !strings.Contains(errOut, "may be issued again") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		if n := countIncidents(t, db); n != 3 {
			t.Errorf("after the restore: %d incidents, want the backup's 3", n)
		}
		if s := strays(t, dir); len(s) > 0 {
			t.Errorf("left behind: %v", s)
		}
		replaced, _ := filepath.Glob(db + ".replaced-*")
		var kept []string
		for _, r := range replaced {
			if !strings.HasSuffix(r, "-wal") && !strings.HasSuffix(r, "-shm") {
				kept = append(kept, r)
			}
		}
		if len(kept) != 1 || countIncidents(t, kept[0]) != 5 {
			t.Errorf("the replaced database is not kept whole: %v", replaced)
		}
		// the backup itself was not written
		b2, _ := os.ReadFile(backup)
		if code, _, _ := runCLI(t, "--db", backup, "migrate", "status"); code != 0 || len(b2) == 0 {
			t.Errorf("the backup was damaged")
		}
	})
}

// TestBackupLeavesNothingOnFailure: a backup that fails leaves no partial
// copy and no journal beside its destination.
func TestBackupLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hindsight.db")
	addIncidents(t, db, 2)
	dst := filepath.Join(dir, "out")
	if err := os.MkdirAll(filepath.Join(dst, "occupied"), 0o755); err != nil {
		t.Fatal(err) // a non-empty directory where the backup file should go
	}
	code, _, errOut := runCLI(t, "--db", db, "backup", dst)
	if code == 0 {
		t.Fatalf("backup over a directory succeeded: %s", errOut)
	}
	if s := strays(t, dir); len(s) > 0 {
		t.Errorf("a failed backup left %v", s)
	}
}
