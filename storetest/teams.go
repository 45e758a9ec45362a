package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// RunTeams runs the conformance suite of hindsight.TeamStore against stores
// made by open (which must also implement AccountStore and TeamStore):
// teams and their members and services, the teams of incidents, and
// restriction by team in every read that takes a Viewer.
func RunTeams(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hindsight.Store)
	}{
		{"CRUD", testTeamCRUD},
		{"Sync", testTeamSync},
		{"IncidentTeams", testIncidentTeams},
		{"RestrictedByTeam", testRestrictedByTeam},
		{"ActionItemsByTeam", testTeamActionItems},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
			if _, ok := st.(hindsight.TeamStore); !ok {
				t.Fatalf("%T does not implement hindsight.TeamStore", st)
			}
			as := st.(hindsight.AccountStore)
			for _, u := range []*hindsight.User{user("ann", "ann@example.com", hindsight.RoleEditor),
				user("bob", "bob@example.com", hindsight.RoleViewer), user("cid", "cid@example.com", hindsight.RoleViewer)} {
				if err := as.CreateUser(ctx(t), u, false, "", nil); err != nil {
					t.Fatal(err)
				}
			}
			tc.fn(t, st)
		})
	}
}

func memberIDs(t *hindsight.Team) []string {
	out := []string{}
	for _, m := range t.Members {
		out = append(out, m.UserID)
	}
	return out
}

func testTeamCRUD(t *testing.T, st hindsight.Store) {
	s := st.(hindsight.TeamStore)
	c := ctx(t)
	pay, err := s.CreateTeam(c, &hindsight.Team{Slug: "payments", Name: "Payments", Members: []hindsight.TeamMember{{UserID: "ann"}, {UserID: "ann"}},
		Services: []string{"checkout", "Payments", "payments"}}, []hindsight.AuditEntry{{Actor: "root", Action: "team.create", Target: "payments"}})
	if err != nil {
		t.Fatal(err)
	}
	if pay.Name != "Payments" || !slices.Equal(memberIDs(pay), []string{"ann"}) || pay.Members[0].Email != "ann@example.com" ||
		!slices.Equal(pay.Services, []string{"checkout", "Payments"}) || pay.CreatedAt.IsZero() {
		t.Errorf("created team: %+v", pay)
	}
	_, err = s.CreateTeam(c, &hindsight.Team{Slug: "payments", Name: "Again"}, nil)
	wantCode(t, "duplicate slug", err, hindsight.EConflict)
	_, err = s.CreateTeam(c, &hindsight.Team{Slug: "Not A Slug", Name: "x"}, nil)
	wantCode(t, "bad slug", err, hindsight.EInvalid)
	if _, err := s.CreateTeam(c, &hindsight.Team{Slug: "core-infra", Name: "Core infrastructure"}, nil); err != nil {
		t.Fatal(err)
	}
	all, err := s.FindTeams(c, "")
	if err != nil || len(all) != 2 || all[0].Slug != "core-infra" || all[1].Slug != "payments" {
		t.Fatalf("all teams: %v %+v", err, all)
	}
	if all[0].Members == nil || all[0].Services == nil {
		t.Errorf("an empty team's lists are nil, want empty: %+v", all[0])
	}
	mine, err := s.FindTeams(c, "ann")
	if err != nil || len(mine) != 1 || mine[0].Slug != "payments" {
		t.Errorf("ann's teams: %v %+v", err, mine)
	}
	name := "Payments team"
	up, err := s.UpdateTeam(c, "payments", hindsight.TeamUpdate{Name: &name, AddMembers: []string{"bob"}, RemoveMembers: []string{"ann"},
		AddServices: []string{"ledger"}, RemoveServices: []string{"CHECKOUT"}}, []hindsight.AuditEntry{{Actor: "root", Action: "team.update", Target: "payments"}})
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != name || !slices.Equal(memberIDs(up), []string{"bob"}) || !slices.Equal(up.Services, []string{"ledger", "Payments"}) {
		t.Errorf("updated team: %+v", up)
	}
	// a rename by someone who read the team before another rename is
	// refused, naming the current name; one who read the current name, or
	// asks for the name it has already, renames
	stale, other := "Payments", "Pay"
	_, err = s.UpdateTeam(c, "payments", hindsight.TeamUpdate{Name: &other, NameWas: &stale, AddServices: []string{"fraud"}}, nil)
	wantCode(t, "rename from a stale name", err, hindsight.EConflict)
	if err == nil || !strings.Contains(err.Error(), "“Payments team”") {
		t.Errorf("stale rename: %v, want it to name the current name", err)
	}
	if got, err := s.FindTeam(c, "payments"); err != nil || got.Name != name || slices.Contains(got.Services, "fraud") {
		t.Errorf("after the refused rename: %v %+v, want nothing changed", err, got)
	}
	if _, err := s.UpdateTeam(c, "payments", hindsight.TeamUpdate{Name: &name, NameWas: &stale}, nil); err != nil {
		t.Errorf("rename to the name it has: %v", err)
	}
	_, err = s.UpdateTeam(c, "nobody", hindsight.TeamUpdate{Name: &name, NameWas: &stale}, nil)
	wantCode(t, "compare-and-set rename of a missing team", err, hindsight.ENotFound)
	_, err = s.UpdateTeam(c, "nobody", hindsight.TeamUpdate{Name: &name}, nil)
	wantCode(t, "update missing team", err, hindsight.ENotFound)
	_, err = s.FindTeam(c, "nobody")
	wantCode(t, "find missing team", err, hindsight.ENotFound)
	got, err := s.FindTeam(c, " Payments ")
	if err != nil || got.Name != name {
		t.Errorf("find by slug as typed: %v %+v", err, got)
	}
	audit, err := st.(hindsight.AccountStore).FindAudit(c, hindsight.AuditFilter{Action: "team."})
	if err != nil || len(audit) != 2 || audit[0].Action != "team.update" || audit[1].Target != "payments" {
		t.Errorf("audit: %v %+v", err, audit)
	}
	if err := s.DeleteTeam(c, "payments", nil); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete twice", s.DeleteTeam(c, "payments", nil), hindsight.ENotFound)
	_, err = s.FindTeam(c, "payments")
	wantCode(t, "find deleted", err, hindsight.ENotFound)
	if mine, err := s.FindTeams(c, "bob"); err != nil || len(mine) != 0 {
		t.Errorf("bob's teams after the delete: %v %+v", err, mine)
	}
}

