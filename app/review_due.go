package app

import (
	"context"
	"strconv"

	"github.com/hindsight-pm/hindsight"
)

// DueList is the incident list by postmortem due date (GET
// /api/v1/incidents?sort=due or ?due=this_week|overdue). A due date is not
// stored: it follows from End, severity and review.due_days (DueAt), which
// the store computes in the query (hindsight.DueQuery): the unpublished
// incidents of f's other filters, kept by due (hindsight.DueThisWeek: due
// within 7 days, not overdue; hindsight.DueFilterOver: overdue; "": all),
// ordered by due date (none last; desc reverses), and paged by the store's
// cursor. Published postmortems have no due date and are left out. Each
// summary carries its ReviewDueAt.
func (s *Service) DueList(ctx context.Context, a Actor, f hindsight.IncidentFilter, due string, desc bool) (*hindsight.IncidentPage, error) {
	switch due {
	case "", hindsight.DueThisWeek, hindsight.DueFilterOver:
	default:
		return nil, invalidField("due", strconv.Quote(due)+": want this_week or overdue")
	}
	var keep []hindsight.Status
	for _, st := range f.Status {
		if st != hindsight.StatusPublished {
			keep = append(keep, st)
		}
	}
	if len(f.Status) > 0 && len(keep) == 0 {
		return &hindsight.IncidentPage{Incidents: []hindsight.IncidentSummary{}}, nil
	}
	if len(keep) == 0 {
		keep = []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}
	}
	now := s.Now()
	q := &hindsight.DueQuery{Rule: s.lint.Review.Due}
	switch due {
	case hindsight.DueFilterOver:
		q.Before = now
	case hindsight.DueThisWeek:
		q.From, q.Before = now, now.AddDate(0, 0, 7)
	}
	f.Status, f.Sort, f.Desc, f.Due = keep, hindsight.SortDue, desc, q
	page, err := s.store.FindIncidents(ctx, a.Viewer, f)
	if err != nil {
		return nil, err
	}
	s.DecorateSummaries(page.Incidents)
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
