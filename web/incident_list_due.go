package web

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// sortDue sorts the incident list by postmortem due date (the list's own
// sort: the stores sort by start, severity, update and ID).
const sortDue hindsight.IncidentSort = "due"

// duePageSize is the rows of a page of the due list.
const duePageSize = 25

// dueScanPages bounds how many store pages of 1,000 unpublished incidents
// the due list reads.
const dueScanPages = 20

// summaryIncident is the part of an incident a due date is computed from.
func summaryIncident(s hindsight.IncidentSummary) *hindsight.Incident {
	in := &hindsight.Incident{ID: s.ID, Doc: &hindsight.Postmortem{Status: s.Status}}
	in.Doc.Summary.Severity = s.Severity
	in.Doc.Summary.End = hindsight.TimeOf(s.End)
	return in
}

// dueRows fills the list with the incidents of flt whose postmortem is due
// this week or overdue (f.Due), or all of them ordered by due date
// (sort=due). A due date is not stored: it follows from End, severity and
// .hindsight.yaml's review.due_days, so the unpublished incidents of the
// filter are read and the page is cut here (the cursor is the offset).
// Published postmortems have no due date: they are left out.
func (u *UI) dueRows(r *http.Request, f listForm, flt hindsight.IncidentFilter, d *listData) error {
	switch f.Due {
	case "", hindsight.DueThisWeek, hindsight.DueFilterOver:
	default:
		d.Problems = append(d.Problems, "due: want this_week or overdue, not "+strconv.Quote(f.Due))
		f.Due = ""
	}
	unpublished := []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}
	if len(flt.Status) > 0 {
		if flt.Status[0] == hindsight.StatusPublished {
			return nil
		}
		unpublished = flt.Status
	}
	flt.Status, flt.Limit, flt.Cursor = unpublished, 1000, ""
	flt.Sort, flt.Desc = hindsight.SortStart, false
	now := u.svc.Now()
	week := now.AddDate(0, 0, 7)
	type row struct {
		s   hindsight.IncidentSummary
		due time.Time
	}
	var rows []row
	for range dueScanPages {
		pg, err := u.svc.Store().FindIncidents(r.Context(), u.actor(r).Viewer, flt)
		if err != nil {
			return err
		}
		for _, s := range pg.Incidents {
			due := time.Time{}
			if u.rv != nil {
				due = u.rv.DueAt(summaryIncident(s))
			}
			st := hindsight.DueState(due, s.Status, now)
			switch f.Due {
			case hindsight.DueFilterOver:
				if st != hindsight.DueOverdue {
					continue
				}
			case hindsight.DueThisWeek:
				if st == hindsight.DueOverdue || st == hindsight.DueNone || !due.Before(week) {
					continue
				}
			}
			rows = append(rows, row{s, due})
		}
		if pg.Next == "" {
			break
		}
		flt.Cursor = pg.Next
	}
	// by due date (none last), then ID
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.due.IsZero() != b.due.IsZero() {
			return b.due.IsZero()
		}
		if !a.due.Equal(b.due) {
			if f.Sort == string(sortDue) && f.Dir == "desc" {
				return a.due.After(b.due)
			}
			return a.due.Before(b.due)
		}
		return a.s.ID < b.s.ID
	})
	off, _ := strconv.Atoi(f.Cursor)
	off = max(off, 0)
	for i := off; i < len(rows) && i < off+duePageSize; i++ {
		d.Rows = append(d.Rows, rows[i].s)
	}
	if off+duePageSize < len(rows) {
		d.NextURL = pageURL(f.values(), strconv.Itoa(off+duePageSize))
	}
	return nil
}
