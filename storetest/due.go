package storetest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// testListByDue checks the list by postmortem due date (SortDue and
// IncidentFilter.Due) against a model: hindsight.DueRule.DueAt and
// DueState of each incident, for ranges, both directions, page sizes,
// viewers and statuses. The incidents mix severities the rule names and
// does not, Ends that fall on the same due date, no End, every status, a
// restricted and a deleted incident.
func testListByDue(t *testing.T, open Opener) {
	s := newStore(t, open)
	rule := hindsight.DueRule{Days: map[hindsight.Severity]int{hindsight.Sev1: 3, hindsight.Sev2: 7}, Default: 14}
	r := rand.New(rand.NewPCG(7, 16))
	type row struct {
		id, sev, status string
		due             time.Time
		restricted      bool
	}
	var model []row
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	sevs := []string{"SEV-1", "SEV-2", "SEV-3", "SEV-4", "Unknown"}
	statuses := []string{"Draft", "In Review", "Published"}
	for i := range 40 {
		sp := spec{title: fmt.Sprintf("due %02d", i), sev: sevs[r.IntN(len(sevs))], status: statuses[r.IntN(len(statuses))]}
		p := sp.doc()
		if i%9 != 4 { // some without an End
			// whole days from a few, so that many incidents, of one
			// severity and of several, share an End or a due date (ties
			// at page boundaries)
			start := base.Add(time.Duration(r.IntN(30)) * 24 * time.Hour)
			p.Summary.Start = hindsight.TimeOf(start)
			p.Summary.End = hindsight.TimeOf(start.Add(time.Duration(r.IntN(2)) * 24 * time.Hour))
		}
		c := hindsight.IncidentCreate{Doc: p, Author: "alice", Message: "created"}
		if i == 11 {
			c.Restricted, c.Members = true, []string{"sam"}
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		if i == 12 {
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: inc.ID}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		x := row{id: inc.ID, sev: sp.sev, status: sp.status, restricted: c.Restricted}
		if sp.status != "Published" {
			x.due = rule.DueAt(hindsight.Severity(sp.sev), p.Summary.End.T)
		}
		model = append(model, x)
	}
	now := base.Add(25*24*time.Hour + 30*time.Minute)
	type query struct {
		name         string
		from, before time.Time
		statuses     []hindsight.Status
	}
	queries := []query{
		{name: "All"},
		{name: "Overdue", before: now},
		{name: "ThisWeek", from: now, before: now.AddDate(0, 0, 7)},
		{name: "DueCheckWindow", from: now.Add(-7 * 24 * time.Hour), before: now.AddDate(0, 0, 3)},
		{name: "FromOnly", from: now},
		{name: "OnTheDay", from: base.Add(20 * 24 * time.Hour), before: base.Add(30 * 24 * time.Hour)},
		{name: "DraftsOverdue", before: now, statuses: []hindsight.Status{hindsight.StatusDraft}},
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
	}{{"System", hindsight.SystemViewer}, {"Viewer", hindsight.Viewer{UserID: "mallory"}}, {"Member", hindsight.Viewer{UserID: "sam"}}}
	for _, q := range queries {
		for _, vw := range viewers {
			for _, desc := range []bool{false, true} {
				var want []string
				var keep []row
				for _, x := range model {
					if x.restricted && vw.name == "Viewer" {
						continue
					}
					st := x.status
					if len(q.statuses) > 0 && !slices.Contains(q.statuses, hindsight.Status(st)) {
						continue
					}
					ranged := !q.from.IsZero() || !q.before.IsZero()
					if ranged && (x.due.IsZero() || (!q.from.IsZero() && x.due.Before(q.from)) || (!q.before.IsZero() && !x.due.Before(q.before))) {
						continue
					}
					keep = append(keep, x)
				}
				slices.SortStableFunc(keep, func(a, b row) int {
					if a.due.IsZero() != b.due.IsZero() {
						if a.due.IsZero() {
							return 1
						}
						return -1
					}
					if c := a.due.Compare(b.due); c != 0 {
						if desc {
							return -c
						}
						return c
					}
					if a.id < b.id {
						return -1
					}
					return 1
				})
				for _, x := range keep {
					want = append(want, x.id)
				}
				for _, limit := range []int{1, 3, 50} {
					t.Run(fmt.Sprintf("%s/%s/desc=%v/limit=%d", q.name, vw.name, desc, limit), func(t *testing.T) {
						var got []string
						cursor := ""
						for pages := 0; ; pages++ {
							if pages > 60 {
								t.Fatal("paging does not end")
							}
							page, err := s.FindIncidents(ctx(t), vw.v, hindsight.IncidentFilter{Status: q.statuses, Sort: hindsight.SortDue, Desc: desc, Limit: limit, Cursor: cursor,
								Due: &hindsight.DueQuery{Rule: rule, From: q.from, Before: q.before}})
							if err != nil {
								t.Fatal(err)
							}
							if len(page.Incidents) > limit {
								t.Fatalf("page of %d with limit %d", len(page.Incidents), limit)
							}
							for _, x := range page.Incidents {
								got = append(got, x.ID)
							}
							if page.Next == "" {
								break
							}
							cursor = page.Next
						}
						if !slices.Equal(got, want) {
							t.Errorf("got  %v\nwant %v", got, want)
						}
					})
				}
			}
		}
	}
	t.Run("RangeWithOtherSort", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortID, Limit: 1000,
			Due: &hindsight.DueQuery{Rule: rule, Before: now}})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, x := range model {
			if !x.due.IsZero() && x.due.Before(now) {
				want = append(want, x.id)
			}
		}
		slices.Sort(want)
		var got []string
		for _, x := range page.Incidents {
			got = append(got, x.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("SortDueWithoutRule", func(t *testing.T) {
		_, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue})
		wantCode(t, "sort due without a rule", err, hindsight.EInvalid)
	})
	t.Run("CursorOfAnotherDirection", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue, Limit: 1, Due: &hindsight.DueQuery{Rule: rule}})
		if err != nil || page.Next == "" {
			t.Fatalf("first page: %v, next %q", err, page.Next)
		}
		_, err = s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue, Desc: true, Limit: 1, Cursor: page.Next, Due: &hindsight.DueQuery{Rule: rule}})
		wantCode(t, "a cursor of the other direction", err, hindsight.EMalformed)
	})
	// Cursors made by hand (a tampered URL): keys no incident has, far
	// beyond the times a document holds, select what their place in the
	// order says; before, PostgreSQL answered some with an internal error
	// (a time out of its range). A cursor among the incidents without a
	// due date on a range of due dates, which has none, ends the list;
	// before, its query had no arm (an SQL error).
	t.Run("CursorsMadeByHand", func(t *testing.T) {
		all := func(desc bool, from, before time.Time) []string {
			var ids []string
			for cursor := ""; ; {
				page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue, Desc: desc, Limit: 1000, Cursor: cursor,
					Due: &hindsight.DueQuery{Rule: rule, From: from, Before: before}})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range page.Incidents {
					ids = append(ids, x.ID)
				}
				if cursor = page.Next; cursor == "" {
					return ids
				}
			}
		}
		withDue := 0
		for _, x := range model {
			if !x.due.IsZero() {
				withDue++
			}
		}
		for _, c := range []struct {
			desc bool
			key  string
			skip int // the incidents of the whole list before the cursor's place
		}{
			{false, "-4000000000000000000", 0},
			{false, "-9223372036854775808", 0},
			{false, "4000000000000000000", withDue},
			{false, "9223372036854775807", len(model)},
			{true, "-4000000000000000000", 0},
			{true, "-9223372036854775808", 0},
			{true, "4000000000000000000", withDue},
			{true, "9223372036854775807", len(model)},
		} {
			desc := ""
			if c.desc {
				desc = `"d":true,`
			}
			cursor := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"due",` + desc + `"k":` + c.key + `,"i":""}`))
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue, Desc: c.desc, Limit: 1000, Cursor: cursor, Due: &hindsight.DueQuery{Rule: rule}})
			if err != nil {
				t.Errorf("desc=%v key %s: %v", c.desc, c.key, err)
				continue
			}
			var got []string
			for _, x := range page.Incidents {
				got = append(got, x.ID)
			}
			if want := all(c.desc, time.Time{}, time.Time{})[c.skip:]; !slices.Equal(got, want) {
				t.Errorf("desc=%v key %s:\n got  %v\nwant %v", c.desc, c.key, got, want)
			}
		}
		noDue := base64.RawURLEncoding.EncodeToString([]byte(`{"s":"due","k":4611686018427387904,"i":""}`))
		for _, before := range []time.Time{now, base.AddDate(100, 0, 0)} {
			page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Sort: hindsight.SortDue, Limit: 10, Cursor: noDue, Due: &hindsight.DueQuery{Rule: rule, Before: before}})
			if err != nil || len(page.Incidents) != 0 || page.Next != "" {
				t.Errorf("a cursor among those without a due date, due before %s: %v, %d incidents, next %q", before, err, len(page.Incidents), page.Next)
			}
		}
		// a range far from now: the same as no bound
		if got, want := all(false, base.AddDate(-3000, 0, 0), base.AddDate(5000, 0, 0)), all(false, time.Time{}, time.Time{})[:withDue]; !slices.Equal(got, want) {
			t.Errorf("due between years -974 and 7026:\n got  %v\nwant %v", got, want)
		}
	})
}
