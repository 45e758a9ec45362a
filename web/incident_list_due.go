package web

import (
	"net/http"
	"strconv"

	"github.com/hindsight-pm/hindsight"
)

// sortDue sorts the incident list by postmortem due date (the list's own
// sort: the stores sort by start, severity, update and ID).
const sortDue hindsight.IncidentSort = "due"

// duePageSize is the rows of a page of the due list.
const duePageSize = 25

// summaryIncident is the part of an incident a due date is computed from.
func summaryIncident(s hindsight.IncidentSummary) *hindsight.Incident {
	in := &hindsight.Incident{ID: s.ID, Doc: &hindsight.Postmortem{Status: s.Status}}
	in.Doc.Summary.Severity = s.Severity
	in.Doc.Summary.End = hindsight.TimeOf(s.End)
	return in
}

// dueRows fills the list with the incidents of flt whose postmortem is due
// this week or overdue (f.Due), or all of them ordered by due date
// (sort=due), from app.Service.DueList, the list the API serves (a due
// date is not stored: it follows from End, severity and .hindsight.yaml's
// review.due_days, and the store computes it in the query). A cursor that is not one of this list's starts again
// at its first page, with the reason shown.
func (u *UI) dueRows(r *http.Request, f listForm, flt hindsight.IncidentFilter, d *listData) error {
	switch f.Due {
	case "", hindsight.DueThisWeek, hindsight.DueFilterOver:
	default:
		d.Problems = append(d.Problems, "due: want this_week or overdue, not "+strconv.Quote(f.Due))
		f.Due = ""
	}
	desc := f.Sort == string(sortDue) && f.Dir == "desc"
	flt.Limit, flt.Cursor = duePageSize, f.Cursor
	pg, err := u.svc.DueList(r.Context(), u.actor(r), flt, f.Due, desc)
	if c := hindsight.ErrorCode(err); (c == hindsight.EInvalid || c == hindsight.EMalformed) && flt.Cursor != "" {
		d.Problems = append(d.Problems, "cursor: not a page of this list; showing its first page")
		flt.Cursor = ""
		pg, err = u.svc.DueList(r.Context(), u.actor(r), flt, f.Due, desc)
	}
	if err != nil {
		return err
	}
	d.Rows = append(d.Rows, pg.Incidents...)
	if pg.Next != "" {
		d.NextURL = pageURL(f.values(), pg.Next)
	}
	return nil
}
