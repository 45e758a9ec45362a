package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

// reviewChangesData is the "changes since your last review" page.
type reviewChangesData struct {
	In       *hindsight.Incident
	From, To hindsight.Revision
	// Mine is the viewer's latest review (nil: none; the page then
	// compares with the previous revision).
	Mine      *hindsight.Review
	Lines     []wordLine
	Added     int
	Removed   int
	Revisions []hindsight.Revision
}

// reviewChanges shows, word by word, what changed in the document since
// the revision the viewer last reviewed (?from=N compares from another).
func (u *UI) reviewChanges(w http.ResponseWriter, r *http.Request) {
	ctx, a, id := r.Context(), u.actor(r), r.PathValue("id")
	in, err := u.svc.Get(ctx, a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := reviewChangesData{In: in}
	from := max(in.Revision-1, 1)
	if rs := u.reviewStore(); rs != nil && a.ID != "" {
		reviews, err := rs.FindReviews(ctx, a.Viewer, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for i := range reviews {
			if reviews[i].Reviewer == a.ID && (d.Mine == nil || reviews[i].Revision >= d.Mine.Revision) {
				d.Mine = &reviews[i]
			}
		}
		if d.Mine != nil {
			from = d.Mine.Revision
		}
	}
	if s := r.URL.Query().Get("from"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > in.Revision {
			u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("from: want a revision from 1 to %d", in.Revision),
				Fields: []hindsight.FieldError{{Field: "from", Message: "no such revision"}}})
			return
		}
		from = n
	}
	fr, err := u.svc.Store().FindRevision(ctx, a.Viewer, id, from)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	tr, err := u.svc.Store().FindRevision(ctx, a.Viewer, id, in.Revision)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if d.Revisions, err = u.svc.Store().FindRevisions(ctx, a.Viewer, id); err != nil {
		u.fail(w, r, err)
		return
	}
	d.From, d.To = *fr, *tr
	d.Lines = wordDiff(string(fr.Markdown), string(tr.Markdown))
	for _, l := range d.Lines {
		switch l.Kind {
		case "add":
			d.Added++
		case "del":
			d.Removed++
		}
	}
	u.render(w, r, http.StatusOK, "review_changes", page{Title: fmt.Sprintf("%s: changes since revision %d", in.ID, from), Data: d})
}

// myReviewsData is the "My reviews" page.
type myReviewsData struct {
	// Requested are the open requests asking the viewer.
	Requested []hindsight.ReviewRequest
	// Waiting are the viewer's requests to others still open, by
	// incident.
	Waiting []waitingReview
	// Due are the viewer's unpublished postmortems by due date, overdue
	// first.
	Due []dueIncident
	Now time.Time
}

type waitingReview struct {
	IncidentID string
	Reviewers  []string
	Since      time.Time
}

type dueIncident struct {
	ID, Title string
	Severity  hindsight.Severity
	Status    hindsight.Status
	Due       dueView
}

// myReviews lists the reviews asked of the viewer, the viewer's
// postmortems waiting for reviewers, and their due and overdue
// postmortems.
func (u *UI) myReviews(w http.ResponseWriter, r *http.Request) {
	ctx, a := r.Context(), u.actor(r)
	d := myReviewsData{Now: u.svc.Now()}
	rs := u.reviewStore()
	if rs != nil && a.ID != "" {
		mine, err := rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{Reviewer: a.ID, OpenOnly: true})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		d.Requested = mine
		open, err := rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{OpenOnly: true})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		by := map[string]int{}
		for _, rq := range open {
			if rq.RequestedBy != a.ID {
				continue
			}
			i, ok := by[rq.IncidentID]
			if !ok {
				i = len(d.Waiting)
				by[rq.IncidentID] = i
				d.Waiting = append(d.Waiting, waitingReview{IncidentID: rq.IncidentID, Since: rq.RequestedAt})
			}
			name := rq.ReviewerName
			if name == "" {
				name = rq.ReviewerEmail
			}
			d.Waiting[i].Reviewers = append(d.Waiting[i].Reviewers, name)
			if rq.RequestedAt.Before(d.Waiting[i].Since) {
				d.Waiting[i].Since = rq.RequestedAt
			}
		}
	}
	// the viewer's postmortems: the Owner field names them or their email
	seen := map[string]bool{}
	for _, owner := range u.viewerNames(r) {
		due, err := u.dueIncidents(r, owner)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, x := range due {
			if !seen[x.ID] {
				seen[x.ID] = true
				d.Due = append(d.Due, x)
			}
		}
	}
	sort.SliceStable(d.Due, func(i, j int) bool { return d.Due[i].Due.At.Before(d.Due[j].Due.At) })
	u.render(w, r, http.StatusOK, "reviews", page{Title: "My reviews", Nav: "reviews", Data: d})
}

// viewerNames are the ways the Owner field names the viewer: their name
// and their email.
func (u *UI) viewerNames(r *http.Request) []string {
	var out []string
	if u.au != nil {
		if p := auth.PrincipalFrom(r.Context()); p.User != nil {
			if p.User.Name != "" {
				out = append(out, p.User.Name)
			}
			return append(out, p.User.Email)
		}
	}
	if a := u.actor(r); a.Name != "" && a.ID != app.System.ID {
		out = append(out, a.Name)
	}
	return out
}

// dueIncidents lists the unpublished postmortems owned by owner (all when
// owner is "") that are due soon or overdue, overdue first.
func (u *UI) dueIncidents(r *http.Request, owner string) ([]dueIncident, error) {
	if u.rv == nil {
		return nil, nil
	}
	ctx, a := r.Context(), u.actor(r)
	now := u.svc.Now()
	var out []dueIncident
	f := hindsight.IncidentFilter{Status: []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}, Owner: owner, Limit: 1000}
	for {
		pg, err := u.svc.Store().FindIncidents(ctx, a.Viewer, f)
		if err != nil {
			return nil, err
		}
		for _, s := range pg.Incidents {
			in := &hindsight.Incident{ID: s.ID, Doc: &hindsight.Postmortem{Status: s.Status}}
			in.Doc.Summary.Severity = s.Severity
			in.Doc.Summary.End = hindsight.TimeOf(s.End)
			dv := newDueView(u.rv.DueAt(in), s.Status, now)
			if dv.State != hindsight.DueOverdue && dv.State != hindsight.DueSoon {
				continue
			}
			out = append(out, dueIncident{ID: s.ID, Title: s.Title, Severity: s.Severity, Status: s.Status, Due: dv})
		}
		if pg.Next == "" {
			break
		}
		f.Cursor = pg.Next
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Due.At.Before(out[j].Due.At) })
	return out, nil
}
