package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// testShapeTrackerPages pages the action item tracker (TrackActionItems,
// every sort both ways, limits 2 and 50) and FindActionItems through tag,
// factor category and field filters, one key or two, for three viewers,
// and compares each with the unfiltered tracker's items (the same order)
// kept to the incidents that have the keys. A key on few incidents reads
// its incidents' items and sorts them; a common one probes each item's
// incident (shapeItemCond): both must give these lists. A restricted
// incident with every key is seen by its member only; a deleted one by
// no one.
func testShapeTrackerPages(t *testing.T, s hindsight.Store) {
	is, ok := s.(hindsight.InsightStore)
	if !ok {
		t.Skip("not an InsightStore")
	}
	day := func(d int) hindsight.Date { return hindsight.DateOf(time.Date(2026, 7, d, 0, 0, 0, 0, time.UTC)) }
	owners := []string{"dana", "eve", "gus"}
	prios := []hindsight.Priority{hindsight.P0, hindsight.P1, hindsight.P2}
	sevs := []string{"SEV-1", "SEV-2", "SEV-3"}
	// keys of each incident: rare tag, common tag, category capacity,
	// Region us-east-1
	type inc struct {
		title            string
		rare, common     bool
		capacity, region bool
	}
	incs := []inc{
		{"i0", false, true, true, false},
		{"i1", true, true, false, true},
		{"i2", false, true, true, false},
		{"i3", false, false, false, true},
		{"i4", false, true, false, false},
		{"i5", true, true, true, true},
		{"i6", false, true, false, false},
		{"i7", false, true, false, true},
		{"secret", true, true, true, true},
		{"gone", true, true, true, true},
	}
	has := map[string]func(inc) bool{
		"rare": func(x inc) bool { return x.rare }, "common": func(x inc) bool { return x.common },
		"capacity": func(x inc) bool { return x.capacity }, "region": func(x inc) bool { return x.region },
	}
	byID := map[string]inc{}
	for n, x := range incs {
		var tags []string
		if x.rare {
			tags = append(tags, "Rare")
		}
		if x.common {
			tags = append(tags, "common")
		}
		fields := [][2]string{{"Region", "eu-west-1"}}
		if x.region {
			fields[0][1] = "us-east-1"
		}
		if len(tags) > 0 {
			fields = append(fields, [2]string{"Tags", fmt.Sprint(tags[0], ", ", tags[len(tags)-1])})
		}
		factors := []string{"[change/config] A flag"}
		if x.capacity {
			factors = append(factors, "[capacity] Too few nodes")
		}
		var items []hindsight.ActionItem
		for k := range 3 {
			it := hindsight.ActionItem{ID: fmt.Sprintf("AI-%03d", k+1), Action: fmt.Sprintf("%s item %d", x.title, k), Owner: owners[(n+k)%3],
				Priority: prios[(n*2+k)%3], Status: hindsight.ItemOpen}
			if (n+k)%4 != 0 { // some without a target date; dates shared across incidents
				it.TargetDate = day(1 + (n+k)%5)
			}
			items = append(items, it)
		}
		doc := shaped{spec{title: x.title, start: fmt.Sprintf("2026-01-%02d 08:00", n+1), sev: sevs[n%3], owner: "Dana", items: items}, fields, factors}.doc()
		create := hindsight.IncidentCreate{Doc: doc, Author: "alice"}
		if x.title == "secret" {
			create.Author, create.Restricted, create.Members = "zed", true, []string{"zed"}
		}
		got, err := s.CreateIncident(ctx(t), create)
		if err != nil {
			t.Fatal(err)
		}
		byID[got.ID] = x
		if x.title == "gone" {
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: got.ID, Author: "alice"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	filters := []struct {
		name string
		keys []string
		f    hindsight.ActionItemFilter
	}{
		{"RareTag", []string{"rare"}, hindsight.ActionItemFilter{Tag: "rare"}},
		{"CommonTag", []string{"common"}, hindsight.ActionItemFilter{Tag: "COMMON"}},
		{"Category", []string{"capacity"}, hindsight.ActionItemFilter{FactorCategory: "Capacity"}},
		{"Field", []string{"region"}, hindsight.ActionItemFilter{Fields: map[string]string{"region": "US-EAST-1"}}},
		{"RareTagAndField", []string{"rare", "region"}, hindsight.ActionItemFilter{Tag: "rare", Fields: map[string]string{"Region": "us-east-1"}}},
		{"CommonTagAndCategory", []string{"common", "capacity"}, hindsight.ActionItemFilter{Tag: "common", FactorCategory: "capacity"}},
	}
	viewers := []struct {
		name string
		v    hindsight.Viewer
	}{{"System", hindsight.SystemViewer}, {"NotMember", hindsight.Viewer{UserID: "bob"}}, {"Member", hindsight.Viewer{UserID: "zed"}}}
	sorts := []hindsight.ActionItemSort{"", hindsight.ItemSortPriority, hindsight.ItemSortOwner, hindsight.ItemSortSeverity, hindsight.ItemSortIncident}
	key := func(r hindsight.ActionItemRow) string { return fmt.Sprintf("%s/%d", r.IncidentID, r.Position) }
	for _, vc := range viewers {
		for _, sort := range sorts {
			for _, desc := range []bool{false, true} {
				// every item the viewer sees, in this order
				all, err := is.TrackActionItems(ctx(t), vc.v, hindsight.ActionItemQuery{ActionItemFilter: hindsight.ActionItemFilter{Limit: 5000}, Sort: sort, Desc: desc})
				if err != nil {
					t.Fatal(err)
				}
				for _, fc := range filters {
					want := []string{}
					for _, r := range all.Items {
						x := byID[r.IncidentID]
						if x.title == "gone" || x.title == "secret" && vc.name == "NotMember" {
							t.Fatalf("%s sees %s's items", vc.name, x.title)
						}
						if !slices.ContainsFunc(fc.keys, func(k string) bool { return !has[k](x) }) {
							want = append(want, key(r.ActionItemRow))
						}
					}
					if len(want) == 0 {
						t.Fatalf("%s: no items to compare", fc.name)
					}
					for _, limit := range []int{2, 50} {
						name := fmt.Sprintf("%s/%s/%s desc=%v/limit %d", vc.name, fc.name, sort, desc, limit)
						q := hindsight.ActionItemQuery{ActionItemFilter: fc.f, Sort: sort, Desc: desc}
						q.Limit = limit
						got := []string{}
						for pages := 0; ; pages++ {
							page, err := is.TrackActionItems(ctx(t), vc.v, q)
							if err != nil {
								t.Fatalf("%s: %v", name, err)
							}
							if page.Total != len(want) {
								t.Errorf("%s: total %d, want %d", name, page.Total, len(want))
							}
							for _, r := range page.Items {
								got = append(got, key(r.ActionItemRow))
							}
							if page.Next == "" || pages > len(want) {
								break
							}
							q.Cursor = page.Next
						}
						if !slices.Equal(got, want) {
							t.Errorf("%s: got  %v\nwant %v", name, got, want)
						}
						if sort != "" || desc {
							continue
						}
						// FindActionItems lists in the tracker's default order
						f := fc.f
						f.Limit = limit
						rows, err := s.FindActionItems(ctx(t), vc.v, f)
						if err != nil {
							t.Fatalf("%s: FindActionItems: %v", name, err)
						}
						got = []string{}
						for _, r := range rows {
							got = append(got, key(r))
						}
						if w := want[:min(limit, len(want))]; !slices.Equal(got, w) {
							t.Errorf("%s: FindActionItems: got  %v\nwant %v", name, got, w)
						}
					}
				}
			}
		}
	}
}
