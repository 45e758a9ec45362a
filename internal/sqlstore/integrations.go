package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.AlertStore = (*Store)(nil)

// inboxChunk bounds the keys or deliveries of one statement.
const inboxChunk = 200

// placeholders is "?, ?, ..." n times.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}

// EnqueueAlert implements hindsight.AlertStore.
func (s *Store) EnqueueAlert(ctx context.Context, e hindsight.AlertInboxEntry, keys []string, encode func(fresh []string) ([]byte, error)) ([]string, error) {
	fresh, err := s.EnqueueAlerts(ctx, []hindsight.AlertEnqueue{{Entry: e, Keys: keys, Encode: encode}})
	if err != nil {
		return nil, err
	}
	return fresh[0], nil
}

// EnqueueAlerts implements hindsight.AlertStore.
func (s *Store) EnqueueAlerts(ctx context.Context, qs []hindsight.AlertEnqueue) ([][]string, error) {
	for _, q := range qs {
		e := q.Entry
		if e.Source == "" || e.Group == "" || e.Delivery == "" || !storable(e.Source) || !storable(e.Group) || !storable(e.Delivery) {
			return nil, hindsight.Errorf(hindsight.EInvalid, "enqueue alert: source, group and delivery must be non-empty text")
		}
		if q.Encode == nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "enqueue alert: no encoder")
		}
	}
	var out [][]string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		out = make([][]string, len(qs))
		for i, q := range qs {
			fresh, err := s.enqueueAlert(ctx, tx, q)
			if err != nil {
				return err
			}
			out[i] = fresh
		}
		return nil
	})
	if err != nil {
		return nil, internal("enqueue alert", err)
	}
	return out, nil
}

