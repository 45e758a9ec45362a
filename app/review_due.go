package app

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// dueScanPages bounds the store pages of 1,000 unpublished incidents a due
// list reads.
const dueScanPages = 20

// DueList is the incident list by postmortem due date (GET
// /api/v1/incidents?sort=due or ?due=this_week|overdue). A due date is not
// stored: it follows from End, severity and review.due_days (DueAt), so
// the unpublished incidents of f's other filters (at most 20,000) are read,
// kept by due (hindsight.DueThisWeek: due within 7 days, not overdue;
// hindsight.DueFilterOver: overdue; "": all), ordered by due date (none
// last; desc reverses), and paged here: f.Cursor is the offset. Published
// postmortems have no due date and are left out. Each summary carries its
// ReviewDueAt.
func (s *Service) DueList(ctx context.Context, a Actor, f hindsight.IncidentFilter, due string, desc bool) (*hindsight.IncidentPage, error) {
	switch due {
	case "", hindsight.DueThisWeek, hindsight.DueFilterOver:
	default:
		return nil, invalidField("due", strconv.Quote(due)+": want this_week or overdue")
	}
	off := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(f.Cursor, "due:"))
		if err != nil || n < 0 || !strings.HasPrefix(f.Cursor, "due:") {
			return nil, invalidField("cursor", "not a cursor of this list")
		}
		off = n
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	page := &hindsight.IncidentPage{Incidents: []hindsight.IncidentSummary{}}
	var keep []hindsight.Status
	for _, st := range f.Status {
		if st != hindsight.StatusPublished {
			keep = append(keep, st)
		}
	}
	if len(f.Status) > 0 && len(keep) == 0 {
		return page, nil
	}
	if len(keep) == 0 {
		keep = []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}
	}
	f.Status, f.Limit, f.Cursor, f.Sort, f.Desc = keep, 1000, "", hindsight.SortStart, false
	now := s.Now()
	week := now.AddDate(0, 0, 7)
	var rows []hindsight.IncidentSummary
	for range dueScanPages {
		pg, err := s.store.FindIncidents(ctx, a.Viewer, f)
		if err != nil {
			return nil, err
		}
		for _, sm := range pg.Incidents {
			sm.ReviewDueAt = s.lint.Review.Due.DueAt(sm.Severity, sm.End)
			st := hindsight.DueState(sm.ReviewDueAt, sm.Status, now)
			switch due {
			case hindsight.DueFilterOver:
				if st != hindsight.DueOverdue {
					continue
				}
			case hindsight.DueThisWeek:
				if st == hindsight.DueOverdue || st == hindsight.DueNone || !sm.ReviewDueAt.Before(week) {
					continue
				}
			}
			rows = append(rows, sm)
		}
		if pg.Next == "" {
			break
		}
		f.Cursor = pg.Next
	}
	sort.SliceStable(rows, func(i, j int) bool {
		x, y := rows[i], rows[j]
		if x.ReviewDueAt.IsZero() != y.ReviewDueAt.IsZero() {
			return y.ReviewDueAt.IsZero()
		}
		if !x.ReviewDueAt.Equal(y.ReviewDueAt) {
			if desc {
				return x.ReviewDueAt.After(y.ReviewDueAt)
			}
			return x.ReviewDueAt.Before(y.ReviewDueAt)
		}
		return x.ID < y.ID
	})
	for i := off; i < len(rows) && i < off+limit; i++ {
		page.Incidents = append(page.Incidents, rows[i])
	}
	if off+limit < len(rows) {
		page.Next = "due:" + strconv.Itoa(off+limit)
	}
	return page, nil
}

// DecorateSummaries sets the ReviewDueAt of unpublished incidents.
func (s *Service) DecorateSummaries(list []hindsight.IncidentSummary) {
	for i := range list {
		if list[i].Status != hindsight.StatusPublished {
			list[i].ReviewDueAt = s.lint.Review.Due.DueAt(list[i].Severity, list[i].End)
		}
	}
}
