package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// This file implements hindsight.ReviewStore: review requests, reviews and
// threaded comments (migration 00120). Every write locks the incident's row
// (lockIncident), as UpdateIncident's UPDATE does, so a review, a comment
// or a request and a publication of the same incident never interleave:
// the publish gate (IncidentUpdate.Gate) reads the review state in the
// publishing transaction.

var _ hindsight.ReviewStore = (*Store)(nil)

// rowQuerier is what both *sql.Tx and the reader pool offer.
type rowQuerier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// lockIncident locks incident id (PostgreSQL: FOR UPDATE; SQLite's writer
// holds the database) and returns its revision: ENotFound when it does not
// exist or is deleted.
func (s *Store) lockIncident(ctx context.Context, tx *sql.Tx, id string) (int, error) {
	if !storable(id) {
		return 0, notFound(id)
	}
	var rev int
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT revision FROM incidents WHERE id = ? AND deleted_at IS NULL`+s.forUpdate()), id).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(id)
	}
	return rev, err
}

// canSee reports whether viewer v may see incident id, in tx.
func (s *Store) canSee(ctx context.Context, tx *sql.Tx, v hindsight.Viewer, id string) (bool, error) {
	var c cond
	c.add(`i.id = ?`, id)
	c.visible(v)
	var one int
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM incidents i WHERE `+c.String()), c.args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func reviewersError(i int, msg string) error {
	f := fmt.Sprintf("reviewers[%d]", i)
	return &hindsight.Error{Code: hindsight.EInvalid, Message: f + ": " + msg, Fields: []hindsight.FieldError{{Field: f, Message: msg}}}
}

// RequestReviews implements hindsight.ReviewStore.
func (s *Store) RequestReviews(ctx context.Context, r hindsight.ReviewRequestCreate) ([]hindsight.ReviewRequest, error) {
	if len(r.Reviewers) == 0 {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "reviewers: at least one is required", Fields: []hindsight.FieldError{{Field: "reviewers", Message: "required"}}}
	}
	at := r.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Microsecond)
	var opened []hindsight.ReviewRequest
	err := s.tx(ctx, func(tx *sql.Tx) error {
		opened = nil
		rev, err := s.lockIncident(ctx, tx, r.IncidentID)
		if err != nil {
			return err
		}
		if r.Revision == 0 {
			r.Revision = rev
		}
		for i, who := range r.Reviewers {
			var email, name, role string
			var disabled bool
			err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT email, name, role, disabled FROM users WHERE id = ?`), clean(who)).Scan(&email, &name, &role, &disabled)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled) {
				return reviewersError(i, "names no active account")
			}
			if err != nil {
				return err
			}
			ok, err := s.canSee(ctx, tx, hindsight.Viewer{UserID: who, Admin: role == string(hindsight.RoleAdmin)}, r.IncidentID)
			if err != nil {
				return err
			}
			if !ok {
				return reviewersError(i, fmt.Sprintf("%s is not a member of restricted incident %s: add them as a member first", email, r.IncidentID))
			}
			var open int
			if err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT COUNT(*) FROM review_requests WHERE incident_id = ? AND reviewer = ? AND state = ?`),
				r.IncidentID, who, hindsight.RequestOpen).Scan(&open); err != nil {
				return err
			}
			if open > 0 {
				continue
			}
			q := hindsight.ReviewRequest{IncidentID: r.IncidentID, Reviewer: who, ReviewerEmail: email, ReviewerName: name,
				RequestedBy: r.RequestedBy, RequestedAt: at, Revision: r.Revision, State: hindsight.RequestOpen}
			if err := tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO review_requests (incident_id, reviewer, requested_by, requested_at, revision, state)
VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), q.IncidentID, who, clean(q.RequestedBy), s.d.Time(at), q.Revision, q.State).Scan(&q.ID); err != nil {
				return err
			}
			opened = append(opened, q)
		}
		var out []hindsight.OutboxEvent
		if r.Outbox != nil && len(opened) > 0 {
			out = r.Outbox(opened)
		}
		return s.writeSide(ctx, tx, r.IncidentID, at, r.Audit, out)
	})
	if err != nil {
		return nil, internal("request reviews of "+r.IncidentID, err)
	}
	return opened, nil
}