func testTeamSync(t *testing.T, st hindsight.Store) {
	s := st.(hindsight.TeamStore)
	c := ctx(t)
	for _, slug := range []string{"payments", "search", "manual"} {
		if _, err := s.CreateTeam(c, &hindsight.Team{Slug: slug, Name: slug}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateTeam(c, "manual", hindsight.TeamUpdate{AddMembers: []string{"ann"}}, nil); err != nil {
		t.Fatal(err)
	}
	managed := []string{"payments", "search", "gone"}
	var audited [][2][]string
	audit := func(a, r []string) []hindsight.AuditEntry {
		audited = append(audited, [2][]string{a, r})
		return []hindsight.AuditEntry{{Actor: "ann", Action: "team.sync"}}
	}
	added, removed, err := s.SyncTeams(c, "ann", managed, []string{"payments", "search", "gone"}, audit)
	if err != nil || !slices.Equal(added, []string{"payments", "search"}) || len(removed) != 0 {
		t.Fatalf("first sync: %v +%v -%v", err, added, removed)
	}
	added, removed, err = s.SyncTeams(c, "ann", managed, []string{"search"}, audit)
	if err != nil || len(added) != 0 || !slices.Equal(removed, []string{"payments"}) {
		t.Fatalf("second sync: %v +%v -%v", err, added, removed)
	}
	added, removed, err = s.SyncTeams(c, "ann", managed, []string{"search"}, audit)
	if err != nil || len(added)+len(removed) != 0 {
		t.Fatalf("sync without change: %v +%v -%v", err, added, removed)
	}
	if len(audited) != 2 {
		t.Errorf("audited %d syncs, want the 2 that changed something", len(audited))
	}
	mine, err := s.FindTeams(c, "ann")
	if err != nil || len(mine) != 2 || mine[0].Slug != "manual" || mine[1].Slug != "search" {
		t.Errorf("after sync ann is in %+v (%v), want manual (not managed, kept) and search", mine, err)
	}
}

func testIncidentTeams(t *testing.T, st hindsight.Store) {
	s := st.(hindsight.TeamStore)
	c := ctx(t)
	if _, err := s.CreateTeam(c, &hindsight.Team{Slug: "payments", Name: "Payments", Services: []string{"Checkout", "payments"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTeam(c, &hindsight.Team{Slug: "sre", Name: "SRE"}, nil); err != nil {
		t.Fatal(err)
	}
	byService := mustCreate(t, st, spec{title: "checkout down", start: "2026-03-01 10:00", services: []string{"checkout", "search"}}.doc())
	other := mustCreate(t, st, spec{title: "search slow", start: "2026-03-02 10:00", services: []string{"search"}}.doc())
	// teams added by hand are the document's "Teams:" line: slugs or names,
	// unknown words are kept in the document and left out of the teams
	dns := spec{title: "dns", start: "2026-03-03 10:00"}.doc()
	hindsight.SetDocTeams(dns, []string{"SRE", "Payments", "nobody"})
	byHand, err := st.CreateIncident(c, hindsight.IncidentCreate{Doc: dns, Author: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(byHand.Teams, []string{"payments", "sre"}) {
		t.Errorf("created with teams %v", byHand.Teams)
	}
	if !strings.Contains(string(byHand.Markdown), "**Teams:** SRE, Payments, nobody") {
		t.Errorf("the Teams line is not in the Markdown:\n%s", byHand.Markdown)
	}

	teams, err := s.FindIncidentTeams(c, hindsight.SystemViewer, byService.ID)
	if err != nil || len(teams) != 1 || teams[0].Slug != "payments" || teams[0].ByHand || !slices.Equal(teams[0].Services, []string{"checkout"}) {
		t.Errorf("teams by service: %v %+v", err, teams)
	}
	teams, err = s.FindIncidentTeams(c, hindsight.SystemViewer, byHand.ID)
	if err != nil || len(teams) != 2 || !teams[0].ByHand || teams[1].Slug != "sre" {
		t.Errorf("teams by hand: %v %+v", err, teams)
	}
	if teams, err := s.FindIncidentTeams(c, hindsight.SystemViewer, other.ID); err != nil || len(teams) != 0 {
		t.Errorf("teams of an incident of no team: %v %+v", err, teams)
	}
	_, err = s.FindIncidentTeams(c, hindsight.SystemViewer, "INC-20990101-001")
	wantCode(t, "teams of a missing incident", err, hindsight.ENotFound)

	list := func(team string) []string {
		t.Helper()
		page, err := st.FindIncidents(c, hindsight.SystemViewer, hindsight.IncidentFilter{Team: team})
		if err != nil {
			t.Fatal(err)
		}
		return titles(page.Incidents)
	}
	if got := list("payments"); !sameSet(got, []string{"checkout down", "dns"}) {
		t.Errorf("payments' incidents: %v", got)
	}
	if got := list("SRE"); !sameSet(got, []string{"dns"}) {
		t.Errorf("sre's incidents: %v", got)
	}
	if is, ok := st.(hindsight.InsightStore); ok {
		withSearch := map[string]int{"payments": 1, "sre": 0, "nobody": 0, "": 2}
		for team, want := range map[string]int{"payments": 2, "sre": 1, "nobody": 0, "": 3} {
			ins, err := is.Insights(c, hindsight.SystemViewer, hindsight.InsightsFilter{Team: team})
			if err != nil || ins.Incidents != want {
				t.Errorf("insights of team %q: %v, %d incidents, want %d", team, err, ins.Incidents, want)
			}
			ins, err = is.Insights(c, hindsight.SystemViewer, hindsight.InsightsFilter{Team: team, Service: "search", From: tm("2026-01-01 00:00").T})
			if w := withSearch[team]; err != nil || ins.Incidents != w {
				t.Errorf("insights of team %q and service search: %v, %d incidents, want %d", team, err, ins.Incidents, w)
			}
		}
	}
	// a team's services are read at query time: a new one counts at once
	if _, err := s.UpdateTeam(c, "sre", hindsight.TeamUpdate{AddServices: []string{"SEARCH"}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := list("sre"); !sameSet(got, []string{"checkout down", "search slow", "dns"}) {
		t.Errorf("sre's incidents after it owns search: %v", got)
	}
	dns2 := spec{title: "dns"}.doc()
	hindsight.SetDocTeams(dns2, []string{"sre"})
	up, err := st.UpdateIncident(c, hindsight.IncidentUpdate{ID: byHand.ID, BaseRevision: 1, Doc: dns2})
	if err != nil || !slices.Equal(up.Teams, []string{"sre"}) {
		t.Fatalf("update teams: %v %v", err, up)
	}
	if got := list("payments"); !sameSet(got, []string{"checkout down"}) {
		t.Errorf("payments' incidents after the hand-added team went: %v", got)
	}
	// a document without the line has no team added by hand
	up, err = st.UpdateIncident(c, hindsight.IncidentUpdate{ID: byHand.ID, BaseRevision: 2, Doc: spec{title: "dns 2"}.doc()})
	if err != nil || len(up.Teams) != 0 {
		t.Errorf("teams after an update without the line: %v %v", err, up)
	}
	up, err = st.UpdateIncident(c, hindsight.IncidentUpdate{ID: byHand.ID, BaseRevision: 3, Doc: dns2})
	if err != nil || !slices.Equal(up.Teams, []string{"sre"}) {
		t.Errorf("teams after the line is back: %v %v", err, up)
	}
	got, err := st.FindIncidentByID(c, hindsight.SystemViewer, byHand.ID)
	if err != nil || !slices.Equal(got.Teams, []string{"sre"}) {
		t.Errorf("read teams: %v %v", err, got)
	}
	if err := s.DeleteTeam(c, "sre", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := st.FindIncidentByID(c, hindsight.SystemViewer, byHand.ID); err != nil || len(got.Teams) != 0 {
		t.Errorf("teams after the team's delete: %v %v", err, got.Teams)
	}
}

func testRestrictedByTeam(t *testing.T, st hindsight.Store) {
	s := st.(hindsight.TeamStore)
	c := ctx(t)
	if _, err := s.CreateTeam(c, &hindsight.Team{Slug: "security", Name: "Security", Members: []hindsight.TeamMember{{UserID: "bob"}}}, nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, spec{title: "public outage", start: "2026-09-09 09:00", body: "breach of nothing",
		items: []hindsight.ActionItem{ai("AI-001", "x", "P1", "2026-01-01", "Open")}}.doc())
	sec, err := st.CreateIncident(c, hindsight.IncidentCreate{
		Doc: spec{title: "secret breach", start: "2026-09-09 10:00", body: "breach of customer exports",
			items: []hindsight.ActionItem{ai("AI-001", "x", "P1", "2026-01-01", "Open")}}.doc(),
		Author: "ann", Restricted: true, Members: []string{"ann"}, MemberTeams: []string{"security"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sec.MemberTeams, []string{"security"}) {
		t.Errorf("created with member teams %v", sec.MemberTeams)
	}
	// sees checks every read that takes a viewer
	sees := func(t *testing.T, who string, want bool) {
		t.Helper()
		v := hindsight.Viewer{UserID: who}
		n := 1
		if want {
			n = 2
		}
		if _, err := st.FindIncidentByID(c, v, sec.ID); want != (err == nil) {
			t.Errorf("%s get: %v", who, err)
		}
		if _, err := st.FindRevisions(c, v, sec.ID); want != (err == nil) {
			t.Errorf("%s revisions: %v", who, err)
		}
		if _, _, err := st.FindIncidentVersion(c, v, sec.ID); want != (err == nil) {
			t.Errorf("%s version: %v", who, err)
		}
		if _, err := s.FindIncidentTeams(c, v, sec.ID); want != (err == nil) {
			t.Errorf("%s incident teams: %v", who, err)
		}
		page, err := st.FindIncidents(c, v, hindsight.IncidentFilter{})
		if err != nil || len(page.Incidents) != n {
			t.Errorf("%s list: %v %v", who, err, titles(page.Incidents))
		}
		hits, err := st.SearchIncidents(c, v, hindsight.SearchQuery{Text: "breach"})
		if err != nil || len(hits.Hits) != n || hits.Total != n {
			t.Errorf("%s search: %v %d hits", who, err, len(hits.Hits))
		}
		rows, err := st.FindActionItems(c, v, hindsight.ActionItemFilter{Overdue: true})
		if err != nil || len(rows) != n {
			t.Errorf("%s action items: %v %d", who, err, len(rows))
		}
		if is, ok := st.(hindsight.InsightStore); ok {
			tr, err := is.TrackActionItems(c, v, hindsight.ActionItemQuery{})
			if err != nil || tr.Total != n || len(tr.Items) != n {
				t.Errorf("%s tracker: %v %+v", who, err, tr)
			}
			counts, err := is.ActionItemCounts(c, v, hindsight.ActionItemQuery{})
			if err != nil || len(counts) != 1 || counts[0].Total != n {
				t.Errorf("%s action item counts: %v %+v", who, err, counts)
			}
			ins, err := is.Insights(c, v, hindsight.InsightsFilter{})
			if err != nil || ins.Incidents != n {
				t.Errorf("%s insights: %v %+v", who, err, ins)
			}
		}
	}
	t.Run("NamedAccount", func(t *testing.T) { sees(t, "ann", true) })
	t.Run("TeamMember", func(t *testing.T) { sees(t, "bob", true) })
	t.Run("Outsider", func(t *testing.T) { sees(t, "cid", false) })
	t.Run("JoinTakesEffectAtOnce", func(t *testing.T) {
		if _, err := s.UpdateTeam(c, "security", hindsight.TeamUpdate{AddMembers: []string{"cid"}}, nil); err != nil {
			t.Fatal(err)
		}
		sees(t, "cid", true)
	})
	t.Run("LeaveTakesEffectAtOnce", func(t *testing.T) {
		if _, err := s.UpdateTeam(c, "security", hindsight.TeamUpdate{RemoveMembers: []string{"bob"}}, nil); err != nil {
			t.Fatal(err)
		}
		sees(t, "bob", false)
	})
	t.Run("SyncTakesEffectAtOnce", func(t *testing.T) {
		if _, _, err := s.SyncTeams(c, "cid", []string{"security"}, nil, nil); err != nil {
			t.Fatal(err)
		}
		sees(t, "cid", false)
		if _, _, err := s.SyncTeams(c, "bob", []string{"security"}, []string{"security"}, nil); err != nil {
			t.Fatal(err)
		}
		sees(t, "bob", true)
	})
	t.Run("BothNamedAndInTeamCountsOnce", func(t *testing.T) {
		if _, err := s.UpdateTeam(c, "security", hindsight.TeamUpdate{AddMembers: []string{"ann"}}, nil); err != nil {
			t.Fatal(err)
		}
		sees(t, "ann", true)
	})
	t.Run("TeamTakenOff", func(t *testing.T) {
		none := []string{}
		if _, err := st.UpdateIncident(c, hindsight.IncidentUpdate{ID: sec.ID, BaseRevision: 1, Doc: spec{title: "secret breach", start: "2026-09-09 10:00", body: "breach of customer exports",
			items: []hindsight.ActionItem{ai("AI-001", "x", "P1", "2026-01-01", "Open")}}.doc(), MemberTeams: &none}); err != nil {
			t.Fatal(err)
		}
		sees(t, "bob", false)
		sees(t, "ann", true)
		inc, err := st.FindIncidentByID(c, hindsight.SystemViewer, sec.ID)
		if err != nil || len(inc.MemberTeams) != 0 || !slices.Equal(inc.Members, []string{"ann"}) {
			t.Errorf("after the team is taken off: %v %+v", err, inc)
		}
	})
	t.Run("UnknownTeam", func(t *testing.T) {
		bad := []string{"nobody"}
		_, err := st.UpdateIncident(c, hindsight.IncidentUpdate{ID: sec.ID, BaseRevision: 2, Doc: spec{title: "secret breach"}.doc(), MemberTeams: &bad})
		wantCode(t, "restrict to an unknown team", err, hindsight.EInvalid)
	})
}

func testTeamActionItems(t *testing.T, st hindsight.Store) {
	s := st.(hindsight.TeamStore)
	c := ctx(t)
	if _, err := s.CreateTeam(c, &hindsight.Team{Slug: "payments", Name: "Payments Team", Services: []string{"checkout"}}, nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, spec{title: "checkout down", start: "2026-03-01 10:00", services: []string{"Checkout"}, items: []hindsight.ActionItem{
		ai("AI-001", "payments", "P1", "2026-04-01", "Open"), ai("AI-002", "ann", "P1", "2026-04-01", "Open")}}.doc())
	mustCreate(t, st, spec{title: "search slow", start: "2026-03-02 10:00", services: []string{"search"}, items: []hindsight.ActionItem{
		ai("AI-001", "PAYMENTS TEAM", "P2", "2026-04-02", "Open"), ai("AI-002", "search-team", "P2", "", "Closed")}}.doc())
	for _, tc := range []struct {
		name            string
		team, ownerTeam string
		want            int
	}{
		{"owned by the team (slug or name)", "", "payments", 2},
		{"owned by the team, slug as typed", "", " Payments ", 2},
		{"of the team's incidents", "payments", "", 2},
		{"both", "payments", "payments", 1},
		{"no such team", "nobody", "", 0},
		{"no filter", "", "", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := st.FindActionItems(c, hindsight.SystemViewer, hindsight.ActionItemFilter{Team: tc.team, OwnerTeam: tc.ownerTeam})
			if err != nil || len(rows) != tc.want {
				t.Errorf("FindActionItems: %v, %d rows, want %d", err, len(rows), tc.want)
			}
			is, ok := st.(hindsight.InsightStore)
			if !ok {
				return
			}
			q := hindsight.ActionItemQuery{ActionItemFilter: hindsight.ActionItemFilter{Team: tc.team, OwnerTeam: tc.ownerTeam}}
			page, err := is.TrackActionItems(c, hindsight.SystemViewer, q)
			if err != nil || page.Total != tc.want || len(page.Items) != tc.want {
				t.Errorf("TrackActionItems: %v %+v, want %d", err, page, tc.want)
			}
			counts, err := is.ActionItemCounts(c, hindsight.SystemViewer, q)
			n := 0
			for _, x := range counts {
				n += x.Total
			}
			if err != nil || n != tc.want {
				t.Errorf("ActionItemCounts: %v, %d items, want %d", err, n, tc.want)
			}
		})
	}
	// a renamed team owns the items written with its new name
	name := "Money"
	if _, err := s.UpdateTeam(c, "payments", hindsight.TeamUpdate{Name: &name}, nil); err != nil {
		t.Fatal(err)
	}
	if rows, err := st.FindActionItems(c, hindsight.SystemViewer, hindsight.ActionItemFilter{OwnerTeam: "payments"}); err != nil || len(rows) != 1 {
		t.Errorf("after the rename: %v, %d rows, want the one owned by the slug", err, len(rows))
	}
}
