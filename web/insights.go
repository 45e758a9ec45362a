package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// insightsData is the insights page's data.
type insightsData struct {
	Filter   hindsight.InsightsFilter
	From, To string
	Q        url.Values
	Figures  []insights.Figure
	CSV      string
	JSON     string
	API      string
	Query    string
	Problems []string
	// AllTime is set when the default period became all time (the last 12
	// months held too few incidents).
	AllTime bool
	// Period names the period the figures cover, Previous the one the
	// changes compare with ("" for none).
	Period, Previous string
	Tiles            []tile
	Months           []trendMonth
	SeverityTrend    template.HTML
	MitigateTrend    template.HTML

	// Teams are every team (the team filter).
	Teams []hindsight.Team
	// Filters are the shape's filters, Shape their values (issue 19).
	Filters shapeFilters
	Shape   httpx.Shape
}

// withGroupFields returns q asking for the breakdowns by every declared
// enum field of the shape (group_field=) when it names none itself.
func (u *UI) withGroupFields(r *http.Request, q url.Values) url.Values {
	if q.Has("group_field") {
		return q
	}
	var names []string
	for _, f := range u.svc.Shape(r.Context()).Fields {
		if f.Type == hindsight.FieldEnum || f.Type == hindsight.FieldMulti {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return q
	}
	c := url.Values{}
	for k, vs := range q {
		c[k] = vs
	}
	c["group_field"] = names
	return c
}

// insights shows every figure with its definition, a chart and its data
// table; ?format=csv and ?format=json download the figures.
func (u *UI) insights(w http.ResponseWriter, r *http.Request) {
	q := u.withGroupFields(r, r.URL.Query())
	if f := q.Get("format"); f == "json" || f == "csv" {
		in, err := u.fu.Insights(r.Context(), u.actor(r).Viewer, q)
		if err != nil {
			httpx.WriteError(w, r, u.log, err)
			return
		}
		if f == "json" {
			w.Header().Set("Content-Disposition", `attachment; filename="insights.json"`)
			w.Header().Set("Content-Type", "application/json")
			_ = insights.WriteJSON(w, in)
			return
		}
		w.Header().Set("Content-Disposition", `attachment; filename="insights.csv"`)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_ = insights.WriteCSV(w, in)
		return
	}
	if hasFlash(r) {
		u.insightsPage(w, r, q, nil, nil)
		return
	}
	u.insightsCached(w, r, q)
}

// insightsCached serves the insights page from the list-page cache: the
// same page for the same reader (the key holds the viewer and the account,
// whose name the layout shows) until anything is written or the day
// changes (the default period is the last 12 months). A query the figures
// refuse, and a page with a flash message, render uncached.
func (u *UI) insightsCached(w http.ResponseWriter, r *http.Request, q url.Values) {
	a := u.actor(r)
	form := strings.Join([]string{"html-insights", a.ID, u.svc.Now().Format(hindsight.DateLayout)}, "\x00")
	b, err := u.svc.Listed(r.Context(), a, form, q.Encode(), func() ([]byte, error) {
		in, err := u.fu.Insights(r.Context(), a.Viewer, q)
		if err != nil {
			return nil, err
		}
		p, _, err := u.insightsData(r, q, in, nil)
		if err != nil {
			return nil, err
		}
		return u.page(r, "insights", p)
	})
	if err != nil {
		if c := hindsight.ErrorCode(err); c == hindsight.EMalformed || c == hindsight.EInvalid {
			u.insightsPage(w, r, q, nil, err)
			return
		}
		u.fail(w, r, err)
		return
	}
	writeHTML(w, http.StatusOK, b)
}

// insightsPage renders the insights page without the cache: of in, or
// err's problem; both nil reads the figures again.
func (u *UI) insightsPage(w http.ResponseWriter, r *http.Request, q url.Values, in *hindsight.Insights, err error) {
	if in == nil && err == nil {
		in, err = u.fu.Insights(r.Context(), u.actor(r).Viewer, q)
	}
	p, status, err := u.insightsData(r, q, in, err)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, status, "insights", p)
}

// insightsData builds the insights page of in (or of err's problem with a
// 400 or 422 status: a query the figures refuse).
func (u *UI) insightsData(r *http.Request, q url.Values, in *hindsight.Insights, err error) (page, int, error) {
	d := insightsData{Q: q, CSV: "/insights?" + withParam(q, "format", "csv"), JSON: "/insights?" + withParam(q, "format", "json"),
		API: "/api/v1/insights?" + withParam(q, "format", ""), Query: withParam(q, "format", "")}
	if ts, _, terr := u.teamsOf(r, u.actor(r)); terr == nil {
		d.Teams = ts
	}
	d.Filters = newShapeFilters(u.svc.Shape(r.Context()))
	if sh, serr := httpx.ShapeParams(q); serr == nil {
		d.Shape = sh
	}
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EMalformed && c != hindsight.EInvalid {
			return page{}, 0, err
		}
		d.Problems = []string{hindsight.ErrorMessage(err)}
		d.From, d.To = q.Get("from"), q.Get("to")
		return page{Title: "Insights", Nav: "insights", Data: d}, httpx.Status(hindsight.ErrorCode(err)), nil
	}
	v := u.actor(r).Viewer
	if q.Get("from") == "" && q.Get("to") == "" && in.Incidents < minDefaultIncidents {
		// the default period covers the data: all time when the last 12
		// months hold few incidents
		all := periodQuery(q, time.Time{}, in.Filter.Before)
		if ain, err := u.fu.Insights(r.Context(), v, all); err == nil && ain.Incidents > in.Incidents {
			in, d.AllTime = ain, true
			d.Query = withParam(all, "format", "")
			d.CSV, d.JSON, d.API = "/insights?"+withParam(all, "format", "csv"), "/insights?"+withParam(all, "format", "json"), "/api/v1/insights?"+d.Query
		}
	}
	var prev *hindsight.Insights
	if f := in.Filter; !f.From.IsZero() && !f.Before.IsZero() {
		days := int(f.Before.Sub(f.From).Hours()/24 + 0.5)
		pf := f.From.AddDate(0, 0, -days)
		if p, err := u.fu.Insights(r.Context(), v, periodQuery(q, pf, f.From)); err == nil {
			prev = p
			d.Previous = "the previous " + strconv.Itoa(days) + " days"
			if days >= 364 && days <= 366 {
				d.Previous = "the 12 months before"
			}
		}
		d.Period = f.From.Format(hindsight.DateLayout) + " to " + f.Before.AddDate(0, 0, -1).Format(hindsight.DateLayout)
	} else {
		d.Period = "all time"
	}
	d.Tiles = headline(in, prev, d.Previous)
	months, err := u.trends(r.Context(), v, q, in)
	if err != nil {
		return page{}, 0, err
	}
	if len(months) > 0 {
		d.Months, d.SeverityTrend, d.MitigateTrend = months, severityTrendSVG(months), mitigateTrendSVG(months)
	}
	d.Filter, d.Figures = in.Filter, insights.Figures(in)
	if !in.Filter.From.IsZero() {
		d.From = in.Filter.From.Format(hindsight.DateLayout)
	}
	if !in.Filter.Before.IsZero() {
		d.To = in.Filter.Before.AddDate(0, 0, -1).Format(hindsight.DateLayout)
	}
	return page{Title: "Insights", Nav: "insights", Data: d}, http.StatusOK, nil
}
