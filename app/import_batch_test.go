package app_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestImportDocsOneBadInABatch imports 250 generated documents the way
// hindsight import does (app.ImportBatch at a time) into a store whose
// document limit is below the service's, so that one document passes the
// service's checks and fails in the store, inside a batch's transaction.
// That document alone is rejected, named by its file; the others of its
// batch are stored, and a second document with the Incident ID of one
// before it in the same batch updates it, as one document at a time would.
func TestImportDocsOneBadInABatch(t *testing.T) {
	const storeMax = 200_000 // the service's limit is the default, 1 MiB
	stores := map[string]func(t *testing.T) hindsight.Store{
		"sqlite": func(t *testing.T) hindsight.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, MaxDocBytes: storeMax})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"postgres": func(t *testing.T) hindsight.Store {
			url, schema := pgSchema(t)
			st, err := postgres.Open(context.Background(), url, postgres.Options{Render: app.Render, Schema: schema, MaxDocBytes: storeMax})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
	const n, bad, dup, dupOf = 250, 150, 160, 120 // bad, dup and dupOf in the second batch
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			st := open(t)
			s := app.New(st, app.Options{})
			g := gen.New(7)
			var docs []*app.ImportDoc
			var titles []string
			for i := range n {
				p := g.Postmortem()
				path := fmt.Sprintf("docs/%03d-%s", i, gen.FileName(p))
				switch i {
				case bad:
					p.ExecutiveSummary = strings.Repeat("a sentence far too long for the store. ", storeMax/39+1)
					path = "docs/bad.md"
				case dup:
					p = g.Postmortem()
					p.Summary.IncidentID = docs[dupOf].Path[len("docs/000-"):][:len("INC-20260312-001")]
					p.Title = "the second version of document 120"
				}
				titles = append(titles, p.Title)
				docs = append(docs, s.PrepareImport(path, markdown.Render(p)))
			}
			if !strings.HasPrefix(docs[dupOf].Path[len("docs/000-"):], "INC-") {
				t.Fatalf("generated file name %s does not start with its Incident ID", docs[dupOf].Path)
			}
			var rs []app.ImportResult
			for i := 0; i < n; i += app.ImportBatch {
				rs = append(rs, s.ImportDocs(ctx, app.System, docs[i:min(i+app.ImportBatch, n)], app.ImportOptions{Force: true})...)
			}
			if len(rs) != n {
				t.Fatalf("%d results for %d documents", len(rs), n)
			}
			created := 0
			for i, r := range rs {
				switch {
				case i == bad:
					if r.Outcome != app.Rejected || hindsight.ErrorCode(r.Err) != hindsight.ETooLarge || !strings.HasPrefix(r.Err.Error(), "docs/bad.md: ") {
						t.Errorf("the bad document: %s %v, want rejected, too large, named by its file", r.Outcome, r.Err)
					}
				case i == dup:
					if r.Outcome != app.Updated || r.Err != nil || r.ID != rs[dupOf].ID {
						t.Errorf("document %d: %s %s %v, want an update of %s", i, r.Outcome, r.ID, r.Err, rs[dupOf].ID)
					}
				default:
					if r.Outcome != app.Created || r.Err != nil {
						t.Fatalf("document %d: %s %v, want created", i, r.Outcome, r.Err)
					}
					created++
					want := titles[i]
					if i == dupOf {
						want = titles[dup]
					}
					in, err := s.Get(ctx, app.System, r.ID)
					if err != nil || in.Doc.Title != want {
						t.Fatalf("document %d stored as %s: %v; title %q, want %q", i, r.ID, err, in.Doc.Title, want)
					}
				}
			}
			page, err := st.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Incidents) != created || created != n-2 {
				t.Errorf("%d incidents stored, %d created; want %d", len(page.Incidents), created, n-2)
			}
		})
	}
}
