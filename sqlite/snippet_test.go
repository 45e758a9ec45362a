package sqlite

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
)

// TestSnippetsAsFTS5 checks that the snippets made in Go are the ones
// FTS5's snippet() made in the query before (the same call,
// snippet(incident_fts, -1, char(2), char(3), '…', 24)): for generated
// incidents and the benchmark's queries, every hit's snippet, and a table
// of typical texts.
func TestSnippetsAsFTS5(t *testing.T) {
	ctx := t.Context()
	s, path, add := generatedStore(t, 7)
	add(150)
	// typical texts: sentences, a hit in the title, repeats, stems,
	// diacritics, a hit at the very end, several words
	typical := []struct{ title, body string }{
		{"Database failover at night", "The primary database failed over. Replicas caught up within minutes: no data lost.\nDeploys were paused."},
		{"Checkout latency", strings.Repeat("Requests queued behind the cache. ", 20) + "Then the deployment was rolled back: latency recovered."},
		{"Café outage", "The café's résumé service was DOWN; deploying the fix took 3 deploys (deployed twice).\n\nMonitoring: none."},
		{"Certificates", "Nothing here for a while " + strings.Repeat("word ", 40) + "until the certificate expired"},
	}
	for _, x := range typical {
		p := &hindsight.Postmortem{Title: x.title, ExecutiveSummary: x.body}
		if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := []string{"database", "certificate expired", "connection pool exhausted", "latency", "rollback deploy",
		"kafka consumer lag", "dns", "customer data exposure", "memory leak", "rate limit", "deploying", "cafe resume down",
		"failover replicas", "the", "queue cache", "monitoring none"}
	var n, diff int
	for _, q := range queries {
		arg, ok := dialect{}.MatchArg(q)
		if !ok {
			t.Fatalf("%q: no words", q)
		}
		rows, err := db.QueryContext(ctx, `SELECT title, body, snippet(incident_fts, -1, char(2), char(3), '…', 24) FROM incident_fts WHERE incident_fts MATCH ?`, arg)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var title, body, want string
			if err := rows.Scan(&title, &body, &want); err != nil {
				t.Fatal(err)
			}
			n++
			if got := makeSnippet(arg, title, body); got != want {
				diff++
				if diff <= 5 {
					t.Errorf("query %q, title %q:\n got %q\nwant %q", q, title, show(got), show(want))
				}
			}
		}
		rows.Close()
	}
	t.Logf("%d snippets compared, %d differ", n, diff)
	if n < 500 {
		t.Fatalf("only %d snippets compared", n)
	}
}

func show(s string) string {
	return strings.NewReplacer(hindsight.MarkStart, "[", hindsight.MarkEnd, "]").Replace(s)
}

// BenchmarkSnippet is the Go snippet of a generated incident's text.
func BenchmarkSnippet(b *testing.B) {
	g := gen.New(3)
	p := g.Postmortem()
	body := fmt.Sprint(p.ExecutiveSummary, "\n", p.RootCause, "\n", p.Impact)
	arg, _ := dialect{}.MatchArg("database latency")
	for b.Loop() {
		makeSnippet(arg, p.Title, body)
	}
}

// FuzzSnippet: any text and query make a snippet without panicking, and
// the snippet without its marks and ellipses is text of the title or body.
func FuzzSnippet(f *testing.F) {
	f.Add("Database failover", "The primary database failed over. Replicas: fine.", "database replica")
	f.Add("", "café résumé ＤＥＰＬＯＹ deploying", "deploy cafe")
	f.Fuzz(func(t *testing.T, title, body, q string) {
		arg, ok := dialect{}.MatchArg(q)
		if !ok {
			return
		}
		// the store's search text holds no marks (cleanSearch)
		nomarks := strings.NewReplacer(hindsight.MarkStart, " ", hindsight.MarkEnd, " ")
		title, body = nomarks.Replace(title), nomarks.Replace(body)
		got := makeSnippet(arg, title, body)
		plain := strings.NewReplacer(hindsight.MarkStart, "", hindsight.MarkEnd, "").Replace(got)
		plain = strings.TrimSuffix(strings.TrimPrefix(plain, ellipsis), ellipsis)
		if !strings.Contains(title, plain) && !strings.Contains(body, plain) {
			t.Fatalf("snippet %q is not text of %q or %q", got, title, body)
		}
	})
}