// enqueueAlert records one delivery in tx and returns its new keys, as
// the caller named them.
func (s *Store) enqueueAlert(ctx context.Context, tx *sql.Tx, q hindsight.AlertEnqueue) ([]string, error) {
	e := q.Entry
	// each key once, cleaned as stored; inserted in sorted order so that two
	// deliveries sharing keys lock them in the same order (PostgreSQL)
	orig := map[string]string{}
	var order []string
	for _, k := range q.Keys {
		c := clean(k)
		if c == "" {
			continue
		}
		if _, ok := orig[c]; ok {
			continue
		}
		orig[c] = k
		order = append(order, c)
	}
	sorted := slices.Clone(order)
	slices.Sort(sorted)
	at := e.ReceivedAt
	if at.IsZero() {
		at = s.now()
	}
	inserted := map[string]bool{}
	for start := 0; start < len(sorted); start += inboxChunk {
		part := sorted[start:min(len(sorted), start+inboxChunk)]
		args := make([]any, 0, 5*len(part))
		values := make([]string, 0, len(part))
		for _, k := range part {
			values = append(values, "(?, ?, ?, ?, '', ?)")
			args = append(args, e.Source, k, e.Delivery, hindsight.AlertQueued, s.d.Time(at))
		}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`INSERT INTO alert_events (source, key, batch, state, incident_id, at) VALUES `+
			strings.Join(values, ", ")+` ON CONFLICT (source, key) DO NOTHING RETURNING key`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			inserted[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	var fresh []string
	for _, k := range order {
		if inserted[k] {
			fresh = append(fresh, orig[k])
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	payload, err := q.Encode(slices.Clone(fresh))
	if err != nil {
		return nil, err
	}
	_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO alert_inbox (source, group_key, delivery, events, closes, payload, received_at, attempts, last_error)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, '')`), e.Source, e.Group, e.Delivery, len(fresh), e.Closes, payload, s.d.Time(at))
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

const inboxCols = `id, source, group_key, delivery, events, closes, payload, received_at, lease_until, attempts, last_error`

func scanInbox(sc interface{ Scan(...any) error }) (hindsight.AlertInboxEntry, error) {
	var e hindsight.AlertInboxEntry
	err := sc.Scan(&e.ID, &e.Source, &e.Group, &e.Delivery, &e.Events, &e.Closes, &e.Payload, timeScan{&e.ReceivedAt}, timeScan{&e.LeaseUntil}, &e.Attempts, &e.LastError)
	return e, err
}

// lockInbox serializes the claims of the inbox across processes
// (PostgreSQL; SQLite's writer is one already): a claim then sees every
// claim committed before it, so two never take entries of one group.
func (s *Store) lockInbox(ctx context.Context, tx *sql.Tx) error {
	if !s.postgres() {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.alert_inbox'))`)
	return err
}

// ClaimAlertInbox implements hindsight.AlertStore.
func (s *Store) ClaimAlertInbox(ctx context.Context, c hindsight.AlertClaim) ([]hindsight.AlertInboxEntry, error) {
	if c.Groups <= 0 {
		c.Groups = 1
	}
	if c.PerGroup <= 0 {
		c.PerGroup = 100
	}
	if c.Lease <= 0 {
		c.Lease = time.Minute
	}
	now := c.Now
	if now.IsZero() {
		now = s.now()
	}
	until := now.Add(c.Lease).Truncate(time.Microsecond)
	// a read first: an idle inbox costs no write transaction
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM alert_inbox WHERE lease_until IS NULL OR lease_until <= ? LIMIT 1`), s.d.Time(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("claim alert inbox", err)
	}
	var out []hindsight.AlertInboxEntry
	err = s.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := s.lockInbox(ctx, tx); err != nil {
			return err
		}
		// the oldest entry of each group, when it is claimable and no entry
		// of its group is held (PostgreSQL may commit an entry after one
		// with a higher id: the oldest entry can be younger than a claim)
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT i.source, i.group_key FROM alert_inbox i
WHERE (i.lease_until IS NULL OR i.lease_until <= ?)
AND NOT EXISTS (SELECT 1 FROM alert_inbox j WHERE j.source = i.source AND j.group_key = i.group_key AND (j.id < i.id OR j.lease_until > ?))
ORDER BY i.id LIMIT ?`), s.d.Time(now), s.d.Time(now), c.Groups)
		if err != nil {
			return err
		}
		var heads [][2]string
		for rows.Next() {
			var h [2]string
			if err := rows.Scan(&h[0], &h[1]); err != nil {
				rows.Close()
				return err
			}
			heads = append(heads, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var ids []any
		for _, h := range heads {
			rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT `+inboxCols+` FROM alert_inbox WHERE source = ? AND group_key = ? ORDER BY id LIMIT ?`), h[0], h[1], c.PerGroup)
			if err != nil {
				return err
			}
			for rows.Next() {
				e, err := scanInbox(rows)
				if err != nil {
					rows.Close()
					return err
				}
				if e.LeaseUntil.After(now) {
					break // held: the group's claim ends before it
				}
				e.LeaseUntil = until
				e.Attempts++
				out = append(out, e)
				ids = append(ids, e.ID)
				if e.Closes {
					break // a later entry belongs to the group's next incident
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for start := 0; start < len(ids); start += inboxChunk {
			part := ids[start:min(len(ids), start+inboxChunk)]
			args := append([]any{s.d.Time(until)}, part...)
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE alert_inbox SET lease_until = ?, attempts = attempts + 1 WHERE id IN (`+placeholders(len(part))+`)`), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("claim alert inbox", err)
	}
	return out, nil
}

// FindAlertEvents implements hindsight.AlertStore.
func (s *Store) FindAlertEvents(ctx context.Context, source string, keys []string) ([]hindsight.AlertEvent, error) {
	var out []hindsight.AlertEvent
	for start := 0; start < len(keys); start += 200 {
		part := keys[start:min(len(keys), start+200)]
		args := []any{clean(source)}
		for _, k := range part {
			args = append(args, clean(k))
		}
		rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT key, batch, state, incident_id, at FROM alert_events WHERE source = ? AND key IN (?`+
			strings.Repeat(", ?", len(part)-1)+`)`), args...)
		if err != nil {
			return nil, internal("find alert events", err)
		}
		for rows.Next() {
			e := hindsight.AlertEvent{Source: source}
			if err := rows.Scan(&e.Key, &e.Batch, &e.State, &e.IncidentID, timeScan{&e.At}); err != nil {
				rows.Close()
				return nil, internal("find alert events", err)
			}
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, internal("find alert events", err)
		}
	}
	return out, nil
}

// FinishAlertInbox implements hindsight.AlertStore.
func (s *Store) FinishAlertInbox(ctx context.Context, fs ...hindsight.AlertFinish) (int, error) {
	if len(fs) == 0 {
		return 0, nil
	}
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, f := range fs {
			k, err := s.finishAlertInbox(ctx, tx, f)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, internal("finish alert inbox", err)
	}
	return n, nil
}

func (s *Store) finishAlertInbox(ctx context.Context, tx *sql.Tx, f hindsight.AlertFinish) (int, error) {
	n := 0
	for start := 0; start < len(f.Deliveries); start += inboxChunk {
		part := f.Deliveries[start:min(len(f.Deliveries), start+inboxChunk)]
		args := make([]any, 0, len(part)+1)
		args = append(args, clean(f.Source))
		for _, d := range part {
			args = append(args, clean(d))
		}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`DELETE FROM alert_inbox WHERE source = ? AND delivery IN (`+placeholders(len(part))+`) RETURNING delivery`), args...)
		if err != nil {
			return 0, err
		}
		done := []any{hindsight.AlertDone, clean(f.IncidentID), clean(f.Source)}
		for rows.Next() {
			var d string
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return 0, err
			}
			done = append(done, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if k := len(done) - 3; k > 0 {
			n += k
			// source || '': the batch index, not the primary key (whose
			// first column is source: every event of the source)
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE alert_events SET state = ?, incident_id = ? WHERE source || '' = ? AND batch IN (`+placeholders(k)+`)`), done...); err != nil {
				return 0, err
			}
		}
	}
	if f.Group == nil || n == 0 {
		return n, nil
	}
	return n, s.putAlertGroup(ctx, tx, *f.Group)
}

