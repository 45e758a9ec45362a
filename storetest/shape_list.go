package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// testShapeListByStart pages through lists filtered by a tag, a factor
// category and field values, by start (the list a shape key's rows drive,
// migration 00200), and compares every page with the order worked out
// here and with the probe plan (the same filter with an owner every
// incident has, which lists from the incidents in start order): a rare
// tag, common keys, combined filters, a start range, ties on start,
// incidents without a start, restricted and deleted incidents, and
// incidents whose start and tags change after they were created.
func testShapeListByStart(t *testing.T, s hindsight.Store) {
	type inc struct {
		id, start, sev, region, tier string
		tags, cats                   []string
		restricted                   bool
	}
	var all []*inc
	doc := func(x *inc) *hindsight.Postmortem {
		fields := [][2]string{{"Region", x.region}}
		if x.tier != "" {
			fields = append(fields, [2]string{"Customer tier", x.tier})
		}
		if len(x.tags) > 0 {
			fields = append(fields, [2]string{"Tags", strings.Join(x.tags, ", ")})
		}
		var factors []string
		for _, c := range x.cats {
			factors = append(factors, "["+c+"] Something went wrong")
		}
		p := shaped{spec{title: "incident", start: x.start, sev: x.sev, owner: "dana"}, fields, factors}.doc()
		if x.id != "" {
			p = withID(p, x.id)
		}
		return p
	}
	regions := []string{"us-east-1", "eu-west-1", "US-East-1", "ap-south-1"}
	for i := range 30 {
		x := &inc{sev: fmt.Sprintf("SEV-%d", 1+i%4), region: regions[i%4]}
		if i%10 != 9 {
			// three incidents share each start: the ID breaks the tie
			x.start = fmt.Sprintf("2026-03-%02d 10:00", 1+i/3)
		}
		if i%2 == 0 {
			x.tags = append(x.tags, []string{"dns", "DNS"}[i%4/2])
		}
		if i%3 == 0 {
			x.tags = append(x.tags, "network")
		}
		if i%11 == 0 {
			x.tags = append(x.tags, "Rare")
		}
		switch i % 5 {
		case 0:
			x.tier = "pro, enterprise"
		case 1:
			x.tier = "free"
		}
		if i%7 == 0 {
			x.cats = append(x.cats, "change/config")
		}
		if i%2 == 1 || i%5 == 2 {
			x.cats = append(x.cats, "Capacity")
		}
		if i%5 == 2 {
			x.cats = append(x.cats, "capacity") // twice: one row
		}
		x.id = mustCreate(t, s, doc(x)).ID
		all = append(all, x)
	}
	secret := &inc{start: "2026-03-05 12:00", sev: "SEV-1", region: "us-east-1", tags: []string{"rare", "dns"}, cats: []string{"capacity"}, restricted: true}
	created, err := s.CreateIncident(ctx(t), hindsight.IncidentCreate{Doc: doc(secret), Author: "sec", Restricted: true, Members: []string{"sam"}})
	if err != nil {
		t.Fatal(err)
	}
	secret.id = created.ID
	all = append(all, secret)
	gone := mustCreate(t, s, doc(&inc{start: "2026-03-06 10:00", sev: "SEV-2", region: "us-east-1", tags: []string{"rare", "dns"}, cats: []string{"capacity"}}))
	if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: gone.ID, Author: "admin"}); err != nil {
		t.Fatal(err)
	}
	update := func(x *inc) {
		t.Helper()
		if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: x.id, BaseRevision: 1, Author: "bob", Doc: doc(x)}); err != nil {
			t.Fatal(err)
		}
	}
	// moved: the first rare incident starts last; one without a start gets one
	all[0].start = "2026-04-30 08:00"
	update(all[0])
	all[9].start = "2026-03-02 10:00"
	update(all[9])
	// retagged: one gains the rare tag, one loses it, one changes category
	all[4].tags = append(all[4].tags, "rare")
	update(all[4])
	all[11].tags = []string{"network"}
	update(all[11])
	all[14].cats = []string{"change/config"}
	update(all[14])

	has := func(xs []string, k string) bool {
		return slices.ContainsFunc(xs, func(x string) bool { return strings.EqualFold(x, k) })
	}
	key := func(x *inc) int64 {
		if x.start == "" {
			return 0
		}
		return tm(x.start).T.Unix()
	}
	cases := []struct {
		name  string
		f     hindsight.IncidentFilter
		match func(x *inc) bool
	}{
		{"RareTag", hindsight.IncidentFilter{Tag: "rare"}, func(x *inc) bool { return has(x.tags, "rare") }},
		{"CommonTag", hindsight.IncidentFilter{Tag: "Dns"}, func(x *inc) bool { return has(x.tags, "dns") }},
		{"Category", hindsight.IncidentFilter{FactorCategory: "change/config"}, func(x *inc) bool { return has(x.cats, "change/config") }},
		{"Field", hindsight.IncidentFilter{Fields: map[string]string{"region": "us-east-1"}}, func(x *inc) bool { return strings.EqualFold(x.region, "us-east-1") }},
		{"FieldMultiPiece", hindsight.IncidentFilter{Fields: map[string]string{"Customer tier": "enterprise"}}, func(x *inc) bool { return x.tier == "pro, enterprise" }},
		{"RareTagAndField", hindsight.IncidentFilter{Tag: "rare", Fields: map[string]string{"Region": "us-east-1"}},
			func(x *inc) bool { return has(x.tags, "rare") && strings.EqualFold(x.region, "us-east-1") }},
		{"TagCategorySeverity", hindsight.IncidentFilter{Tag: "dns", FactorCategory: "capacity", Severity: []hindsight.Severity{"SEV-1", "SEV-2"}},
			func(x *inc) bool {
				return has(x.tags, "dns") && has(x.cats, "capacity") && (x.sev == "SEV-1" || x.sev == "SEV-2")
			}},
		{"AllThreeKeys", hindsight.IncidentFilter{Tag: "network", FactorCategory: "capacity", Fields: map[string]string{"Customer tier": "free"}},
			func(x *inc) bool { return has(x.tags, "network") && has(x.cats, "capacity") && x.tier == "free" }},
		{"TagInStartRange", hindsight.IncidentFilter{Tag: "network", StartFrom: tm("2026-03-04 00:00").T, StartBefore: tm("2026-03-08 00:00").T},
			func(x *inc) bool {
				return has(x.tags, "network") && x.start != "" && x.start >= "2026-03-04" && x.start < "2026-03-08"
			}},
		{"NoSuchTag", hindsight.IncidentFilter{Tag: "nothing"}, func(*inc) bool { return false }},
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
		sees bool
	}{
		{"System", hindsight.SystemViewer, true},
		{"NonMember", hindsight.Viewer{UserID: "mallory"}, false},
	}
	list := func(t *testing.T, v hindsight.Viewer, f hindsight.IncidentFilter) []string {
		t.Helper()
		var got []string
		for pages := 0; ; pages++ {
			if pages > 40 {
				t.Fatal("paging does not end")
			}
			page, err := s.FindIncidents(ctx(t), v, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Incidents) > max(f.Limit, 1) {
				t.Fatalf("page of %d with limit %d", len(page.Incidents), f.Limit)
			}
			got = append(got, ids(page.Incidents)...)
			if page.Next == "" {
				return got
			}
			f.Cursor = page.Next
		}
	}
	for _, c := range cases {
		for _, vc := range viewers {
			for _, desc := range []bool{false, true} {
				var xs []*inc
				for _, x := range all {
					if c.match(x) && (vc.sees || !x.restricted) {
						xs = append(xs, x)
					}
				}
				slices.SortFunc(xs, func(a, b *inc) int {
					r := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.id, b.id))
					if desc {
						r = -r
					}
					return r
				})
				want := []string{}
				for _, x := range xs {
					want = append(want, x.id)
				}
				if len(want) == 0 && c.name != "NoSuchTag" {
					t.Fatalf("%s: the seed has no match", c.name)
				}
				for _, limit := range []int{1, 2, 50} {
					t.Run(fmt.Sprintf("%s/%s/desc=%v/limit=%d", c.name, vc.name, desc, limit), func(t *testing.T) {
						f := c.f
						f.Desc, f.Limit = desc, limit
						if got := list(t, vc.v, f); !slices.Equal(got, want) {
							t.Errorf("got  %v\nwant %v", got, want)
						}
						// the probe plan: every incident's owner is dana
						f.Owner = "dana"
						if got := list(t, vc.v, f); !slices.Equal(got, want) {
							t.Errorf("probe plan: got  %v\nwant %v", got, want)
						}
					})
				}
			}
		}
	}
	t.Run("CursorOfTheProbePlan", func(t *testing.T) {
		// a cursor from one plan continues in the other: both keep the
		// incident's start and ID
		f := hindsight.IncidentFilter{Tag: "dns", Limit: 2, Owner: "dana"}
		page, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, f)
		if err != nil {
			t.Fatal(err)
		}
		f.Owner, f.Limit, f.Cursor = "", 50, page.Next
		rest, err := s.FindIncidents(ctx(t), hindsight.SystemViewer, f)
		if err != nil {
			t.Fatal(err)
		}
		got := append(ids(page.Incidents), ids(rest.Incidents)...)
		want := list(t, hindsight.SystemViewer, hindsight.IncidentFilter{Tag: "dns", Limit: 50})
		if !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
}
