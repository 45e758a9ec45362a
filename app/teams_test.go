package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
)

// withAccounts adds accounts to the service's store.
func withAccounts(t *testing.T, s *app.Service, emails ...string) {
	t.Helper()
	as := s.Store().(hindsight.AccountStore)
	for _, e := range emails {
		id := strings.Split(e, "@")[0]
		if err := as.CreateUser(context.Background(), &hindsight.User{ID: id, Email: e, Role: hindsight.RoleViewer, PasswordHash: "x"}, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTeamInputErrorsNameTheField(t *testing.T) {
	s := newService(t)
	withAccounts(t, s, "ann@example.com")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    app.NewTeam
		field string
	}{
		{"no slug", app.NewTeam{Name: "Payments"}, "slug"},
		{"bad slug", app.NewTeam{Slug: "pay ments", Name: "Payments"}, "slug"},
		{"no name", app.NewTeam{Slug: "payments"}, "name"},
		{"two-line name", app.NewTeam{Slug: "payments", Name: "a\nb"}, "name"},
		{"unknown member", app.NewTeam{Slug: "payments", Name: "P", Members: []string{"ann@example.com", "nobody@example.com"}}, "members[1]"},
		{"bad service", app.NewTeam{Slug: "payments", Name: "P", Services: []string{"a|b"}}, "services[0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateTeam(ctx, alice, tc.in)
			var he *hindsight.Error
			if hindsight.ErrorCode(err) != hindsight.EInvalid || !asErr(err, &he) || len(he.Fields) != 1 || he.Fields[0].Field != tc.field {
				t.Errorf("got %v, want invalid naming %s", err, tc.field)
			}
		})
	}
}

func asErr(err error, he **hindsight.Error) bool {
	e, ok := err.(*hindsight.Error)
	*he = e
	return ok
}

func TestTeamLifecycleIsAudited(t *testing.T) {
	s := newService(t)
	withAccounts(t, s, "ann@example.com", "bob@example.com")
	ctx := context.Background()
	tm, err := s.CreateTeam(ctx, alice, app.NewTeam{Slug: " Payments ", Name: "Payments", Members: []string{"ANN@example.com"}, Services: []string{"checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	if tm.Slug != "payments" || len(tm.Members) != 1 || tm.Members[0].UserID != "ann" {
		t.Fatalf("created %+v", tm)
	}
	name := "Payments team"
	tm, err = s.UpdateTeam(ctx, alice, "payments", app.TeamChange{Name: &name, AddMembers: []string{"bob@example.com"}, RemoveMembers: []string{"ann@example.com"}, AddServices: []string{"ledger"}})
	if err != nil {
		t.Fatal(err)
	}
	if tm.Name != name || len(tm.Members) != 1 || tm.Members[0].UserID != "bob" || !slices.Equal(tm.Services, []string{"checkout", "ledger"}) {
		t.Errorf("updated %+v", tm)
	}
	if err := s.DeleteTeam(ctx, alice, "payments"); err != nil {
		t.Fatal(err)
	}
	audit, err := s.Store().(hindsight.AccountStore).FindAudit(ctx, hindsight.AuditFilter{Action: "team."})
	if err != nil || len(audit) != 3 {
		t.Fatalf("audit: %v %+v", err, audit)
	}
	if audit[0].Action != "team.delete" || audit[1].Action != "team.update" || !strings.Contains(audit[1].Detail, "added members bob") || audit[2].Actor != "alice" || audit[2].Target != "team:payments" {
		t.Errorf("audit entries: %+v", audit)
	}
}

func TestIncidentTeamsAndRestrictionByTeam(t *testing.T) {
	s := newService(t)
	withAccounts(t, s, "ann@example.com", "bob@example.com")
	ctx := context.Background()
	for _, n := range []app.NewTeam{{Slug: "payments", Name: "Payments", Services: []string{"Checkout"}}, {Slug: "security", Name: "Security", Members: []string{"bob@example.com"}}} {
		if _, err := s.CreateTeam(ctx, alice, n); err != nil {
			t.Fatal(err)
		}
	}
	in := open(t, s) // services checkout, payments
	teams, err := s.IncidentTeams(ctx, alice, in.ID)
	if err != nil || len(teams) != 1 || teams[0].Slug != "payments" || teams[0].ByHand {
		t.Fatalf("teams from services: %v %+v", err, teams)
	}
	in, err = s.SetIncidentTeams(ctx, alice, in.ID, []string{"Security"}) // by name
	if err != nil || !slices.Equal(in.Teams, []string{"security"}) || in.Revision != 2 {
		t.Fatalf("set teams: %v %+v", err, in)
	}
	// the teams added by hand are the document's Teams line: in the
	// Markdown, read back by the parser
	if !strings.Contains(string(in.Markdown), "- **Teams:** security\n") {
		t.Errorf("no Teams line in the Markdown:\n%s", in.Markdown)
	}
	if p, _ := markdown.Parse(in.Markdown); !slices.Equal(hindsight.DocTeams(p), []string{"security"}) {
		t.Errorf("the parsed Markdown's teams: %v", hindsight.DocTeams(p))
	}
	if _, err := s.SetIncidentTeams(ctx, alice, in.ID, []string{"nobody"}); hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), "teams[0]") {
		t.Errorf("unknown team: %v", err)
	}
	in, err = s.Restrict(ctx, alice, in.ID, true, []string{"ann@example.com"}, []string{"security"})
	if err != nil || !in.Restricted || !slices.Equal(in.MemberTeams, []string{"security"}) {
		t.Fatalf("restrict: %v %+v", err, in)
	}
	bobSees := app.Actor{ID: "bob", Viewer: hindsight.Viewer{UserID: "bob"}}
	if _, err := s.Store().FindIncidentByID(ctx, bobSees.Viewer, in.ID); err != nil {
		t.Errorf("bob, in security, does not see the incident: %v", err)
	}
	// SetRestriction (no teams) keeps the teams
	in, err = s.SetRestriction(ctx, alice, in.ID, true, []string{"ann@example.com"})
	if err != nil || !slices.Equal(in.MemberTeams, []string{"security"}) {
		t.Errorf("restriction without teams: %v %+v", err, in)
	}
	// unrestricting clears them
	in, err = s.Restrict(ctx, alice, in.ID, false, nil, nil)
	if err != nil || in.Restricted || len(in.MemberTeams) != 0 {
		t.Errorf("unrestrict: %v %+v", err, in)
	}
	_, err = s.Restrict(ctx, alice, in.ID, true, nil, []string{"x", "nobody"})
	if hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), "member_teams[0]") {
		t.Errorf("restrict to an unknown team: %v", err)
	}
}

