package postgres

import (
	"database/sql"
	"errors"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestIsUniqueViolation: unique and primary key violations are recognised
// by SQLSTATE 23505; other constraint failures, and an error whose text
// merely says so, are not.
func TestIsUniqueViolation(t *testing.T) {
	u := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set")
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string) error { _, err := conn.ExecContext(t.Context(), q); return err }
	if err := exec(`CREATE TEMP TABLE t (id int PRIMARY KEY, email text UNIQUE, name text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if err := exec(`INSERT INTO t VALUES (1, 'a@example.com', 'a')`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"Unique", exec(`INSERT INTO t VALUES (2, 'a@example.com', 'b')`), true},
		{"PrimaryKey", exec(`INSERT INTO t VALUES (1, 'b@example.com', 'b')`), true},
		{"NotNull", exec(`INSERT INTO t VALUES (3, 'c@example.com', NULL)`), false},
		{"MessageOnly", errors.New("duplicate key value violates unique constraint (SQLSTATE 23505)"), false},
		{"Nil", nil, false},
	}
	for _, tc := range tests {
		if got := (dialect{}).IsUniqueViolation(tc.err); got != tc.want {
			t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestUnavailable: a write in a read-only transaction (a standby) names
// the cause; a unique violation is not "unavailable".
func TestUnavailable(t *testing.T) {
	u := os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("HINDSIGHT_TEST_POSTGRES_URL is not set")
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(t.Context(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	_, ro := tx.ExecContext(t.Context(), `CREATE TEMP TABLE never (x int)`)
	_ = tx.Rollback()
	if got := (dialect{}).Unavailable(ro); !strings.Contains(got, "25006") {
		t.Errorf("read-only transaction: Unavailable(%v) = %q", ro, got)
	}
	if got := (dialect{}).Unavailable(errors.New("SQLSTATE 53100")); got != "" {
		t.Errorf("a message is not a code: %q", got)
	}
}
