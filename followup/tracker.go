package followup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// ItemQuery reads the tracker's query parameters with this handler's
// today and objectives (see the function ItemQuery).
func (h *Handler) ItemQuery(q url.Values) (hindsight.ActionItemQuery, error) {
	return ItemQuery(q, h.today(), h.opts.Objectives)
}

// Track returns one page of the action items v may see that match x.
func (h *Handler) Track(ctx context.Context, v hindsight.Viewer, x hindsight.ActionItemQuery) (*hindsight.ActionItemPage, error) {
	return h.store.TrackActionItems(ctx, v, x)
}

// Owners counts the items matching x by owner (open, overdue, past
// objective, closed), for the tracker's by-owner table.
func (h *Handler) Owners(ctx context.Context, v hindsight.Viewer, x hindsight.ActionItemQuery) ([]hindsight.OwnerCount, error) {
	return h.store.ActionItemCounts(ctx, v, x)
}

// ServeItemsCSV streams every item matching x (up to 5000) as CSV; a
// failure is written as the API's JSON error.
func (h *Handler) ServeItemsCSV(w http.ResponseWriter, r *http.Request, x hindsight.ActionItemQuery) {
	h.itemsCSV(w, r, x)
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

// SetItem closes or reopens an item (by ID, or "#n") through the
// application service (a new revision of its postmortem; base 0 means the
// current revision) and returns the item as the tracker shows it now.
func (h *Handler) SetItem(ctx context.Context, a app.Actor, id string, base int, item string, st hindsight.ItemStatus) (*hindsight.TrackedItem, error) {
	if _, err := h.svc.SetActionItemStatus(ctx, a, id, base, item, st); err != nil {
		return nil, err
	}
	return h.Item(ctx, a.Viewer, id, item)
}

// Item returns action item item (by ID, or "#n") of incident id as the
// tracker shows it, if v may see it.
func (h *Handler) Item(ctx context.Context, v hindsight.Viewer, id, item string) (*hindsight.TrackedItem, error) {
	page, err := h.store.TrackActionItems(ctx, v, hindsight.ActionItemQuery{
		ActionItemFilter: hindsight.ActionItemFilter{IncidentID: id, Limit: 5000}, AsOf: h.today(), Objectives: h.opts.Objectives})
	if err != nil {
		return nil, err
	}
	// an ID first, then a position ("#3", or "3" as the incident page's
	// Create issue posts it), as app's findItem reads it
	for _, it := range page.Items {
		if strings.EqualFold(ItemKey(it), item) {
			return &it, nil
		}
	}
	for _, it := range page.Items {
		if n := strconv.Itoa(it.Position + 1); "#"+n == item || n == item {
			return &it, nil
		}
	}
	return nil, hindsight.Errorf(hindsight.ENotFound, "action item %s of %s", item, id)
}

// Insights computes the insights v may see for the query parameters of
// the insights page and API (see InsightsQuery).
func (h *Handler) Insights(ctx context.Context, v hindsight.Viewer, q url.Values) (*hindsight.Insights, error) {
	f, err := InsightsQuery(q, h.today(), h.opts.Objectives, h.opts.UnpublishedDays)
	if err != nil {
		return nil, err
	}
	in, err := h.store.Insights(ctx, v, f)
	if err != nil {
		return nil, err
	}
	h.keyCase(ctx, in)
	return in, nil
}

// Trends computes the insights trends by month for the query q (the
// insights page's parameters), as Insights reads them.
func (h *Handler) Trends(ctx context.Context, v hindsight.Viewer, q url.Values) ([]hindsight.TrendMonth, error) {
	f, err := InsightsQuery(q, h.today(), h.opts.Objectives, h.opts.UnpublishedDays)
	if err != nil {
		return nil, err
	}
	return h.store.InsightTrends(ctx, v, f)
}

func (h *Handler) insights(r *http.Request) (*hindsight.Insights, url.Values, error) {
	q := r.URL.Query()
	in, err := h.Insights(r.Context(), h.actor(r).Viewer, q)
	return in, q, err
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

// Related are an incident's related incidents and recurrences.
type Related struct {
	ID          string
	Related     []hindsight.Related
	Recurrences []hindsight.Recurrence
}

// Related returns the incidents related to id that v may see (limit: the
// query's "limit", 1 to 50) and the recurrences of its services.
func (h *Handler) Related(ctx context.Context, v hindsight.Viewer, id string, q url.Values) (*Related, error) {
	limit, err := parseInt(q, "limit", 1, 50)
	if err != nil {
		return nil, err
	}
	rel, err := h.store.RelatedIncidents(ctx, v, id, limit)
	if err != nil {
		return nil, err
	}
	rec, err := h.store.Recurrences(ctx, v, id)
	if err != nil {
		return nil, err
	}
	return &Related{ID: id, Related: rel, Recurrences: rec}, nil
}

// apiInsights serves the figures as JSON or CSV from the service's
// list-page cache (app.Service.Listed): the same bytes for the same viewer
// and query until anything is written or the day changes (the default
// period is the last 12 months). Errors are never kept.
func (h *Handler) apiInsights(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := formatParam(q); err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	a := h.actor(r)
	form := "api-insights\x00" + h.today().Format(hindsight.DateLayout)
	b, err := h.svc.Listed(r.Context(), a, form, q.Encode(), func() ([]byte, error) {
		in, err := h.Insights(r.Context(), a.Viewer, q)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if q.Get("format") == "csv" {
			err = insights.WriteCSV(&buf, in)
		} else {
			err = json.NewEncoder(&buf).Encode(in)
		}
		return buf.Bytes(), err
	})
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	if q.Get("format") == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	_, _ = w.Write(b)
}

func (h *Handler) apiTracker(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	x, err := h.ItemQuery(q)
	if err == nil {
		err = formatParam(q)
	}
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
	x, err := h.ItemQuery(r.URL.Query())
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
	d, err := h.Related(r.Context(), h.actor(r).Viewer, r.PathValue("id"), r.URL.Query())
	if err != nil {
		h.writeJSONError(w, r, err)
		return
	}
	writeJSON(w, map[string]any{"incident_id": d.ID, "related": d.Related, "recurrences": d.Recurrences})
}

// formatParam refuses a format other than json (the default) and csv: a
// bad query parameter is 400, never silently JSON.
func formatParam(q url.Values) error {
	switch q.Get("format") {
	case "", "json", "csv":
		return nil
	}
	return httpx.BadParam("format", fmt.Sprintf("%q is not a format: want json or csv", q.Get("format")))
}