// ReleaseAlertInbox implements hindsight.AlertStore.
func (s *Store) ReleaseAlertInbox(ctx context.Context, deliveries []string, reason string, retryAt time.Time) error {
	if retryAt.IsZero() {
		retryAt = s.now()
	}
	reason = truncateText(clean(reason), 2000)
	for start := 0; start < len(deliveries); start += inboxChunk {
		part := deliveries[start:min(len(deliveries), start+inboxChunk)]
		args := []any{s.d.Time(retryAt.Truncate(time.Microsecond)), reason}
		for _, d := range part {
			args = append(args, clean(d))
		}
		if _, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE alert_inbox SET lease_until = ?, last_error = ? WHERE delivery IN (`+placeholders(len(part))+`)`), args...); err != nil {
			return internal("release alert inbox", err)
		}
	}
	return nil
}

// truncateText cuts s to at most n bytes on a rune boundary.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// FindAlertInbox implements hindsight.AlertStore.
func (s *Store) FindAlertInbox(ctx context.Context, limit int) ([]hindsight.AlertInboxEntry, error) {
	q := `SELECT ` + inboxCols + ` FROM alert_inbox ORDER BY id`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, internal("find alert inbox", err)
	}
	defer rows.Close()
	out := []hindsight.AlertInboxEntry{}
	for rows.Next() {
		e, err := scanInbox(rows)
		if err != nil {
			return nil, internal("find alert inbox", err)
		}
		out = append(out, e)
	}
	return out, internal("find alert inbox", rows.Err())
}

// AlertInboxStats implements hindsight.AlertStore.
func (s *Store) AlertInboxStats(ctx context.Context, now time.Time) (hindsight.AlertInboxStats, error) {
	var st hindsight.AlertInboxStats
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT COUNT(*), COALESCE(SUM(events), 0), COALESCE(SUM(CASE WHEN lease_until > ? THEN 1 ELSE 0 END), 0), MIN(received_at) FROM alert_inbox`),
		s.d.Time(now)).Scan(&st.Entries, &st.Events, &st.Claimed, timeScan{&st.Oldest})
	if err != nil {
		return st, internal("alert inbox stats", err)
	}
	return st, nil
}

