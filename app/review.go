package app

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

// This file is the review of postmortems (issue 17, docs/review.md): review
// requests, reviews, comments, the publish gate and due dates. Every write
// goes through the store's ReviewStore methods with its audit record and
// outbox events in the same transaction; the gate runs inside the
// transaction that publishes (IncidentUpdate.Gate).

// MaxCommentBytes bounds a comment's or a review's body.
const MaxCommentBytes = 64 << 10

// Audit actions of review.
const (
	AuditReviewRequest  = "review.request"
	AuditReviewWithdraw = "review.withdraw"
	AuditReviewSubmit   = "review.submit"
	AuditCommentCreate  = "comment.create"
	AuditCommentEdit    = "comment.edit"
	AuditCommentResolve = "comment.resolve"
	AuditCommentReopen  = "comment.reopen"
	AuditCommentDelete  = "comment.delete"
	// AuditPublishForced is an admin's publication past an unmet gate; its
	// detail is the reason (shown on the incident).
	AuditPublishForced = "incident.publish_forced"
	// AuditImportKeepStatus is an import that kept a Published status
	// (hindsight import --keep-status).
	AuditImportKeepStatus = "incident.import_keep_status"
)

// ReviewGate is the publish gate and due-date rule of the configuration
// (.hindsight.yaml review:).
func (s *Service) ReviewGate() hindsight.ReviewGate { return s.lint.Review }

func (s *Service) reviewStore() (hindsight.ReviewStore, error) {
	rs, ok := s.store.(hindsight.ReviewStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EInternal, "this store keeps no reviews")
	}
	return rs, nil
}

func (s *Service) accounts() hindsight.AccountStore {
	as, _ := s.store.(hindsight.AccountStore)
	return as
}

func invalidField(field, msg string) error {
	return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
}

// resolveAccount turns an account ID or email into the account.
func (s *Service) resolveAccount(ctx context.Context, who string) (*hindsight.User, error) {
	as := s.accounts()
	if as == nil {
		return nil, hindsight.Errorf(hindsight.ENotFound, "no accounts")
	}
	who = strings.TrimSpace(who)
	if strings.Contains(who, "@") {
		return as.FindUserByEmail(ctx, who)
	}
	return as.FindUserByID(ctx, who)
}

// RequestReview asks reviewers (account IDs or emails) to review incident
// id. Reviewers that already have an open request are left alone; the
// requests opened are returned. A reviewer that names no active account,
// or (restricted incident) is not a member, is refused with EInvalid naming
// "reviewers[i]". Event review.requested notifies the new reviewers.
func (s *Service) RequestReview(ctx context.Context, a Actor, id string, reviewers []string) ([]hindsight.ReviewRequest, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	inc, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	defer s.wrote(id)
	if len(reviewers) == 0 {
		return nil, invalidField("reviewers", "at least one account (email or ID) is required")
	}
	if len(reviewers) > 50 {
		return nil, invalidField("reviewers", "at most 50")
	}
	ids := make([]string, 0, len(reviewers))
	for i, r := range reviewers {
		u, err := s.resolveAccount(ctx, r)
		if err != nil || u.Disabled {
			return nil, invalidField(fmt.Sprintf("reviewers[%d]", i), "names no active account: use the email of an enabled account")
		}
		if u.Role == hindsight.RoleViewer {
			return nil, invalidField(fmt.Sprintf("reviewers[%d]", i), u.Email+" is a viewer: reviewers must be editors or admins (they submit reviews)")
		}
		if !slices.Contains(ids, u.ID) {
			ids = append(ids, u.ID)
		}
	}
	now := s.Now()
	return rs.RequestReviews(ctx, hindsight.ReviewRequestCreate{
		IncidentID: inc.ID, Reviewers: ids, RequestedBy: a.auditActor(), Revision: inc.Revision, At: now,
		Audit: []hindsight.AuditRecord{s.audit(a, AuditReviewRequest, inc.ID, "requested "+strings.Join(reviewers, ", "))},
		Outbox: func(opened []hindsight.ReviewRequest) []hindsight.OutboxEvent {
			var notify, emails []string
			for _, q := range opened {
				emails = append(emails, q.ReviewerEmail)
				if q.Reviewer != a.ID {
					notify = append(notify, q.Reviewer)
				}
			}
			return []hindsight.OutboxEvent{s.event(hindsight.EventReviewRequested, inc.Doc, inc.ID, now, func(e *Event) {
				e.Actor, e.Notify, e.Reviewers = a.email(), notify, emails
			})}
		},
	})
}

