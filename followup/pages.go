package followup

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
)

// layout is what every page template receives besides its own data.
type layout struct {
	Title      string
	Nav        string
	Stylesheet string
	HTMX       string
	Error      string
}

func (h *Handler) layout(title, nav string) layout {
	return layout{Title: title, Nav: nav, Stylesheet: h.opts.Stylesheet, HTMX: h.opts.HTMX}
}

// render executes a template into a buffer first, so a failure never
// sends half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		h.log.Error("followup: render "+name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = b.WriteTo(w)
}

func (h *Handler) pageError(w http.ResponseWriter, title, nav string, err error) {
	l := h.layout(title, nav)
	st := h.status(err)
	l.Error = hindsight.ErrorMessage(err)
	if st >= 500 {
		l.Error = "Something went wrong; the error is logged."
	}
	h.render(w, st, "error.html", struct{ Layout layout }{l})
}

// trackerData is the tracker page's data.
type trackerData struct {
	Layout   layout
	Q        url.Values
	Query    hindsight.ActionItemQuery
	Page     *hindsight.ActionItemPage
	Owners   []hindsight.OwnerCount
	Me       string
	Today    string
	Week     string
	CSV      string
	Prev     string
	Next     string
	Return   string
	First    int
	Last     int
	Obj      string
	Sorts    []string
	Statuses []string
}

func withParam(q url.Values, k, v string) string {
	c := url.Values{}
	for key, vs := range q {
		c[key] = append([]string(nil), vs...)
	}
	if v == "" {
		c.Del(k)
	} else {
		c.Set(k, v)
	}
	return c.Encode()
}

func (h *Handler) trackerPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("status") && q.Get("format") != "csv" {
		// the tracker opens on what is left to do; status=any shows all
		q.Set("status", string(hindsight.ItemOpen))
	}
	today := h.today()
	x, err := ItemQuery(q, today, h.opts.Objectives)
	if err != nil {
		h.pageError(w, "Action items", "items", err)
		return
	}
	v := h.actor(r).Viewer
	if q.Get("format") == "csv" {
		h.itemsCSV(w, r, x)
		return
	}
	if x.Limit == 0 {
		x.Limit = 100
	}
	page, err := h.store.TrackActionItems(r.Context(), v, x)
	if err != nil {
		h.pageError(w, "Action items", "items", err)
		return
	}
	cq := x
	cq.Limit, cq.Offset = 50, 0
	owners, err := h.store.ActionItemCounts(r.Context(), v, cq)
	if err != nil {
		h.pageError(w, "Action items", "items", err)
		return
	}
	from, before := insights.Week(today)
	d := trackerData{Layout: h.layout("Action items", "items"), Q: q, Query: x, Page: page, Owners: owners,
		Today: today.Format("2006-01-02"), Week: from.Format("Jan 2") + " – " + before.AddDate(0, 0, -1).Format("Jan 2"),
		CSV: "/action-items?" + withParam(q, "format", "csv"), Return: r.URL.RequestURI(),
		Obj: insights.FormatObjectives(h.opts.Objectives), Sorts: []string{"target", "priority", "owner", "incident", "severity"}}
	if a := h.actor(r); a.ID != "" && a.ID != "system" {
		d.Me = a.ID
	}
	d.First = x.Offset + 1
	d.Last = x.Offset + len(page.Items)
	if x.Offset > 0 {
		d.Prev = "/action-items?" + withParam(q, "offset", strconv.Itoa(max(0, x.Offset-x.Limit)))
	}
	if x.Offset+len(page.Items) < page.Total {
		d.Next = "/action-items?" + withParam(q, "offset", strconv.Itoa(x.Offset+x.Limit))
	}
	h.render(w, http.StatusOK, "tracker.html", d)
}

