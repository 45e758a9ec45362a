package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

// reviewStore is the store's review side (nil when the store has none).
func (u *UI) reviewStore() hindsight.ReviewStore {
	rs, _ := u.svc.Store().(hindsight.ReviewStore)
	return rs
}

// viewer describes who makes r: an account (Signed), its role.
func (u *UI) viewer(r *http.Request) viewerInfo {
	a := u.actor(r)
	v := viewerInfo{ID: a.ID, Admin: a.Viewer.Admin}
	if u.au != nil {
		if p := auth.PrincipalFrom(r.Context()); p.User != nil {
			v.Signed = true
			v.Admin = p.User.Role == hindsight.RoleAdmin
			v.Editor = v.Admin || p.User.Role == hindsight.RoleEditor
		}
	}
	return v
}

// reviewStamp is what the incident page's cache key holds of the review:
// the requests and the comments, read on every view (two small queries that
// read no document), so a request, a comment, an edit or a resolution
// written through another instance shows at once. Reviews are read when
// the page is rendered: a review answers an open request (which changes
// the stamp), and every write through this instance's service drops the
// incident's cached pages; a review without a request written through
// another instance shows with the next change of the incident or the
// next day.
type reviewStamp struct {
	Requests []hindsight.ReviewRequest
	Comments []hindsight.Comment
}

// fetchStamp reads the review stamp of incident id ("" without a review
// store).
func (u *UI) fetchStamp(ctx context.Context, a app.Actor, id string) (string, error) {
	rs := u.reviewStore()
	if rs == nil {
		return "", nil
	}
	var st reviewStamp
	var err error
	if st.Requests, err = rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{IncidentID: id}); err != nil {
		return "", err
	}
	if st.Comments, err = rs.FindComments(ctx, a.Viewer, id); err != nil {
		return "", err
	}
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(st)
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// reviewRaw is what the store holds of an incident's review.
type reviewRaw struct {
	Sum      *hindsight.ReviewSummary
	Comments []hindsight.Comment
}

// fetchReview reads the incident's review (nil without a review store).
func (u *UI) fetchReview(ctx context.Context, a app.Actor, id string) (*reviewRaw, error) {
	rs := u.reviewStore()
	if rs == nil {
		return nil, nil
	}
	var raw reviewRaw
	var err error
	if raw.Sum, err = rs.ReviewSummary(ctx, a.Viewer, id); err != nil {
		return nil, err
	}
	if raw.Comments, err = rs.FindComments(ctx, a.Viewer, id); err != nil {
		return nil, err
	}
	return &raw, nil
}

// reviewData is everything the incident page shows of the review.
type reviewData struct {
	Panel  *reviewPanel
	Margin margin
}

// buildReview makes the Review panel and the margin of in from raw: the
// comments' anchors resolved against in, the publish gate evaluated.
func (u *UI) buildReview(ctx context.Context, a app.Actor, v viewerInfo, in *hindsight.Incident, raw *reviewRaw) *reviewData {
	sum, comments := raw.Sum, raw.Comments
	for i := range comments {
		if comments[i].IsThread() && comments[i].Position.Revision != in.Revision {
			comments[i].Position = comments[i].Anchor.Resolve(in.Doc, in.Markdown, in.Revision)
		}
	}
	p := &reviewPanel{ID: in.ID, Revision: in.Revision, Status: in.Doc.Status,
		Requests: sum.Requests, Reviews: sum.Reviews, CanRequest: v.Editor, CanReview: v.Editor}
	p.Due = newDueView(u.dueAt(in), in.Doc.Status, u.svc.Now())
	for i := range sum.Reviews {
		if sum.Reviews[i].Reviewer == v.ID && v.ID != "" {
			p.Mine = &sum.Reviews[i]
			p.ChangesSince = p.Mine.Revision < in.Revision
		}
	}
	if g, o, ok := u.gate(ctx, a, in, sum); ok {
		p.Gate, p.Override = &g, o
		p.PublishAnyway = !g.OK && v.Admin && in.Doc.Status != hindsight.StatusPublished
	}
	if p.CanRequest {
		asked := map[string]bool{}
		for _, rq := range sum.Requests {
			asked[rq.Reviewer] = true
		}
		// the accounts one may ask (read when the page is rendered: an
		// account added since shows after the next change of the
		// incident or its review, or the next day)
		var users []hindsight.User
		if u.au != nil {
			var err error
			if users, err = u.au.Users(ctx); err != nil {
				u.log.Warn("review: accounts", "err", err)
			}
		}
		for _, us := range users {
			if us.Disabled || asked[us.ID] || us.ID == v.ID {
				continue
			}
			l := us.Email
			if us.Name != "" {
				l = us.Name + " <" + us.Email + ">"
			}
			p.Reviewers = append(p.Reviewers, accountOption{ID: us.ID, Label: l})
		}
	}
	threads := buildThreads(comments, v)
	for _, t := range threads {
		if t.Resolved {
			p.Resolved++
		} else {
			p.Open++
		}
	}
	m, outdated, general := placeThreads(threads, in.Doc)
	p.Outdated, p.General = outdated, general
	return &reviewData{Panel: p, Margin: m}
}