// FindAlertDeliveries implements hindsight.AlertStore. It reads the
// revision messages of the incidents updated since since that name any
// delivery, and matches their markers.
func (s *Store) FindAlertDeliveries(ctx context.Context, deliveries []string, since time.Time) (map[string]string, error) {
	out := map[string]string{}
	if len(deliveries) == 0 {
		return out, nil
	}
	if since.IsZero() {
		since = time.Unix(0, 0)
	}
	want := map[string]bool{}
	for _, d := range deliveries {
		want[d] = true
	}
	rows, err := s.r.QueryContext(ctx, s.d.Rebind(`SELECT r.incident_id, r.message FROM incidents i JOIN revisions r ON r.incident_id = i.id
WHERE i.updated_key >= ? AND r.at >= ? AND r.message LIKE '%[batch %'`), since.UnixMicro(), s.d.Time(since))
	if err != nil {
		return nil, internal("find alert deliveries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, msg string
		if err := rows.Scan(&id, &msg); err != nil {
			return nil, internal("find alert deliveries", err)
		}
		for rest := msg; ; {
			i := strings.Index(rest, "[batch ")
			if i < 0 {
				break
			}
			rest = rest[i+len("[batch "):]
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				break
			}
			if d := rest[:j]; want[d] {
				out[d] = id
			}
			rest = rest[j+1:]
		}
	}
	return out, internal("find alert deliveries", rows.Err())
}

// FindAlertGroup implements hindsight.AlertStore.
func (s *Store) FindAlertGroup(ctx context.Context, source, key string) (*hindsight.AlertGroup, error) {
	if !storable(source) || !storable(key) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "alert group %s/%q not found", source, key)
	}
	g := hindsight.AlertGroup{Source: source, Key: key}
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT incident_id, open, created_at, updated_at FROM alert_groups WHERE source = ? AND key = ?`), source, key).
		Scan(&g.IncidentID, &g.Open, timeScan{&g.CreatedAt}, timeScan{&g.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "alert group %s/%q not found", source, key)
	}
	if err != nil {
		return nil, internal("find alert group", err)
	}
	return &g, nil
}

// PutAlertGroup implements hindsight.AlertStore.
func (s *Store) PutAlertGroup(ctx context.Context, g hindsight.AlertGroup) error {
	return internal("put alert group", s.tx(ctx, func(tx *sql.Tx) error { return s.putAlertGroup(ctx, tx, g) }))
}

func (s *Store) putAlertGroup(ctx context.Context, tx *sql.Tx, g hindsight.AlertGroup) error {
	if g.Source == "" || g.Key == "" || !storable(g.Source) || !storable(g.Key) {
		return hindsight.Errorf(hindsight.EInvalid, "alert group: source and key must be non-empty text")
	}
	now := s.now()
	if g.CreatedAt.IsZero() {
		g.CreatedAt = now
	}
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = now
	}
	_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO alert_groups (source, key, incident_id, open, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (source, key) DO UPDATE SET incident_id = excluded.incident_id, open = excluded.open, updated_at = excluded.updated_at,
created_at = CASE WHEN alert_groups.incident_id = excluded.incident_id THEN alert_groups.created_at ELSE excluded.created_at END`),
		g.Source, g.Key, clean(g.IncidentID), g.Open, s.d.Time(g.CreatedAt), s.d.Time(g.UpdatedAt))
	return err
}
