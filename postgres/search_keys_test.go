package postgres_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
)

// windowSQL is the search window by its definition, every match read: the
// window most recent matches ($2) that the reader may see (here: not
// deleted, and restricted ones only when $3), ranked.
const windowSQL = `WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', $1) AS q),
win AS (
    SELECT s.incident_id, s.tsv FROM incident_search s JOIN incidents i ON i.id = s.incident_id
    WHERE s.tsv @@ (SELECT q FROM q) AND i.deleted_at IS NULL AND (NOT i.restricted OR $3)
    ORDER BY s.incident_id DESC LIMIT $2)
SELECT w.incident_id, ts_rank_cd(w.tsv, (SELECT q FROM q)) AS rank FROM win w ORDER BY rank DESC, w.incident_id`

// TestSearchKeysWindow: the search window found through
// incident_search_keys (migration 00290) is the window by its definition,
// ranks included, for incidents spread over three years and a few from
// years before (a range of more than 48 months is searched without the
// keys), for single words common and rare, several words, phrases,
// negations (only negations: the range read in ID order), or, stop words
// only; as a reader who sees everything and one who sees no restricted
// incident; without planner statistics and with them (the range then
// starts where the statistics expect the window to fill). The window is 8,
// so the ranges cross buckets (months and tens of days) at every size.
func TestSearchKeysWindow(t *testing.T) {
	url, schema := freshSchema(t)
	ctx := t.Context()
	const window = 8
	s, err := postgres.Open(ctx, url, postgres.Options{Render: markdown.Render, Schema: schema, SearchWindow: window})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := gen.New(11)
	var ids []string
	for i := range 260 {
		p := g.Postmortem()
		p.Summary.IncidentID = ""
		if i%40 == 0 {
			// an incident years before the others
			p.Summary.Start, _ = hindsight.ParseTime(fmt.Sprintf("%d-0%d-1%d 10:00", 2012+i/40, 1+i%9, i%10))
		}
		in, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	slices.Sort(ids)
	// the most recent incidents deleted or restricted now and then
	for i, id := range ids[len(ids)-60:] {
		switch i % 7 {
		case 2:
			if err := s.DeleteIncident(ctx, hindsight.IncidentDelete{ID: id, Author: "t"}); err != nil {
				t.Fatal(err)
			}
		case 5:
			cur, err := s.FindIncidentByID(ctx, hindsight.SystemViewer, id)
			if err != nil {
				t.Fatal(err)
			}
			on := true
			if _, err := s.UpdateIncident(ctx, hindsight.IncidentUpdate{ID: id, BaseRevision: cur.Revision, Doc: cur.Doc, Restricted: &on}); err != nil {
				t.Fatal(err)
			}
		}
	}
	conn := schemaConn(t, url, schema)
	compare := func(t *testing.T) {
		t.Helper()
		check(t, s, conn, window)
	}
	t.Run("NoStatistics", compare)
	// with planner statistics the range starts where the window should fill
	// (hindsight_search_share)
	if _, err := conn.Exec(ctx, "ANALYZE incident_search"); err != nil {
		t.Fatal(err)
	}
	var share *float64
	if err := conn.QueryRow(ctx, `SELECT hindsight_search_share(websearch_to_tsquery('english', 'database'))`).Scan(&share); err != nil {
		t.Fatal(err)
	}
	if share == nil || *share <= 0 || *share > 1 {
		t.Fatalf("share of 'database' after ANALYZE: %v, want a frequency", share)
	}
	// the histogram of incident IDs read after the ANALYZE: the range
	// starts from it instead of counting the k most recent incidents
	postgres.ReloadSearchBounds(s)
	t.Run("Statistics", compare)
	// this database's collation orders IDs by their bytes (C.UTF-8 or
	// C): sorted with COLLATE "C" above, with the column's here
	postgres.SetSearchByteOrder(s, false)
	t.Run("StatisticsColumnCollation", compare)
	postgres.ReloadSearchBounds(s)
	// with statistics, the range, the share and the keys query are worked
	// out in Go, as the SQL functions do
	for _, q := range []string{"database", "database latency", `"connection pool"`, "certificate or dns", "database -latency"} {
		if way := postgres.SearchWindowWay(ctx, s, window, q, 2*window); way != "keys" {
			t.Errorf("%q: window found by %s, want keys worked out in Go", q, way)
		}
	}
	// words joined by AND and OR: the keys match exactly the query's
	// matches; phrases and negations are checked against each row
	for q, want := range map[string]bool{"database": true, "database latency": true, "certificate or dns": true,
		"replica OR rollback cache": true, `"connection pool"`: false, "database -latency": false, "-database": false,
		"the and": false, "o'reilly": false, `"database failover" or dns`: false} {
		if got := postgres.SearchExact(ctx, s, q); got != want {
			t.Errorf("%q: exact %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"database", "zzyzxq", "database latency", "certificate or dns", "replica OR rollback -cache",
		`"rate limit" or -queue`, "-database", "the and", "o'reilly", `"database failover" -latency`, "dns or (cache)", "a | b & c"} {
		var qt, want *string
		var wantShare *float64
		if err := conn.QueryRow(ctx, `SELECT querytree(q), hindsight_search_share(q) FROM websearch_to_tsquery('english', $1) q`, q).Scan(&qt, &wantShare); err != nil {
			t.Fatal(err)
		}
		if qt == nil {
			qt = ptr("")
		}
		got, ok := postgres.SearchShare(s, *qt)
		if ok != (wantShare != nil) || ok && got != *wantShare {
			t.Errorf("%q: share %v (%v), hindsight_search_share %v", q, got, ok, deref(wantShare))
		}
		lo, hi := ids[len(ids)-30], ids[len(ids)-1]
		if err := conn.QueryRow(ctx, `SELECT hindsight_search_keys_query(websearch_to_tsquery('english', $1), $2, $3)::text`, q, lo, hi).Scan(&want); err != nil {
			t.Fatal(err)
		}
		kq, ok := postgres.KeysQuery(*qt, lo, hi)
		if ok != (want != nil) {
			t.Errorf("%q: keys query %q (%v), hindsight_search_keys_query %q", q, kq, ok, deref(want))
			continue
		}
		if ok {
			// the same text as the function's once parsed
			var norm string
			if err := conn.QueryRow(ctx, `SELECT $1::tsquery::text`, kq).Scan(&norm); err != nil {
				t.Fatal(err)
			}
			if norm != *want {
				t.Errorf("%q: keys query %s, hindsight_search_keys_query %s", q, norm, *want)
			}
		}
	}
	// an incident ID above the keys query's last bucket (as if created
	// since the statistics were read): the statement says so and the
	// search asks SearchWindowSQL instead, with the same results
	postgres.SetSearchMaxID(s, ids[len(ids)/2])
	t.Run("HigherIDSinceStatistics", compare)
	postgres.SetSearchMaxID(s, "incident-7")
	t.Run("HighestIDOfOtherForm", compare)
	postgres.ReloadSearchBounds(s)
	if _, err := s.SearchIncidents(ctx, hindsight.SystemViewer, hindsight.SearchQuery{Text: "database"}); err != nil {
		t.Fatal(err)
	}
	hist := postgres.SearchBounds(s)
	if len(hist) < 2 || !slices.IsSorted(hist) {
		t.Fatalf("histogram of incident IDs after ANALYZE: %q, want IDs in order", hist)
	}
	// a histogram out of date or wrong only costs time: the search widens
	// a range short of the window, and the results stay the window's
	lo, hi := ids[0], ids[len(ids)-1]
	for _, tc := range []struct {
		name string
		hist []string
	}{
		{"HistogramAllHighest", []string{hi, hi, hi}},      // every range starts at the newest incident
		{"HistogramAllLowest", []string{lo, lo, lo, lo}},   // every range holds every incident
		{"HistogramOfOtherIDs", []string{"A", "M", "ZZZ"}}, // IDs of another form
		{"HistogramEmptyStrings", []string{"", ""}},
		{"HistogramHalf", hist[len(hist)/2:]}, // as if half the incidents were added since the ANALYZE
	} {
		postgres.SetSearchBounds(s, tc.hist)
		t.Run(tc.name, compare)
	}
}

// check compares every page of the search of each query with windowSQL,
// as a reader who sees everything and one who sees no restricted incident.
func check(t *testing.T, s *postgres.Store, conn *pgx.Conn, window int) {
	ctx := t.Context()
	type hit struct {
		ID   string
		Rank float32
	}
	queries := []string{"database", "latency", "certificate", "deploy", "queue", "dns", "memory", "rollback",
		"database latency", "replica failover timeout", `"connection pool"`, `"database failover"`, "database -latency",
		"-database", `-"connection pool"`, "certificate or dns", "replica OR rollback -cache", "zzyzxq", "the and", "o'reilly",
		"kafka consumer lag", "memory leak -deploy", `"rate limit" or -queue`}
	for _, q := range queries {
		for _, v := range []struct {
			name string
			v    hindsight.Viewer
			all  bool
		}{{"System", hindsight.SystemViewer, true}, {"Reader", hindsight.Viewer{UserID: "nobody"}, false}} {
			rows, err := conn.Query(ctx, windowSQL, q, window, v.all)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pgx.CollectRows(rows, pgx.RowToStructByPos[hit])
			if err != nil {
				t.Fatal(err)
			}
			var got []hit
			total := -1
			for cursor, n := "", 0; n == 0 || cursor != ""; n++ {
				page, err := s.SearchIncidents(ctx, v.v, hindsight.SearchQuery{Text: q, Limit: 3, Cursor: cursor})
				if err != nil {
					t.Fatalf("%s %q: %v", v.name, q, err)
				}
				for _, h := range page.Hits {
					got = append(got, hit{h.ID, float32(h.Rank)})
				}
				if n == 0 {
					total = page.Total
				}
				cursor = page.Next
			}
			if !slices.Equal(got, want) || total != len(want) {
				t.Errorf("%s %q: hits %v (total %d), want %v", v.name, q, got, total, want)
			}
		}
	}
}

// TestSearchKeysQuery: hindsight_search_keys_query rewrites a query over
// the buckets of a range (every word a choice of word@bucket, phrases as
// AND, negations dropped), and gives NULL where the keys cannot narrow the
// search.
func TestSearchKeysQuery(t *testing.T) {
	url, schema := freshSchema(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, url, postgres.Options{Render: markdown.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	conn := schemaConn(t, url, schema)
	for _, c := range []struct {
		name, q, lo, hi string
		want            *string
	}{
		{"Word", "database", "INC-20261029-001", "INC-20261031-014", ptr(`'databas@2026103' | 'databas@2026102' | 'databas@x'`)},
		{"SameBucket", "database", "INC-20261030-001", "INC-20261031-014", ptr(`'databas@2026103' | 'databas@x'`)},
		{"AcrossYears", "dns", "INC-20251231-001", "INC-20260101-002", ptr(`'dns@2026010' | 'dns@2025123' | 'dns@x'`)},
		{"AndPhraseNot", `database -latency "connection pool"`, "INC-20261030-001", "INC-20261031-014",
			ptr(`( 'databas@2026103' | 'databas@x' ) & ( 'connect@2026103' | 'connect@x' ) & ( 'pool@2026103' | 'pool@x' )`)},
		{"Or", "dns or cache", "INC-20261030-001", "INC-20261031-014", ptr(`'dns@2026103' | 'dns@x' | 'cach@2026103' | 'cach@x'`)},
		{"Quote", "o'reilly", "INC-20261030-001", "INC-20261031-014", ptr(`( 'o@2026103' | 'o@x' ) & ( 'reilli@2026103' | 'reilli@x' )`)},
		{"OnlyNegated", "-database", "INC-20261030-001", "INC-20261031-014", nil},
		{"NotInOr", "dns or -cache", "INC-20261030-001", "INC-20261031-014", nil},
		{"StopWords", "the and", "INC-20261030-001", "INC-20261031-014", nil},
		{"OtherID", "database", "incident-7", "INC-20261031-014", nil},
		{"OtherHighest", "database", "INC-20261030-001", "zzz", nil},
		{"BadMonth", "database", "INC-20261330-001", "INC-20261031-014", nil},
		{"FourYears", "database", "INC-20221031-001", "INC-20261031-014", nil},
		{"NearlyFourYears", "database", "INC-20221101-001", "INC-20261031-014", ptr("")},
		{"Backslash", `a\b c'd "e''f"`, "INC-20261030-001", "INC-20261031-014", ptr("")},
		{"Unicode", "café naïve straße", "INC-20261030-001", "INC-20261031-014", ptr("")},
		{"Phrases", `"quick brown fox" or "lazy dog" -cat`, "INC-20261030-001", "INC-20261031-014", ptr("")},
		{"Reversed", "database", "INC-20261031-014", "INC-20261030-001", ptr("")},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got *string
			err := conn.QueryRow(ctx, `SELECT hindsight_search_keys_query(websearch_to_tsquery('english', $1), $2, $3)::text`, c.q, c.lo, c.hi).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			// the Go version (keysQuery) gives the same text
			var qt *string
			if err := conn.QueryRow(ctx, `SELECT querytree(websearch_to_tsquery('english', $1))`, c.q).Scan(&qt); err != nil {
				t.Fatal(err)
			}
			if qt == nil {
				qt = ptr("")
			}
			kq, ok := postgres.KeysQuery(*qt, c.lo, c.hi)
			if ok != (got != nil) {
				t.Errorf("keysQuery %q (%v), the function %v", kq, ok, deref(got))
			} else if ok {
				var norm string
				if err := conn.QueryRow(ctx, `SELECT $1::tsquery::text`, kq).Scan(&norm); err != nil {
					t.Fatal(err)
				}
				if norm != *got {
					t.Errorf("keysQuery %s, the function %s", norm, *got)
				}
			}
			switch {
			case c.want == nil && got != nil:
				t.Errorf("got %s, want NULL", *got)
			case c.want != nil && got == nil:
				t.Errorf("got NULL, want %s", *c.want)
			case c.want != nil && *c.want != "" && *got != *c.want:
				t.Errorf("got  %s\nwant %s", *got, *c.want)
			}
		})
	}
	// every word of a tsvector is keyed with its incident's bucket, quotes
	// and backslashes kept
	var keys string
	if err := conn.QueryRow(ctx, `SELECT hindsight_search_keys(to_tsvector('simple', 'it''s a b\c') || 'x''y'::tsvector, 'INC-20260315-004')::text`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if want := `'a@2026031' 'b@2026031' 'c@2026031' 'it@2026031' 's@2026031' 'x''y@2026031'`; keys != want {
		t.Errorf("keys %s, want %s", keys, want)
	}
	if err := conn.QueryRow(ctx, `SELECT hindsight_search_keys('a b'::tsvector, 'OLD-1')::text`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if want := `'a@x' 'b@x'`; keys != want {
		t.Errorf("keys of another ID %s, want %s", keys, want)
	}
}

func ptr(s string) *string { return &s }

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
