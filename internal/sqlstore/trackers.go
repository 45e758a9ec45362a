package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.TrackerStore = (*Store)(nil)

const trackerCols = `incident_id, item_key, kind, marker, issue_key, url, want_closed, want_due, remote_closed, remote_due,
    pending, reason, attempts, next_attempt_at, created_by, created_at, updated_at`

func scanTrackerLink(sc interface{ Scan(...any) error }) (*hindsight.TrackerLink, error) {
	var l hindsight.TrackerLink
	var wantClosed, remoteClosed, pending int
	if err := sc.Scan(&l.IncidentID, &l.ItemKey, &l.Kind, &l.Marker, &l.IssueKey, &l.URL, &wantClosed, &l.WantDue, &remoteClosed, &l.RemoteDue,
		&pending, &l.Reason, &l.Attempts, timeScan{&l.NextAttemptAt}, &l.CreatedBy, timeScan{&l.CreatedAt}, timeScan{&l.UpdatedAt}); err != nil {
		return nil, err
	}
	l.WantClosed, l.RemoteClosed, l.Pending = wantClosed == 1, remoteClosed == 1, pending == 1
	return &l, nil
}

func (s *Store) trackerLinks(ctx context.Context, q querier, where string, args ...any) ([]hindsight.TrackerLink, error) {
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT `+trackerCols+` FROM tracker_links WHERE `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hindsight.TrackerLink
	for rows.Next() {
		l, err := scanTrackerLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *l)
	}
	return out, rows.Err()
}

// QueueTrackerIssue implements hindsight.TrackerStore.
func (s *Store) QueueTrackerIssue(ctx context.Context, l *hindsight.TrackerLink, audit []hindsight.AuditRecord) error {
	for _, v := range []string{l.IncidentID, l.ItemKey, l.Kind, l.Marker, l.CreatedBy, l.WantDue} {
		if !storable(v) {
			return hindsight.Errorf(hindsight.EInvalid, "tracker link: text must be valid UTF-8 without NUL bytes")
		}
	}
	if l.IncidentID == "" || l.ItemKey == "" || l.Kind == "" || l.Marker == "" {
		return hindsight.Errorf(hindsight.EInvalid, "tracker link: incident, item, kind and marker are required")
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO tracker_links (incident_id, item_key, kind, marker, want_closed, want_due,
    pending, reason, attempts, next_attempt_at, created_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 1, 'queued', 0, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			l.IncidentID, l.ItemKey, l.Kind, l.Marker, flag(l.WantClosed), l.WantDue, s.d.Time(now), l.CreatedBy, s.d.Time(now), s.d.Time(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return hindsight.Errorf(hindsight.EConflict, "action item %s of %s has an issue already (one issue per item)", l.ItemKey, l.IncidentID)
		}
		return s.writeSide(ctx, tx, l.IncidentID, now, audit, nil)
	})
	if err != nil {
		var he *hindsight.Error
		if errors.As(err, &he) {
			return err
		}
		return internal("queue tracker issue", err)
	}
	l.Pending, l.Reason, l.Attempts, l.NextAttemptAt, l.CreatedAt, l.UpdatedAt = true, "queued", 0, now, now, now
	return nil
}

// FindTrackerLinks implements hindsight.TrackerStore.
func (s *Store) FindTrackerLinks(ctx context.Context, incidentID string) ([]hindsight.TrackerLink, error) {
	where, args := `1 = 1`, []any{}
	if incidentID != "" {
		where, args = `incident_id = ?`, []any{incidentID}
	}
	out, err := s.trackerLinks(ctx, s.rq, where+` ORDER BY incident_id, item_key`, args...)
	return out, internal("find tracker links", err)
}

// FindTrackerLinkByIssue implements hindsight.TrackerStore.
func (s *Store) FindTrackerLinkByIssue(ctx context.Context, kind, issueKey string) (*hindsight.TrackerLink, error) {
	if issueKey == "" || !storable(kind) || !storable(issueKey) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "no action item is linked to %s issue %q", kind, issueKey)
	}
	out, err := s.trackerLinks(ctx, s.rq, `kind = ? AND issue_key = ?`, kind, issueKey)
	if err != nil {
		return nil, internal("find tracker link", err)
	}
	if len(out) == 0 {
		return nil, hindsight.Errorf(hindsight.ENotFound, "no action item is linked to %s issue %q", kind, issueKey)
	}
	return &out[0], nil
}

// ClaimTrackerLinks implements hindsight.TrackerStore.
func (s *Store) ClaimTrackerLinks(ctx context.Context, c hindsight.TrackerClaim) ([]hindsight.TrackerLink, error) {
	limit := c.Limit
	if limit <= 0 {
		limit = 10
	}
	now := s.d.Time(c.Now)
	where := `pending = 1 AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`
	// look on a reader first: the worker asks every second and there is
	// usually nothing, which must not take SQLite's one writer
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM tracker_links WHERE `+where+` LIMIT 1`), now, now).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("claim tracker links", err)
	}
	var out []hindsight.TrackerLink
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.trackerLinks(ctx, tx, where+` ORDER BY next_attempt_at, incident_id, item_key LIMIT ?`+s.skipLocked(), now, now, limit)
		if err != nil {
			return err
		}
		until := s.d.Time(c.Now.Add(c.Lease))
		for _, l := range out {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE tracker_links SET lease_until = ? WHERE incident_id = ? AND item_key = ?`), until, l.IncidentID, l.ItemKey); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("claim tracker links", err)
	}
	return out, nil
}

// RecordTrackerAttempt implements hindsight.TrackerStore.
func (s *Store) RecordTrackerAttempt(ctx context.Context, a hindsight.TrackerAttempt) error {
	for _, v := range []string{a.Err} {
		if !storable(v) {
			a.Err = clean(a.Err)
		}
	}
	at := a.At
	if at.IsZero() {
		at = s.now()
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		ls, err := s.trackerLinks(ctx, tx, `incident_id = ? AND item_key = ?`+s.forUpdate(), a.IncidentID, a.ItemKey)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			return hindsight.Errorf(hindsight.ENotFound, "no tracker link for action item %s of %s", a.ItemKey, a.IncidentID)
		}
		l := ls[0]
		if a.Echo != nil {
			applyEcho(&l, a.Echo)
			return s.putTrackerLink(ctx, tx, &l, at, true)
		}
		_, err = tx.ExecContext(ctx, s.d.Rebind(`UPDATE tracker_links SET attempts = attempts + 1, reason = ?, next_attempt_at = ?, lease_until = NULL, updated_at = ?
WHERE incident_id = ? AND item_key = ?`), clean(a.Err), s.d.Time(a.Next), s.d.Time(at), a.IncidentID, a.ItemKey)
		return err
	})
	if err != nil {
		var he *hindsight.Error
		if errors.As(err, &he) {
			return err
		}
		return internal("record tracker attempt", err)
	}
	return nil
}

func applyEcho(l *hindsight.TrackerLink, e *hindsight.TrackerEcho) {
	if e.IssueKey != "" {
		l.IssueKey, l.URL = e.IssueKey, e.URL
	}
	l.RemoteClosed, l.RemoteDue = e.Remote.Closed, e.Remote.Due
}

// putTrackerLink writes a link's issue, states and pending flag (derived:
// no issue yet, or Hindsight's state differs from the tracker's). A link
// that becomes pending is due at once; one that is done forgets its
// attempts. endLease ends a worker's lease.
func (s *Store) putTrackerLink(ctx context.Context, tx dbtx, l *hindsight.TrackerLink, now time.Time, endLease bool) error {
	was := l.Pending
	l.Pending = !l.Created() || l.WantClosed != l.RemoteClosed || l.WantDue != l.RemoteDue
	if l.Reason == removedReason {
		l.Pending = false
	}
	switch {
	case !l.Pending:
		if l.Reason != removedReason {
			l.Reason = ""
		}
		l.Attempts, l.NextAttemptAt = 0, time.Time{}
	case !was || endLease:
		// newly pending, or more to send after a success
		l.Reason, l.Attempts, l.NextAttemptAt = "queued", 0, now
	}
	var next any
	if !l.NextAttemptAt.IsZero() {
		next = s.d.Time(l.NextAttemptAt)
	}
	q := `UPDATE tracker_links SET issue_key = ?, url = ?, want_closed = ?, want_due = ?, remote_closed = ?, remote_due = ?,
    pending = ?, reason = ?, attempts = ?, next_attempt_at = ?, updated_at = ?`
	if endLease {
		q += `, lease_until = NULL`
	}
	_, err := tx.ExecContext(ctx, s.d.Rebind(q+` WHERE incident_id = ? AND item_key = ?`), clean(l.IssueKey), clean(l.URL), flag(l.WantClosed), l.WantDue,
		flag(l.RemoteClosed), clean(l.RemoteDue), flag(l.Pending), clean(l.Reason), l.Attempts, next, s.d.Time(now), l.IncidentID, l.ItemKey)
	return err
}

// removedReason is the reason of a link whose item is no longer in its
// document before its issue was created: nothing is sent until it is back.
const removedReason = "the action item is no longer in the document"

// syncTrackerLinks recomputes the links of incident id from the document
// being saved (in UpdateIncident's transaction), after applying what the
// tracker said (echo, when the save comes from the tracker): an item
// closed, reopened or re-dated by any writer makes its link pending.
func (s *Store) syncTrackerLinks(ctx context.Context, tx dbtx, id string, doc *hindsight.Postmortem, echo *hindsight.TrackerEcho, now time.Time) error {
	links, err := s.trackerLinks(ctx, tx, `incident_id = ?`+s.forUpdate(), id)
	if err != nil || len(links) == 0 {
		return err
	}
	for i := range links {
		l := links[i]
		before := l
		if echo != nil && echo.IncidentID == id && echo.ItemKey == l.ItemKey {
			applyEcho(&l, echo)
		}
		pos := hindsight.FindLinkedItem(doc.ActionItems, &l)
		switch {
		case pos >= 0:
			st := hindsight.StateOfItem(doc.ActionItems[pos])
			l.WantClosed, l.WantDue = st.Closed, st.Due
			if l.Reason == removedReason {
				l.Reason = ""
			}
		case !l.Created():
			l.Reason = removedReason
		}
		if l == before {
			continue
		}
		if err := s.putTrackerLink(ctx, tx, &l, now, false); err != nil {
			return err
		}
	}
	return nil
}

// FindItemTrackers implements hindsight.TrackerStore: one query reads the
// incidents (live, visible to v, as FindIncidentByID decides) with their
// revision, their Tracker field's shape rows and whether they have links;
// only when some have, one more reads those incidents' links and one their
// items' IDs and Tickets, to place each link on its item as the document
// would (FindLinkedItem). Three queries at most, whatever the number of
// incidents; no document is read.
func (s *Store) FindItemTrackers(ctx context.Context, v hindsight.Viewer, ids []string) ([]hindsight.ItemTrackers, error) {
	args := make([]any, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id != "" && storable(id) && !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	var c cond
	c.add(`i.id IN (`+placeholders(len(args))+`)`, args...)
	c.add(`i.deleted_at IS NULL`)
	c.visible(v)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT i.id, i.revision, COALESCE(f.value, ''),
    CASE WHEN EXISTS (SELECT 1 FROM tracker_links l WHERE l.incident_id = i.id) THEN 1 ELSE 0 END
FROM incidents i LEFT JOIN incident_fields f ON f.incident_id = i.id AND f.name = ?
WHERE `+c.String()+`
ORDER BY i.id`), append([]any{shapeKey(hindsight.TrackerField)}, c.args...)...)
	if err != nil {
		return nil, internal("find item trackers", err)
	}
	defer rows.Close()
	var out []hindsight.ItemTrackers
	var linked []any
	for rows.Next() {
		var id, field string
		var rev, hasLinks int
		if err := rows.Scan(&id, &rev, &field, &hasLinks); err != nil {
			return nil, internal("find item trackers", err)
		}
		if len(out) == 0 || out[len(out)-1].IncidentID != id {
			out = append(out, hindsight.ItemTrackers{IncidentID: id, Revision: rev})
			if hasLinks == 1 {
				linked = append(linked, id)
			}
		}
		if field != "" {
			t := &out[len(out)-1]
			t.TrackerField = append(t.TrackerField, field)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, internal("find item trackers", err)
	}
	rows.Close()
	for i := range out {
		// sorted here: the two stores' collations differ
		sort.Strings(out[i].TrackerField)
	}
	if len(linked) == 0 {
		return out, nil
	}
	in := `incident_id IN (` + placeholders(len(linked)) + `)`
	links, err := s.trackerLinks(ctx, s.rq, in+` ORDER BY incident_id, item_key`, linked...)
	if err != nil {
		return nil, internal("find item trackers", err)
	}
	items, err := s.itemKeys(ctx, in, linked)
	if err != nil {
		return nil, internal("find item trackers", err)
	}
	byID := make(map[string]*hindsight.ItemTrackers, len(linked))
	for i := range out {
		byID[out[i].IncidentID] = &out[i]
	}
	for _, l := range links {
		t := byID[l.IncidentID]
		if t == nil {
			continue
		}
		t.Links = append(t.Links, l)
		t.Positions = append(t.Positions, hindsight.FindLinkedItem(items[l.IncidentID], &l))
	}
	return out, nil
}

// itemKeys reads the items of the incidents matching where (on
// action_items) by position, with only what places a tracker link on its
// item: ID and Ticket.
func (s *Store) itemKeys(ctx context.Context, where string, args []any) (map[string][]hindsight.ActionItem, error) {
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT incident_id, position, item_id, ticket FROM action_items WHERE `+where+` ORDER BY incident_id, position`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]hindsight.ActionItem{}
	for rows.Next() {
		var id, itemID, ticket string
		var pos int
		if err := rows.Scan(&id, &pos, &itemID, &ticket); err != nil {
			return nil, err
		}
		// positions run 0, 1, 2... (a save writes every item)
		out[id] = append(out[id], hindsight.ActionItem{ID: itemID, Ticket: ticket})
	}
	return out, rows.Err()
}
