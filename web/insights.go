package web

import (
	"net/http"
	"net/url"

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
	d.Filter, d.Figures = in.Filter, insights.Figures(in)
	if !in.Filter.From.IsZero() {
		d.From = in.Filter.From.Format(hindsight.DateLayout)
	}
	if !in.Filter.Before.IsZero() {
		d.To = in.Filter.Before.AddDate(0, 0, -1).Format(hindsight.DateLayout)
	}
	u.render(w, r, http.StatusOK, "insights", page{Title: "Insights", Nav: "insights", Data: d})
}
