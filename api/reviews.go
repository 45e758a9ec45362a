package api

import (
	"net/http"
	"strconv"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// reviewRoutes are the routes of review (docs/review.md): review requests,
// reviews, comments and what waits for the caller.
func (a *API) reviewRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET " + Prefix + "/incidents/{id}/review-requests", Access: httpx.Read, Name: "api.review_requests.list", Handler: http.HandlerFunc(a.listReviewRequests)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/review-requests", Access: httpx.Write, Name: "api.review_requests.create", Handler: http.HandlerFunc(a.requestReviews)},
		{Pattern: "DELETE " + Prefix + "/incidents/{id}/review-requests/{account}", Access: httpx.Write, Name: "api.review_requests.withdraw", Handler: http.HandlerFunc(a.withdrawReviewRequest)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/reviews", Access: httpx.Read, Name: "api.reviews.status", Handler: http.HandlerFunc(a.reviewStatus)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/reviews", Access: httpx.Write, Name: "api.reviews.submit", Handler: http.HandlerFunc(a.submitReview)},
		{Pattern: "GET " + Prefix + "/incidents/{id}/comments", Access: httpx.Read, Name: "api.comments.list", Handler: http.HandlerFunc(a.listComments)},
		{Pattern: "POST " + Prefix + "/incidents/{id}/comments", Access: httpx.Write, Name: "api.comments.create", Handler: http.HandlerFunc(a.createComment)},
		{Pattern: "PATCH " + Prefix + "/comments/{id}", Access: httpx.Write, Name: "api.comments.update", Handler: http.HandlerFunc(a.updateComment)},
		{Pattern: "DELETE " + Prefix + "/comments/{id}", Access: httpx.Admin, Name: "api.comments.delete", Handler: http.HandlerFunc(a.deleteComment)},
		{Pattern: "GET " + Prefix + "/me/reviews", Access: httpx.Read, Name: "api.me.reviews", Handler: http.HandlerFunc(a.myReviews)},
	}
}

// ReviewRequests is the answer of the review request routes.
type ReviewRequests struct {
	Requests []hindsight.ReviewRequest `json:"requests"`
}

// ReviewRequestCreate is the body of POST …/review-requests.
type ReviewRequestCreate struct {
	// Reviewers are account emails (or IDs).
	Reviewers []string `json:"reviewers"`
}

func (a *API) listReviewRequests(w http.ResponseWriter, r *http.Request) {
	rs, err := a.svc.ReviewRequests(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ReviewRequests{Requests: rs})
}

func (a *API) requestReviews(w http.ResponseWriter, r *http.Request) {
	var in ReviewRequestCreate
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	rs, err := a.svc.RequestReview(r.Context(), a.actor(r), r.PathValue("id"), in.Reviewers)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if rs == nil {
		rs = []hindsight.ReviewRequest{}
	}
	httpx.WriteJSON(w, http.StatusCreated, ReviewRequests{Requests: rs})
}

func (a *API) withdrawReviewRequest(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.WithdrawReviewRequest(r.Context(), a.actor(r), r.PathValue("id"), r.PathValue("account")); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) reviewStatus(w http.ResponseWriter, r *http.Request) {
	st, err := a.svc.ReviewStatus(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// ReviewSubmit is the body of POST …/reviews.
type ReviewSubmit struct {
	// State is approved, changes_requested or commented.
	State string `json:"state"`
	Body  string `json:"body"`
	// Revision is the revision reviewed (default: the latest).
	Revision int `json:"revision"`
}

func (a *API) submitReview(w http.ResponseWriter, r *http.Request) {
	var in ReviewSubmit
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	// an unknown state is refused by the service, after the incident is
	// found: a non-member learns nothing
	st, err := hindsight.ParseReviewState(in.State)
	if err != nil {
		st = hindsight.ReviewState(in.State)
	}
	rv, err := a.svc.SubmitReview(r.Context(), a.actor(r), r.PathValue("id"), app.NewReview{State: st, Body: in.Body, Revision: in.Revision})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, rv)
}

// Comments is the answer of GET …/comments.
type Comments struct {
	Comments []hindsight.Comment `json:"comments"`
}

// CommentCreate is the body of POST …/comments: a new thread (with an
// anchor) or a reply (parent_id).
type CommentCreate struct {
	Body     string           `json:"body"`
	ParentID int64            `json:"parent_id"`
	Anchor   hindsight.Anchor `json:"anchor"`
	Revision int              `json:"revision"`
}

// CommentPatch is the body of PATCH /comments/{id}.
type CommentPatch struct {
	Body     *string `json:"body"`
	Resolved *bool   `json:"resolved"`
}

func (a *API) listComments(w http.ResponseWriter, r *http.Request) {
	cs, err := a.svc.Comments(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Comments{Comments: cs})
}

func (a *API) createComment(w http.ResponseWriter, r *http.Request) {
	var in CommentCreate
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	c, err := a.svc.Comment(r.Context(), a.actor(r), r.PathValue("id"), app.NewComment{Body: in.Body, ParentID: in.ParentID, Anchor: in.Anchor, Revision: in.Revision})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

func commentID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hindsight.Errorf(hindsight.ENotFound, "comment %q not found", r.PathValue("id"))
	}
	return id, nil
}

func (a *API) updateComment(w http.ResponseWriter, r *http.Request) {
	id, err := commentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var in CommentPatch
	if err := a.decoder().Request(w, r, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	c, err := a.svc.UpdateComment(r.Context(), a.actor(r), id, app.CommentChange{Body: in.Body, Resolved: in.Resolved})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (a *API) deleteComment(w http.ResponseWriter, r *http.Request) {
	id, err := commentID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.svc.DeleteComment(r.Context(), a.actor(r), id); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) myReviews(w http.ResponseWriter, r *http.Request) {
	my, err := a.svc.MyReviews(r.Context(), a.actor(r))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, my)
}
