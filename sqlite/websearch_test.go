package sqlite

import (
	"database/sql"
	"slices"
	"testing"
)

func TestWebsearch(t *testing.T) {
	tests := []struct {
		text, want string
		ok         bool
		marked     []string
	}{
		{"billing export", `"billing" AND "export"`, true, []string{"billing", "export"}},
		{`"connection pool" exhausted`, `"connection pool" AND "exhausted"`, true, []string{"connection", "pool", "exhausted"}},
		{"red or expired", `("red") OR ("expired")`, true, []string{"red", "expired"}},
		{"dns red OR expired", `("dns" AND "red") OR ("expired")`, true, []string{"dns", "red", "expired"}},
		{"dns -red or expired -tls", `(("dns") NOT "red") OR (("expired") NOT "tls")`, true, []string{"dns", "expired"}},
		{"database -payments", `("database") NOT "payments"`, true, []string{"database"}},
		{`database -"ran out" -pool`, `("database") NOT ("ran out" OR "pool")`, true, []string{"database"}},
		{`database -"ran out" -pool or dns -red -tls -"x y"`, `(("database") NOT ("ran out" OR "pool")) OR (("dns") NOT ("red" OR "tls" OR "x y"))`, true, []string{"database", "dns"}},
		{"us-east-1 outage", `"us" AND "east" AND "1" AND "outage"`, true, []string{"us", "east", "1", "outage"}},
		{"-payments", "", false, nil},
		{"or", "", false, nil},
		{"red or", `"red"`, true, []string{"red"}},
		{"-red or expired", `"expired"`, true, []string{"expired"}},
		{"red or -expired", `"red"`, true, []string{"red"}},
		{`AND NOT "NEAR(`, `"AND" AND "NOT" AND "NEAR"`, true, []string{"AND", "NOT", "NEAR"}},
		{`"unclosed phrase`, `"unclosed phrase"`, true, []string{"unclosed", "phrase"}},
		{`""`, "", false, nil},
		{"!!! ---", "", false, nil},
		{"database ---payments", `("database") NOT "payments"`, true, []string{"database"}},
		{"database - payments", `("database") NOT "payments"`, true, []string{"database"}},
		{"database --payments", `"database" AND "payments"`, true, []string{"database", "payments"}},
		{"database (-payments)", `("database") NOT "payments"`, true, []string{"database"}},
		{"database -.payments", `("database") NOT "payments"`, true, []string{"database"}},
		{"database,-payments", `"database" AND "payments"`, true, []string{"database", "payments"}},
		{"red - or expired", `"red" AND "expired"`, true, []string{"red", "expired"}},
		{"red -", `"red"`, true, []string{"red"}},
		{"数据库 Zürich", `"数据库" AND "Zürich"`, true, []string{"数据库", "Zürich"}},
	}
	for _, tc := range tests {
		got, ok := websearch(tc.text)
		if got != tc.want || ok != tc.ok {
			t.Errorf("websearch(%q) = %q, %v; want %q, %v", tc.text, got, ok, tc.want, tc.ok)
			continue
		}
		if m := matchedWords(got); ok && !slices.Equal(m, tc.marked) {
			t.Errorf("matchedWords(%q) = %q, want %q", got, m, tc.marked)
		}
	}
}

// FuzzWebsearch: any text gives an FTS5 query that FTS5 accepts (or none),
// and the words it marks are words of the text.
func FuzzWebsearch(f *testing.F) {
	for _, s := range []string{"billing export", `"a b" -c or d`, `-"x`, "or or -or", `"" - -- "`, "NEAR(a b) AND c*"} {
		f.Add(s)
	}
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	f.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5 (title, body, tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO t VALUES ('Database failover', 'The primary database ran out of connections in us-east-1.')`); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, ok := websearch(text)
		if !ok {
			return
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM t WHERE t MATCH ?`, q).Scan(&n); err != nil {
			t.Fatalf("websearch(%q) = %q: FTS5 refuses it: %v", text, q, err)
		}
		for _, w := range matchedWords(q) {
			if len(wordsOf(w)) != 1 || wordsOf(w)[0] != w {
				t.Fatalf("websearch(%q) marks %q, not a word", text, w)
			}
		}
	})
}

func TestNumbered(t *testing.T) {
	for _, c := range []struct{ q, want string }{
		{"", ""},
		{"i.deleted_at IS NULL", "i.deleted_at IS NULL"},
		{"a = ?", "a = ?2"},
		{"(NOT i.restricted OR EXISTS (SELECT 1 FROM v m WHERE m.user_id = ?)) AND x IN (?, ?)", "(NOT i.restricted OR EXISTS (SELECT 1 FROM v m WHERE m.user_id = ?2)) AND x IN (?3, ?4)"},
		{"??", "?2?3"},
	} {
		if got := numbered(c.q, 2); got != c.want {
			t.Errorf("numbered(%q, 2) = %q, want %q", c.q, got, c.want)
		}
	}
}