// WithdrawReviewRequest withdraws the open review request of reviewer
// (account ID or email): ENotFound when there is none.
func (s *Service) WithdrawReviewRequest(ctx context.Context, a Actor, id, reviewer string) error {
	rs, err := s.reviewStore()
	if err != nil {
		return err
	}
	if _, err := s.store.FindIncidentByID(ctx, a.Viewer, id); err != nil {
		return err
	}
	defer s.wrote(id)
	u, err := s.resolveAccount(ctx, reviewer)
	if err != nil {
		return hindsight.Errorf(hindsight.ENotFound, "incident %s has no open review request of %s", id, reviewer)
	}
	return rs.WithdrawReviewRequest(ctx, id, u.ID, s.Now(), []hindsight.AuditRecord{s.audit(a, AuditReviewWithdraw, id, "withdrew the request of "+u.Email)})
}

// NewReview is a review to submit.
type NewReview struct {
	State hindsight.ReviewState
	Body  string
	// Revision is the revision reviewed; 0 means the latest.
	Revision int
}

// SubmitReview stores a review by the actor (an account) on incident id
// and closes the actor's open review request. An approval by an author
// is stored but does not count for the gate unless author_can_approve.
// Event review.submitted notifies the authors and the comment threads'
// participants.
func (s *Service) SubmitReview(ctx context.Context, a Actor, id string, n NewReview) (*hindsight.Review, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	if a.ID == "" || a.ID == System.ID {
		return nil, hindsight.Errorf(hindsight.EForbidden, "a review is submitted by a signed-in account")
	}
	inc, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	defer s.wrote(id)
	if !n.State.Valid() {
		return nil, invalidField("state", "want approved, changes_requested or commented")
	}
	if len(n.Body) > MaxCommentBytes {
		return nil, invalidField("body", fmt.Sprintf("at most %d bytes", MaxCommentBytes))
	}
	if n.State == hindsight.ReviewChangesRequested && strings.TrimSpace(n.Body) == "" {
		return nil, invalidField("body", "say what should change")
	}
	if n.State == hindsight.ReviewCommented && strings.TrimSpace(n.Body) == "" {
		// an empty comment says nothing, yet would mail the authors
		return nil, invalidField("body", "write the comment")
	}
	if n.Revision < 0 || n.Revision > inc.Revision {
		return nil, invalidField("revision", fmt.Sprintf("incident %s has no revision %d (the latest is %d)", id, n.Revision, inc.Revision))
	}
	name, email := a.Name, a.email()
	if u, err := s.resolveAccount(ctx, a.ID); err == nil {
		name, email = u.Name, u.Email
	}
	now := s.Now()
	notify, err := s.reviewAudience(ctx, inc, 0)
	if err != nil {
		return nil, err
	}
	return rs.SubmitReview(ctx, hindsight.ReviewSubmit{
		Review: hindsight.Review{IncidentID: id, Reviewer: a.ID, ReviewerEmail: email, ReviewerName: name, State: n.State, Body: n.Body, Revision: n.Revision, At: now},
		Audit:  []hindsight.AuditRecord{s.audit(a, AuditReviewSubmit, id, fmt.Sprintf("%s revision %d", n.State.Label(), max(n.Revision, inc.Revision)))},
		Outbox: func(r *hindsight.Review) []hindsight.OutboxEvent {
			return []hindsight.OutboxEvent{s.event(hindsight.EventReviewSubmitted, inc.Doc, id, now, func(e *Event) {
				e.Actor, e.Review, e.Notify = email, r, without(notify, a.ID)
			})}
		},
	})
}

