package postgres_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
)

// beforeSearchSQL is the search as it was with ts_headline (the incident
// IDs and ranks of the hits only): the results must not change.
const beforeSearchSQL = `WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', $1) AS q),
win AS (
    SELECT s.incident_id, s.tsv FROM incident_search s JOIN incidents i ON i.id = s.incident_id
    WHERE s.tsv @@ (SELECT q FROM q) AND i.deleted_at IS NULL
    ORDER BY s.incident_id DESC LIMIT 1000),
hits AS (
    SELECT w.incident_id, ts_rank_cd(w.tsv, (SELECT q FROM q)) AS rank, count(*) OVER () AS n FROM win w
    ORDER BY rank DESC, w.incident_id LIMIT 200 OFFSET 0)
SELECT i.id, hits.rank, hits.n
FROM hits JOIN incidents i ON i.id = hits.incident_id JOIN incident_search s ON s.incident_id = hits.incident_id
ORDER BY hits.rank DESC, i.id`

// TestSearchSnippetsInGo: with the snippets made in Go instead of by
// ts_headline, a search finds the same incidents in the same order with
// the same ranks and total as before, and every word a snippet marks is
// one the query matches in PostgreSQL's own terms (to_tsvector of the
// word @@ the query). Nearly every hit's snippet marks a word (the Porter
// stemmer of the snippets and PostgreSQL's english stemmer can disagree
// on a rare word).
func TestSearchSnippetsInGo(t *testing.T) {
	url, schema := freshSchema(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, url, postgres.Options{Render: markdown.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := gen.New(7)
	for range 150 {
		p := g.Postmortem()
		p.Summary.IncidentID = ""
		if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, x := range []struct{ title, body string }{
		{"Database failover at night", "The primary database failed over. Replicas caught up within minutes: no data lost.\nDeploys were paused."},
		{"Café outage", "The café's résumé service was DOWN; deploying the fix took 3 deploys (deployed twice).\n\nMonitoring: none."},
		{"Certificates", "Nothing here for a while " + strings.Repeat("word ", 40) + "until the certificate expired"},
	} {
		if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: x.title, ExecutiveSummary: x.body}, Author: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	conn := schemaConn(t, url, schema)
	wordRE := regexp.MustCompile(`[\pL\pN]+`)
	marked := regexp.MustCompile(hindsight.MarkStart + `([^` + hindsight.MarkEnd + `]*)` + hindsight.MarkEnd)
	queries := []string{"database", "certificate expired", "connection pool exhausted", "latency", "rollback deploy", "kafka consumer lag",
		"dns", "memory leak", "rate limit", "deploying", "cafe resume down", "failover replicas", "queue cache", "monitoring none",
		`"database failover"`, "database -replica", "latency or timeout", "the database"}
	var hits, unmarked, marks int
	for _, q := range queries {
		rows, err := conn.Query(ctx, beforeSearchSQL, q)
		if err != nil {
			t.Fatal(err)
		}
		type hit struct {
			id   string
			rank float64
		}
		var want []hit
		var total int
		for rows.Next() {
			var h hit
			if err := rows.Scan(&h.id, &h.rank, &total); err != nil {
				t.Fatal(err)
			}
			want = append(want, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		page, err := s.SearchIncidents(ctx, hindsight.SystemViewer, hindsight.SearchQuery{Text: q, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Hits) != len(want) || page.Total != total {
			t.Fatalf("%q: %d hits of %d, want %d of %d", q, len(page.Hits), page.Total, len(want), total)
		}
		for i, h := range page.Hits {
			if h.ID != want[i].id || float32(h.Rank) != float32(want[i].rank) {
				t.Fatalf("%q: hit %d is %s (rank %v), want %s (rank %v)", q, i, h.ID, h.Rank, want[i].id, want[i].rank)
			}
			hits++
			ms := marked.FindAllStringSubmatch(h.Snippet, -1)
			if len(ms) == 0 {
				unmarked++
				t.Logf("%q: %s: no word marked in %q", q, h.ID, h.Snippet)
			}
			for _, m := range ms {
				marks++
				// a match of any one word of the query
				var ok bool
				if err := conn.QueryRow(ctx, `SELECT to_tsvector('english', $1) @@ to_tsquery('english', $2)`, m[1], strings.Join(wordRE.FindAllString(q, -1), " | ")).Scan(&ok); err != nil {
					t.Fatal(err)
				}
				if !ok {
					t.Errorf("%q: %s: the snippet marks %q, which the query does not match: %q", q, h.ID, m[1], h.Snippet)
				}
			}
		}
	}
	t.Logf("%d hits, %d marked words, %d hits without a marked word", hits, marks, unmarked)
	if hits < 300 || unmarked*50 > hits {
		t.Fatalf("%d hits, %d without a marked word: want at least 300 hits and at most 2%% unmarked", hits, unmarked)
	}
}
