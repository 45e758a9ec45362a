package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
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
}

// insights shows every figure with its definition, a chart and its data
// table; ?format=csv and ?format=json download the figures.
func (u *UI) insights(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in, err := u.fu.Insights(r.Context(), u.actor(r).Viewer, q)
	if f := q.Get("format"); f == "json" || f == "csv" {
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
	d := insightsData{Q: q, CSV: "/insights?" + withParam(q, "format", "csv"), JSON: "/insights?" + withParam(q, "format", "json"),
		API: "/api/v1/insights?" + withParam(q, "format", ""), Query: withParam(q, "format", "")}
	if ts, _, terr := u.teamsOf(r, u.actor(r)); terr == nil {
		d.Teams = ts
	}
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EMalformed && c != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		d.Problems = []string{hindsight.ErrorMessage(err)}
		d.From, d.To = q.Get("from"), q.Get("to")
		u.render(w, r, httpx.Status(hindsight.ErrorCode(err)), "insights", page{Title: "Insights", Nav: "insights", Data: d})
		return
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
		u.fail(w, r, err)
		return
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
	u.render(w, r, http.StatusOK, "insights", page{Title: "Insights", Nav: "insights", Data: d})
}