// WithdrawReviewRequest implements hindsight.ReviewStore.
func (s *Store) WithdrawReviewRequest(ctx context.Context, incidentID, reviewer string, at time.Time, audit []hindsight.AuditRecord) error {
	if at.IsZero() {
		at = s.now()
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockIncident(ctx, tx, incidentID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_requests SET state = ?, closed_at = ? WHERE incident_id = ? AND reviewer = ? AND state = ?`),
			hindsight.RequestWithdrawn, s.d.Time(at), incidentID, clean(reviewer), hindsight.RequestOpen)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return hindsight.Errorf(hindsight.ENotFound, "incident %s has no open review request of %s", incidentID, reviewer)
		}
		return s.writeSide(ctx, tx, incidentID, at, audit, nil)
	})
	return internal("withdraw review request", err)
}

const requestCols = `r.id, r.incident_id, r.reviewer, COALESCE(u.email, ''), COALESCE(u.name, ''), r.requested_by, r.requested_at, r.revision, r.state, r.closed_at, r.review_id`

func scanRequests(rows *sql.Rows) ([]hindsight.ReviewRequest, error) {
	defer rows.Close()
	out := []hindsight.ReviewRequest{}
	for rows.Next() {
		var q hindsight.ReviewRequest
		if err := rows.Scan(&q.ID, &q.IncidentID, &q.Reviewer, &q.ReviewerEmail, &q.ReviewerName, &q.RequestedBy, timeScan{&q.RequestedAt},
			&q.Revision, &q.State, timeScan{&q.ClosedAt}, &q.ReviewID); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// FindReviewRequests implements hindsight.ReviewStore.
func (s *Store) FindReviewRequests(ctx context.Context, v hindsight.Viewer, f hindsight.ReviewRequestFilter) ([]hindsight.ReviewRequest, error) {
	return s.findRequests(ctx, s.r, v, f)
}

func (s *Store) findRequests(ctx context.Context, q rowQuerier, v hindsight.Viewer, f hindsight.ReviewRequestFilter) ([]hindsight.ReviewRequest, error) {
	var c cond
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	if f.IncidentID != "" {
		c.add(`r.incident_id = ?`, clean(f.IncidentID))
	}
	if f.Reviewer != "" {
		c.add(`r.reviewer = ?`, clean(f.Reviewer))
	}
	if f.OpenOnly {
		c.add(`r.state = ?`, hindsight.RequestOpen)
	}
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT `+requestCols+` FROM review_requests r JOIN incidents i ON i.id = r.incident_id
LEFT JOIN users u ON u.id = r.reviewer WHERE `+c.String()+` ORDER BY r.requested_at DESC, r.id DESC LIMIT 1000`), c.args...)
	if err != nil {
		return nil, internal("find review requests", err)
	}
	out, err := scanRequests(rows)
	return out, internal("find review requests", err)
}

