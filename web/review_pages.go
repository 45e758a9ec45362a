package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
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
	Requested []requestedItem
	// Waiting are the viewer's postmortems with open review requests.
	Waiting []reviewItem
	// Due are the viewer's unpublished postmortems overdue or due within
	// DueSoonDays, by due date.
	Due []reviewItem
}

// requestedItem is a review asked of the viewer, with the postmortem's
// title and who asked.
type requestedItem struct {
	hindsight.ReviewRequest
	Title, AskedBy string
}

// reviewItem is an incident on the My reviews page.
type reviewItem struct {
	app.ReviewItem
	Status hindsight.Status
	Due    dueView
}

// myReviews lists the reviews asked of the viewer, the viewer's
// postmortems waiting for reviewers, and their due and overdue
// postmortems (app.Service.MyReviews, as GET /api/v1/me/reviews).
func (u *UI) myReviews(w http.ResponseWriter, r *http.Request) {
	var d myReviewsData
	if u.rv != nil {
		m, err := u.rv.MyReviews(r.Context(), u.actor(r))
		if err != nil {
			u.fail(w, r, err)
			return
		}
		now := u.svc.Now()
		item := func(it app.ReviewItem) reviewItem {
			st, _ := hindsight.ParseStatus(it.Status)
			return reviewItem{ReviewItem: it, Status: st, Due: newDueView(it.DueAt, st, now)}
		}
		as, _ := u.svc.Store().(hindsight.AccountStore)
		for _, rq := range m.Requested {
			it := requestedItem{ReviewRequest: rq}
			if in, err := u.svc.Store().FindIncidentByID(r.Context(), u.actor(r).Viewer, rq.IncidentID); err == nil && in.Doc != nil {
				it.Title = in.Doc.Title
			}
			if as != nil && rq.RequestedBy != "" {
				if who, err := as.FindUserByID(r.Context(), rq.RequestedBy); err == nil {
					it.AskedBy = who.Name
					if it.AskedBy == "" {
						it.AskedBy = who.Email
					}
				}
			}
			d.Requested = append(d.Requested, it)
		}
		for _, it := range m.Waiting {
			d.Waiting = append(d.Waiting, item(it))
		}
		for _, it := range append(append([]app.ReviewItem(nil), m.Overdue...), m.Due...) {
			d.Due = append(d.Due, item(it))
		}
		sort.SliceStable(d.Due, func(i, j int) bool { return d.Due[i].DueAt.Before(d.Due[j].DueAt) })
	}
	u.render(w, r, http.StatusOK, "reviews", page{Title: "My reviews", Nav: "reviews", Data: d})
}
