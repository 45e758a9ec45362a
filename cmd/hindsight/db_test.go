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
