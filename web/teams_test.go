package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestTeamsPagesAndVisibility: admins create and change teams on the
// teams page; the incident list filters by team and links the reader's
// teams; the access page restricts to a team, and membership changes take
// effect on the next request.
func TestTeamsPagesAndVisibility(t *testing.T) {
	e := newShellEnv(t)
	for _, id := range []string{"bob", "carl"} {
		u := &hindsight.User{ID: id, Email: id + "@example.com", Role: hindsight.RoleEditor, PasswordHash: "x"}
		if err := e.st.CreateUser(context.Background(), u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	admin := []string{"X-User", "root", "X-Admin", "1"}
	carl := []string{"X-User", "carl"}
	st, body, _ := e.do(t, "GET", "/admin/teams", nil, admin...)
	if st != 200 || !strings.Contains(body, "No teams yet") || !strings.Contains(body, `aria-current="page">Teams</a>`) {
		t.Fatalf("empty teams page: %d\n%s", st, body)
	}
	checkShell(t, "/admin/teams", body)
	st, body, _ = e.do(t, "POST", "/admin/teams", url.Values{"slug": {"Pay Ments"}, "name": {"Payments"}, "services": {"checkout"}}, admin...)
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Team not created: slug:") || !strings.Contains(body, `value="Payments"`) {
		t.Fatalf("bad slug: %d\n%s", st, body)
	}
	st, body, _ = e.do(t, "POST", "/admin/teams", url.Values{"slug": {"payments"}, "name": {"Payments"}, "members": {"carl@example.com, ghost@example.com"}}, admin...)
	// the refused member by what was typed, not by the API's path members[1]
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Team not created: Members: “ghost@example.com” names no active account") {
		t.Fatalf("unknown member: %d\n%s", st, body)
	}
	st, _, hdr := e.do(t, "POST", "/admin/teams", url.Values{"slug": {"payments"}, "name": {"Payments"}, "members": {"carl@example.com"}, "services": {"Checkout"}}, admin...)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/admin/teams" {
		t.Fatalf("create: %d %q", st, hdr.Get("Location"))
	}
	_, body, _ = e.do(t, "GET", "/admin/teams", nil, admin...)
	if !strings.Contains(body, "carl@example.com") || !strings.Contains(body, `<span class="tag">Checkout</span>`) {
		t.Fatalf("teams page after create:\n%s", body)
	}
	checkShell(t, "/admin/teams with a team", body)
	st, _, hdr = e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"add-member"}, "value": {"bob@example.com, ghost@example.com"}}, admin...)
	if want := "error: Team payments not changed: Add members: “ghost@example.com” names no active account: use the email of an enabled account."; st != http.StatusSeeOther || flashOf(t, hdr) != want {
		t.Errorf("add an unknown member: %d %q, want %q", st, flashOf(t, hdr), want)
	}

	// the incident page names its teams; a change of the team's services
	// shows at once (the page cache's key holds the teams)
	teamsLine := `Teams: <a href="/incidents?team=payments">Payments</a> <span class="muted">(owns checkout)</span>`
	if _, body, _ := e.do(t, "GET", "/incidents/"+e.a, nil, carl...); !strings.Contains(body, teamsLine) {
		t.Errorf("the incident page lacks its team:\n%s", body)
	}
	if st, _, _ := e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"remove-service"}, "value": {"checkout"}}, admin...); st != http.StatusSeeOther {
		t.Fatalf("remove service: %d", st)
	}
	if _, body, _ := e.do(t, "GET", "/incidents/"+e.a, nil, carl...); strings.Contains(body, "Teams: ") {
		t.Errorf("the incident page still names the team after it gave up the service")
	}
	if st, _, _ := e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"add-service"}, "value": {"Checkout"}}, admin...); st != http.StatusSeeOther {
		t.Fatalf("add service: %d", st)
	}

	// the list: carl's teams, the team filter
	st, body, _ = e.do(t, "GET", "/incidents?team=payments", nil, carl...)
	if st != 200 || !strings.Contains(body, e.a) || strings.Contains(body, e.b) {
		t.Fatalf("payments' incidents as carl: %d\n%s", st, body)
	}
	if !strings.Contains(body, `aria-label="My teams"`) || !strings.Contains(body, `href="/incidents?team=payments" aria-current="page">Payments</a>`) ||
		!strings.Contains(body, `<option value="payments" selected>Payments</option>`) {
		t.Errorf("the list lacks carl's team links or the team filter:\n%s", body)
	}
	checkShell(t, "/incidents?team=payments", body)
	if _, body, _ := e.do(t, "GET", "/incidents?team=nosuch", nil, carl...); !strings.Contains(body, "team: there is no team &#34;nosuch&#34;") {
		t.Errorf("a team filter naming no team does not say so")
	}
	if _, body, _ := e.do(t, "GET", "/incidents", nil, "X-User", "bob"); strings.Contains(body, `aria-label="My teams"`) {
		t.Errorf("bob, in no team, sees My teams")
	}

	// action items: an owner naming a team is the team; filters by team
	if st, _, _ := e.do(t, "POST", "/admin/teams", url.Values{"slug": {"carol"}, "name": {"Carol Crew"}, "members": {"carl@example.com"}}, admin...); st != http.StatusSeeOther {
		t.Fatalf("create carol: %d", st)
	}
	st, body, _ = e.do(t, "GET", "/action-items", nil, carl...)
	if st != 200 || !strings.Contains(body, `<a href="/action-items?owner_team=carol"><span class="badge badge-muted">team</span> Carol Crew</a>`) ||
		!strings.Contains(body, `href="/action-items?owner_team=carol&amp;status=Open">Owned by Carol Crew</a>`) {
		t.Fatalf("tracker with a team owner: %d\n%s", st, body)
	}
	checkShell(t, "/action-items", body)
	_, body, _ = e.do(t, "GET", "/action-items?owner_team=carol", nil, carl...)
	if !strings.Contains(body, "Write runbook") || strings.Contains(body, "=add alert") || !strings.Contains(body, `<option value="carol" selected>Carol Crew</option>`) {
		t.Errorf("owned by carol's team:\n%s", body)
	}
	_, body, _ = e.do(t, "GET", "/action-items?team=payments&status=any", nil, carl...)
	if !strings.Contains(body, "Write runbook") || !strings.Contains(body, "=add alert") {
		t.Errorf("items of payments' incidents:\n%s", body)
	}
	if _, body, _ = e.do(t, "GET", "/action-items?team=nobody", nil, carl...); strings.Contains(body, "Write runbook") {
		t.Errorf("items of no team's incidents are listed")
	}
	st, body, _ = e.do(t, "GET", "/insights?team=payments&from=2026-01-01&to=2026-12-31", nil, carl...)
	if st != 200 || !strings.Contains(body, `<option value="payments" selected>Payments</option>`) {
		t.Errorf("insights by team: %d\n%s", st, body)
	}
	checkShell(t, "/insights?team=payments", body)

	// teams added by hand
	st, _, hdr = e.do(t, "POST", "/incidents/"+e.b+"/teams", url.Values{"teams": {"payments"}}, admin...)
	if st != http.StatusSeeOther || hdr.Get("Location") != "/incidents/"+e.b {
		t.Fatalf("add by hand: %d %q", st, hdr.Get("Location"))
	}
	st, _, hdr = e.do(t, "POST", "/incidents/"+e.b+"/teams", url.Values{"teams": {"nobody"}}, admin...)
	if st != http.StatusSeeOther || !strings.HasSuffix(hdr.Get("Location"), "/access") {
		t.Fatalf("unknown team by hand: %d %q", st, hdr.Get("Location"))
	}
	if in, err := e.st.FindIncidentByID(context.Background(), hindsight.SystemViewer, e.b); err != nil || len(in.Teams) != 1 || in.Teams[0] != "payments" {
		t.Errorf("teams added by hand: %v %v", err, in)
	}

	// change refusals redirect with the reason; delete
	st, _, _ = e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"add-member"}, "value": {"ghost@example.com"}}, admin...)
	if st != http.StatusSeeOther {
		t.Errorf("refused add: %d", st)
	}
	st, _, _ = e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"explode"}}, admin...)
	if st != http.StatusSeeOther {
		t.Errorf("unknown action: %d", st)
	}
	st, _, _ = e.do(t, "POST", "/admin/teams/payments/delete", url.Values{}, admin...)
	if st != http.StatusSeeOther {
		t.Fatalf("delete: %d", st)
	}
	if _, err := e.st.FindTeam(context.Background(), "payments"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("after delete: %v", err)
	}
}

