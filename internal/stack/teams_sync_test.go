package stack_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestTeamGroupsThroughTheProxy: the stack wires sso.team_groups to the
// sign-in's GroupSync hook. Requests from a trusted authenticating proxy
// carry the account's groups; the account joins the mapped team, sees the
// incident restricted to it, and leaves the team (and loses sight of the
// incident) when the proxy stops naming the group.
func TestTeamGroupsThroughTheProxy(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("sso:\n  team_groups:\n    grp-payments: payments\n"))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"HINDSIGHT_AUTH_PROXY_HEADER":        "X-Forwarded-Email",
		"HINDSIGHT_AUTH_PROXY_GROUPS_HEADER": "X-Forwarded-Groups",
		"HINDSIGHT_AUTH_PROXY_TRUSTED":       "192.0.2.0/24",
	}
	s, err := stack.Build(t.Context(), st, stack.Config{Now: clock, Lint: cfg, Getenv: func(k string) string { return env[k] },
		Auth: auth.Options{Params: auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Auth.AddUser(t.Context(), app.System, auth.NewUser{Email: "root@example.com", Role: hindsight.RoleAdmin, Password: "a long password 123"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.CreateTeam(t.Context(), app.System, app.NewTeam{Slug: "payments", Name: "Payments"}); err != nil {
		t.Fatal(err)
	}
	in, err := s.Service.Create(t.Context(), app.System, &hindsight.Postmortem{Title: "Card data", Status: hindsight.StatusDraft}, app.CreateOptions{Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Service.Restrict(t.Context(), app.System, in.ID, true, nil, []string{"payments"}); err != nil {
		t.Fatal(err)
	}
	get := func(groups string) int {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/incidents/"+in.ID, nil) // from 192.0.2.1
		req.Header.Set("X-Forwarded-Email", "pat@example.com")
		req.Header.Set("X-Forwarded-Groups", groups)
		w := httptest.NewRecorder()
		s.Handler.ServeHTTP(w, req)
		return w.Code
	}
	teamsOfPat := func() []string {
		t.Helper()
		u, err := st.FindUserByEmail(t.Context(), "pat@example.com")
		if err != nil {
			t.Fatal(err)
		}
		ts, err := s.Service.Teams(t.Context(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ts {
			out = append(out, x.Slug)
		}
		return out
	}
	if code := get("grp-payments,grp-other"); code != http.StatusOK {
		t.Fatalf("pat, in grp-payments, reads the incident restricted to payments: %d", code)
	}
	if got := teamsOfPat(); !slices.Equal(got, []string{"payments"}) {
		t.Errorf("pat's teams after the first request: %v", got)
	}
	if code := get("grp-other"); code != http.StatusNotFound {
		t.Errorf("pat, out of grp-payments, still reads the incident: %d", code)
	}
	if got := teamsOfPat(); len(got) != 0 {
		t.Errorf("pat's teams after leaving the group: %v", got)
	}
	audit, err := st.FindAudit(t.Context(), hindsight.AuditFilter{Action: "team.sync"})
	if err != nil || len(audit) != 2 {
		t.Errorf("team.sync audit: %v %+v", err, audit)
	}
}
