package sqlite

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestIsUniqueViolation: unique and primary key violations are recognised
// by the driver's extended codes; other constraint failures, and an error
// whose text merely says "UNIQUE constraint failed", are not.
func TestIsUniqueViolation(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT NOT NULL);
INSERT INTO t VALUES (1, 'a@example.com', 'a')`); err != nil {
		t.Fatal(err)
	}
	exec := func(q string) error { _, err := db.Exec(q); return err }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Unique", exec(`INSERT INTO t VALUES (2, 'a@example.com', 'b')`), true},
		{"PrimaryKey", exec(`INSERT INTO t VALUES (1, 'b@example.com', 'b')`), true},
		{"NotNull", exec(`INSERT INTO t VALUES (3, 'c@example.com', NULL)`), false},
		{"Syntax", exec(`INSERT INTO`), false},
		{"MessageOnly", errors.New("UNIQUE constraint failed: t.email"), false},
		{"Nil", nil, false},
	}
	for _, tc := range tests {
		if got := (dialect{}).IsUniqueViolation(tc.err); got != tc.want {
			t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestUnavailable: a write refused for lack of space or a read-only
// database names the cause; other errors are not "unavailable".
func TestUnavailable(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	var pages int
	if err := db.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA max_page_count = ` + strconv.Itoa(pages)); err != nil {
		t.Fatal(err)
	}
	_, full := db.Exec(`INSERT INTO t VALUES (zeroblob(100000))`)
	if _, err := db.Exec(`PRAGMA max_page_count = 1000000; PRAGMA query_only = 1`); err != nil {
		t.Fatal(err)
	}
	_, ro := db.Exec(`INSERT INTO t VALUES (x'00')`)
	_, syntax := db.Exec(`INSERT INTO`)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"Full", full, "SQLITE_FULL"},
		{"ReadOnly", ro, "SQLITE_READONLY"},
		{"Syntax", syntax, ""},
		{"Nil", nil, ""},
	} {
		if got := (dialect{}).Unavailable(tc.err); !strings.Contains(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("%s: Unavailable(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}
