package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// The insight figures are computed from precomputed facts and rollups kept
// by every save (internal/sqlstore/facts.go). The tests here check them
// against a plain Go reading of docs/metrics.md over the same documents,
// after many creates, updates, visibility changes and deletes, for ranges
// that do and do not fall on month boundaries; and that migration 00050
// builds the same rows from existing incidents as the saves maintain.

// refIncident is what the reference reads of an incident.
type refIncident struct {
	id         string
	doc        *hindsight.Postmortem
	restricted bool
	members    []string
}

// foldASCII lower-cases ASCII letters only (the stores' case-insensitive
// comparison of service and owner names).
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func (r *refIncident) visible(v hindsight.Viewer) bool {
	return v.SeesAll() || !r.restricted || (v.UserID != "" && slices.Contains(r.members, v.UserID))
}

func (r *refIncident) services() []string {
	var out []string
	for _, sv := range r.doc.Summary.Services {
		if k := foldASCII(sv.Name); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func refMinutes(later, earlier time.Time) float64 {
	return float64((later.Unix() - earlier.Unix()) / 60)
}

// refTimes returns the four times of docs/metrics.md (ok false when there
// is none) and whether each is derived.
func refTimes(p *hindsight.Postmortem) (x [4]float64, ok [4]bool, derived [4]bool) {
	st, end, det := p.Summary.Start.T, p.Summary.End.T, p.Detection.DetectionTime.T
	if !st.IsZero() && !det.IsZero() && !det.Before(st) {
		x[0], ok[0] = refMinutes(det, st), true
	}
	first := func(word string) (time.Time, bool) {
		var f time.Time
		for _, e := range p.Timeline {
			if e.Time.T.IsZero() || e.Time.T.Before(det) || !strings.Contains(foldASCII(e.Event), word) {
				continue
			}
			if f.IsZero() || e.Time.T.Before(f) {
				f = e.Time.T
			}
		}
		return f, !f.IsZero()
	}
	for i, m := range []struct {
		stated hindsight.Duration
		word   string
	}{{p.Detection.TTA, "acknowledg"}, {p.Detection.TTM, "mitigat"}} {
		switch t, found := first(m.word); {
		case m.stated.Valid:
			x[i+1], ok[i+1] = float64(m.stated.Minutes), true
		case !det.IsZero() && found:
			x[i+1], ok[i+1], derived[i+1] = refMinutes(t, det), true, true
		}
	}
	switch {
	case !st.IsZero() && !end.IsZero() && !end.Before(st):
		x[3], ok[3] = refMinutes(end, st), true
	case p.Summary.Duration.Valid:
		x[3], ok[3], derived[3] = float64(p.Summary.Duration.Minutes), true, true
	}
	return
}

func refDist(vals []float64, derived int) hindsight.Distribution {
	if len(vals) == 0 {
		return hindsight.Distribution{}
	}
	slices.Sort(vals)
	n := len(vals)
	sum := 0.0
	for _, v := range vals {
		sum += v
	}
	pc := func(p float64) float64 {
		pos := p * float64(n-1)
		lo := int(pos)
		return vals[lo] + (pos-float64(lo))*(vals[min(lo+1, n-1)]-vals[lo])
	}
	return hindsight.Distribution{N: n, Mean: hindsight.Round3(sum / float64(n)), Median: hindsight.Round3(pc(0.5)),
		P90: hindsight.Round3(pc(0.9)), Min: vals[0], Max: vals[n-1], Derived: derived}
}

func refCounts(m map[string]int, total int, less func(a, b string) int) []hindsight.Count {
	out := []hindsight.Count{}
	for k, n := range m {
		out = append(out, hindsight.Count{Key: k, N: n, Share: hindsight.Round3(float64(n) / float64(total))})
	}
	slices.SortFunc(out, func(a, b hindsight.Count) int {
		if less != nil {
			if c := less(a.Key, b.Key); c != 0 {
				return c
			}
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func sevRank(s string) int {
	if l := hindsight.Severity(s).Level(); l != 0 {
		return l
	}
	return 9
}

var statusOrder = map[string]int{"": 0, "Draft": 1, "In Review": 2, "Published": 3}
var sourceOrder = map[string]int{"Monitoring": 1, "Customer report": 2, "Internal team": 3, "Other": 4}

func rankOf(m map[string]int, k string) int {
	if r, ok := m[k]; ok {
		return r
	}
	return 9
}

// refInsights computes hindsight.Insights over all (live) incidents.
func refInsights(all []*refIncident, v hindsight.Viewer, f hindsight.InsightsFilter) *hindsight.Insights {
	if f.UnpublishedDays == 0 {
		f.UnpublishedDays = hindsight.DefaultUnpublishedDays
	}
	f.Objectives = f.Objectives.OrDefault()
	out := &hindsight.Insights{Filter: f, BySeverity: []hindsight.Count{}, ByStatus: []hindsight.Count{}, ByService: []hindsight.Count{},
		ByMonth: []hindsight.Count{}, Detection: []hindsight.Count{}, Recurrences: []hindsight.Count{},
		Unpublished: hindsight.Unpublished{Days: f.UnpublishedDays, IDs: []string{}},
		// the reference world has no tags, fields or factor categories:
		// RunShape checks those breakdowns
		ByFactorCategory: []hindsight.Count{}, ByTag: []hindsight.Count{}, ByField: map[string][]hindsight.Count{}, RepeatFactors: []hindsight.RepeatFactor{}}
	ranged := !f.From.IsZero() || !f.Before.IsZero()
	var match []*refIncident
	for _, r := range all {
		p := r.doc
		st := p.Summary.Start.T
		switch {
		case !r.visible(v):
		case ranged && (st.IsZero() || (!f.From.IsZero() && st.Unix() < f.From.Unix()) || (!f.Before.IsZero() && st.Unix() >= f.Before.Unix())):
		case len(f.Severity) > 0 && !slices.Contains(f.Severity, p.Summary.Severity):
		case len(f.Status) > 0 && !slices.Contains(f.Status, p.Status):
		case f.Service != "" && !slices.Contains(r.services(), foldASCII(f.Service)):
		default:
			match = append(match, r)
		}
	}
	sev, st, mon, src, svc, rec := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	var vals [4][]float64
	var der [4]int
	type late struct {
		id  string
		end time.Time
	}
	var lates []late
	cut := f.AsOf.AddDate(0, 0, -f.UnpublishedDays)
	for _, r := range match {
		p := r.doc
		out.Incidents++
		sev[string(p.Summary.Severity)]++
		st[string(p.Status)]++
		m := ""
		if !p.Summary.Start.T.IsZero() {
			m = p.Summary.Start.T.UTC().Format("2006-01")
		}
		mon[m]++
		src[string(p.Detection.Source())]++
		x, ok, d := refTimes(p)
		for i := range 4 {
			if ok[i] {
				vals[i] = append(vals[i], x[i])
				if d[i] {
					der[i]++
				}
			}
		}
		for _, a := range p.ActionItems {
			out.ActionItems.Total++
			if a.Status == hindsight.ItemClosed {
				continue
			}
			out.ActionItems.Open++
			if a.TargetDate.IsSet() && a.TargetDate.T.Before(f.AsOf) {
				out.ActionItems.Overdue++
			}
			if d, ok := f.Objectives.Days(a.Priority); ok && !p.Summary.End.T.IsZero() && p.Summary.End.T.Before(f.AsOf.AddDate(0, 0, -d)) {
				out.ActionItems.PastObjective++
			}
		}
		if p.Status != hindsight.StatusPublished && !p.Summary.End.T.IsZero() && p.Summary.End.T.Before(cut) {
			lates = append(lates, late{r.id, p.Summary.End.T})
		}
		for _, s := range r.services() {
			svc[s]++
			if p.Summary.Start.T.IsZero() {
				continue
			}
			for _, e := range all {
				ep := e.doc
				if e.visible(v) && !ep.Summary.Start.T.IsZero() && ep.Summary.Start.T.Unix() < p.Summary.Start.T.Unix() &&
					len(ep.ActionItems) > 0 && ep.OpenActionItems() == 0 && slices.Contains(e.services(), s) {
					rec[s]++
					break
				}
			}
		}
	}
	out.BySeverity = refCounts(sev, out.Incidents, func(a, b string) int { return sevRank(a) - sevRank(b) })
	out.ByStatus = refCounts(st, out.Incidents, func(a, b string) int { return rankOf(statusOrder, a) - rankOf(statusOrder, b) })
	out.ByMonth = refCounts(mon, out.Incidents, nil)
	out.Detection = refCounts(src, out.Incidents, func(a, b string) int { return rankOf(sourceOrder, a) - rankOf(sourceOrder, b) })
	out.ByService = refCounts(svc, out.Incidents, func(a, b string) int { return svc[b] - svc[a] })
	out.Recurrences = refCounts(rec, out.Incidents, func(a, b string) int { return cmp.Or(rec[b]-rec[a], svc[b]-svc[a]) })
	out.TimeToDetect = refDist(vals[0], der[0])
	out.TimeToAcknowledge = refDist(vals[1], der[1])
	out.TimeToMitigate = refDist(vals[2], der[2])
	out.Duration = refDist(vals[3], der[3])
	a := &out.ActionItems
	a.Closed = a.Total - a.Open
	if a.Total > 0 {
		a.CompletionRate = hindsight.Round3(float64(a.Closed) / float64(a.Total))
	}
	slices.SortFunc(lates, func(a, b late) int { return cmp.Or(a.end.Compare(b.end), strings.Compare(a.id, b.id)) })
	out.Unpublished.N = len(lates)
	for _, l := range lates[:min(len(lates), 50)] {
		out.Unpublished.IDs = append(out.Unpublished.IDs, l.id)
	}
	return out
}

// refItem is an action item with what the tracker sorts and filters on.
type refItem struct {
	inc *refIncident
	pos int
	a   hindsight.ActionItem
}

// refTrack returns the keys (incident:item) of the matching items in q's
// order, and the counts per owner.
func refTrack(all []*refIncident, v hindsight.Viewer, q hindsight.ActionItemQuery) ([]string, []hindsight.OwnerCount) {
	day := hindsight.DateOf(q.AsOf).T
	obj := q.Objectives.OrDefault()
	var items []refItem
	for _, r := range all {
		if !r.visible(v) || (q.IncidentID != "" && r.id != q.IncidentID) {
			continue
		}
		if q.Service != "" && !slices.Contains(r.services(), foldASCII(q.Service)) {
			continue
		}
		if len(q.Severity) > 0 && !slices.Contains(q.Severity, r.doc.Summary.Severity) {
			continue
		}
		for i, a := range r.doc.ActionItems {
			open := a.Status != hindsight.ItemClosed
			switch {
			case q.Owner != "" && foldASCII(a.Owner) != foldASCII(q.Owner):
			case len(q.Priority) > 0 && !slices.Contains(q.Priority, a.Priority):
			case len(q.Status) > 0 && !slices.Contains(q.Status, a.Status):
			case q.Overdue && !(open && a.TargetDate.IsSet() && a.TargetDate.T.Before(day)):
			case q.PastObjective && !pastObjective(obj, a, r.doc.Summary.End.T, day):
			case !q.DueFrom.IsZero() && !(a.TargetDate.IsSet() && !a.TargetDate.T.Before(q.DueFrom)):
			case !q.DueBefore.IsZero() && !(a.TargetDate.IsSet() && a.TargetDate.T.Before(q.DueBefore)):
			default:
				items = append(items, refItem{r, i, a})
			}
		}
	}
	key := func(x refItem) []any {
		switch q.Sort {
		case hindsight.ItemSortPriority:
			return []any{string(x.a.Priority)}
		case hindsight.ItemSortOwner:
			return []any{foldASCII(x.a.Owner)}
		case hindsight.ItemSortSeverity:
			return []any{sevRank(string(x.inc.doc.Summary.Severity))}
		case hindsight.ItemSortIncident:
			return []any{}
		}
		return nil // target
	}
	slices.SortFunc(items, func(a, b refItem) int {
		dir := 1
		if q.Desc {
			dir = -1
		}
		if q.Sort == "" || q.Sort == hindsight.ItemSortTarget {
			an, bn := !a.a.TargetDate.IsSet(), !b.a.TargetDate.IsSet()
			if an != bn {
				if an {
					return 1
				}
				return -1
			}
			if c := a.a.TargetDate.T.Compare(b.a.TargetDate.T); c != 0 {
				return dir * c
			}
		} else {
			ka, kb := key(a), key(b)
			for i := range ka {
				var c int
				switch x := ka[i].(type) {
				case string:
					c = strings.Compare(x, kb[i].(string))
				case int:
					c = cmp.Compare(x, kb[i].(int))
				}
				if c != 0 {
					return dir * c
				}
			}
		}
		return dir * cmp.Or(strings.Compare(a.inc.id, b.inc.id), cmp.Compare(a.pos, b.pos))
	})
	var keys []string
	owners := map[string]*hindsight.OwnerCount{}
	for _, x := range items {
		keys = append(keys, x.inc.id+":"+x.a.ID)
		k := foldASCII(x.a.Owner)
		o := owners[k]
		if o == nil {
			o = &hindsight.OwnerCount{Owner: k}
			owners[k] = o
		}
		o.Total++
		if x.a.Status == hindsight.ItemClosed {
			o.Closed++
			continue
		}
		o.Open++
		if x.a.TargetDate.IsSet() && x.a.TargetDate.T.Before(day) {
			o.Overdue++
		}
		if pastObjective(obj, x.a, x.inc.doc.Summary.End.T, day) {
			o.PastObjective++
		}
	}
	var oc []hindsight.OwnerCount
	for _, o := range owners {
		oc = append(oc, *o)
	}
	slices.SortFunc(oc, func(a, b hindsight.OwnerCount) int { return cmp.Or(b.Open-a.Open, strings.Compare(a.Owner, b.Owner)) })
	// owners are shown as written: the spelling most items of all live
	// incidents use, the first in byte order on a tie
	spell := map[string]map[string]int{}
	for _, inc := range all {
		for _, a := range inc.doc.ActionItems {
			k := foldASCII(a.Owner)
			if spell[k] == nil {
				spell[k] = map[string]int{}
			}
			spell[k][a.Owner]++
		}
	}
	for i, o := range oc {
		best, bn := "", 0
		for name, n := range spell[o.Owner] {
			if n > bn || n == bn && name < best {
				best, bn = name, n
			}
		}
		if best != "" {
			oc[i].Owner = best
		}
	}
	return keys, oc
}

func pastObjective(o hindsight.Objectives, a hindsight.ActionItem, end, day time.Time) bool {
	d, ok := o.Days(a.Priority)
	return ok && a.Status != hindsight.ItemClosed && !end.IsZero() && end.Before(day.AddDate(0, 0, -d))
}

// randomDoc is a random postmortem meant to hit every branch of the
// figures: missing and inverted times, derived times, duplicate-case
// services, odd severities and priorities.
func randomDoc(r *rand.Rand) *hindsight.Postmortem {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	p := &hindsight.Postmortem{Title: fmt.Sprintf("random %d", r.IntN(1e6)), Version: "1.0",
		Status: hindsight.Status(pick("Draft", "In Review", "Published", "Published", ""))}
	p.Summary.Severity = hindsight.Severity(pick("SEV-1", "SEV-2", "SEV-3", "SEV-4", "sev2"))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	start := base.Add(time.Duration(r.IntN(3*365*24*60)) * time.Minute)
	if r.IntN(20) > 0 {
		p.Summary.Start = hindsight.TimeOf(start)
	}
	switch k := r.IntN(20); {
	case k == 0: // no end
	case k == 1: // a data error: end before start
		p.Summary.End = hindsight.TimeOf(start.Add(-time.Duration(1+r.IntN(300)) * time.Minute))
	default:
		p.Summary.End = hindsight.TimeOf(start.Add(time.Duration(r.IntN(5000)) * time.Minute))
	}
	if r.IntN(3) > 0 {
		p.Summary.Duration = hindsight.Minutes(r.IntN(3000))
	}
	det := start.Add(time.Duration(r.IntN(200)-10) * time.Minute)
	if r.IntN(15) > 0 {
		p.Detection.DetectionTime = hindsight.TimeOf(det)
	}
	if r.IntN(3) > 0 {
		p.Detection.TTA = hindsight.Minutes(r.IntN(150))
	}
	if r.IntN(3) > 0 {
		p.Detection.TTM = hindsight.Minutes(r.IntN(400))
	}
	p.Detection.DetectedBy = pick("Monitoring (Prometheus alert)", "Customer report via support", "Internal team noticed", "", "a passer-by")
	p.Timeline = []hindsight.Event{{Time: hindsight.TimeOf(start), Event: "Errors begin"}}
	for range r.IntN(4) {
		at := det.Add(time.Duration(r.IntN(300)-30) * time.Minute)
		p.Timeline = append(p.Timeline, hindsight.Event{Time: hindsight.TimeOf(at),
			Event: pick("Dave ACKNOWLEDGED the page", "acknowledged", "Mitigation applied", "MITIGATED by rollback", "looked around")})
	}
	for range r.IntN(4) {
		n := pick("checkout", "Checkout", "payments", "search", "db", "Search")
		p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: n, Impact: "degraded"})
	}
	for i := range r.IntN(5) {
		a := hindsight.ActionItem{ID: hindsight.FormatActionID(i + 1), Action: "fix it", Owner: pick("alice", "Alice", "bob", "carol", ""),
			Priority: hindsight.Priority(pick("P0", "P1", "P2", "Px")), Status: hindsight.ItemStatus(pick("Open", "In Progress", "Closed", "Closed"))}
		if r.IntN(4) > 0 {
			a.TargetDate = hindsight.DateOf(base.AddDate(0, 0, r.IntN(3*365+60)))
		}
		p.ActionItems = append(p.ActionItems, a)
	}
	return p
}

// refWorld creates n random incidents in s and changes some of them
// (updates, visibility, soft deletes, purges), returning the live ones
// (with the fixture's).
func refWorld(t *testing.T, s insightStore, f *fixture, seed uint64, n int) []*refIncident {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	all := fixtureIncidents(t, s, f)
	for range n {
		c := hindsight.IncidentCreate{Doc: randomDoc(r), Author: "alice"}
		if r.IntN(6) == 0 {
			c.Restricted, c.Members = true, randomMembers(r)
		}
		inc, err := s.CreateIncident(ctx(t), c)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, &refIncident{id: inc.ID, doc: inc.Doc, restricted: c.Restricted, members: slices.Sorted(slices.Values(c.Members))})
	}
	var live []*refIncident
	for _, x := range all {
		switch k := r.IntN(20); {
		case k < 4: // update: a new document, sometimes new visibility
			u := hindsight.IncidentUpdate{ID: x.id, BaseRevision: 1, Doc: randomDoc(r), Author: "bob"}
			if x.id == f.A || x.id == f.B || x.id == f.C || x.id == f.D || x.id == f.E {
				cur, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, x.id)
				if err != nil {
					t.Fatal(err)
				}
				u.BaseRevision = cur.Revision
			}
			if r.IntN(3) == 0 {
				restricted, m := !x.restricted, randomMembers(r)
				u.Restricted, u.Members = &restricted, &m
				x.restricted, x.members = restricted, m
			}
			inc, err := s.UpdateIncident(ctx(t), u)
			if err != nil {
				t.Fatal(err)
			}
			x.doc = inc.Doc
			live = append(live, x)
		case k == 4:
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: x.id, Author: "bob"}); err != nil {
				t.Fatal(err)
			}
		case k == 5:
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: x.id, Author: "bob", Purge: true}); err != nil {
				t.Fatal(err)
			}
		default:
			live = append(live, x)
		}
	}
	// a soft-deleted incident purged later
	if len(live) > 0 {
		x := live[len(live)-1]
		live = live[:len(live)-1]
		for _, purge := range []bool{false, true} {
			if err := s.DeleteIncident(ctx(t), hindsight.IncidentDelete{ID: x.id, Author: "bob", Purge: purge}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return live
}

var refViewers = []hindsight.Viewer{hindsight.SystemViewer, {}, {UserID: "bob"}, {UserID: "dan"}, {UserID: "zed"}}

// randomFilters returns filters over ranges on and off month boundaries,
// open at either end or not at all, with and without the other filters.
func randomFilters(r *rand.Rand, n int) []hindsight.InsightsFilter {
	asOf := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	day := func() time.Time {
		return time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(3*365+90))
	}
	out := []hindsight.InsightsFilter{
		{AsOf: asOf},
		{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Before: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), AsOf: asOf},
		{From: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Before: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), AsOf: asOf},
	}
	// the ends of a range mid-month, read as the month's rollups less the
	// facts of its days outside the range (a negative piece) when those
	// are fewer, or as the facts inside it: each end alone and both, on
	// and off month boundaries, inside one month, in months with no
	// incidents, with severity and status filters
	d := func(y int, m time.Month, day, hh, mm int) time.Time {
		return time.Date(y, m, day, hh, mm, 0, 0, time.UTC)
	}
	for _, rg := range [][2]time.Time{
		{d(2025, 12, 8, 0, 0), d(2026, 12, 8, 0, 0)}, // the default year on 7 Dec 2026
		{d(2025, 3, 2, 0, 0), d(2025, 9, 29, 0, 0)},
		{d(2025, 3, 2, 0, 0), d(2025, 3, 30, 0, 0)},           // one month less both ends
		{d(2025, 3, 10, 0, 0), d(2025, 3, 20, 0, 0)},          // the middle of one month
		{d(2025, 3, 2, 0, 0), d(2025, 4, 1, 0, 0)},            // one month less its first day
		{d(2025, 3, 1, 0, 0), d(2025, 3, 29, 0, 0)},           // one month less its last days
		{d(2025, 5, 1, 0, 1), d(2025, 5, 31, 23, 59)},         // to the minute
		{d(2024, 6, 30, 12, 0), d(2024, 8, 1, 12, 0)},         // a whole month, a bit of each neighbour
		{d(2023, 6, 2, 0, 0), d(2024, 1, 30, 0, 0)},           // from empty months
		{d(2027, 2, 3, 0, 0), d(2027, 2, 27, 0, 0)},           // an empty month less both ends
		{d(2026, 11, 25, 0, 0), d(2027, 1, 3, 0, 0)},          // the last incidents, then none
		{d(2025, 6, 3, 0, 0), {}}, {{}, d(2025, 6, 28, 0, 0)}, // one end open
	} {
		f := hindsight.InsightsFilter{From: rg[0], Before: rg[1], AsOf: asOf}
		out = append(out, f)
		sev, st := f, f
		sev.Severity = []hindsight.Severity{"SEV-2", "sev2"}
		st.Status = []hindsight.Status{"Published", "Draft"}
		out = append(out, sev, st)
	}
	for range n {
		f := hindsight.InsightsFilter{AsOf: asOf}
		switch r.IntN(5) {
		case 0:
			f.From = day()
		case 1:
			f.Before = day()
		case 2: // to the minute
			f.From = day().Add(time.Duration(r.IntN(24*60)) * time.Minute)
			f.Before = f.From.Add(time.Duration(1+r.IntN(400*24*60)) * time.Minute)
		default:
			f.From = day()
			f.Before = f.From.AddDate(0, 0, 1+r.IntN(500))
		}
		switch r.IntN(6) {
		case 0:
			f.Severity = []hindsight.Severity{"SEV-1", "SEV-2"}
		case 1:
			f.Status = []hindsight.Status{"Published"}
		case 2:
			f.Service = []string{"CHECKOUT", "search", "db"}[r.IntN(3)]
		case 3:
			f.Service, f.Severity = "checkout", []hindsight.Severity{"SEV-3", "sev2"}
		}
		if r.IntN(4) == 0 {
			f.UnpublishedDays = 1 + r.IntN(400)
		}
		out = append(out, f)
	}
	return out
}