// SubmitReview implements hindsight.ReviewStore.
func (s *Store) SubmitReview(ctx context.Context, sub hindsight.ReviewSubmit) (*hindsight.Review, error) {
	r := sub.Review
	if !r.State.Valid() {
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "state: want approved, changes_requested or commented", Fields: []hindsight.FieldError{{Field: "state", Message: "want approved, changes_requested or commented"}}}
	}
	if r.Reviewer == "" || !storable(r.Reviewer) || !storable(r.Body) || !storable(r.ReviewerEmail) || !storable(r.ReviewerName) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "review: the reviewer is required and every field must be text")
	}
	if r.At.IsZero() {
		r.At = s.now()
	}
	r.At = r.At.UTC().Truncate(time.Microsecond)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rev, err := s.lockIncident(ctx, tx, r.IncidentID)
		if err != nil {
			return err
		}
		if r.Revision <= 0 {
			r.Revision = rev
		}
		if r.Revision > rev {
			return &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("revision: incident %s has no revision %d (the latest is %d)", r.IncidentID, r.Revision, rev),
				Fields: []hindsight.FieldError{{Field: "revision", Message: "no such revision"}}}
		}
		if err := tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO reviews (incident_id, reviewer, reviewer_email, reviewer_name, state, body, revision, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), r.IncidentID, r.Reviewer, r.ReviewerEmail, r.ReviewerName, string(r.State), r.Body, r.Revision, s.d.Time(r.At)).Scan(&r.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_requests SET state = ?, closed_at = ?, review_id = ? WHERE incident_id = ? AND reviewer = ? AND state = ?`),
			hindsight.RequestReviewed, s.d.Time(r.At), r.ID, r.IncidentID, r.Reviewer, hindsight.RequestOpen); err != nil {
			return err
		}
		r.RevisionsSince = rev - r.Revision
		var out []hindsight.OutboxEvent
		if sub.Outbox != nil {
			out = sub.Outbox(&r)
		}
		return s.writeSide(ctx, tx, r.IncidentID, r.At, sub.Audit, out)
	})
	if err != nil {
		return nil, internal("submit review of "+r.IncidentID, err)
	}
	return &r, nil
}

const reviewCols = `id, incident_id, reviewer, reviewer_email, reviewer_name, state, body, revision, at`

func (s *Store) readReviews(ctx context.Context, q rowQuerier, id string) ([]hindsight.Review, error) {
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT `+reviewCols+` FROM reviews WHERE incident_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []hindsight.Review{}
	for rows.Next() {
		var r hindsight.Review
		var st string
		if err := rows.Scan(&r.ID, &r.IncidentID, &r.Reviewer, &r.ReviewerEmail, &r.ReviewerName, &st, &r.Body, &r.Revision, timeScan{&r.At}); err != nil {
			return nil, err
		}
		r.State = hindsight.ReviewState(st)
		out = append(out, r)
	}
	return out, rows.Err()
}

// markStale sets Stale and RevisionsSince of reviews against revision
// latest whose Markdown is md: an approval (or any review) is stale when
// the content of its revision differs from the latest's
// (hindsight.ReviewContent).
func (s *Store) markStale(ctx context.Context, q rowQuerier, id string, latest int, md []byte, reviews []hindsight.Review) error {
	cur := hindsight.ReviewContent(md)
	same := map[int]bool{latest: true}
	for i := range reviews {
		r := &reviews[i]
		r.RevisionsSince = max(latest-r.Revision, 0)
		ok, seen := same[r.Revision]
		if !seen {
			var old []byte
			err := q.QueryRowContext(ctx, s.d.Rebind(`SELECT markdown FROM revisions WHERE incident_id = ? AND n = ?`), id, r.Revision).Scan(&old)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			ok = err == nil && hindsight.ReviewContent(old) == cur
			same[r.Revision] = ok
		}
		r.Stale = !ok
	}
	return nil
}

// latestRevision reads the latest revision number and Markdown.
func (s *Store) latestRevision(ctx context.Context, q rowQuerier, id string) (int, []byte, error) {
	var n int
	var md []byte
	err := q.QueryRowContext(ctx, s.d.Rebind(`SELECT r.n, r.markdown FROM incidents i JOIN revisions r ON r.incident_id = i.id AND r.n = i.revision WHERE i.id = ?`), id).Scan(&n, &md)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, notFound(id)
	}
	return n, md, err
}

// FindReviews implements hindsight.ReviewStore.
func (s *Store) FindReviews(ctx context.Context, v hindsight.Viewer, id string) ([]hindsight.Review, error) {
	if err := s.visibleIncident(ctx, v, id, nil); err != nil {
		return nil, err
	}
	n, md, err := s.latestRevision(ctx, s.r, id)
	if err != nil {
		return nil, internal("find reviews", err)
	}
	rs, err := s.readReviews(ctx, s.r, id)
	if err == nil {
		err = s.markStale(ctx, s.r, id, n, md, rs)
	}
	if err != nil {
		return nil, internal("find reviews", err)
	}
	return rs, nil
}

// ReviewSummary implements hindsight.ReviewStore.
func (s *Store) ReviewSummary(ctx context.Context, v hindsight.Viewer, id string) (*hindsight.ReviewSummary, error) {
	if err := s.visibleIncident(ctx, v, id, nil); err != nil {
		return nil, err
	}
	n, md, err := s.latestRevision(ctx, s.r, id)
	if err != nil {
		return nil, internal("review summary", err)
	}
	sum, err := s.reviewSummary(ctx, s.r, id, n, md)
	return sum, internal("review summary", err)
}

// reviewSummary computes the review state of incident id as of revision n
// with Markdown md, through q (the publishing transaction for the gate).
func (s *Store) reviewSummary(ctx context.Context, q rowQuerier, id string, n int, md []byte) (*hindsight.ReviewSummary, error) {
	sum := &hindsight.ReviewSummary{Revision: n}
	reqs, err := s.findRequests(ctx, q, hindsight.SystemViewer, hindsight.ReviewRequestFilter{IncidentID: id})
	if err != nil {
		return nil, err
	}
	sum.Requests = []hindsight.ReviewRequest{}
	for _, r := range reqs {
		if r.State == hindsight.RequestOpen {
			sum.Requests = append(sum.Requests, r)
		}
		if !slices.Contains(sum.Requesters, r.RequestedBy) {
			sum.Requesters = append(sum.Requesters, r.RequestedBy)
		}
	}
	rs, err := s.readReviews(ctx, q, id)
	if err != nil {
		return nil, err
	}
	sum.Reviews = hindsight.LatestReviews(rs)
	if err := s.markStale(ctx, q, id, n, md, sum.Reviews); err != nil {
		return nil, err
	}
	err = q.QueryRowContext(ctx, s.d.Rebind(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN resolved THEN 0 ELSE 1 END), 0) FROM review_comments WHERE incident_id = ? AND parent_id = 0`), id).
		Scan(&sum.Threads, &sum.OpenThreads)
	if err != nil {
		return nil, err
	}
	return sum, nil
}

