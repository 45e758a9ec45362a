package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabaseCannotBeOpened: a database that cannot be opened is exit 3
// (README: 3 other failures), not 2 (bad input or usage), whatever the
// command; a malformed --db value stays 2.
func TestDatabaseCannotBeOpened(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		db   string
		code int
		msg  string
	}{
		{"NotADatabase", notDB, 3, "notes.txt"},
		{"MissingDirectory", filepath.Join(dir, "no", "such", "dir", "h.db"), 3, "h.db"},
		{"ADirectory", dir, 3, ""},
		{"Malformed", filepath.Join(dir, "a?.db"), 2, "must not contain"},
	}
	for _, c := range cases {
		for _, args := range [][]string{{"actions"}, {"migrate", "status"}} {
			t.Run(c.name+"/"+args[0], func(t *testing.T) {
				code, _, errOut := runCLI(t, append([]string{"--db", c.db}, args...)...)
				if code != c.code || !strings.Contains(errOut, c.msg) {
					t.Errorf("exit %d, stderr %q; want %d with %q", code, errOut, c.code, c.msg)
				}
			})
		}
	}
}

// TestPoolSizeFlag: --db-max-conns becomes a PostgreSQL URL's
// pool_max_conns (replacing the URL's own), leaves a SQLite path alone, and
// refuses anything but a positive whole number (exit 2, naming the flag).
func TestPoolSizeFlag(t *testing.T) {
	cases := []struct {
		dsn, v, want, err string
	}{
		{"postgres://u@h/db", "", "postgres://u@h/db", ""},
		{"postgres://u@h/db", "16", "postgres://u@h/db?pool_max_conns=16", ""},
		{"postgres://u@h/db?sslmode=disable&pool_max_conns=3", " 7 ", "postgres://u@h/db?pool_max_conns=7&sslmode=disable", ""},
		{"postgresql://u@h/db", "2", "postgresql://u@h/db?pool_max_conns=2", ""},
		{"hindsight.db", "9", "hindsight.db", ""},
		{"postgres://u@h/db", "0", "", "--db-max-conns"},
		{"postgres://u@h/db", "-3", "", "positive whole number"},
		{"hindsight.db", "many", "", "HINDSIGHT_DB_MAX_CONNS"},
		{"hindsight.db", "99999999999", "", "positive whole number"},
	}
	for _, c := range cases {
		got, err := withPoolSize(c.dsn, c.v)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("withPoolSize(%q, %q) = %q, %v; want an error naming %q", c.dsn, c.v, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("withPoolSize(%q, %q) = %q, %v; want %q", c.dsn, c.v, got, err, c.want)
		}
	}
	db := filepath.Join(t.TempDir(), "h.db")
	code, _, errOut := runCLI(t, "--db", db, "--db-max-conns", "lots", "actions")
	if code != 2 || !strings.Contains(errOut, `--db-max-conns (or HINDSIGHT_DB_MAX_CONNS) "lots"`) {
		t.Errorf("--db-max-conns lots: exit %d, stderr %q; want 2 naming the flag", code, errOut)
	}
}