// TestRestrictByTeamPage: through the whole stack with real sessions, an
// admin restricts an incident to a team on its access page; a member of
// the team sees it, and stops seeing it on the next request once removed
// from the team (no cache of visibility).
func TestRestrictByTeamPage(t *testing.T) {
	e := newStackEnv(t)
	res, body := e.do(t, "POST", "/admin/teams", e.admin, url.Values{"slug": {"security"}, "name": {"Security"}, "members": {"ed@example.com"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create team: %d\n%s", res.StatusCode, body)
	}
	res, body = e.do(t, "GET", "/incidents/"+e.incident+"/access", e.admin, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `name="member_teams" type="checkbox" value="security">`) {
		t.Fatalf("access page: %d\n%s", res.StatusCode, body)
	}
	checkShell(t, "access page with teams", body)
	res, _ = e.do(t, "POST", "/incidents/"+e.incident+"/access", e.admin, url.Values{"restricted": {"1"}, "members": {"ann@example.com"}, "teams-shown": {"1"}, "member_teams": {"security"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("restrict to security: %d", res.StatusCode)
	}
	if res, _ := e.do(t, "GET", "/incidents/"+e.incident, e.editor, nil); res.StatusCode != 200 {
		t.Fatalf("ed, in security, does not see the incident restricted to it: %d", res.StatusCode)
	}
	if res, body := e.do(t, "GET", "/api/v1/incidents", e.editor, nil); res.StatusCode != 200 || !strings.Contains(body, e.incident) {
		t.Errorf("the API list hides the incident from ed: %d", res.StatusCode)
	}
	res, _ = e.do(t, "POST", "/admin/teams/security", e.admin, url.Values{"action": {"remove-member"}, "value": {"ed@example.com"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove ed: %d", res.StatusCode)
	}
	if res, _ := e.do(t, "GET", "/incidents/"+e.incident, e.editor, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("ed still sees the incident after leaving the team: %d", res.StatusCode)
	}
	if res, body := e.do(t, "GET", "/api/v1/incidents", e.editor, nil); res.StatusCode != 200 || strings.Contains(body, e.incident) {
		t.Errorf("the API list still shows the incident to ed: %d", res.StatusCode)
	}
	// a save of the form without the team boxes keeps the teams
	e.do(t, "POST", "/incidents/"+e.incident+"/access", e.admin, url.Values{"restricted": {"1"}, "members": {"ann@example.com"}})
	if in, err := e.s.Service.Get(context.Background(), app.System, e.incident); err != nil || len(in.MemberTeams) != 1 {
		t.Errorf("teams after a save without the boxes: %v %v", err, in)
	}
}

// TestTeamRenameConflict: two admins rename a team from pages loaded
// before either renamed it; the second is told the current name instead
// of overwriting it, and the page it comes back to offers that name.
func TestTeamRenameConflict(t *testing.T) {
	e := newShellEnv(t)
	admin := []string{"X-User", "root", "X-Admin", "1"}
	if st, _, _ := e.do(t, "POST", "/admin/teams", url.Values{"slug": {"payments"}, "name": {"Payments"}}, admin...); st != http.StatusSeeOther {
		t.Fatalf("create: %d", st)
	}
	_, body, _ := e.do(t, "GET", "/admin/teams", nil, admin...)
	if !strings.Contains(body, `<input type="hidden" name="was" value="Payments">`) {
		t.Fatalf("the rename form does not carry the name it shows:\n%s", body)
	}
	rename := func(name string) (int, string) {
		st, _, hdr := e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"rename"}, "was": {"Payments"}, "value": {name}}, admin...)
		return st, flashOf(t, hdr)
	}
	if st, fl := rename("Payments squad"); st != http.StatusSeeOther || fl != "ok: Team payments: renamed Payments squad." {
		t.Fatalf("first rename: %d %q", st, fl)
	}
	want := "error: Team payments not changed: name: the team was renamed “Payments squad” since it was read as “Payments”; rename it again if “Pay” should win"
	if st, fl := rename("Pay"); st != http.StatusSeeOther || fl != want {
		t.Errorf("second rename from the same page: %d %q, want %q", st, fl, want)
	}
	// the same rename twice (a double submit) is no conflict
	if st, fl := rename("Payments squad"); st != http.StatusSeeOther || !strings.HasPrefix(fl, "ok: ") {
		t.Errorf("the first rename again: %d %q", st, fl)
	}
	if _, body, _ := e.do(t, "GET", "/admin/teams", nil, admin...); !strings.Contains(body, `name="was" value="Payments squad"`) {
		t.Errorf("the page after the conflict does not offer the current name:\n%s", body)
	}
	// a form without the hidden field (an older page) renames as before
	st, _, hdr := e.do(t, "POST", "/admin/teams/payments", url.Values{"action": {"rename"}, "value": {"Pay"}}, admin...)
	if st != http.StatusSeeOther || flashOf(t, hdr) != "ok: Team payments: renamed Pay." {
		t.Errorf("rename without was: %d %q", st, flashOf(t, hdr))
	}
}