func commentError(field, msg string) error {
	return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
}

// CreateComment implements hindsight.ReviewStore.
func (s *Store) CreateComment(ctx context.Context, cc hindsight.CommentCreate) (*hindsight.Comment, error) {
	c := cc.Comment
	if strings.TrimSpace(c.Body) == "" {
		return nil, commentError("body", "required")
	}
	if c.Author == "" || !storable(c.Author) || !storable(c.Body) || !storable(c.AuthorEmail) || !storable(c.AuthorName) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "comment: the author is required and every field must be text")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = s.now()
	}
	c.CreatedAt = c.CreatedAt.UTC().Truncate(time.Microsecond)
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rev, err := s.lockIncident(ctx, tx, c.IncidentID)
		if err != nil {
			return err
		}
		if c.Revision <= 0 || c.Revision > rev {
			c.Revision = rev
		}
		var participants []string
		if c.ParentID != 0 {
			var inc string
			err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT incident_id, thread_id FROM review_comments WHERE id = ?`), c.ParentID).Scan(&inc, &c.ThreadID)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && inc != c.IncidentID) {
				return commentError("parent_id", fmt.Sprintf("incident %s has no comment %d", c.IncidentID, c.ParentID))
			}
			if err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT DISTINCT author FROM review_comments WHERE thread_id = ? ORDER BY author`), c.ThreadID)
			if err != nil {
				return err
			}
			for rows.Next() {
				var a string
				if err := rows.Scan(&a); err != nil {
					rows.Close()
					return err
				}
				participants = append(participants, a)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			// the thread's anchor is its first comment's
			var anchor string
			if err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT anchor FROM review_comments WHERE id = ?`), c.ThreadID).Scan(&anchor); err != nil {
				return err
			}
			_ = json.Unmarshal([]byte(anchor), &c.Anchor)
			// a reply reopens a resolved thread
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_comments SET resolved = ?, resolved_by = '', resolved_at = NULL WHERE id = ?`), false, c.ThreadID); err != nil {
				return err
			}
		} else if err := c.Anchor.Validate(); err != nil {
			return err
		}
		anchor, _ := json.Marshal(c.Anchor)
		if c.ParentID != 0 {
			anchor = []byte("{}")
		}
		if err := tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO review_comments (incident_id, thread_id, parent_id, author, author_email, author_name, body, revision, anchor, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), c.IncidentID, c.ThreadID, c.ParentID, c.Author, c.AuthorEmail, c.AuthorName, c.Body, c.Revision, string(anchor), s.d.Time(c.CreatedAt)).Scan(&c.ID); err != nil {
			return err
		}
		if c.ParentID == 0 {
			c.ThreadID = c.ID
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_comments SET thread_id = ? WHERE id = ?`), c.ID, c.ID); err != nil {
				return err
			}
		}
		c.Resolved, c.ResolvedBy, c.ResolvedAt, c.History = false, "", time.Time{}, nil
		var out []hindsight.OutboxEvent
		if cc.Outbox != nil {
			out = cc.Outbox(&c, participants)
		}
		return s.writeSide(ctx, tx, c.IncidentID, c.CreatedAt, cc.Audit, out)
	})
	if err != nil {
		return nil, internal("create comment on "+c.IncidentID, err)
	}
	return &c, nil
}

const commentCols = `c.id, c.incident_id, c.thread_id, c.parent_id, c.author, c.author_email, c.author_name, c.body, c.revision, c.anchor,
c.created_at, c.edited_at, c.history, c.resolved, c.resolved_by, c.resolved_at`

func scanComment(sc interface{ Scan(...any) error }) (*hindsight.Comment, error) {
	var c hindsight.Comment
	var anchor, history string
	if err := sc.Scan(&c.ID, &c.IncidentID, &c.ThreadID, &c.ParentID, &c.Author, &c.AuthorEmail, &c.AuthorName, &c.Body, &c.Revision, &anchor,
		timeScan{&c.CreatedAt}, timeScan{&c.EditedAt}, &history, &c.Resolved, &c.ResolvedBy, timeScan{&c.ResolvedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(anchor), &c.Anchor); err != nil {
		return nil, fmt.Errorf("comment %d: anchor: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(history), &c.History); err != nil {
		return nil, fmt.Errorf("comment %d: history: %w", c.ID, err)
	}
	c.Position.Row = -1
	return &c, nil
}

// commentIn reads comment id in tx with its thread's state.
func (s *Store) commentIn(ctx context.Context, q rowQuerier, id int64) (*hindsight.Comment, error) {
	c, err := scanComment(q.QueryRowContext(ctx, s.d.Rebind(`SELECT `+commentCols+` FROM review_comments c WHERE c.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "comment %d not found", id)
	}
	if err != nil {
		return nil, err
	}
	if c.ParentID != 0 {
		if err := q.QueryRowContext(ctx, s.d.Rebind(`SELECT anchor, resolved, resolved_by, resolved_at FROM review_comments WHERE id = ?`), c.ThreadID).
			Scan(jsonScan{&c.Anchor}, &c.Resolved, &c.ResolvedBy, timeScan{&c.ResolvedAt}); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return c, nil
}

