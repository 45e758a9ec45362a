package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

func utf8Valid(b []byte) bool { return utf8.Valid(b) }

// query reads query parameters, collecting the first error.
type query struct {
	v   url.Values
	err error
}

func (q *query) fail(name, msg string) {
	if q.err == nil {
		q.err = httpx.BadParam(name, msg)
	}
}

// str returns a single string parameter.
func (q *query) str(name string) string {
	return strings.TrimSpace(q.v.Get(name))
}

// list returns a repeatable parameter, also split on commas.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

func (q *query) intIn(name string, lo, hi int) int {
	s := q.str(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.fail(name, "want a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return 0
	}
	return n
}

func (q *query) boolean(name string) *bool {
	s := q.str(name)
	if s == "" {
		return nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail(name, "want true or false")
		return nil
	}
	return &b
}

// instant reads a date (YYYY-MM-DD, midnight UTC) or a time.
func (q *query) instant(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	if d, ok := hindsight.ParseDate(s); ok && len(s) <= 10 {
		return d.T
	}
	if t, ok := hindsight.ParseTime(s); ok {
		return t.T
	}
	q.fail(name, "want a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MMZ")
	return time.Time{}
}

func (q *query) severities(name string) []hindsight.Severity {
	var out []hindsight.Severity
	for _, s := range q.list(name) {
		sev, ok := hindsight.ParseSeverity(s)
		if !ok {
			q.fail(name, strconv.Quote(s)+" is not a severity: want SEV-1, SEV-2, SEV-3 or SEV-4")
			continue
		}
		out = append(out, sev)
	}
	return out
}

func (q *query) statuses(name string) []hindsight.Status {
	var out []hindsight.Status
	for _, s := range q.list(name) {
		st, ok := hindsight.ParseStatus(s)
		if !ok || !st.Valid() {
			q.fail(name, strconv.Quote(s)+" is not a status: want Draft, In Review or Published")
			continue
		}
		out = append(out, st)
	}
	return out
}

// IncidentFilter reads the incident list's query parameters, the same
// filters as the web list: severity, status (repeatable or comma
// separated), service, team (a slug), owner, commander, from (inclusive) and before
// (exclusive) dates or UTC times bounding the start, or to (an inclusive
// date, as the web list's form sends), open_action_items, q (full-text),
// sort (start, severity, updated, id), order or dir (asc, desc; desc by
// default), limit (1..1000), cursor, and the shape filters tag, factor (a
// contributing-factor category) and field.<Label> (httpx.ShapeParams).
func IncidentFilter(v url.Values) (hindsight.IncidentFilter, error) {
	q := &query{v: v}
	f := hindsight.IncidentFilter{
		Severity:           q.severities("severity"),
		Status:             q.statuses("status"),
		Service:            q.str("service"),
		Team:               q.str("team"),
		Owner:              q.str("owner"),
		Commander:          q.str("commander"),
		StartFrom:          q.instant("from"),
		StartBefore:        q.instant("before"),
		HasOpenActionItems: q.boolean("open_action_items"),
		Query:              q.str("q"),
		Limit:              q.intIn("limit", 1, 1000),
		Cursor:             q.str("cursor"),
		Desc:               true,
	}
	switch s := q.str("sort"); s {
	case "", "start":
		f.Sort = hindsight.SortStart
	case "severity", "updated", "id", "due":
		f.Sort = hindsight.IncidentSort(s)
	default:
		q.fail("sort", strconv.Quote(s)+" is not a sort key: want start, severity, updated, id or due")
	}
	if to := q.str("to"); to != "" {
		d, ok := hindsight.ParseDate(to)
		switch {
		case !ok || len(to) > 10:
			q.fail("to", "want a date YYYY-MM-DD (inclusive)")
		case !f.StartBefore.IsZero():
			q.fail("to", "give before or to, not both")
		case d.T.Year() == 9999 && d.T.YearDay() == 365:
			// the last date: no day after it JSON can write (the
			// filter is the cache key), and no incident after it
		default:
			f.StartBefore = d.T.AddDate(0, 0, 1)
		}
	}
	// the error names the parameter as the client sent it (dir is the
	// web list's spelling of order)
	param, order := "order", q.str("order")
	if order == "" {
		param, order = "dir", q.str("dir")
	}
	switch o := order; o {
	case "", "desc":
	case "asc":
		f.Desc = false
	default:
		q.fail(param, strconv.Quote(o)+" is not an order: want asc or desc")
	}
	if q.err != nil {
		return f, q.err
	}
	sh, err := httpx.ShapeParams(v)
	f.Fields, f.Tag, f.FactorCategory = sh.Fields, sh.Tag, sh.Factor
	return f, err
}

func (a *API) listIncidents(w http.ResponseWriter, r *http.Request) {
	f, err := IncidentFilter(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	key, err := json.Marshal(f) // the normalized query
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	act := a.actor(r)
	// by postmortem due date (due=this_week|overdue, sort=due): the
	// application's list; ascending unless order=desc is asked for
	due := r.URL.Query().Get("due")
	if due != "" && due != hindsight.DueThisWeek && due != hindsight.DueFilterOver {
		a.writeError(w, r, httpx.BadParam("due", strconv.Quote(due)+" is not this_week or overdue"))
		return
	}
	byDue := due != "" || f.Sort == hindsight.SortDue
	dueDesc := r.URL.Query().Get("order") == "desc" || r.URL.Query().Get("dir") == "desc"
	if byDue {
		// a due state changes with time, not only with writes
		key = append(key, []byte(" due="+due+" desc="+strconv.FormatBool(dueDesc)+" at="+a.svc.Now().Truncate(time.Hour).Format(time.RFC3339))...)
	}
	// from the list-page cache while nothing was written
	b, err := a.svc.Listed(r.Context(), act, "api-incidents", string(key), func() ([]byte, error) {
		var page *hindsight.IncidentPage
		var err error
		if byDue {
			page, err = a.svc.DueList(r.Context(), act, f, due, dueDesc)
		} else {
			page, err = a.svc.Store().FindIncidents(r.Context(), act.Viewer, f)
		}
		if err != nil {
			return nil, err
		}
		a.svc.DecorateSummaries(page.Incidents)
		if page.Incidents == nil {
			page.Incidents = []hindsight.IncidentSummary{}
		}
		b, err := json.Marshal(page)
		return append(b, '\n'), err
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeBytes(w, "application/json", b)
}

// incidentsCSV serves GET /incidents.csv: every incident the list's
// filters keep (all pages; limit and cursor are ignored) that the caller may
// see, as CSV (app.Service.ExportCSV: one column per declared field).
func (a *API) incidentsCSV(w http.ResponseWriter, r *http.Request) {
	f, err := IncidentFilter(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if f.Sort == hindsight.SortDue {
		a.writeError(w, r, httpx.BadParam("sort", "due is not a sort of the CSV export: want start, severity, updated or id"))
		return
	}
	var buf bytes.Buffer
	if _, err := a.svc.ExportCSV(r.Context(), a.actor(r), &buf, f); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="incidents.csv"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// SearchHit is one hit of GET /search: the incident's summary, a plain-text
// snippet and the rune offsets of the matched words in it.
type SearchHit struct {
	hindsight.IncidentSummary
	Snippet string `json:"snippet"`
	// Highlights are [start, end) offsets in Unicode code points of the
	// matches within Snippet.
	Highlights [][2]int `json:"highlights"`
	Rank       float64  `json:"rank"`
}

// SearchResult is the response of GET /search.
type SearchResult struct {
	Hits []SearchHit `json:"hits"`
	Next string      `json:"next,omitempty"`
}

// splitMarks removes MarkStart/MarkEnd from a store snippet and returns
// the plain text with the marked ranges in runes.
func splitMarks(s string) (string, [][2]int) {
	if !utf8.ValidString(s) {
		return splitMarksRunes(s)
	}
	// the marks are single bytes, never inside a character: copy the text
	// between them whole (rune by rune was 3% of a search request's CPU)
	var b strings.Builder
	b.Grow(len(s))
	hl := [][2]int{}
	n, start := 0, -1
	for {
		i := strings.IndexAny(s, hindsight.MarkStart+hindsight.MarkEnd)
		if i < 0 {
			b.WriteString(s)
			return b.String(), hl
		}
		b.WriteString(s[:i])
		n += utf8.RuneCountInString(s[:i])
		if s[i:i+1] == hindsight.MarkStart {
			start = n
		} else {
			if start >= 0 {
				hl = append(hl, [2]int{start, n})
			}
			start = -1
		}
		s = s[i+1:]
	}
}

// splitMarksRunes is splitMarks for text that is not valid UTF-8: each
// invalid byte becomes U+FFFD, as ranging over it reads it.
func splitMarksRunes(s string) (string, [][2]int) {
	var b strings.Builder
	hl := [][2]int{}
	n, start := 0, -1
	for _, r := range s {
		switch string(r) {
		case hindsight.MarkStart:
			start = n
			continue
		case hindsight.MarkEnd:
			if start >= 0 {
				hl = append(hl, [2]int{start, n})
			}
			start = -1
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String(), hl
}

func (a *API) search(w http.ResponseWriter, r *http.Request) {
	q := &query{v: r.URL.Query()}
	text := q.str("q")
	sq := hindsight.SearchQuery{Text: text, Limit: q.intIn("limit", 1, 200), Cursor: q.str("cursor")}
	if text == "" {
		q.fail("q", "the search text is required")
	}
	if q.err != nil {
		a.writeError(w, r, q.err)
		return
	}
	key, err := json.Marshal(sq) // the normalized query: text, limit, cursor
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	act := a.actor(r)
	// from the list-page cache while nothing was written (paging, the same
	// words from several readers)
	b, err := a.svc.Listed(r.Context(), act, "api-search", string(key), func() ([]byte, error) {
		page, err := a.svc.Store().SearchIncidents(r.Context(), act.Viewer, sq)
		if err != nil {
			return nil, err
		}
		res := SearchResult{Hits: make([]SearchHit, 0, len(page.Hits)), Next: page.Next}
		for _, h := range page.Hits {
			snip, hl := splitMarks(h.Snippet)
			if h.Services == nil {
				h.Services = []string{}
			}
			res.Hits = append(res.Hits, SearchHit{IncidentSummary: h.IncidentSummary, Snippet: snip, Highlights: hl, Rank: h.Rank})
		}
		b, err := json.Marshal(res)
		return append(b, '\n'), err
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeBytes(w, "application/json", b)
}

// ActionItemFilter reads the action item list's query parameters: owner,
// priority, status, severity (repeatable or comma separated), overdue,
// as_of, service, due_before, incident, team (a team's incidents),
// owner_team (owned by a team: its slug or name), limit (1..5000) and the
// shape filters tag, factor and field.<Label> of their incidents.
func ActionItemFilter(v url.Values) (hindsight.ActionItemFilter, error) {
	q := &query{v: v}
	f := hindsight.ActionItemFilter{
		Owner:       q.str("owner"),
		Service:     q.str("service"),
		Severity:    q.severities("severity"),
		DueBefore:   q.instant("due_before"),
		OverdueAsOf: q.instant("as_of"),
		IncidentID:  q.str("incident"),
		Limit:       q.intIn("limit", 1, 5000),
		Team:        q.str("team"),
		OwnerTeam:   q.str("owner_team"),
	}
	if b := q.boolean("overdue"); b != nil {
		f.Overdue = *b
	}
	for _, s := range q.list("priority") {
		p, ok := hindsight.ParsePriority(s)
		if !ok {
			q.fail("priority", strconv.Quote(s)+" is not a priority: want P0, P1 or P2")
		}
		f.Priority = append(f.Priority, p)
	}
	for _, s := range q.list("status") {
		st, ok := hindsight.ParseItemStatus(s)
		if !ok {
			q.fail("status", strconv.Quote(s)+" is not an action item status: want Open or Closed")
		}
		f.Status = append(f.Status, st)
	}
	if q.err != nil {
		return f, q.err
	}
	sh, err := httpx.ShapeParams(v)
	f.Fields, f.Tag, f.FactorCategory = sh.Fields, sh.Tag, sh.Factor
	return f, err
}

// ActionItems is the response of the action item lists.
type ActionItems struct {
	ActionItems []hindsight.ActionItemRow `json:"action_items"`
}

func (a *API) listActionItems(w http.ResponseWriter, r *http.Request) {
	f, err := ActionItemFilter(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeActionItems(w, r, f)
}

func (a *API) incidentActionItems(w http.ResponseWriter, r *http.Request) {
	f, err := ActionItemFilter(r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	in, err := a.svc.Get(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	f.IncidentID = in.ID
	a.writeActionItems(w, r, f)
}

func (a *API) writeActionItems(w http.ResponseWriter, r *http.Request, f hindsight.ActionItemFilter) {
	rows, err := a.svc.Store().FindActionItems(r.Context(), a.actor(r).Viewer, f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if rows == nil {
		rows = []hindsight.ActionItemRow{}
	}
	httpx.WriteJSON(w, http.StatusOK, ActionItems{ActionItems: rows})
}

func (a *API) setItemStatus(st hindsight.ItemStatus) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		base, hasBase, err := ifMatch(r)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		ctx, act, id := r.Context(), a.actor(r), r.PathValue("id")
		in, err := a.svc.SetActionItemStatus(ctx, act, id, base, r.PathValue("item"), st)
		if err != nil {
			if hasBase {
				err = conflictAsPrecond(err)
			}
			a.writeError(w, r, err)
			return
		}
		a.writeIncident(w, r, http.StatusOK, in)
	}
}
