package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// testListByService pages through one service's incidents by start, the
// list a team bookmarks, and compares every page with the order worked out
// here: ties on start, a service named twice in one document (in another
// case), incidents without a start, deleted and restricted incidents, and
// incidents whose start and services change after they were listed.
func testListByService(t *testing.T, open Opener) {
	s := newStore(t, open)
	type inc struct {
		id, title, start string
		services         []string
	}
	var all []*inc
	add := func(title, start string, services ...string) *inc {
		x := &inc{title: title, start: start, services: services}
		x.id = mustCreate(t, s, spec{title: title, start: start, sev: "SEV-2", owner: "dana", services: services}.doc()).ID
		all = append(all, x)
		return x
	}
	for i := range 12 {
		// three incidents share each start: the ID breaks the tie
		add(fmt.Sprintf("db %02d", i), fmt.Sprintf("2026-05-%02d 10:00", 1+i/3), "Database", "api")
	}
	twice := add("named twice", "2026-05-02 10:00", "database", "DATABASE", "web")
	add("no start", "", "database")
	add("other service", "2026-05-03 09:00", "web")
	gone := add("deleted", "2026-05-03 11:00", "database")
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: gone.id, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	all = slices.DeleteFunc(all, func(x *inc) bool { return x == gone })
	secret, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{
		Doc:    spec{title: "secret", start: "2026-05-02 12:00", sev: "SEV-1", owner: "dana", services: []string{"database"}}.doc(),
		Author: "sec", Restricted: true, Members: []string{"sam"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hidden := &inc{id: secret.ID, title: "secret", start: "2026-05-02 12:00", services: []string{"database"}}
	all = append(all, hidden)
	// moved: a later start, and a service it did not name before
	moved := all[0]
	moved.start, moved.services = "2026-06-30 08:00", []string{"api", "Database"}
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: moved.id, BaseRevision: 1, Author: "bob",
		Doc: withID(spec{title: moved.title, start: moved.start, sev: "SEV-2", owner: "dana", services: moved.services}.doc(), moved.id)}); err != nil {
		t.Fatal(err)
	}
	// dropped: no longer names the service
	dropped := all[1]
	dropped.services = []string{"api"}
	if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: dropped.id, BaseRevision: 1, Author: "bob",
		Doc: withID(spec{title: dropped.title, start: dropped.start, sev: "SEV-2", owner: "dana", services: dropped.services}.doc(), dropped.id)}); err != nil {
		t.Fatal(err)
	}

	want := func(service string, desc, seesSecret bool) []string {
		var xs []*inc
		for _, x := range all {
			if x == hidden && !seesSecret {
				continue
			}
			if slices.ContainsFunc(x.services, func(n string) bool { return strings.EqualFold(n, service) }) {
				xs = append(xs, x)
			}
		}
		key := func(x *inc) int64 {
			if x.start == "" {
				return 0
			}
			return tm(x.start).T.Unix()
		}
		slices.SortFunc(xs, func(a, b *inc) int {
			c := cmp.Compare(key(a), key(b))
			if c == 0 {
				c = cmp.Compare(a.id, b.id)
			}
			if desc {
				c = -c
			}
			return c
		})
		out := []string{}
		for _, x := range xs {
			out = append(out, x.id)
		}
		return out
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
		sees bool
	}{
		{"System", hindsight.SystemViewer, true},
		{"Member", hindsight.Viewer{UserID: "sam"}, true},
		{"NonMember", hindsight.Viewer{UserID: "mallory"}, false},
	}
	for _, service := range []string{"database", "API", "web", "nothing"} {
		for _, vc := range viewers {
			for _, desc := range []bool{false, true} {
				for _, limit := range []int{1, 2, 5, 50} {
					t.Run(fmt.Sprintf("%s/%s/desc=%v/limit=%d", service, vc.name, desc, limit), func(t *testing.T) {
						var got []string
						cursor := ""
						for pages := 0; ; pages++ {
							if pages > 40 {
								t.Fatal("paging does not end")
							}
							page, err := s.FindIncidents(ctx(t), vc.v, hindsight.IncidentFilter{Service: service, Desc: desc, Limit: limit, Cursor: cursor})
							if err != nil {
								t.Fatal(err)
							}
							if len(page.Incidents) > limit {
								t.Fatalf("page of %d with limit %d", len(page.Incidents), limit)
							}
							got = append(got, ids(page.Incidents)...)
							if page.Next == "" {
								break
							}
							cursor = page.Next
						}
						if w := want(service, desc, vc.sees); !slices.Equal(got, w) {
							t.Errorf("got  %v\nwant %v", got, w)
						}
					})
				}
			}
		}
	}
	t.Run("OtherFiltersStillApply", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Service: "database", Severity: []hindsight.Severity{"SEV-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(page.Incidents); !slices.Equal(got, []string{secret.ID}) {
			t.Errorf("database SEV-1: got %v, want %v", got, []string{secret.ID})
		}
	})
	t.Run("NamedTwiceListedOnce", func(t *testing.T) {
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, hindsight.IncidentFilter{Service: "database", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, x := range page.Incidents {
			if x.ID == twice.id {
				n++
			}
		}
		if n != 1 {
			t.Errorf("an incident naming the service twice is listed %d times", n)
		}
	})
}