// jsonScan scans a JSON text column into dst.
type jsonScan struct{ dst any }

func (j jsonScan) Scan(src any) error {
	switch v := src.(type) {
	case string:
		return json.Unmarshal([]byte(v), j.dst)
	case []byte:
		return json.Unmarshal(v, j.dst)
	case nil:
		return nil
	}
	return fmt.Errorf("cannot scan %T as JSON", src)
}

// UpdateComment implements hindsight.ReviewStore.
func (s *Store) UpdateComment(ctx context.Context, u hindsight.CommentUpdate) (*hindsight.Comment, error) {
	if u.Body != nil && strings.TrimSpace(*u.Body) == "" {
		return nil, commentError("body", "must not be empty")
	}
	if u.Body != nil && !storable(*u.Body) {
		return nil, commentError("body", "must be text")
	}
	at := u.At
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Microsecond)
	var out *hindsight.Comment
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.commentIn(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		if _, err := s.lockIncident(ctx, tx, c.IncidentID); err != nil {
			return err
		}
		if u.Body != nil && *u.Body != c.Body {
			hist := append(c.History, hindsight.CommentEdit{Body: c.Body, At: at})
			b, _ := json.Marshal(hist)
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_comments SET body = ?, edited_at = ?, history = ? WHERE id = ?`), *u.Body, s.d.Time(at), string(b), u.ID); err != nil {
				return err
			}
		}
		if u.Resolved != nil && *u.Resolved != c.Resolved {
			by, when := any(""), any(nil)
			if *u.Resolved {
				by, when = clean(u.By), s.d.Time(at)
			}
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE review_comments SET resolved = ?, resolved_by = ?, resolved_at = ? WHERE id = ?`), *u.Resolved, by, when, c.ThreadID); err != nil {
				return err
			}
		}
		if err := s.writeSide(ctx, tx, c.IncidentID, at, u.Audit, nil); err != nil {
			return err
		}
		out, err = s.commentIn(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return nil, internal(fmt.Sprintf("update comment %d", u.ID), err)
	}
	return out, nil
}

