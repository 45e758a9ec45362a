package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// listForm is the list page's query: filters, sort, page and search text.
type listForm struct {
	Q        string
	Severity string
	Status   string
	Service  string
	Owner    string
	Team     string // a team's slug
	From     string // YYYY-MM-DD, inclusive
	To       string // YYYY-MM-DD, inclusive
	// Due is "", "this_week" or "overdue" (postmortem due dates).
	Due    string
	Sort   string
	Dir    string // "asc" or "desc"
	Cursor string
	// Shape is the shape filters tag=, factor= and field.<Label>= (issue
	// 19); ShapeProblem why they could not be read.
	Shape        httpx.Shape
	ShapeProblem string
	// Bad says which of sort and dir named no sort or direction (the
	// list is shown in the default one, with the reason).
	Bad []string
}

func readListForm(q url.Values) listForm {
	f := listForm{
		Q: strings.TrimSpace(q.Get("q")), Severity: q.Get("severity"), Status: q.Get("status"),
		Service: strings.TrimSpace(q.Get("service")), Owner: strings.TrimSpace(q.Get("owner")),
		From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort"), Dir: q.Get("dir"), Cursor: q.Get("cursor"),
	}
	f.Team = strings.ToLower(strings.TrimSpace(q.Get("team")))
	f.Due = q.Get("due")
	if sh, err := httpx.ShapeParams(q); err != nil {
		f.ShapeProblem = hindsight.ErrorMessage(err)
	} else {
		f.Shape = sh
	}
	switch hindsight.IncidentSort(f.Sort) {
	case hindsight.SortStart, hindsight.SortSeverity, hindsight.SortUpdated, hindsight.SortID, sortDue:
	case "":
		f.Sort = string(hindsight.SortStart)
	default:
		f.Bad = append(f.Bad, "sort: want start, severity, updated, id or due, not "+strconv.Quote(clip(f.Sort, 40))+"; sorted by start")
		f.Sort = string(hindsight.SortStart)
	}
	if f.Due != "" && f.Sort != string(sortDue) {
		// the due filters list by due date, soonest first (dueRows, as the
		// API does): the headers and the caption say so, where they said
		// start descending
		f.Sort, f.Dir = string(sortDue), "asc"
	}
	switch f.Dir {
	case "asc", "desc":
	case "":
		// newest first, but soonest due first (as the API lists sort=due)
		f.Dir = "desc"
		if f.Sort == string(sortDue) {
			f.Dir = "asc"
		}
	default:
		f.Bad = append(f.Bad, "dir: want asc or desc, not "+strconv.Quote(clip(f.Dir, 40))+"; showing descending")
		f.Dir = "desc"
	}
	return f
}

// values returns the form as a query, without the cursor.
func (f listForm) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", f.Q)
	set("severity", f.Severity)
	set("status", f.Status)
	set("service", f.Service)
	set("owner", f.Owner)
	set("team", f.Team)
	set("from", f.From)
	set("to", f.To)
	set("due", f.Due)
	f.Shape.Query(v)
	if f.Sort != string(hindsight.SortStart) || f.Dir != "desc" {
		v.Set("sort", f.Sort)
		v.Set("dir", f.Dir)
	}
	return v
}

func (f listForm) filtered() bool {
	return f.Severity != "" || f.Status != "" || f.Service != "" || f.Owner != "" || f.From != "" || f.To != "" || f.Team != "" || f.Due != "" ||
		f.Shape.Tag != "" || f.Shape.Factor != "" || len(f.Shape.Fields) > 0
}