// reviewAudience is who hears of a review or a comment: the incident's
// authors (its creator and whoever requested reviews) and the
// participants of thread (every commenter when thread is 0).
func (s *Service) reviewAudience(ctx context.Context, inc *hindsight.Incident, thread int64) ([]string, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(id string) {
		if id != "" && id != System.ID && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if u, err := s.resolveAccount(ctx, inc.CreatedBy); err == nil {
		add(u.ID)
	}
	reqs, err := rs.FindReviewRequests(ctx, hindsight.SystemViewer, hindsight.ReviewRequestFilter{IncidentID: inc.ID})
	if err != nil {
		return nil, err
	}
	for _, q := range reqs {
		add(q.RequestedBy)
	}
	cs, err := rs.FindComments(ctx, hindsight.SystemViewer, inc.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if thread == 0 || c.ThreadID == thread {
			add(c.Author)
		}
	}
	return out, nil
}

func without(ids []string, id string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(x string) bool { return x == id })
}

// NewComment is a comment to write: a new thread (ParentID 0) anchored to
// a place in the document, or a reply.
type NewComment struct {
	Body     string
	ParentID int64
	Anchor   hindsight.Anchor
	// Revision is the revision the anchor was taken from; 0 means the
	// latest.
	Revision int
}

// Comment writes a comment by the actor on incident id. The body is
// Markdown (sanitized when rendered); the anchor is checked (EInvalid
// naming "anchor.<field>"). Event comment.created notifies the authors and
// the thread's participants.
func (s *Service) Comment(ctx context.Context, a Actor, id string, n NewComment) (*hindsight.Comment, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	if a.ID == "" || a.ID == System.ID {
		return nil, hindsight.Errorf(hindsight.EForbidden, "a comment is written by a signed-in account")
	}
	inc, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	defer s.wrote(id)
	if strings.TrimSpace(n.Body) == "" {
		return nil, invalidField("body", "required")
	}
	if len(n.Body) > MaxCommentBytes {
		return nil, invalidField("body", fmt.Sprintf("at most %d bytes", MaxCommentBytes))
	}
	if n.ParentID < 0 {
		return nil, invalidField("parent_id", "must not be negative")
	}
	if n.ParentID == 0 {
		if err := n.Anchor.Validate(); err != nil {
			return nil, err
		}
	}
	name, email := a.Name, a.email()
	if u, err := s.resolveAccount(ctx, a.ID); err == nil {
		name, email = u.Name, u.Email
	}
	authors, err := s.reviewAudience(ctx, inc, -1)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	c, err := rs.CreateComment(ctx, hindsight.CommentCreate{
		Comment: hindsight.Comment{IncidentID: id, ParentID: n.ParentID, Author: a.ID, AuthorEmail: email, AuthorName: name, Body: n.Body, Revision: n.Revision, Anchor: n.Anchor, CreatedAt: now},
		Audit:   []hindsight.AuditRecord{s.audit(a, AuditCommentCreate, id, clip(n.Body, 200))},
		Outbox: func(c *hindsight.Comment, participants []string) []hindsight.OutboxEvent {
			notify := slices.Clone(authors)
			for _, p := range participants {
				if !slices.Contains(notify, p) {
					notify = append(notify, p)
				}
			}
			cc := *c
			return []hindsight.OutboxEvent{s.event(hindsight.EventCommentCreated, inc.Doc, id, now, func(e *Event) {
				e.Actor, e.Comment, e.Notify = email, &cc, without(notify, a.ID)
			})}
		},
	})
	if err != nil {
		return nil, err
	}
	s.position(c, inc)
	return c, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// CommentChange is a change to a comment: its body (the author only), or
// its thread's resolved state (anyone who may write). Nil fields stay.
type CommentChange struct {
	Body     *string
	Resolved *bool
}

// UpdateComment edits a comment (its author only: EForbidden otherwise;
// the old body is kept in its history) or resolves or reopens its thread.
func (s *Service) UpdateComment(ctx context.Context, a Actor, commentID int64, ch CommentChange) (*hindsight.Comment, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	c, err := rs.FindCommentByID(ctx, a.Viewer, commentID)
	if err != nil {
		return nil, err
	}
	defer s.wrote(c.IncidentID)
	if ch.Body == nil && ch.Resolved == nil {
		return nil, invalidField("body", "nothing to change: send body, or resolved true or false")
	}
	var audit []hindsight.AuditRecord
	if ch.Body != nil {
		if c.Author != a.ID {
			return nil, hindsight.Errorf(hindsight.EForbidden, "only the author of comment %d may edit it", commentID)
		}
		if strings.TrimSpace(*ch.Body) == "" {
			return nil, invalidField("body", "must not be empty")
		}
		if len(*ch.Body) > MaxCommentBytes {
			return nil, invalidField("body", fmt.Sprintf("at most %d bytes", MaxCommentBytes))
		}
		audit = append(audit, s.audit(a, AuditCommentEdit, c.IncidentID, fmt.Sprintf("comment %d", commentID)))
	}
	if ch.Resolved != nil {
		act := AuditCommentResolve
		if !*ch.Resolved {
			act = AuditCommentReopen
		}
		audit = append(audit, s.audit(a, act, c.IncidentID, fmt.Sprintf("thread %d", c.ThreadID)))
	}
	out, err := rs.UpdateComment(ctx, hindsight.CommentUpdate{ID: commentID, Body: ch.Body, Resolved: ch.Resolved, By: a.auditActor(), At: s.Now(), Audit: audit})
	if err != nil {
		return nil, err
	}
	if inc, err := s.store.FindIncidentByID(ctx, a.Viewer, out.IncidentID); err == nil {
		s.position(out, inc)
	}
	return out, nil
}

// DeleteComment removes a comment (a thread's first comment takes its
// replies): admins only (EForbidden), recorded in the audit log with the
// body removed.
func (s *Service) DeleteComment(ctx context.Context, a Actor, commentID int64) error {
	rs, err := s.reviewStore()
	if err != nil {
		return err
	}
	c, err := rs.FindCommentByID(ctx, a.Viewer, commentID)
	if err != nil {
		return err
	}
	if !a.Viewer.Admin && !a.Viewer.All {
		return hindsight.Errorf(hindsight.EForbidden, "only an admin may delete a comment")
	}
	defer s.wrote(c.IncidentID)
	return rs.DeleteComment(ctx, commentID, []hindsight.AuditRecord{s.audit(a, AuditCommentDelete, c.IncidentID,
		fmt.Sprintf("comment %d by %s: %s", commentID, c.AuthorEmail, clip(c.Body, 500)))})
}

// position resolves c's anchor against the incident's latest revision.
func (s *Service) position(c *hindsight.Comment, inc *hindsight.Incident) {
	md := inc.Markdown
	if md == nil {
		md = markdown.Render(inc.Doc)
	}
	c.Position = c.Anchor.Resolve(inc.Doc, md, inc.Revision)
}

// Comments lists an incident's comments (threads in order, each followed
// by its replies), each with its anchor's Position in the latest revision
// (Outdated when the place was deleted).
func (s *Service) Comments(ctx context.Context, a Actor, id string) ([]hindsight.Comment, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	inc, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	cs, err := rs.FindComments(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	md := inc.Markdown
	if md == nil {
		md = markdown.Render(inc.Doc)
	}
	for i := range cs {
		cs[i].Position = cs[i].Anchor.Resolve(inc.Doc, md, inc.Revision)
	}
	return cs, nil
}

// Reviews lists an incident's reviews, oldest first, each with Stale and
// RevisionsSince against the latest revision.
func (s *Service) Reviews(ctx context.Context, a Actor, id string) ([]hindsight.Review, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	return rs.FindReviews(ctx, a.Viewer, id)
}

// ReviewRequests lists an incident's review requests, newest first.
func (s *Service) ReviewRequests(ctx context.Context, a Actor, id string) ([]hindsight.ReviewRequest, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	if _, err := s.store.FindIncidentByID(ctx, a.Viewer, id); err != nil {
		return nil, err
	}
	return rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{IncidentID: id})
}

// ReviewStatus is an incident's review at a glance: for the review panel,
// GET …/reviews and `hindsight review status`.
type ReviewStatus struct {
	IncidentID string `json:"incident_id"`
	Revision   int    `json:"revision"`
	Status     string `json:"status"`
	// Requests are every request (open and closed), newest first.
	Requests []hindsight.ReviewRequest `json:"requests"`
	// Reviews are every review, oldest first; Latest each reviewer's last.
	Reviews []hindsight.Review `json:"reviews"`
	Latest  []hindsight.Review `json:"latest"`
	// Gate is the publish gate's checklist against the latest revision.
	Gate hindsight.GateResult `json:"gate"`
	// Threads and OpenThreads count comment threads.
	Threads     int `json:"threads"`
	OpenThreads int `json:"open_threads"`
	// DueAt is when the postmortem is due (zero without an End); DueState
	// is "", "later", "due_soon" or "overdue".
	DueAt    time.Time `json:"due_at,omitzero"`
	DueState string    `json:"due_state,omitempty"`
	// PublishOverride is set when an admin published past the gate.
	PublishOverride *hindsight.PublishOverride `json:"publish_override,omitempty"`
}

// ReviewStatus reads an incident's review state and evaluates the gate.
func (s *Service) ReviewStatus(ctx context.Context, a Actor, id string) (*ReviewStatus, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	inc, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	sum, err := rs.ReviewSummary(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	all, err := rs.FindReviews(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	reqs, err := rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{IncidentID: id})
	if err != nil {
		return nil, err
	}
	st := &ReviewStatus{IncidentID: id, Revision: inc.Revision, Status: inc.Doc.Status.Label(), Requests: reqs, Reviews: all, Latest: sum.Reviews,
		Threads: sum.Threads, OpenThreads: sum.OpenThreads}
	s.LintConfig(ctx) // the effective shape, for the gate's lint
	st.Gate = s.evaluateGate(inc, inc.Doc, sum)
	st.DueAt = s.DueAt(inc)
	st.DueState = hindsight.DueState(st.DueAt, inc.Doc.Status, s.Now())
	st.PublishOverride = s.PublishOverride(ctx, id)
	return st, nil
}

// PublishOverride returns the latest admin publication past the gate of
// incident id, nil when there is none (or the store keeps no audit log).
func (s *Service) PublishOverride(ctx context.Context, id string) *hindsight.PublishOverride {
	as := s.accounts()
	if as == nil {
		return nil
	}
	es, err := as.FindAudit(ctx, hindsight.AuditFilter{Action: AuditPublishForced, IncidentID: id, Limit: 1})
	if err != nil || len(es) == 0 {
		return nil
	}
	by := es[0].Actor
	if u, err := as.FindUserByID(ctx, by); err == nil {
		by = u.Email
	}
	return &hindsight.PublishOverride{By: by, At: es[0].At, Reason: es[0].Detail}
}

// DecorateIncident sets what the application adds to a stored incident:
// its review due date and an admin's publication past the gate.
func (s *Service) DecorateIncident(ctx context.Context, in *hindsight.Incident) {
	if in == nil || in.Doc == nil {
		return
	}
	in.ReviewDueAt = s.DueAt(in)
	if in.Doc.Status == hindsight.StatusPublished {
		in.PublishOverride = s.PublishOverride(ctx, in.ID)
	}
}

// DueAt is when incident inc's postmortem is due (review.due_days after
// its End); zero when it has no End.
func (s *Service) DueAt(inc *hindsight.Incident) time.Time {
	return s.lint.Review.Due.DueAt(inc.Doc.Summary.Severity, inc.Doc.Summary.End.T)
}

// authors are the IDs, emails and names that make an account an author of
// inc: its creator and whoever requested reviews.
func authors(inc *hindsight.Incident, sum *hindsight.ReviewSummary) []string {
	out := []string{inc.CreatedBy}
	if sum != nil {
		out = append(out, sum.Requesters...)
	}
	return out
}

// evaluateGate checks the gate for publishing doc (the document about to
// be saved) of inc with review state sum.
func (s *Service) evaluateGate(inc *hindsight.Incident, doc *hindsight.Postmortem, sum *hindsight.ReviewSummary) hindsight.GateResult {
	g := s.lint.Review
	in := hindsight.GateInput{Severity: doc.Summary.Severity, Review: sum, Authors: authors(inc, sum)}
	if g.BlockOnLint != hindsight.LintBlockOff && g.BlockOnLint != "" {
		pub := *doc
		pub.Status = hindsight.StatusPublished
		// the effective shape as last read (LintConfig): this runs inside
		// the publishing transaction, which reads nothing else
		for _, f := range lint.Lint(&pub, nil, s.lastLint(), lint.Options{Today: s.Now()}) {
			switch f.Level {
			case lint.Error:
				in.LintErrors++
			case lint.Warning:
				in.LintWarnings++
			}
		}
	}
	return g.Evaluate(in)
}

// gate returns the IncidentUpdate.Gate of a save that publishes doc: the
// gate is evaluated inside the publishing transaction on the review state
// as of the new revision.
func (s *Service) gate(inc *hindsight.Incident, doc *hindsight.Postmortem) func(*hindsight.ReviewSummary) error {
	return func(sum *hindsight.ReviewSummary) error {
		return s.evaluateGate(inc, doc, sum).Err()
	}
}

// Publish moves incident id to Published through the gate. An admin may
// publish past an unmet gate by giving a reason (EInvalid naming "reason"
// when it is empty; EForbidden for non-admins): recorded in the audit log
// (incident.publish_forced) and shown on the incident (PublishOverride).
func (s *Service) Publish(ctx context.Context, a Actor, id string, base int, overrideReason string) (*hindsight.Incident, error) {
	overrideReason = strings.TrimSpace(overrideReason)
	if overrideReason != "" && !a.Viewer.Admin && !a.Viewer.All {
		return nil, hindsight.Errorf(hindsight.EForbidden, "only an admin may publish past the review gate")
	}
	cur, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, err
	}
	if base == 0 {
		base = cur.Revision
	}
	if base != cur.Revision {
		return nil, Stale(cur, base)
	}
	if cur.Doc.Status == hindsight.StatusPublished {
		return cur, nil
	}
	doc := *cur.Doc
	doc.Status = hindsight.StatusPublished
	return s.Save(ctx, a, id, base, &doc, SaveOptions{Message: "status: " + hindsight.StatusPublished.Label(), OverrideReason: overrideReason})
}

// MyReviews is what waits for an account: for GET /api/v1/me/reviews, the
// "My reviews" page and `hindsight review status` without an incident.
type MyReviews struct {
	// Requested are the open review requests of the account.
	Requested []hindsight.ReviewRequest `json:"requested"`
	// Waiting are the account's postmortems (created by it or whose review
	// it requested) with open review requests, not Published.
	Waiting []ReviewItem `json:"waiting"`
	// Due and Overdue are the postmortems the account owns (Owner is its
	// email or name, or it created them) due within DueSoonDays, or past
	// due and not Published.
	Due     []ReviewItem `json:"due"`
	Overdue []ReviewItem `json:"overdue"`
}

// ReviewItem is an incident in MyReviews.
type ReviewItem struct {
	ID       string             `json:"id"`
	Title    string             `json:"title"`
	Severity hindsight.Severity `json:"severity"`
	Status   string             `json:"status"`
	DueAt    time.Time          `json:"due_at,omitzero"`
	// OpenRequests counts the open review requests.
	OpenRequests int `json:"open_requests"`
}

// MyReviews lists what waits for the actor's account.
func (s *Service) MyReviews(ctx context.Context, a Actor) (*MyReviews, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return nil, err
	}
	out := &MyReviews{Requested: []hindsight.ReviewRequest{}, Waiting: []ReviewItem{}, Due: []ReviewItem{}, Overdue: []ReviewItem{}}
	if a.ID == "" {
		return out, nil
	}
	if out.Requested, err = rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{Reviewer: a.ID, OpenOnly: true}); err != nil {
		return nil, err
	}
	var me *hindsight.User
	if u, err := s.resolveAccount(ctx, a.ID); err == nil {
		me = u
	}
	// open requests I asked for
	all, err := rs.FindReviewRequests(ctx, a.Viewer, hindsight.ReviewRequestFilter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	waiting := map[string]int{}
	for _, q := range all {
		if q.RequestedBy == a.ID {
			waiting[q.IncidentID]++
		}
	}
	now := s.Now()
	unpublished := []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}
	item := func(sm hindsight.IncidentSummary) ReviewItem {
		return ReviewItem{ID: sm.ID, Title: sm.Title, Severity: sm.Severity, Status: sm.Status.Label(), OpenRequests: waiting[sm.ID],
			DueAt: s.lint.Review.Due.DueAt(sm.Severity, sm.End)}
	}
	// the unpublished ones of the requests I asked for, read by ID, and
	// those I own that are overdue or due soon (the store computes due
	// dates: hindsight.DueQuery), read by owner: not every unpublished
	// incident, which took 20,000 summaries a request at 100,000 incidents
	// and left out any beyond them
	if len(waiting) > 0 {
		ids := make([]string, 0, len(waiting))
		for id := range waiting {
			ids = append(ids, id)
		}
		err := s.eachIncident(ctx, a.Viewer, hindsight.IncidentFilter{IDs: ids, Status: unpublished}, func(sm hindsight.IncidentSummary) {
			out.Waiting = append(out.Waiting, item(sm))
		})
		if err != nil {
			return nil, err
		}
	}
	if me == nil {
		return out, nil
	}
	var mine []hindsight.IncidentSummary
	seen := map[string]bool{}
	due := &hindsight.DueQuery{Rule: s.lint.Review.Due, Before: now.AddDate(0, 0, hindsight.DueSoonDays)}
	for i, owner := range []string{me.Email, me.Name} {
		if strings.TrimSpace(owner) == "" || (i == 1 && strings.EqualFold(owner, me.Email)) {
			continue
		}
		err := s.eachIncident(ctx, a.Viewer, hindsight.IncidentFilter{Owner: owner, Status: unpublished, Due: due}, func(sm hindsight.IncidentSummary) {
			if !seen[sm.ID] {
				seen[sm.ID] = true
				mine = append(mine, sm)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	// in the list's order, as one list of both owners' incidents
	slices.SortStableFunc(mine, func(x, y hindsight.IncidentSummary) int {
		if c := cmp.Compare(startKey(x), startKey(y)); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	for _, sm := range mine {
		it := item(sm)
		switch hindsight.DueState(it.DueAt, sm.Status, now) {
		case hindsight.DueOverdue:
			out.Overdue = append(out.Overdue, it)
		case hindsight.DueSoon:
			out.Due = append(out.Due, it)
		}
	}
	return out, nil
}

// QueueDueEvents queues postmortem.due_soon and postmortem.overdue once
// per incident and due date (the store remembers which it queued), for
// every unpublished incident with an End; it returns how many it queued.
// The webhook worker calls it periodically, like the overdue action items.
//
// A postmortem overdue for DueAnnounceWindow or longer is not announced:
// the first check after an upgrade or a bulk import of old, unpublished
// postmortems would otherwise send one notification each (and look up
// every one's owners).
func (s *Service) QueueDueEvents(ctx context.Context) (int, error) {
	rs, err := s.reviewStore()
	if err != nil {
		return 0, err
	}
	now := s.Now()
	var evs []hindsight.DueEvent
	// only the incidents due in the window that is announced (the store
	// bounds their End by the rule's grace periods, index incidents_end_id),
	// not every unpublished one: reading those all took a CPU second an
	// hour at 100,000 incidents, and stopped at the first 100,000
	win := &hindsight.DueQuery{Rule: s.lint.Review.Due, From: now.Add(-DueAnnounceWindow), Before: now.AddDate(0, 0, hindsight.DueSoonDays)}
	err = s.eachIncident(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Status: []hindsight.Status{hindsight.StatusDraft, hindsight.StatusInReview}, Due: win}, func(sm hindsight.IncidentSummary) {
		due := s.lint.Review.Due.DueAt(sm.Severity, sm.End)
		var name string
		switch hindsight.DueState(due, sm.Status, now) {
		case hindsight.DueOverdue:
			if now.Sub(due) >= DueAnnounceWindow {
				// late before this check ever saw it (an import, an
				// upgrade): not announced, as with action items
				return
			}
			name = hindsight.EventPostmortemOverdue
		case hindsight.DueSoon:
			name = hindsight.EventPostmortemDueSoon
		default:
			return
		}
		e := Event{Event: name, At: now, IncidentID: sm.ID, Title: sm.Title, Severity: sm.Severity, Status: sm.Status.Label(), DueAt: due,
			Notify: s.owners(ctx, sm)}
		b, _ := json.Marshal(e)
		evs = append(evs, hindsight.DueEvent{IncidentID: sm.ID, Event: name, DueAt: due, Payload: b})
	})
	if err != nil {
		return 0, err
	}
	if len(evs) == 0 {
		return 0, nil
	}
	return rs.QueueDue(ctx, evs, now)
}

// DueAnnounceWindow bounds postmortem.overdue: only postmortems that fell
// due less than this long ago are announced (action_item.overdue has the
// same window).
const DueAnnounceWindow = 7 * 24 * time.Hour

// owners are the accounts to tell that a postmortem is due: those whose
// email or name is its Owner, else its creator.
func (s *Service) owners(ctx context.Context, sm hindsight.IncidentSummary) []string {
	as := s.accounts()
	if as == nil {
		return nil
	}
	if o := strings.TrimSpace(sm.Owner); o != "" {
		if u, err := as.FindUserByEmail(ctx, o); err == nil {
			return []string{u.ID}
		}
		if us, err := as.FindUsers(ctx); err == nil {
			var out []string
			for _, u := range us {
				if !u.Disabled && u.Name != "" && strings.EqualFold(u.Name, o) {
					out = append(out, u.ID)
				}
			}
			if len(out) > 0 {
				return out
			}
		}
	}
	if inc, err := s.store.FindIncidentByID(ctx, hindsight.SystemViewer, sm.ID); err == nil {
		if u, err := s.resolveAccount(ctx, inc.CreatedBy); err == nil {
			return []string{u.ID}
		}
	}
	return nil
}

// email is the actor's email as events name it ("" for the system).
func (a Actor) email() string {
	if strings.Contains(a.Name, "@") {
		return a.Name
	}
	return ""
}

// auditActor is the actor as the audit log and review rows name it.
func (a Actor) auditActor() string {
	if a.ID != "" {
		return a.ID
	}
	return a.author()
}

// PublishOverride is an admin's publication past an unmet gate (the
// domain's type; kept here for the web pages that name it so).
type PublishOverride = hindsight.PublishOverride

// eachIncident calls fn with every incident of f that v sees, in f's
// order, page by page.
func (s *Service) eachIncident(ctx context.Context, v hindsight.Viewer, f hindsight.IncidentFilter, fn func(hindsight.IncidentSummary)) error {
	f.Limit, f.Cursor = 1000, ""
	for {
		page, err := s.store.FindIncidents(ctx, v, f)
		if err != nil {
			return err
		}
		for _, sm := range page.Incidents {
			fn(sm)
		}
		if page.Next == "" {
			return nil
		}
		f.Cursor = page.Next
	}
}

// startKey orders summaries as the store's start key does: Unix seconds of
// Start, 0 without one.
func startKey(sm hindsight.IncidentSummary) int64 {
	if sm.Start.IsZero() {
		return 0
	}
	return sm.Start.Unix()
}