// DeleteComment implements hindsight.ReviewStore.
func (s *Store) DeleteComment(ctx context.Context, id int64, audit []hindsight.AuditRecord) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		c, err := s.commentIn(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.lockIncident(ctx, tx, c.IncidentID); err != nil {
			return err
		}
		q := `DELETE FROM review_comments WHERE id = ?`
		if c.ParentID == 0 {
			q = `DELETE FROM review_comments WHERE thread_id = ?`
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(q), id); err != nil {
			return err
		}
		return s.writeSide(ctx, tx, c.IncidentID, s.now(), audit, nil)
	})
	return internal(fmt.Sprintf("delete comment %d", id), err)
}

// FindComments implements hindsight.ReviewStore.
func (s *Store) FindComments(ctx context.Context, v hindsight.Viewer, id string) ([]hindsight.Comment, error) {
	if err := s.visibleIncident(ctx, v, id, nil); err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.d.Rebind(`SELECT `+commentCols+` FROM review_comments c WHERE c.incident_id = ? ORDER BY c.thread_id, c.id`), id)
	if err != nil {
		return nil, internal("find comments", err)
	}
	defer rows.Close()
	out := []hindsight.Comment{}
	threads := map[int64]int{}
	for rows.Next() {
		c, err := scanComment(rows)
		if err != nil {
			return nil, internal("find comments", err)
		}
		if c.ParentID == 0 {
			threads[c.ID] = len(out)
		} else if i, ok := threads[c.ThreadID]; ok {
			root := out[i]
			c.Anchor, c.Resolved, c.ResolvedBy, c.ResolvedAt = root.Anchor, root.Resolved, root.ResolvedBy, root.ResolvedAt
		}
		out = append(out, *c)
	}
	return out, internal("find comments", rows.Err())
}

// FindCommentByID implements hindsight.ReviewStore.
func (s *Store) FindCommentByID(ctx context.Context, v hindsight.Viewer, id int64) (*hindsight.Comment, error) {
	c, err := s.commentIn(ctx, s.r, id)
	if err != nil {
		return nil, internal("find comment", err)
	}
	if err := s.visibleIncident(ctx, v, c.IncidentID, nil); err != nil {
		// the same answer as for a comment that does not exist
		return nil, hindsight.Errorf(hindsight.ENotFound, "comment %d not found", id)
	}
	return c, nil
}

// QueueDue implements hindsight.ReviewStore.
func (s *Store) QueueDue(ctx context.Context, events []hindsight.DueEvent, at time.Time) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, e := range events {
			if !storable(e.IncidentID) || (e.Event != hindsight.EventPostmortemDueSoon && e.Event != hindsight.EventPostmortemOverdue) {
				return hindsight.Errorf(hindsight.EInvalid, "due event %s %q: want postmortem.due_soon or postmortem.overdue", e.IncidentID, e.Event)
			}
			queued, err := s.queueOnce(ctx, tx, `INSERT INTO review_due_sent (incident_id, event, due_at, at) VALUES (?, ?, ?, ?)
ON CONFLICT (incident_id, event, due_at) DO NOTHING`, []any{e.IncidentID, e.Event, s.d.Time(e.DueAt.UTC().Truncate(time.Microsecond)), s.d.Time(at)},
				hindsight.OutboxEvent{At: at, IncidentID: e.IncidentID, Event: e.Event, Payload: e.Payload})
			if err != nil {
				return err
			}
			if queued {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, internal(fmt.Sprintf("queue %d due events", len(events)), err)
	}
	return n, nil
}