func diffInsights(got, want *hindsight.Insights) string {
	g, w := *got, *want
	g.Filter, w.Filter = hindsight.InsightsFilter{}, hindsight.InsightsFilter{}
	if reflect.DeepEqual(g, w) {
		return ""
	}
	var d []string
	gv, wv := reflect.ValueOf(g), reflect.ValueOf(w)
	for i := range gv.NumField() {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			d = append(d, fmt.Sprintf("%s = %+v, want %+v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface()))
		}
	}
	return strings.Join(d, "\n")
}

func testInsightReference(t *testing.T, s insightStore, f *fixture) {
	live := refWorld(t, s, f, 1, 160)
	r := rand.New(rand.NewPCG(2, 9))
	for _, fl := range randomFilters(r, 40) {
		for _, v := range refViewers {
			got, err := s.Insights(ctx(t), v, fl)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffInsights(got, refInsights(live, v, fl)); d != "" {
				t.Fatalf("viewer %+v, filter from %v before %v sev %v status %v service %q:\n%s", v, fl.From, fl.Before, fl.Severity, fl.Status, fl.Service, d)
			}
		}
	}
	asOf := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	queries := []hindsight.ActionItemQuery{{}, {PastObjective: true}, {PastObjective: true, Sort: hindsight.ItemSortPriority},
		{Sort: hindsight.ItemSortOwner, Desc: true}, {Sort: hindsight.ItemSortSeverity}, {Sort: hindsight.ItemSortIncident, Desc: true},
		{ActionItemFilter: hindsight.ActionItemFilter{DueFrom: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}, {Desc: true}}
	for _, st := range [][]hindsight.ItemStatus{{"Open"}, {"Open", "In Progress"}, {"Closed"}} {
		queries = append(queries, hindsight.ActionItemQuery{ActionItemFilter: hindsight.ActionItemFilter{Status: st}})
	}
	for _, fl := range []hindsight.ActionItemFilter{{Owner: "ALICE"}, {Priority: []hindsight.Priority{"P0", "Px"}}, {Overdue: true},
		{Service: "Checkout"}, {Service: "search", Status: []hindsight.ItemStatus{"Open"}}, {Severity: []hindsight.Severity{"SEV-1", "sev2"}},
		{DueBefore: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}, {IncidentID: f.B}, {Owner: "bob", Status: []hindsight.ItemStatus{"Closed"}}} {
		queries = append(queries, hindsight.ActionItemQuery{ActionItemFilter: fl})
	}
	for i, q := range queries {
		q.AsOf, q.Limit = asOf, 5000
		for _, v := range refViewers {
			want, wantOwners := refTrack(live, v, q)
			page, err := s.TrackActionItems(ctx(t), v, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.IncidentID+":"+it.ID)
			}
			if page.Total != len(want) || !slices.Equal(got, want) {
				t.Fatalf("query %d %+v, viewer %+v: items (%d) %v, want (%d) %v", i, q, v, page.Total, got, len(want), want)
			}
			q2 := q
			q2.Limit, q2.Offset = 3, 2
			if page, err := s.TrackActionItems(ctx(t), v, q2); err != nil {
				t.Fatal(err)
			} else if want := want[min(2, len(want)):min(5, len(want))]; len(page.Items) != len(want) || (len(want) > 0 && page.Items[0].IncidentID+":"+page.Items[0].ID != want[0]) {
				t.Fatalf("query %d page 2 of 3, viewer %+v: %d items, want %v", i, v, len(page.Items), want)
			}
			// keyset paging: the pages through their cursors are the list
			q3 := q
			q3.Limit = 4
			var paged []string
			for range len(want)/4 + 2 {
				page, err := s.TrackActionItems(ctx(t), v, q3)
				if err != nil {
					t.Fatalf("query %d %+v, viewer %+v, cursor %q: %v", i, q3, v, q3.Cursor, err)
				}
				for _, it := range page.Items {
					paged = append(paged, it.IncidentID+":"+it.ID)
				}
				if page.Next == "" {
					break
				}
				q3.Cursor = page.Next
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("query %d %+v, viewer %+v: pages of 4 through cursors %v, want %v", i, q, v, paged, want)
			}
			owners, err := s.ActionItemCounts(ctx(t), v, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(owners) == 0 && len(wantOwners) == 0 {
				continue
			}
			if !slices.Equal(owners, wantOwners) {
				t.Fatalf("query %d %+v, viewer %+v: owners %+v, want %+v", i, q, v, owners, wantOwners)
			}
		}
	}
}

// testInsightRepeatedReference asks the same figures eight times in a
// row per filter and viewer, each against the reference: past the fifth
// execution of a cached statement on a connection PostgreSQL may run it
// with its generic plan (sqlstore's figQuery), which must count the same.
func testInsightRepeatedReference(t *testing.T, s insightStore, f *fixture) {
	live := refWorld(t, s, f, 3, 120)
	r := rand.New(rand.NewPCG(4, 7))
	for i, fl := range randomFilters(r, 8) {
		for _, v := range refViewers {
			want := refInsights(live, v, fl)
			for n := range 8 {
				got, err := s.Insights(ctx(t), v, fl)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffInsights(got, want); d != "" {
					t.Fatalf("filter %d (from %v before %v sev %v status %v service %q), viewer %+v, call %d:\n%s", i, fl.From, fl.Before, fl.Severity, fl.Status, fl.Service, v, n+1, d)
				}
			}
		}
	}
}

// insightDumper is implemented by the SQL stores: their insight tables as
// text (sqlstore.Store.DumpInsightTables).
type insightDumper interface {
	DumpInsightTables(ctx context.Context) (string, error)
}

// rebuiltInsights migrates m down to before 00050 (later migrations
// first) and up again, so that 00050 builds the insight tables from the
// stored incidents, and returns them as text.
func rebuiltInsights(t *testing.T, m hindsight.Migrator, d insightDumper) string {
	t.Helper()
	for {
		st, err := m.MigrationStatus(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		applied := false
		for _, x := range st {
			if x.Version == 50 && x.Applied {
				applied = true
			}
		}
		if !applied {
			break
		}
		if err := m.MigrateDown(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.MigrateUp(ctx(t)); err != nil {
		t.Fatal(err)
	}
	after, err := d.DumpInsightTables(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return after
}

// testInsightMigration checks that migration 00050, run over existing
// incidents, builds the same facts and rollups as the saves maintained,
// and that the figures stay the same.
func testInsightMigration(t *testing.T, s insightStore, f *fixture) {
	d, ok := s.(insightDumper)
	m, ok2 := s.(hindsight.Migrator)
	if !ok || !ok2 {
		t.Skip("the store has no insight tables to rebuild")
	}
	live := refWorld(t, s, f, 3, 80)
	before, err := d.DumpInsightTables(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	filters := randomFilters(rand.New(rand.NewPCG(4, 4)), 10)
	figures := func() string {
		var b strings.Builder
		for _, fl := range filters {
			for _, v := range refViewers {
				in, err := s.Insights(ctx(t), v, fl)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString(jsonOf(t, in) + "\n")
			}
		}
		return b.String()
	}
	beforeFigs := figures()
	after := rebuiltInsights(t, m, d)
	if before != after {
		bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
		var diff []string
		for _, l := range bl {
			if !slices.Contains(al, l) {
				diff = append(diff, "- "+l)
			}
		}
		for _, l := range al {
			if !slices.Contains(bl, l) {
				diff = append(diff, "+ "+l)
			}
		}
		t.Fatalf("insight tables maintained by saves (-) differ from those migration 00050 builds (+):\n%s", strings.Join(diff[:min(len(diff), 40)], "\n"))
	}
	if figures() != beforeFigs {
		t.Fatal("figures changed after migrating down and up")
	}
	// and they are still right
	for _, fl := range filters[:3] {
		got, err := s.Insights(ctx(t), hindsight.SystemViewer, fl)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffInsights(got, refInsights(live, hindsight.SystemViewer, fl)); d != "" {
			t.Fatalf("after migrating: %s", d)
		}
	}
}

// testInsightConcurrentSaves saves different incidents at once whose
// services and owners overlap, in different orders, so their rollup rows
// are the same: no save may fail (PostgreSQL would report a deadlock if
// two saves took those rows' locks in opposite orders), and the figures
// must come out as if the saves had been one after the other.
func testInsightConcurrentSaves(t *testing.T, s insightStore, f *fixture) {
	const writers, rounds = 6, 4
	services := []string{"checkout", "payments", "search", "db"}
	owners := []string{"alice", "bob", "carol", "dave"}
	docFor := func(w, round int) *hindsight.Postmortem {
		p := incSpec{title: fmt.Sprintf("concurrent %d", w), start: "2026-06-10 10:00", detect: 5, end: 60 + w, tta: w, ttm: 20,
			sev: []string{"SEV-1", "SEV-2"}[w%2], status: "Draft", detectedBy: "Monitoring"}.doc()
		for i := range services {
			n := services[(i+w+round)%len(services)]
			if (w+round)%2 == 1 {
				n = services[len(services)-1-(i+w+round)%len(services)]
			}
			p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: n, Impact: "slow"})
		}
		for i := range owners {
			p.ActionItems = append(p.ActionItems, item(hindsight.FormatActionID(i+1), owners[(i*(w+1)+round)%len(owners)], "P1", "", []string{"Open", "Closed"}[(i+round)%2]))
		}
		return p
	}
	ids := make([]string, writers)
	for w := range writers {
		ids[w] = mustCreate(t, s, docFor(w, 0)).ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 1; round <= rounds; round++ {
				if _, err := s.UpdateIncident(ctx(t), hindsight.IncidentUpdate{ID: ids[w], BaseRevision: round, Doc: docFor(w, round), Author: "bot"}); err != nil {
					errs <- fmt.Errorf("writer %d round %d: %w", w, round, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var live []*refIncident
	for _, id := range append([]string{f.A, f.B, f.C, f.D, f.E}, ids...) {
		inc, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, id)
		if err != nil {
			t.Fatal(err)
		}
		live = append(live, &refIncident{id: id, doc: inc.Doc, restricted: inc.Restricted, members: inc.Members})
	}
	for _, fl := range []hindsight.InsightsFilter{year2026(), {AsOf: asOf}} {
		got, err := s.Insights(ctx(t), hindsight.SystemViewer, fl)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffInsights(got, refInsights(live, hindsight.SystemViewer, fl)); d != "" {
			t.Fatalf("after concurrent saves: %s", d)
		}
	}
	want, wantOwners := refTrack(live, hindsight.SystemViewer, hindsight.ActionItemQuery{AsOf: asOf, ActionItemFilter: hindsight.ActionItemFilter{Limit: 5000}})
	page, err := s.TrackActionItems(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{AsOf: asOf, ActionItemFilter: hindsight.ActionItemFilter{Limit: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	owners2, err := s.ActionItemCounts(ctx(t), hindsight.SystemViewer, hindsight.ActionItemQuery{AsOf: asOf, ActionItemFilter: hindsight.ActionItemFilter{Limit: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != len(want) || !slices.Equal(owners2, wantOwners) {
		t.Fatalf("tracker after concurrent saves: %d items, owners %+v; want %d, %+v", page.Total, owners2, len(want), wantOwners)
	}
}

// fixtureIncidents are the fixture's five incidents as the reference
// reads them.
func fixtureIncidents(t *testing.T, s insightStore, f *fixture) []*refIncident {
	t.Helper()
	var out []*refIncident
	for _, id := range []string{f.A, f.B, f.C, f.D, f.E} {
		inc, err := s.FindIncidentByID(ctx(t), hindsight.SystemViewer, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &refIncident{id: id, doc: inc.Doc, restricted: inc.Restricted, members: inc.Members})
	}
	return out
}

// randomMembers is a random subset of the members bob and dan.
func randomMembers(r *rand.Rand) []string {
	var m []string
	for _, u := range []string{"bob", "dan"} {
		if r.IntN(2) == 0 {
			m = append(m, u)
		}
	}
	return m
}
