package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestCancelledRequestStops: a request whose client has gone stops between
// its stages: the lint endpoint answers no findings, and a save stores no
// revision (issue 15: the work went on after the client left).
func TestCancelledRequestStops(t *testing.T) {
	e := newEnv(t)
	inc := e.create("Cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	send := func(method, path, ct, body string, hdr ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, path, strings.NewReader(body)).WithContext(ctx)
		r.Header.Set("Content-Type", ct)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec
	}
	if rec := send("POST", "/api/v1/lint", "text/markdown", markdownOf(&hindsight.Postmortem{})); rec.Code == http.StatusOK {
		t.Errorf("lint of a cancelled request answered 200: %s", rec.Body)
	}
	doc := sampleDoc("Cancelled, edited")
	rec := send("PUT", "/api/v1/incidents/"+inc.ID, "text/markdown", markdownOf(doc), "If-Match", `"1"`)
	if rec.Code < 400 {
		t.Errorf("a save of a cancelled request answered %d", rec.Code)
	}
	got, err := e.svc.Get(context.Background(), app.System, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision != inc.Revision || got.Doc.Title != inc.Doc.Title {
		t.Errorf("the cancelled save was stored: revision %d, title %q", got.Revision, got.Doc.Title)
	}
	if _, err := e.svc.SaveMarkdown(ctx, app.System, inc.ID, inc.Revision, []byte(markdownOf(doc)), app.SaveOptions{}); hindsight.ErrorCode(err) != hindsight.EUnavailable {
		t.Errorf("SaveMarkdown with a cancelled context: %v, want transient", err)
	}
}

// TestLintDeepQuotes is the request of issue 15: 50,000 nested block
// quotes through POST /api/v1/lint (6 s before the nesting bound).
func TestLintDeepQuotes(t *testing.T) {
	e := newEnv(t)
	body := "# Incident Postmortem: deep\n\n" + strings.Repeat("> ", 50000) + "deepest\n"
	res := e.do(req{method: "POST", path: "/api/v1/lint", header: mdHeader, body: body})
	if res.status != http.StatusOK {
		t.Fatalf("%d %s", res.status, res.body)
	}
}

// TestCreateVisibilityQuery: restricted= and members= of POST
// /api/v1/incidents; members alone mean restricted, members of a public
// incident are refused.
func TestCreateVisibilityQuery(t *testing.T) {
	e := newEnv(t)
	as := e.svc.Store().(hindsight.AccountStore)
	if err := as.CreateUser(t.Context(), &hindsight.User{ID: "usr_sam", Email: "sam@example.com", Role: hindsight.RoleViewer, PasswordHash: "x"}, false, "", nil); err != nil {
		t.Fatal(err)
	}
	body := mustJSON(t, sampleDoc("Visibility"))
	for _, tc := range []struct {
		query      string
		status     int
		restricted bool
	}{
		{"", http.StatusCreated, false},
		{"?restricted=true", http.StatusCreated, true},
		{"?restricted=false", http.StatusCreated, false},
		{"?members=sam@example.com", http.StatusCreated, true},
		{"?restricted=false&members=sam@example.com", http.StatusUnprocessableEntity, false},
		{"?restricted=true&members=nobody@example.com", http.StatusUnprocessableEntity, false},
		{"?restricted=maybe", http.StatusUnprocessableEntity, false},
	} {
		res := e.do(req{method: "POST", path: "/api/v1/incidents" + tc.query, header: jsonHeader, body: body, invalid: tc.status != http.StatusCreated})
		if res.status != tc.status && !(tc.status == http.StatusUnprocessableEntity && res.status == http.StatusBadRequest) {
			t.Errorf("%q: %d %s", tc.query, res.status, res.body)
			continue
		}
		if res.status == http.StatusCreated {
			var in hindsight.Incident
			res.json(t, &in)
			if in.Restricted != tc.restricted {
				t.Errorf("%q: restricted %v, want %v", tc.query, in.Restricted, tc.restricted)
			}
		}
	}
}
