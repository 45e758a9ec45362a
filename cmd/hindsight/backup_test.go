package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 20 {
		inc, err := s.CreateIncident(t.Context(), hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: fmt.Sprintf("backup %d", i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc.ID)
	}
	// the store stays open, as a running server's would
	defer s.Close()

	cases := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"Copy", []string{"--db", db, "backup", filepath.Join(dir, "copy.db")}, 0, "backed up", ""},
		{"ToItself", []string{"--db", db, "backup", db}, 2, "", "is the database itself"},
		{"NoDatabase", []string{"--db", filepath.Join(dir, "missing.db"), "backup", filepath.Join(dir, "x.db")}, 2, "", "missing.db"},
		{"NoFile", []string{"--db", db, "backup"}, 2, "", "accepts 1 arg"},
		{"PostgreSQL", []string{"--db", "postgres://u@127.0.0.1:1/x", "backup", filepath.Join(dir, "pg.db")}, 2, "", "pg_dump"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(out, c.inStdout) || !strings.Contains(errOut, c.inStderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, out, errOut, c.code, c.inStdout, c.inStderr)
			}
		})
	}
	t.Run("RestoreFindsEveryIncident", func(t *testing.T) {
		c, err := openStore(t.Context(), filepath.Join(dir, "copy.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, id := range ids {
			if _, err := c.FindIncidentByID(t.Context(), hindsight.SystemViewer, id); err != nil {
				t.Errorf("copy lacks %s: %v", id, err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "pg.db")); err == nil {
			t.Errorf("backup of PostgreSQL wrote a file")
		}
	})
}

func TestMigrateCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	// status is a reading command: it never creates a database; an empty
	// file is a new SQLite database with no migration applied
	if err := os.WriteFile(db, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	counts := func(out string) (applied, pending int) {
		return strings.Count(out, " applied "), strings.Count(out, " pending ")
	}
	_, out, _ := runCLI(t, "--db", db, "migrate", "status")
	_, all := counts(out)
	if all < 2 {
		t.Fatalf("status of a new file lists %d pending migrations:\n%s", all, out)
	}
	cases := []struct {
		name    string
		args    []string
		code    int
		applied int
	}{
		{"StatusOfNewFile", []string{"status"}, 0, 0},
		{"Up", []string{"up"}, 0, all},
		{"Down", []string{"down"}, 0, all - 1},
		{"DefaultIsUp", nil, 0, all},
		{"Unknown", []string{"sideways"}, 2, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"--db", db, "migrate"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d (%s), want %d", code, errOut, c.code)
			}
			if c.applied >= 0 {
				if a, p := counts(out); a != c.applied || p != all-c.applied {
					t.Errorf("%d applied, %d pending, want %d and %d:\n%s", a, p, c.applied, all-c.applied, out)
				}
			}
		})
	}
}
