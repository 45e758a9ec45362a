package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadingCommandsNeverCreateADatabase: with no database at --db, reading
// commands exit 2 saying so, and leave no file behind; writing commands
// still create it.
func TestReadingCommandsNeverCreateADatabase(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		create bool
	}{
		{args: []string{"actions"}, code: 2},
		{args: []string{"actions", "--format", "json"}, code: 2},
		{args: []string{"import", "--dry-run", "../../examples"}, code: 2},
		{args: []string{"export", "{out}"}, code: 2},
		{args: []string{"migrate", "status"}, code: 2},
		{args: []string{"user", "list"}, code: 2},
		{args: []string{"token", "list"}, code: 2},
		{args: []string{"webhook", "list"}, code: 2},
		{args: []string{"webhook", "deliveries"}, code: 2},
		{args: []string{"backup", "{out}/copy.db"}, code: 2},
		{args: []string{"import", "../../examples"}, code: 0, create: true},
		{args: []string{"migrate", "up"}, code: 0, create: true},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "hindsight.db")
			args := []string{"--db", db}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "{out}", filepath.Join(dir, "out")))
			}
			code, out, stderr := runCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, out, stderr)
			}
			_, err := os.Stat(db)
			if created := err == nil; created != tc.create {
				t.Errorf("database file created: %v, want %v", created, tc.create)
			}
			if !tc.create && !strings.Contains(stderr, db) {
				t.Errorf("stderr does not name the missing database %s: %q", db, stderr)
			}
			if !tc.create && tc.args[0] != "backup" && !strings.Contains(stderr, "no database here") {
				t.Errorf("stderr does not say there is no database: %q", stderr)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "hindsight.db*")); !tc.create && len(left) > 0 {
				t.Errorf("files left: %v", left)
			}
		})
	}
}
