package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// FuzzAPIJSON sends arbitrary bytes as the JSON body of the API's document
// endpoints, through the whole server handler over a real SQLite store:
// POST /api/v1/lint (decode, then lint) and PUT /api/v1/incidents/{id} with
// a stale If-Match (decode and validate, then refused: nothing is stored).
// Whatever the body, the answer is a documented status (never a 500 or a
// panic), an error is a JSON error body with a code and a message, and the
// stored incident is unchanged.
func FuzzAPIJSON(f *testing.F) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "fuzz.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	svc := app.New(st, app.Options{Now: func() time.Time { return clock }})
	h, err := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, api.New(svc, api.Options{}).Routes())
	if err != nil {
		f.Fatal(err)
	}
	src, err := os.ReadFile("../examples/INC-20260312-001-checkout-database-failover.md")
	if err != nil {
		f.Fatal(err)
	}
	doc, _ := markdown.Parse(src)
	inc, err := svc.Create(ctx, app.System, doc, app.CreateOptions{KeepID: true})
	if err != nil {
		f.Fatal(err)
	}
	id := inc.ID
	before, err := st.FindIncidentByID(ctx, hindsight.SystemViewer, id)
	if err != nil {
		f.Fatal(err)
	}
	path := api.Prefix + "/incidents/" + id

	// Seeds: the example and the empty document as JSON, and a few shapes
	// the decoder must refuse.
	if b, err := json.Marshal(doc); err == nil {
		f.Add(b)
	}
	if b, err := json.Marshal(&hindsight.Postmortem{}); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"title":"x"}`, `{"title":1}`, `{"nope":true}`, `{"title":"x"} {}`,
		`{"timeline":[{"time":"2026-01-01 00:00","event":"a"}]}`,
		`{"summary":{"severity":"SEV-9"}}`, "{\"title\":\"\xff\"}", strings.Repeat("[", 40) + strings.Repeat("]", 40),
		`{"title":"\u0000\ud800"}`, `{"action_items":[{"priority":"P9","due":"tomorrow"}]}`,
	} {
		f.Add([]byte(s))
	}

	allowed := map[int]bool{200: true, 400: true, 412: true, 413: true, 422: true}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, q := range []struct{ method, path, ifMatch string }{
			{http.MethodPost, api.Prefix + "/lint", ""},
			{http.MethodPut, path, `"999999"`},
		} {
			r := httptest.NewRequest(q.method, q.path, strings.NewReader(string(body)))
			r.Header.Set("Content-Type", "application/json")
			if q.ifMatch != "" {
				r.Header.Set("If-Match", q.ifMatch)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if !allowed[rec.Code] {
				t.Fatalf("%s %s answered %d: %s", q.method, q.path, rec.Code, rec.Body.Bytes())
			}
			if rec.Code == http.StatusOK {
				if !json.Valid(rec.Body.Bytes()) {
					t.Fatalf("%s %s: 200 with a body that is not JSON: %.300s", q.method, q.path, rec.Body.Bytes())
				}
				continue
			}
			var e api.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s answered %d without a JSON error (code and message): %.300s", q.method, q.path, rec.Code, rec.Body.Bytes())
			}
		}
		after, err := st.FindIncidentByID(ctx, hindsight.SystemViewer, id)
		if err != nil {
			t.Fatal(err)
		}
		if after.Revision != before.Revision || string(after.Markdown) != string(before.Markdown) {
			t.Fatalf("a refused PUT changed the incident: revision %d -> %d", before.Revision, after.Revision)
		}
	})
}
