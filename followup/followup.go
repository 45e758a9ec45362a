// Package followup is follow-through and learning: the action item
// tracker's queries (every item of every incident the viewer may see,
// filters, counts per owner, close and reopen through app.Service, CSV
// export), the insights figures (each with its definition, an SVG chart
// and its data table, CSV and JSON downloads), related incidents and
// recurrences of an incident, and their JSON API. Its API routes join the
// server's route table through Routes; the HTML pages (/action-items,
// /insights, /incidents/{id}/related) are web's, calling the methods
// here.
package followup

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Options configure the follow-up pages.
type Options struct {
	// Objectives are the due-date objectives by priority
	// (hindsight.DefaultObjectives when zero).
	Objectives hindsight.Objectives
	// UnpublishedDays is the grace period of the late-postmortem figure
	// (hindsight.DefaultUnpublishedDays when 0).
	UnpublishedDays int
	// Actor returns who makes a request; nil means app.ActorFrom(ctx).
	Actor func(*http.Request) app.Actor
	// Logger receives internal errors (nil: slog.Default()).
	Logger *slog.Logger
	// Now is the clock for "today" (nil: the service's clock).
	Now func() time.Time
}

// Handler serves the follow-up API and answers web's follow-up pages.
type Handler struct {
	svc   *app.Service
	store hindsight.InsightStore
	opts  Options
	log   *slog.Logger
}

// New returns the handler over svc (writes) and store (the insight
// queries; the same store as svc's).
func New(svc *app.Service, store hindsight.InsightStore, opts Options) (*Handler, error) {
	if svc == nil || store == nil {
		return nil, errors.New("followup: nil service or store")
	}
	h := &Handler{svc: svc, store: store, opts: opts, log: opts.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	h.opts.Objectives = opts.Objectives.OrDefault()
	if h.opts.UnpublishedDays <= 0 {
		h.opts.UnpublishedDays = hindsight.DefaultUnpublishedDays
	}
	if h.opts.Now == nil {
		h.opts.Now = svc.Now
	}
	return h, nil
}

// Routes lists the follow-up API routes (and the insights charts as SVG
// files) for the server's route table.
func (h *Handler) Routes() []httpx.Route {
	f := func(fn func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(fn) }
	return []httpx.Route{
		{Pattern: "GET /insights/charts/{chart}", Access: httpx.Read, Name: "followup.insights_chart", Handler: f(h.chartSVG)},
		{Pattern: "GET /api/v1/insights", Access: httpx.Read, Name: "api.insights", Handler: f(h.apiInsights)},
		{Pattern: "GET /api/v1/action-items/tracker", Access: httpx.Read, Name: "api.action_items.tracker", Handler: f(h.apiTracker)},
		{Pattern: "GET /api/v1/action-items/owners", Access: httpx.Read, Name: "api.action_items.owners", Handler: f(h.apiOwners)},
		{Pattern: "GET /api/v1/incidents/{id}/related", Access: httpx.Read, Name: "api.incidents.related", Handler: f(h.apiRelated)},
	}
}

func (h *Handler) actor(r *http.Request) app.Actor {
	if h.opts.Actor != nil {
		return h.opts.Actor(r)
	}
	a := app.ActorFrom(r.Context())
	if a.Address == "" {
		a.Address = r.RemoteAddr
	}
	return a
}

func (h *Handler) today() time.Time { return hindsight.DateOf(h.opts.Now()).T }

// Today is the tracker's "today" (overdue, this week), a UTC date.
func (h *Handler) Today() time.Time { return h.today() }

// Objectives are the due-date objectives by priority in use.
func (h *Handler) Objectives() hindsight.Objectives { return h.opts.Objectives }

// ItemKey is how app.SetActionItemStatus finds an item: its ID, or "#n"
// (1-based position) when it has none.
func ItemKey(it hindsight.TrackedItem) string {
	if it.ID != "" {
		return it.ID
	}
	return "#" + strconv.Itoa(it.Position+1)
}

// paramError is a bad query parameter: httpx's 400 bad_request naming it,
// as on every route.
func paramError(name, format string, args ...any) error {
	return httpx.BadParam(name, fmt.Sprintf(format, args...))
}

func splitList(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func parseDateParam(q url.Values, name string) (time.Time, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, paramError(name, "%q is not a date (YYYY-MM-DD)", v)
	}
	return t, nil
}

func parseBool(q url.Values, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(q.Get(name))) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, paramError(name, "%q is not true or false", q.Get(name))
}

func parseInt(q url.Values, name string, lo, hi int) (int, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, paramError(name, "%q is not a whole number from %d to %d", v, lo, hi)
	}
	return n, nil
}

// severities, statuses and priorities parse list parameters, accepting
// the spellings the documents accept (sev1, p0, open, ...).
func severities(q url.Values) ([]hindsight.Severity, error) {
	var out []hindsight.Severity
	for _, v := range splitList(q, "severity") {
		s, ok := hindsight.ParseSeverity(v)
		if !ok {
			return nil, paramError("severity", "%q is not SEV-1 to SEV-4", v)
		}
		out = append(out, s)
	}
	return out, nil
}

func priorities(q url.Values) ([]hindsight.Priority, error) {
	var out []hindsight.Priority
	for _, v := range splitList(q, "priority") {
		p, ok := hindsight.ParsePriority(v)
		if !ok {
			return nil, paramError("priority", "%q is not P0, P1 or P2", v)
		}
		out = append(out, p)
	}
	return out, nil
}