// withReview adds the review to the incident page's data.
func (u *UI) withReview(r *http.Request, d *showData) error {
	a, v := u.actor(r), u.viewer(r)
	raw, err := u.fetchReview(r.Context(), a, d.In.ID)
	if err != nil || raw == nil {
		return err
	}
	if u.rv == nil {
		// no review operations: the review is shown, not changed
		v = viewerInfo{ID: v.ID}
	}
	rd := u.buildReview(r.Context(), a, v, d.In, raw)
	d.Review, d.margin = rd.Panel, rd.Margin
	d.CommentOn = r.URL.Query().Get("comment")
	return nil
}

// notesView is the data of the "notes" template: one section's margin.
type notesView struct {
	ID         string
	Revision   int
	Section    string
	Heading    string
	Threads    []threadView
	Choices    []anchorChoice
	CanComment bool
	// Open shows the new comment form open (?comment=<section>:<anchor>).
	Open bool
}

// Notes returns the margin of the section key.
func (d showData) Notes(key string) notesView {
	n := notesView{ID: d.In.ID, Revision: d.In.Revision, Section: key, Heading: hindsight.SectionHeading(key)}
	if d.Review == nil {
		return n
	}
	n.Threads = d.margin.Threads(key)
	n.CanComment = d.Review.CanReview
	sel := ""
	if sec, anchor, ok := strings.Cut(d.CommentOn, ":"); ok && sec == key {
		sel, n.Open = anchor, true
	}
	if n.CanComment {
		n.Choices = anchorChoices(d.Doc, key, sel)
	}
	return n
}

// HasNotes reports whether the section key has threads in its margin.
func (d showData) HasNotes(key string) bool { return len(d.margin.Threads(key)) > 0 }

// RowNotes returns the threads anchored to row i of the section key.
func (d showData) RowNotes(key string, i int) []threadView { return d.margin.RowThreads(key, i) }

// threadContext is the data of the "thread" template.
type threadContext struct {
	ID       string
	Revision int
	T        threadView
}

// reviewOps is what the review pages need of the application service
// (app/review.go): every write goes through it, with its audit record and
// outbox events. reviewAdapter (review_app.go) provides it over app.Service.
type reviewOps interface {
	// Gate evaluates the publish gate of the incident's latest revision.
	// Gate evaluates the publish gate of the incident's latest revision,
	// with the admin's publication past it if there was one.
	Gate(ctx context.Context, a app.Actor, in *hindsight.Incident, sum *hindsight.ReviewSummary) (hindsight.GateResult, *app.PublishOverride, error)
	// MyReviews is what waits for the actor.
	MyReviews(ctx context.Context, a app.Actor) (*app.MyReviews, error)
	// DueAt is when the incident's postmortem is due (zero: none).
	DueAt(in *hindsight.Incident) time.Time
	RequestReviews(ctx context.Context, a app.Actor, id string, reviewers []string) error
	WithdrawReviewRequest(ctx context.Context, a app.Actor, id, reviewer string) error
	SubmitReview(ctx context.Context, a app.Actor, id string, revision int, state hindsight.ReviewState, body string) (*hindsight.Review, error)
	// CreateComment starts a thread (parent 0, with an anchor) or replies.
	CreateComment(ctx context.Context, a app.Actor, id string, revision int, parent int64, anchor hindsight.Anchor, body string) (*hindsight.Comment, error)
	EditComment(ctx context.Context, a app.Actor, id string, comment int64, body string) error
	ResolveThread(ctx context.Context, a app.Actor, id string, comment int64, resolved bool) error
	DeleteComment(ctx context.Context, a app.Actor, id string, comment int64) error
	// PublishAnyway publishes past a red gate (admins) with a reason.
	PublishAnyway(ctx context.Context, a app.Actor, id string, revision int, reason string) (*hindsight.Incident, error)
}

func (u *UI) gate(ctx context.Context, a app.Actor, in *hindsight.Incident, sum *hindsight.ReviewSummary) (hindsight.GateResult, *app.PublishOverride, bool) {
	if u.rv == nil {
		return hindsight.GateResult{}, nil, false
	}
	g, o, err := u.rv.Gate(ctx, a, in, sum)
	if err != nil {
		u.log.Warn("review gate", "incident", in.ID, "err", err)
		return hindsight.GateResult{}, nil, false
	}
	return g, o, true
}

func (u *UI) dueAt(in *hindsight.Incident) time.Time {
	if u.rv == nil {
		return time.Time{}
	}
	return u.rv.DueAt(in)
}
