package storetest

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// The breakdowns by factor category, tag and field and the repeat factors
// are checked here against a plain Go reading of the documents, over a
// random world of incidents with tags, factor categories, custom fields
// and services written in several cases, restricted incidents with
// members, updates that change them, and deletes; for every viewer and
// for ranges, a service, a severity and shape filters. Keys are compared
// as their lower-case match keys: how each is spelled is
// TestKeySpellingConformance's.

// shapeKeyOf is the stores' match key of a written tag, category or field
// value.
func shapeKeyOf(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// refShape is what the reference reads of an incident's shape.
type refShape struct {
	tags, factors map[string]bool
	fields        map[[2]string]bool // label key, value key (whole values and pieces)
}

func shapeOf(p *hindsight.Postmortem) refShape {
	s := refShape{tags: map[string]bool{}, factors: map[string]bool{}, fields: map[[2]string]bool{}}
	for _, t := range p.Tags() {
		if k := shapeKeyOf(t); k != "" {
			s.tags[k] = true
		}
	}
	for _, f := range p.Factors() {
		if k := shapeKeyOf(f.Category); k != "" {
			s.factors[k] = true
		}
	}
	for _, f := range p.CustomFields() {
		name := shapeKeyOf(f.Label)
		if name == "" {
			continue
		}
		vals := []string{f.Value}
		if strings.Contains(f.Value, ",") {
			vals = append(vals, strings.Split(f.Value, ",")...)
		}
		for _, v := range vals {
			if k := shapeKeyOf(v); k != "" {
				s.fields[[2]string{name, k}] = true
			}
		}
	}
	return s
}

// shapedDoc is randomDoc with tags, factor categories and custom fields.
func shapedDoc(r *rand.Rand) *hindsight.Postmortem {
	p := randomDoc(r)
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	var tags []string
	for range r.IntN(4) {
		tags = append(tags, pick("db", "DB", "network", "Cache", "edge", "pager"))
	}
	p.SetTags(tags)
	for range r.IntN(4) {
		p.RootCause.Factors = append(p.RootCause.Factors,
			pick("[change/config] a flag", "[Capacity] disk full", "[capacity] too few nodes", "[dependency/third-party] CDN", "no category", "[Process] review skipped"))
	}
	if r.IntN(2) == 0 {
		p.SetCustomField("Customer tier", pick("Gold", "gold, Silver", "Silver,Bronze", "bronze"))
	}
	if r.IntN(3) == 0 {
		p.SetCustomField("Region", pick("EU", "us", "eu, US"))
	}
	return p
}

// shapeWorld creates n incidents with shapedDoc in s, updates some (new
// documents and visibility), deletes others, and returns the live ones
// with the fixture's.
func shapeWorld(t *testing.T, s insightStore, f *fixture, seed uint64, n int) []*refIncident {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	live := fixtureIncidents(t, s, f)
	for range n {
		c := hindsight.IncidentCreate{Doc: shapedDoc(r), Author: "alice"}
		if r.IntN(6) == 0 {
			c.Restricted, c.Members = true, randomMembers(r)
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		x := &refIncident{id: inc.ID, doc: inc.Doc, restricted: c.Restricted, members: c.Members}
		switch k := r.IntN(10); {
		case k < 2:
			u := hindsight.IncidentUpdate{ID: x.id, BaseRevision: inc.Revision, Doc: shapedDoc(r), Author: "bob"}
			if r.IntN(3) == 0 {
				restricted, m := !x.restricted, randomMembers(r)
				u.Restricted, u.Members = &restricted, &m
				x.restricted, x.members = restricted, m
			}
			up, err := s.UpdateIncident(ctx(t), u)
			if err != nil {
				t.Fatal(err)
			}
			x.doc = up.Doc
		case k == 2:
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: x.id, Author: "bob"}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, x)
	}
	return live
}

// refShapeFigures computes the breakdowns and the repeat factors of the
// incidents of all that v sees and f matches, as docs/metrics.md defines
// them, keys lower case.
func refShapeFigures(all []*refIncident, v hindsight.Viewer, f hindsight.InsightsFilter) (incidents int, byCat, byTag []hindsight.Count, byField map[string][]hindsight.Count, repeats []hindsight.RepeatFactor) {
	ranged := !f.From.IsZero() || !f.Before.IsZero()
	type m struct {
		r  *refIncident
		sh refShape
	}
	var match []m
	for _, r := range all {
		p := r.doc
		st := p.Summary.Start.T
		sh := shapeOf(p)
		ok := true
		for name, val := range f.Fields {
			ok = ok && sh.fields[[2]string{shapeKeyOf(name), shapeKeyOf(val)}]
		}
		switch {
		case !r.visible(v):
		case ranged && (st.IsZero() || (!f.From.IsZero() && st.Unix() < f.From.Unix()) || (!f.Before.IsZero() && st.Unix() >= f.Before.Unix())):
		case len(f.Severity) > 0 && !slices.Contains(f.Severity, p.Summary.Severity):
		case f.Service != "" && !slices.Contains(r.services(), foldASCII(f.Service)):
		case f.Tag != "" && !sh.tags[shapeKeyOf(f.Tag)]:
		case f.FactorCategory != "" && !sh.factors[shapeKeyOf(f.FactorCategory)]:
		case !ok:
		default:
			match = append(match, m{r, sh})
		}
	}
	incidents = len(match)
	breakdown := func(keys func(sh refShape) []string) []hindsight.Count {
		n := map[string]int{}
		ttm := map[string][]float64{}
		for _, x := range match {
			x1, ok, _ := refTimes(x.r.doc)
			for _, k := range keys(x.sh) {
				n[k]++
				if ok[2] && x1[2] >= 0 {
					ttm[k] = append(ttm[k], x1[2])
				}
			}
		}
		out := refCounts(n, incidents, func(a, b string) int { return n[b] - n[a] })
		for i := range out {
			if vals := ttm[out[i].Key]; len(vals) > 0 {
				med := refDist(vals, 0).Median
				out[i].MedianTTM = &med
			}
		}
		return out
	}
	byCat = breakdown(func(sh refShape) []string { return slices.Collect(mapKeys(sh.factors)) })
	byTag = breakdown(func(sh refShape) []string { return slices.Collect(mapKeys(sh.tags)) })
	byField = map[string][]hindsight.Count{}
	for _, name := range f.GroupFields {
		k := shapeKeyOf(name)
		if k == "" {
			continue
		}
		byField[name] = breakdown(func(sh refShape) []string {
			var out []string
			for kv := range sh.fields {
				if kv[0] == k && !strings.Contains(kv[1], ",") {
					out = append(out, kv[1])
				}
			}
			return out
		})
	}
	// repeat factors: per category and service, the started incidents in
	// start order (then ID), those within RepeatDays of a neighbour
	type hit struct {
		id    string
		start int64
	}
	groups := map[[2]string][]hit{}
	for _, x := range match {
		st := x.r.doc.Summary.Start.T
		if st.IsZero() {
			continue
		}
		for c := range x.sh.factors {
			for _, sv := range x.r.services() {
				k := [2]string{c, strings.TrimSpace(sv)}
				groups[k] = append(groups[k], hit{x.r.id, st.Unix()})
			}
		}
	}
	window := int64(hindsight.RepeatDays) * 24 * 3600
	repeats = []hindsight.RepeatFactor{}
	for k, g := range groups {
		slices.SortFunc(g, func(a, b hit) int { return cmp.Or(cmp.Compare(a.start, b.start), strings.Compare(a.id, b.id)) })
		keep := make([]bool, len(g))
		for i := 1; i < len(g); i++ {
			if g[i].start-g[i-1].start <= window {
				keep[i-1], keep[i] = true, true
			}
		}
		rf := hindsight.RepeatFactor{Category: k[0], Service: k[1]}
		for i, h := range g {
			if keep[i] {
				rf.Incidents = append(rf.Incidents, h.id)
			}
		}
		if len(rf.Incidents) > 0 {
			repeats = append(repeats, rf)
		}
	}
	slices.SortFunc(repeats, func(a, b hindsight.RepeatFactor) int {
		return cmp.Or(len(b.Incidents)-len(a.Incidents), strings.Compare(a.Category, b.Category), strings.Compare(a.Service, b.Service))
	})
	return incidents, byCat, byTag, byField, repeats
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// lowerKeys is cs with each key as its match key.
func lowerKeys(cs []hindsight.Count) []hindsight.Count {
	out := slices.Clone(cs)
	for i := range out {
		out[i].Key = shapeKeyOf(out[i].Key)
	}
	return out
}

func testInsightShapeReference(t *testing.T, s insightStore, f *fixture) {
	live := shapeWorld(t, s, f, 3, 240)
	asOf := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	groups := []string{"Customer tier", "region"}
	r := rand.New(rand.NewPCG(4, 2))
	filters := append([]hindsight.InsightsFilter{{}, {From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}, randomFilters(r, 16)...)
	for i, shape := range []func(*hindsight.InsightsFilter){
		func(f *hindsight.InsightsFilter) { f.Tag = "DB" },
		func(f *hindsight.InsightsFilter) { f.FactorCategory = "capacity" },
		func(f *hindsight.InsightsFilter) { f.Fields = map[string]string{"customer tier": "SILVER"} },
		func(f *hindsight.InsightsFilter) { f.Tag, f.Fields = "network", map[string]string{"Region": "eu"} },
	} {
		f := hindsight.InsightsFilter{}
		if i%2 == 1 {
			f.From, f.Before = time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
		}
		shape(&f)
		filters = append(filters, f)
	}
	for _, fl := range filters {
		fl.AsOf, fl.GroupFields, fl.Status = asOf, groups, nil
		checkShapeFigures(t, s, live, fl, groups)
	}
}

// checkShapeFigures compares the breakdowns by factor category, tag and
// the fields of groups, and the repeat factors, with the reference's, for
// every reference viewer.
func checkShapeFigures(t *testing.T, s insightStore, live []*refIncident, fl hindsight.InsightsFilter, groups []string) {
	t.Helper()
	for _, v := range refViewers {
		got, err := s.Insights(ctx(t), v, fl)
		if err != nil {
			t.Fatal(err)
		}
		n, byCat, byTag, byField, rep := refShapeFigures(live, v, fl)
		var d []string
		if got.Incidents != n {
			d = append(d, "incidents")
		}
		if g := lowerKeys(got.ByFactorCategory); !slices.EqualFunc(g, byCat, sameCount) {
			d = append(d, "by factor category: "+jsonOf(t, g)+", want "+jsonOf(t, byCat))
		}
		if g := lowerKeys(got.ByTag); !slices.EqualFunc(g, byTag, sameCount) {
			d = append(d, "by tag: "+jsonOf(t, g)+", want "+jsonOf(t, byTag))
		}
		for _, name := range groups {
			if g := lowerKeys(got.ByField[name]); !slices.EqualFunc(g, byField[name], sameCount) {
				d = append(d, "by field "+name+": "+jsonOf(t, g)+", want "+jsonOf(t, byField[name]))
			}
		}
		gr := slices.Clone(got.RepeatFactors)
		for i := range gr {
			gr[i].Category, gr[i].Service = shapeKeyOf(gr[i].Category), foldASCII(gr[i].Service)
		}
		for i := range rep {
			rep[i].Service = foldASCII(rep[i].Service)
		}
		if jsonOf(t, gr) != jsonOf(t, rep) {
			d = append(d, "repeat factors: "+jsonOf(t, gr)+", want "+jsonOf(t, rep))
		}
		if len(d) > 0 {
			t.Fatalf("viewer %+v, filter %+v:\n%s", v, fl, strings.Join(d, "\n"))
		}
	}
}

// testInsightShapeEmptyRange checks the breakdowns and repeat factors of
// ranges where some shape tables have no row at all (their queries are
// not run) next to ranges where they have some: an incident with a tag, a
// factor category and a field, one with none, one with a factor category
// only, in months before everything else.
func testInsightShapeEmptyRange(t *testing.T, s insightStore, f *fixture) {
	live := fixtureIncidents(t, s, f)
	r := rand.New(rand.NewPCG(9, 9))
	add := func(start string, tags, factors []string, region string, restricted bool) {
		p := randomDoc(r)
		at, err := time.Parse("2006-01-02 15:04", start)
		if err != nil {
			t.Fatal(err)
		}
		p.Summary.Start, p.Summary.End = hindsight.TimeOf(at), hindsight.TimeOf(at.Add(90*time.Minute))
		p.Summary.Services = []hindsight.Service{{Name: "checkout", Impact: "degraded"}}
		p.SetTags(tags)
		p.RootCause.Factors = factors
		if region != "" {
			p.SetCustomField("Region", region)
		}
		c := hindsight.IncidentCreate{Doc: p, Author: "alice"}
		if restricted {
			c.Restricted, c.Members = true, []string{"bob"}
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, &refIncident{id: inc.ID, doc: inc.Doc, restricted: c.Restricted, members: c.Members})
	}
	add("2021-03-10 10:00", []string{"db"}, []string{"[Capacity] disk full"}, "EU", false)
	add("2021-03-20 10:00", []string{"DB"}, []string{"[capacity] too few nodes"}, "eu", true)
	add("2021-05-10 10:00", nil, nil, "", false)
	add("2021-05-20 10:00", nil, []string{"[Capacity] disk full"}, "", false)
	add("2021-05-25 10:00", nil, []string{"[capacity] disk again"}, "", false)
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	groups := []string{"Region"}
	for _, rg := range [][2]string{
		{"2021-05-01", "2021-05-15"}, // one incident, no shape rows
		{"2021-05-01", "2021-06-01"}, // factor categories only
		{"2021-03-01", "2021-06-01"}, // all of them
		{"2021-03-15", "2021-04-01"}, // the restricted one only
		{"2020-01-01", "2020-02-01"}, // no incident
		{"2021-01-01", "2026-12-01"}, // with the fixture's (no shape rows)
	} {
		fl := hindsight.InsightsFilter{From: day(rg[0]), Before: day(rg[1]), AsOf: asOf, GroupFields: groups}
		if rg[0] == "2021-03-01" {
			// not a comparison of empty lists only
			n, byCat, byTag, byField, rep := refShapeFigures(live, hindsight.SystemViewer, fl)
			if n != 5 || len(byCat) == 0 || len(byTag) == 0 || len(byField["Region"]) == 0 || len(rep) == 0 {
				t.Fatalf("the reference finds %d incidents, %d categories, %d tags, %d regions, %d repeat factors", n, len(byCat), len(byTag), len(byField["Region"]), len(rep))
			}
		}
		checkShapeFigures(t, s, live, fl, groups)
	}
}

func sameCount(a, b hindsight.Count) bool {
	if a.Key != b.Key || a.N != b.N || a.Share != b.Share || (a.MedianTTM == nil) != (b.MedianTTM == nil) {
		return false
	}
	return a.MedianTTM == nil || *a.MedianTTM == *b.MedianTTM
}