func itemStatuses(q url.Values) ([]hindsight.ItemStatus, error) {
	var out []hindsight.ItemStatus
	for _, v := range splitList(q, "status") {
		if strings.EqualFold(v, "any") {
			return nil, nil
		}
		s, ok := hindsight.ParseItemStatus(v)
		if !ok {
			return nil, paramError("status", "%q is not Open or Closed", v)
		}
		out = append(out, s)
	}
	return out, nil
}

func docStatuses(q url.Values) ([]hindsight.Status, error) {
	var out []hindsight.Status
	for _, v := range splitList(q, "status") {
		s, ok := hindsight.ParseStatus(v)
		if !ok {
			return nil, paramError("status", "%q is not Draft, In Review or Published", v)
		}
		out = append(out, s)
	}
	return out, nil
}

// ItemQuery reads the tracker's query parameters: owner, priority, status,
// service, severity, incident, team (a team's incidents), owner_team (owned
// by a team: its slug or name), overdue, past_objective, due (week),
// sort, desc, limit, cursor (the next of the previous page), offset, and
// the shape filters tag, factor and field.<Label> of their incidents.
// today is "this week"'s and overdue's day.
func ItemQuery(q url.Values, today time.Time, o hindsight.Objectives) (hindsight.ActionItemQuery, error) {
	x := hindsight.ActionItemQuery{AsOf: today, Objectives: o}
	var err error
	x.Owner = strings.TrimSpace(q.Get("owner"))
	x.Service = strings.TrimSpace(q.Get("service"))
	x.IncidentID = strings.TrimSpace(q.Get("incident"))
	x.Team = strings.TrimSpace(q.Get("team"))
	x.OwnerTeam = strings.TrimSpace(q.Get("owner_team"))
	if x.Priority, err = priorities(q); err != nil {
		return x, err
	}
	if x.Status, err = itemStatuses(q); err != nil {
		return x, err
	}
	if x.Severity, err = severities(q); err != nil {
		return x, err
	}
	if x.Overdue, err = parseBool(q, "overdue"); err != nil {
		return x, err
	}
	if x.PastObjective, err = parseBool(q, "past_objective"); err != nil {
		return x, err
	}
	switch due := q.Get("due"); due {
	case "":
	case "week":
		x.DueFrom, x.DueBefore = insights.Week(today)
	default:
		return x, paramError("due", "%q is not week", due)
	}
	switch s := hindsight.ActionItemSort(q.Get("sort")); s {
	case "", hindsight.ItemSortTarget, hindsight.ItemSortPriority, hindsight.ItemSortOwner, hindsight.ItemSortIncident, hindsight.ItemSortSeverity:
		x.Sort = s
	default:
		return x, paramError("sort", "%q is not one of target, priority, owner, incident, severity", s)
	}
	if x.Desc, err = parseBool(q, "desc"); err != nil {
		return x, err
	}
	if x.Limit, err = parseInt(q, "limit", 1, 5000); err != nil {
		return x, err
	}
	if x.Offset, err = parseInt(q, "offset", 0, 1<<30); err != nil {
		return x, err
	}
	x.Cursor = strings.TrimSpace(q.Get("cursor"))
	if x.Cursor != "" && x.Offset != 0 {
		return x, paramError("cursor", "a cursor and an offset cannot be used together")
	}
	sh, err := httpx.ShapeParams(q)
	x.Fields, x.Tag, x.FactorCategory = sh.Fields, sh.Tag, sh.Factor
	return x, err
}

// InsightsQuery reads the insights parameters: from and to (inclusive
// dates; default the 365 days up to today), severity, status, service, team,
// unpublished_days, the shape filters tag, factor and field.<Label>
// (httpx.ShapeParams) and group_field (repeatable: the enum fields
// Insights.ByField breaks down).
func InsightsQuery(q url.Values, today time.Time, o hindsight.Objectives, days int) (hindsight.InsightsFilter, error) {
	f := hindsight.InsightsFilter{AsOf: today, Objectives: o, UnpublishedDays: days}
	from, err := parseDateParam(q, "from")
	if err != nil {
		return f, err
	}
	to, err := parseDateParam(q, "to")
	if err != nil {
		return f, err
	}
	if q.Get("from") == "" && q.Get("to") == "" {
		to = today
		from = today.AddDate(-1, 0, 1)
	}
	f.From = from
	if !to.IsZero() && (to.Year() < 9999 || to.YearDay() < 365) {
		// to=9999-12-31, the last date, has no day after it that JSON
		// can write (the filter is echoed, and is the cache key): no end
		f.Before = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.Before.IsZero() && !f.From.Before(f.Before) {
		return f, paramError("from", "%s is after to (%s)", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	f.Service = strings.TrimSpace(q.Get("service"))
	f.Team = strings.TrimSpace(q.Get("team"))
	if f.Severity, err = severities(q); err != nil {
		return f, err
	}
	if f.Status, err = docStatuses(q); err != nil {
		return f, err
	}
	if n, err := parseInt(q, "unpublished_days", 1, 3650); err != nil {
		return f, err
	} else if n > 0 {
		f.UnpublishedDays = n
	}
	sh, err := httpx.ShapeParams(q)
	if err != nil {
		return f, err
	}
	f.Fields, f.Tag, f.FactorCategory = sh.Fields, sh.Tag, sh.Factor
	f.GroupFields = splitList(q, "group_field")
	return f, nil
}

// writeJSONError writes err in httpx's one error shape.
func (h *Handler) writeJSONError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.log, err)
}

func writeJSON(w http.ResponseWriter, v any) {
	httpx.WriteJSON(w, http.StatusOK, v)
}