func TestTeamSyncFollowsGroups(t *testing.T) {
	s := newService(t)
	withAccounts(t, s, "ann@example.com")
	ctx := context.Background()
	for _, slug := range []string{"payments", "search", "manual"} {
		if _, err := s.CreateTeam(ctx, alice, app.NewTeam{Slug: slug, Name: slug}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateTeam(ctx, alice, "manual", app.TeamChange{AddMembers: []string{"ann"}}); err != nil {
		t.Fatal(err)
	}
	sync := &app.TeamSync{Service: s, Groups: map[string][]string{"grp-payments": {"payments"}, "grp-search": {"search"}, "grp-all": {"payments", "search"}}}
	mine := func() []string {
		ts, err := s.Teams(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range ts {
			out = append(out, x.Slug)
		}
		return out
	}
	steps := []struct {
		groups []string
		want   []string
	}{
		{[]string{"grp-payments", "unrelated"}, []string{"manual", "payments"}},
		{[]string{"grp-all"}, []string{"manual", "payments", "search"}},
		{[]string{"grp-search"}, []string{"manual", "search"}},
		{nil, []string{"manual"}},
	}
	for i, st := range steps {
		if err := sync.SyncGroups(ctx, "ann", st.groups); err != nil {
			t.Fatal(err)
		}
		if got := mine(); !slices.Equal(got, st.want) {
			t.Errorf("step %d (groups %v): teams %v, want %v", i, st.groups, got, st.want)
		}
	}
	audit, err := s.Store().(hindsight.AccountStore).FindAudit(ctx, hindsight.AuditFilter{Action: "team.sync"})
	if err != nil || len(audit) != 4 || !strings.Contains(audit[3].Detail, "joined payments") {
		t.Errorf("sync audit: %v %+v", err, audit)
	}
	var none *app.TeamSync
	if err := none.SyncGroups(ctx, "ann", []string{"grp-payments"}); err != nil {
		t.Errorf("a nil TeamSync: %v", err)
	}
}
