package stack_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/hindsight-pm/hindsight/webhook"
)

var idRe = regexp.MustCompile(`INC-\d{8}-\d{3}`)

// TestBornRestricted is vulnerability 4 of issue 15: an incident could not
// be created restricted, so a security incident was listed, searched and
// sent to webhooks until someone restricted it. Incidents created
// restricted (the API's restricted=true, restricted_by_default for SEV-1,
// the web form) are never seen by a webhook receiver (a real HTTP server
// subscribed to every event) or by a signed-in non-member: list, search,
// GET, export, action items and insights answer as if they did not exist.
func TestBornRestricted(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := lint.DefaultConfig()
	cfg.RestrictSeverities = []hindsight.Severity{hindsight.Sev1}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	env := map[string]string{"HINDSIGHT_WEBHOOK_ALLOW_PRIVATE": "1"}
	s, err := stack.Build(t.Context(), st, stack.Config{Lint: cfg, Now: func() time.Time { return now },
		Getenv: func(k string) string { return env[k] },
		Auth:   auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}

	// the receiver records every body it is sent
	var mu sync.Mutex
	var received []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(b))
		mu.Unlock()
	}))
	defer recv.Close()
	u, events, format := recv.URL+"/hook", []string{"*"}, "json"
	if _, err := s.Webhooks.Create(t.Context(), webhook.Input{URL: &u, Events: &events, Format: &format}); err != nil {
		t.Fatal(err)
	}

	users := map[string]*hindsight.User{}
	tokens := map[string]string{}
	for _, x := range []struct {
		email string
		role  hindsight.Role
	}{{"root@example.com", hindsight.RoleAdmin}, {"ann@example.com", hindsight.RoleEditor}, {"bob@example.com", hindsight.RoleViewer}, {"vic@example.com", hindsight.RoleViewer}} {
		usr, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: x.email, Role: x.role, Password: "a long passphrase for " + x.email})
		if err != nil {
			t.Fatal(err)
		}
		users[x.email] = usr
		tokens[x.email], _, err = s.Auth.CreateToken(t.Context(), app.System, usr.ID, "test", hindsight.ScopeReadWrite, 0)
		if err != nil {
			t.Fatal(err)
		}
	}
	do := func(who, method, target, ct, body string) *httptest.ResponseRecorder {
		t.Helper()
		var r *http.Request
		if body != "" {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", ct)
		} else {
			r = httptest.NewRequest(method, target, nil)
		}
		r.Header.Set("Authorization", "Bearer "+tokens[who])
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, r)
		return w
	}
	doc := func(title string, sev hindsight.Severity) string {
		p := &hindsight.Postmortem{Title: title, Status: hindsight.StatusDraft}
		p.Summary.Severity = sev
		p.Summary.Start, _ = hindsight.ParseTime("2026-11-25 09:00")
		p.ActionItems = []hindsight.ActionItem{{Action: "Rotate the keys of " + title, Owner: "ann"}}
		return string(markdown.Render(p))
	}
	create := func(title string, sev hindsight.Severity, query string) hindsight.Incident {
		t.Helper()
		w := do("ann@example.com", "POST", "/api/v1/incidents"+query, "text/markdown", doc(title, sev))
		if w.Code != http.StatusCreated {
			t.Fatalf("create %q: %d %s", title, w.Code, w.Body)
		}
		in, err := s.Service.Get(t.Context(), app.System, strings.TrimPrefix(w.Header().Get("Location"), "/api/v1/incidents/"))
		if err != nil {
			t.Fatal(err)
		}
		return *in
	}
	deliver := func() {
		t.Helper()
		if _, err := s.Webhooks.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}

	// what the non-member sees before
	public := create("Public canary", hindsight.Sev2, "")
	explicit := create("Public SEV-1 canary", hindsight.Sev1, "?restricted=false")
	deliver()
	views := []string{"/api/v1/incidents", "/api/v1/search?q=XYZZY", "/api/v1/search?q=Rotate", "/api/v1/action-items", "/api/v1/insights", "/incidents", "/insights"}
	before := map[string]string{}
	for _, v := range views {
		w := do("vic@example.com", "GET", v, "", "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", v, w.Code, w.Body)
		}
		before[v] = w.Body.String()
	}
	adminInsights := do("root@example.com", "GET", "/api/v1/insights", "", "").Body.String()

	// born restricted, three ways
	one := create("Breach XYZZY one", hindsight.Sev2, "?restricted=true&members=bob@example.com")
	two := create("Breach XYZZY two", hindsight.Sev1, "")
	c, err := s.Auth.SessionCookie(t.Context(), users["ann@example.com"], "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"title": {"Breach XYZZY three"}, "severity": {"SEV-3"}, "visibility": {"restricted"}, "members": {"bob@example.com"}}
	r := httptest.NewRequest("POST", "/incidents", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(c)
	w := httptest.NewRecorder()
	s.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("web form: %d %s", w.Code, w.Body)
	}
	threeID := strings.TrimSuffix(strings.TrimPrefix(w.Header().Get("Location"), "/incidents/"), "/edit")
	deliver()

	for _, in := range []hindsight.Incident{one, two} {
		if !in.Restricted {
			t.Errorf("%s (%s) was created unrestricted", in.ID, in.Doc.Title)
		}
	}
	three, err := s.Service.Get(t.Context(), app.System, threeID)
	if err != nil || !three.Restricted {
		t.Fatalf("the web form's incident %q: %+v %v", threeID, three, err)
	}
	if pub, _ := s.Service.Get(t.Context(), app.System, explicit.ID); pub.Restricted || public.Restricted {
		t.Error("an incident asked to be public was restricted")
	}
	for _, in := range []*hindsight.Incident{&one, three} {
		if len(in.Members) != 2 {
			t.Errorf("%s members %v, want ann and bob", in.ID, in.Members)
		}
	}

	// the webhook receiver got the public incidents, never the restricted
	mu.Lock()
	all := strings.Join(received, "\n")
	mu.Unlock()
	if !strings.Contains(all, "Public canary") {
		t.Fatalf("the receiver got nothing of the public incident (deliveries did not run?): %s", all)
	}
	for _, secret := range []string{"XYZZY", "Rotate the keys of Breach"} {
		if strings.Contains(all, secret) {
			t.Errorf("the webhook receiver saw %q of a restricted incident:\n%s", secret, all)
		}
	}

	// the non-member sees exactly what it saw before
	for _, v := range views {
		w := do("vic@example.com", "GET", v, "", "")
		got, want := w.Body.String(), before[v]
		if strings.Contains(v, "search") {
			// a hit's rank moves with the size of the whole index: compare
			// the hits
			got, want = strings.Join(idRe.FindAllString(got, -1), " "), strings.Join(idRe.FindAllString(want, -1), " ")
		}
		if got != want || strings.Contains(w.Body.String(), "XYZZY") {
			t.Errorf("GET %s changed for a non-member:\n%s", v, w.Body)
		}
	}
	if do("root@example.com", "GET", "/api/v1/insights", "", "").Body.String() == adminInsights {
		t.Error("the admin's insights did not change: the comparison above proves nothing")
	}
	for _, id := range []string{one.ID, two.ID, three.ID} {
		for _, p := range []string{"/api/v1/incidents/" + id, "/api/v1/incidents/" + id + "/revisions", "/api/v1/incidents/" + id + "/action-items",
			"/incidents/" + id, "/incidents/" + id + "/export.md", "/incidents/" + id + "/export.json", "/incidents/" + id + "/export.html"} {
			if w := do("vic@example.com", "GET", p, "", ""); w.Code != http.StatusNotFound {
				t.Errorf("non-member GET %s: %d", p, w.Code)
			}
		}
		if w := do("ann@example.com", "GET", "/api/v1/incidents/"+id, "", ""); w.Code != http.StatusOK {
			t.Errorf("the creator GET %s: %d", id, w.Code)
		}
	}
	if w := do("bob@example.com", "GET", "/api/v1/incidents/"+one.ID, "", ""); w.Code != http.StatusOK {
		t.Errorf("a member GET %s: %d", one.ID, w.Code)
	}
	if w := do("bob@example.com", "GET", "/api/v1/incidents/"+two.ID, "", ""); w.Code != http.StatusNotFound {
		t.Errorf("bob is no member of %s (restricted by default to its creator): %d", two.ID, w.Code)
	}

	// members that name no active account are refused alike
	var msgs []string
	for _, m := range []string{"nobody@example.com", "vic@example.com"} {
		if m == "vic@example.com" {
			yes := true
			if _, err := s.Auth.ChangeUser(t.Context(), app.System, users[m].ID, auth.Change{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
		}
		w := do("ann@example.com", "POST", "/api/v1/incidents?restricted=true&members="+url.QueryEscape(m), "text/markdown", doc("Members", hindsight.Sev3))
		if w.Code != http.StatusUnprocessableEntity && w.Code != http.StatusBadRequest {
			t.Errorf("member %s: %d %s", m, w.Code, w.Body)
		}
		msgs = append(msgs, strings.ReplaceAll(w.Body.String(), m, "EMAIL"))
	}
	if msgs[0] != msgs[1] {
		t.Errorf("the errors tell an unknown email from a disabled account:\n%s\n%s", msgs[0], msgs[1])
	}
}
