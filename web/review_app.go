package web

import (
	"context"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// newReviewOps returns the review operations of svc.
func newReviewOps(svc *app.Service) reviewOps { return reviewAdapter{svc} }

// reviewAdapter maps the review pages' operations onto app.Service (every
// write through the application service, with its audit and events).
type reviewAdapter struct{ svc *app.Service }

func (r reviewAdapter) Gate(ctx context.Context, a app.Actor, in *hindsight.Incident, _ *hindsight.ReviewSummary) (hindsight.GateResult, *app.PublishOverride, error) {
	st, err := r.svc.ReviewStatus(ctx, a, in.ID)
	if err != nil {
		return hindsight.GateResult{}, nil, err
	}
	return st.Gate, st.PublishOverride, nil
}

func (r reviewAdapter) DueAt(in *hindsight.Incident) time.Time { return r.svc.DueAt(in) }

func (r reviewAdapter) RequestReviews(ctx context.Context, a app.Actor, id string, reviewers []string) error {
	_, err := r.svc.RequestReview(ctx, a, id, reviewers)
	return err
}

func (r reviewAdapter) WithdrawReviewRequest(ctx context.Context, a app.Actor, id, reviewer string) error {
	return r.svc.WithdrawReviewRequest(ctx, a, id, reviewer)
}

func (r reviewAdapter) SubmitReview(ctx context.Context, a app.Actor, id string, revision int, state hindsight.ReviewState, body string) (*hindsight.Review, error) {
	return r.svc.SubmitReview(ctx, a, id, app.NewReview{State: state, Body: body, Revision: revision})
}

func (r reviewAdapter) CreateComment(ctx context.Context, a app.Actor, id string, revision int, parent int64, anchor hindsight.Anchor, body string) (*hindsight.Comment, error) {
	return r.svc.Comment(ctx, a, id, app.NewComment{Body: body, ParentID: parent, Anchor: anchor, Revision: revision})
}

// ofIncident refuses a comment that is not one of incident id (the page's
// address names both).
func (r reviewAdapter) ofIncident(ctx context.Context, a app.Actor, id string, comment int64) error {
	rs, ok := r.svc.Store().(hindsight.ReviewStore)
	if !ok {
		return hindsight.Errorf(hindsight.ENotFound, "no comment %d", comment)
	}
	c, err := rs.FindCommentByID(ctx, a.Viewer, comment)
	if err != nil {
		return err
	}
	if c.IncidentID != id {
		return hindsight.Errorf(hindsight.ENotFound, "no comment %d on %s", comment, id)
	}
	return nil
}

func (r reviewAdapter) EditComment(ctx context.Context, a app.Actor, id string, comment int64, body string) error {
	if err := r.ofIncident(ctx, a, id, comment); err != nil {
		return err
	}
	_, err := r.svc.UpdateComment(ctx, a, comment, app.CommentChange{Body: &body})
	return err
}

func (r reviewAdapter) ResolveThread(ctx context.Context, a app.Actor, id string, comment int64, resolved bool) error {
	if err := r.ofIncident(ctx, a, id, comment); err != nil {
		return err
	}
	_, err := r.svc.UpdateComment(ctx, a, comment, app.CommentChange{Resolved: &resolved})
	return err
}

func (r reviewAdapter) DeleteComment(ctx context.Context, a app.Actor, id string, comment int64) error {
	if err := r.ofIncident(ctx, a, id, comment); err != nil {
		return err
	}
	return r.svc.DeleteComment(ctx, a, comment)
}

func (r reviewAdapter) PublishAnyway(ctx context.Context, a app.Actor, id string, revision int, reason string) (*hindsight.Incident, error) {
	return r.svc.Publish(ctx, a, id, revision, reason)
}

func (r reviewAdapter) MyReviews(ctx context.Context, a app.Actor) (*app.MyReviews, error) {
	return r.svc.MyReviews(ctx, a)
}