// itemsCSV streams every item matching x (up to 5000) as CSV.
func (h *Handler) itemsCSV(w http.ResponseWriter, r *http.Request, x hindsight.ActionItemQuery) {
	if x.Limit == 0 {
		x.Limit = 5000
	}
	page, err := h.store.TrackActionItems(r.Context(), h.actor(r).Viewer, x)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="action-items.csv"`)
	if page.Total > len(page.Items)+x.Offset {
		w.Header().Set("X-Total-Count", strconv.Itoa(page.Total))
	}
	_ = insights.WriteItemsCSV(w, page.Items)
}

// setItem closes or reopens an item through the application service (a
// new revision of its postmortem). An htmx request gets the item's new
// row; a plain form post is redirected back to the tracker.
func (h *Handler) setItem(st hindsight.ItemStatus) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, item := r.PathValue("id"), r.PathValue("item")
		a := h.actor(r)
		if err := r.ParseForm(); err != nil {
			h.pageError(w, "Action items", "items", hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
			return
		}
		base := 0
		if b := r.PostForm.Get("base"); b != "" {
			n, err := strconv.Atoi(b)
			if err != nil || n < 1 {
				h.pageError(w, "Action items", "items", paramError("base", "%q is not a revision number", b))
				return
			}
			base = n
		}
		if _, err := h.svc.SetActionItemStatus(r.Context(), a, id, base, item, st); err != nil {
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(h.status(err))
				_, _ = w.Write([]byte(hindsight.ErrorMessage(err)))
				return
			}
			h.pageError(w, "Action items", "items", err)
			return
		}
		if r.Header.Get("HX-Request") != "true" {
			back := r.PostForm.Get("return")
			if !strings.HasPrefix(back, "/action-items") || strings.HasPrefix(back, "//") {
				back = "/action-items"
			}
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		page, err := h.store.TrackActionItems(r.Context(), a.Viewer, hindsight.ActionItemQuery{
			ActionItemFilter: hindsight.ActionItemFilter{IncidentID: id, Limit: 5000}, AsOf: h.today(), Objectives: h.opts.Objectives})
		if err != nil {
			w.WriteHeader(h.status(err))
			return
		}
		for _, it := range page.Items {
			if strings.EqualFold(itemKey(it), item) || "#"+strconv.Itoa(it.Position+1) == item {
				h.render(w, http.StatusOK, "row", struct {
					It     hindsight.TrackedItem
					Return string
					HTMX   string
				}{it, r.PostForm.Get("return"), h.opts.HTMX})
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// insightsData is the insights page's data.
type insightsData struct {
	Layout   layout
	Filter   hindsight.InsightsFilter
	From, To string
	Q        url.Values
	Figures  []insights.Figure
	CSV      string
	JSON     string
	API      string
	Query    string
}

func (h *Handler) insights(r *http.Request) (*hindsight.Insights, url.Values, error) {
	q := r.URL.Query()
	f, err := InsightsQuery(q, h.today(), h.opts.Objectives, h.opts.UnpublishedDays)
	if err != nil {
		return nil, q, err
	}
	in, err := h.store.Insights(r.Context(), h.actor(r).Viewer, f)
	return in, q, err
}

func (h *Handler) insightsPage(w http.ResponseWriter, r *http.Request) {
	in, q, err := h.insights(r)
	if err != nil {
		if q.Get("format") == "json" || q.Get("format") == "csv" {
			h.writeJSONError(w, r, err)
			return
		}
		h.pageError(w, "Insights", "insights", err)
		return
	}
	switch q.Get("format") {
	case "json":
		w.Header().Set("Content-Disposition", `attachment; filename="insights.json"`)
		w.Header().Set("Content-Type", "application/json")
		_ = insights.WriteJSON(w, in)
		return
	case "csv":
		w.Header().Set("Content-Disposition", `attachment; filename="insights.csv"`)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = insights.WriteCSV(w, in)
		return
	}
	d := insightsData{Layout: h.layout("Insights", "insights"), Filter: in.Filter, Q: q, Figures: insights.Figures(in),
		CSV: "/insights?" + withParam(q, "format", "csv"), JSON: "/insights?" + withParam(q, "format", "json"),
		API: "/api/v1/insights?" + withParam(q, "format", ""), Query: withParam(q, "format", "")}
	if !in.Filter.From.IsZero() {
		d.From = in.Filter.From.Format("2006-01-02")
	}
	if !in.Filter.Before.IsZero() {
		d.To = in.Filter.Before.AddDate(0, 0, -1).Format("2006-01-02")
	}
	h.render(w, http.StatusOK, "insights.html", d)
}

// chartSVG serves one chart of the insights page as an SVG file
// (/insights/charts/by-severity.svg?from=...).
func (h *Handler) chartSVG(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSuffix(r.PathValue("chart"), ".svg")
	in, _, err := h.insights(r)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	for _, f := range insights.Figures(in) {
		if f.ID == id && f.Chart != nil {
			w.Header().Set("Content-Type", "image/svg+xml")
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n"))
			_, _ = w.Write([]byte(f.Chart.SVG()))
			return
		}
	}
	h.writeJSONError(w, r, hindsight.Errorf(hindsight.ENotFound, "no chart %q", id))
}

// relatedData is the related-incidents fragment's data.
type relatedData struct {
	ID          string
	Related     []hindsight.Related
	Recurrences []hindsight.Recurrence
}

func (h *Handler) related(r *http.Request) (*relatedData, error) {
	id := r.PathValue("id")
	v := h.actor(r).Viewer
	limit, err := parseInt(r.URL.Query(), "limit", 1, 50)
	if err != nil {
		return nil, err
	}
	rel, err := h.store.RelatedIncidents(r.Context(), v, id, limit)
	if err != nil {
		return nil, err
	}
	rec, err := h.store.Recurrences(r.Context(), v, id)
	if err != nil {
		return nil, err
	}
	return &relatedData{ID: id, Related: rel, Recurrences: rec}, nil
}

// relatedFragment is the incident page's "related incidents" section, an
// HTML fragment (for hx-get, or to include server-side).
func (h *Handler) relatedFragment(w http.ResponseWriter, r *http.Request) {
	d, err := h.related(r)
	if err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(h.status(err))
		_, _ = w.Write([]byte(hindsight.ErrorMessage(err)))
		return
	}
	h.render(w, http.StatusOK, "related", d)
}

func (h *Handler) apiInsights(w http.ResponseWriter, r *http.Request) {
	in, q, err := h.insights(r)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = insights.WriteCSV(w, in)
		return
	}
	writeJSON(w, in)
}

func (h *Handler) apiTracker(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	x, err := ItemQuery(q, h.today(), h.opts.Objectives)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		h.itemsCSV(w, r, x)
		return
	}
	page, err := h.store.TrackActionItems(r.Context(), h.actor(r).Viewer, x)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	writeJSON(w, page)
}

func (h *Handler) apiOwners(w http.ResponseWriter, r *http.Request) {
	x, err := ItemQuery(r.URL.Query(), h.today(), h.opts.Objectives)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	owners, err := h.store.ActionItemCounts(r.Context(), h.actor(r).Viewer, x)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"owners": owners})
}

func (h *Handler) apiRelated(w http.ResponseWriter, r *http.Request) {
	d, err := h.related(r)
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"incident_id": d.ID, "related": d.Related, "recurrences": d.Recurrences})
}