// filter builds the store filter; bad dates are reported, not guessed.
func (f listForm) filter() (hindsight.IncidentFilter, []string) {
	var problems []string
	flt := hindsight.IncidentFilter{
		Service: f.Service, Owner: f.Owner, Query: f.Q, Team: f.Team,
		Sort: hindsight.IncidentSort(f.Sort), Desc: f.Dir == "desc", Limit: 25, Cursor: f.Cursor,
		Fields: f.Shape.Fields, Tag: f.Shape.Tag, FactorCategory: f.Shape.Factor,
	}
	if f.ShapeProblem != "" {
		problems = append(problems, f.ShapeProblem)
	}
	if f.Severity != "" {
		if s, ok := hindsight.ParseSeverity(f.Severity); ok {
			flt.Severity = []hindsight.Severity{s}
		} else {
			problems = append(problems, "unknown severity "+f.Severity)
		}
	}
	if f.Status != "" {
		if s, ok := hindsight.ParseStatus(f.Status); ok && s.Valid() {
			flt.Status = []hindsight.Status{s}
		} else {
			problems = append(problems, "unknown status "+f.Status)
		}
	}
	if f.From != "" {
		if t, err := time.Parse(hindsight.DateLayout, f.From); err == nil {
			flt.StartFrom = t
		} else {
			problems = append(problems, "from: want a date YYYY-MM-DD")
		}
	}
	if f.To != "" {
		if t, err := time.Parse(hindsight.DateLayout, f.To); err == nil {
			if t.Year() < 9999 || t.YearDay() < 365 { // 9999-12-31, the last date: no end
				flt.StartBefore = t.AddDate(0, 0, 1)
			}
		} else {
			problems = append(problems, "to: want a date YYYY-MM-DD")
		}
	}
	return flt, problems
}

// sortLink is a column header that sorts.
type sortLink struct {
	URL  string
	Aria string // "ascending", "descending" or "none"
	Mark string
}

type listData struct {
	Form       listForm
	Search     bool // ranked search with snippets
	Rows       []hindsight.IncidentSummary
	Hits       []hindsight.SearchHit
	Found      string // "12 results", for a search
	NextURL    string
	FirstURL   string // set when not on the first page
	Problems   []string
	Sorts      map[string]sortLink
	Severities []hindsight.Severity
	Statuses   []hindsight.Status

	// Teams are every team (the team filter); MyTeams the signed-in
	// account's ("My team" links).
	Teams   []hindsight.Team
	MyTeams []hindsight.Team

	// Due is each row's postmortem due date, by incident ID.
	Due map[string]dueView

	// Filters are the shape's filters (enum fields, tags, factor
	// categories); Columns the optional columns and Cells their values by
	// incident ID (list_columns.go).
	Filters shapeFilters
	Columns []listColumn
	Cells   map[string][]string
	// CSV downloads the list's incidents (the API's CSV export).
	CSV string
	// Back is the list's own query, for the column chooser's return.
	Back string
}

func (u *UI) incidentList(w http.ResponseWriter, r *http.Request) {
	f := readListForm(r.URL.Query())
	if hasFlash(r) {
		u.incidentListPage(w, r, f)
		return
	}
	// a list or a search without a message is the same page for the same
	// reader until anything is written or the day changes: from the
	// list-page cache, keyed by the whole query in a normal order
	a := u.actor(r)
	form := strings.Join([]string{"html-list", a.ID, u.svc.Now().Format(hindsight.DateLayout), chosenColumns(r)}, "\x00")
	b, err := u.svc.Listed(r.Context(), a, form, r.URL.Query().Encode(), func() ([]byte, error) {
		p, err := u.listPage(r, f)
		if err != nil {
			return nil, err
		}
		return u.page(r, "list", p)
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	writeHTML(w, http.StatusOK, b)
}

// incidentListPage renders the list or search page without the cache.
func (u *UI) incidentListPage(w http.ResponseWriter, r *http.Request, f listForm) {
	p, err := u.listPage(r, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "list", p)
}

// badCursor reports whether err refuses cursor (tampered, of another
// list or sort): the page then shows its first page and says why.
func badCursor(err error, cursor string) bool {
	c := hindsight.ErrorCode(err)
	return cursor != "" && (c == hindsight.EInvalid || c == hindsight.EMalformed)
}

// listPage reads what the list page of f shows.
func (u *UI) listPage(r *http.Request, f listForm) (page, error) {
	d := listData{Form: f, Severities: []hindsight.Severity{hindsight.Sev1, hindsight.Sev2, hindsight.Sev3, hindsight.Sev4}, Statuses: hindsight.Statuses}
	a := u.actor(r)
	var err error
	if d.Teams, d.MyTeams, err = u.teamsOf(r, a); err != nil {
		return page{}, err
	}
	base := f.values()
	if f.Cursor != "" {
		d.FirstURL = "/incidents?" + base.Encode()
	}
	if f.Q != "" && !f.filtered() {
		d.Search = true
		sp, err := u.svc.Store().SearchIncidents(r.Context(), a.Viewer, hindsight.SearchQuery{Text: f.Q, Limit: 25, Cursor: f.Cursor})
		if badCursor(err, f.Cursor) {
			// as the due list: the first page, and why (it was a 400
			// error page; found by QA10)
			d.Problems = append(d.Problems, "cursor: not a page of this search; showing its first page")
			sp, err = u.svc.Store().SearchIncidents(r.Context(), a.Viewer, hindsight.SearchQuery{Text: f.Q, Limit: 25})
		}
		if err != nil {
			return page{}, err
		}
		d.Hits = sp.Hits
		d.Found = resultCount(sp.Total)
		if sp.Next != "" {
			d.NextURL = pageURL(base, sp.Next)
		}
	} else if f.Due != "" || f.Sort == string(sortDue) {
		flt, problems := f.filter()
		d.Problems = problems
		if err := u.dueRows(r, f, flt, &d); err != nil {
			return page{}, err
		}
	} else {
		flt, problems := f.filter()
		d.Problems = problems
		ip, err := u.svc.Store().FindIncidents(r.Context(), a.Viewer, flt)
		if badCursor(err, flt.Cursor) {
			d.Problems = append(d.Problems, "cursor: not a page of this list; showing its first page")
			flt.Cursor = ""
			ip, err = u.svc.Store().FindIncidents(r.Context(), a.Viewer, flt)
		}
		if err != nil {
			return page{}, err
		}
		d.Rows = ip.Incidents
		if ip.Next != "" {
			d.NextURL = pageURL(base, ip.Next)
		}
	}
	d.Problems = append(slices.Clone(f.Bad), d.Problems...)
	if f.Team != "" && !slices.ContainsFunc(d.Teams, func(t hindsight.Team) bool { return t.Slug == f.Team }) {
		// the select cannot show a slug that names no team: say why the
		// list is empty (an old link, a deleted team)
		d.Problems = append(d.Problems, "team: there is no team "+strconv.Quote(f.Team)+"; choose one in the Team filter or Reset.")
	}
	d.Due = map[string]dueView{}
	if u.rv != nil {
		now := u.svc.Now()
		for _, row := range d.Rows {
			d.Due[row.ID] = newDueView(u.rv.DueAt(summaryIncident(row)), row.Status, now)
		}
	}
	d.Sorts = map[string]sortLink{}
	for _, k := range []string{"start", "severity", "updated", "id", "due"} {
		v := f.values()
		l := sortLink{Aria: "none"}
		dir := "desc"
		if k == "severity" || k == "id" || k == "due" {
			dir = "asc"
		}
		if f.Sort == k {
			if f.Dir == "asc" {
				l.Aria, l.Mark, dir = "ascending", "▲", "desc"
			} else {
				l.Aria, l.Mark, dir = "descending", "▼", "asc"
			}
		}
		v.Set("sort", k)
		v.Set("dir", dir)
		l.URL = "/incidents?" + v.Encode()
		d.Sorts[k] = l
	}
	if err := u.listShape(r, f, &d); err != nil {
		return page{}, err
	}
	title := "Incidents"
	if d.Search {
		title = "Search: " + f.Q
	}
	return page{Title: title, Nav: "list", Data: d}, nil
}

// searchWindow is how many matches the stores rank (sqlite.SearchWindow,
// postgres.SearchWindow): a total that reaches it may be larger.
const searchWindow = 1000

// resultCount says how many incidents a search found.
func resultCount(n int) string {
	switch {
	case n == 1:
		return "1 result"
	case n >= searchWindow:
		return strconv.Itoa(searchWindow) + " or more results (the most recent ranked)"
	}
	return strconv.Itoa(n) + " results"
}

func pageURL(base url.Values, cursor string) string {
	v := url.Values{}
	for k, vs := range base {
		v[k] = vs
	}
	v.Set("cursor", cursor)
	return "/incidents?" + v.Encode()
}
