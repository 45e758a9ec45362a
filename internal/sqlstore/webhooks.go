package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.WebhookStore = (*Store)(nil)

// postgres reports whether the dialect is PostgreSQL's ($n placeholders):
// there several processes claim rows with FOR UPDATE SKIP LOCKED; SQLite
// serializes writers (one connection, BEGIN IMMEDIATE) instead.
func (s *Store) postgres() bool { return s.d.Rebind("?") != "?" }

func (s *Store) skipLocked() string {
	if s.postgres() {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

func webhookNotFound(id int64) error {
	return hindsight.Errorf(hindsight.ENotFound, "webhook %d not found", id)
}

func checkWebhook(w *hindsight.WebhookSubscription) error {
	for _, v := range append([]string{w.URL, w.Secret, w.Format, w.Description}, w.Events...) {
		if !storable(v) {
			return hindsight.Errorf(hindsight.EInvalid, "webhook: text must be valid UTF-8 without NUL bytes")
		}
	}
	for _, e := range w.Events {
		if strings.Contains(e, ",") {
			return hindsight.Errorf(hindsight.EInvalid, "webhook: event name %q must not contain a comma", e)
		}
	}
	return nil
}

// CreateWebhook implements hindsight.WebhookStore.
func (s *Store) CreateWebhook(ctx context.Context, w *hindsight.WebhookSubscription) error {
	if err := checkWebhook(w); err != nil {
		return err
	}
	now := s.now()
	var paused any
	w.PausedAt = time.Time{}
	if !w.Active {
		paused, w.PausedAt = s.d.Time(now), now
	}
	err := s.w.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO webhook_subscriptions (url, events, secret, format, active, description, paused_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), w.URL, strings.Join(w.Events, ","), w.Secret, w.Format, w.Active, w.Description, paused,
		s.d.Time(now), s.d.Time(now)).Scan(&w.ID)
	if err != nil {
		return internal("create webhook", err)
	}
	w.CreatedAt, w.UpdatedAt, w.Pending = now, now, 0
	return nil
}

// UpdateWebhook implements hindsight.WebhookStore.
func (s *Store) UpdateWebhook(ctx context.Context, w *hindsight.WebhookSubscription) error {
	if err := checkWebhook(w); err != nil {
		return err
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var wasActive bool
		var pausedAt time.Time
		err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT active, paused_at FROM webhook_subscriptions WHERE id = ?`+s.forUpdate()), w.ID).Scan(&wasActive, timeScan{&pausedAt})
		if errors.Is(err, sql.ErrNoRows) {
			return webhookNotFound(w.ID)
		}
		if err != nil {
			return err
		}
		switch {
		case wasActive && !w.Active:
			pausedAt = now
		case !wasActive && w.Active:
			if err := s.resumeDeliveries(ctx, tx, w.ID, pausedAt, now); err != nil {
				return err
			}
			pausedAt = time.Time{}
		}
		var paused any
		if !pausedAt.IsZero() {
			paused = s.d.Time(pausedAt)
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE webhook_subscriptions SET url = ?, events = ?, secret = ?, format = ?, active = ?, description = ?, paused_at = ?, updated_at = ? WHERE id = ?`),
			w.URL, strings.Join(w.Events, ","), w.Secret, w.Format, w.Active, w.Description, paused, s.d.Time(now), w.ID); err != nil {
			return err
		}
		w.PausedAt = pausedAt
		return tx.QueryRowContext(ctx, s.d.Rebind(`SELECT count(*), min(event_at) FROM webhook_deliveries WHERE subscription_id = ? AND status = ?`), w.ID, hindsight.DeliveryPending).Scan(&w.Pending, timeScan{&w.OldestPending})
	})
	if err != nil {
		return internal("update webhook", err)
	}
	w.UpdatedAt = now
	return nil
}

// forUpdate locks the rows read on PostgreSQL (SQLite's writer holds the
// whole database already).
func (s *Store) forUpdate() string {
	if s.postgres() {
		return " FOR UPDATE"
	}
	return ""
}

// resumeDeliveries makes a re-enabled subscription's pending deliveries
// due at now and moves each one's retry window by the time it spent
// paused (since pausedAt, or since it was queued when that was later).
func (s *Store) resumeDeliveries(ctx context.Context, tx *sql.Tx, sub int64, pausedAt, now time.Time) error {
	rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT id, retry_until, created_at FROM webhook_deliveries WHERE subscription_id = ? AND status = ?`), sub, hindsight.DeliveryPending)
	if err != nil {
		return err
	}
	type pending struct {
		id             int64
		until, created time.Time
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, timeScan{&p.until}, timeScan{&p.created}); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		until := p.until
		if !pausedAt.IsZero() {
			since := pausedAt
			if p.created.After(since) {
				since = p.created
			}
			if now.After(since) {
				until = until.Add(now.Sub(since))
			}
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE webhook_deliveries SET next_attempt_at = ?, retry_until = ?, updated_at = ? WHERE id = ?`),
			s.d.Time(now), s.d.Time(until), s.d.Time(now), p.id); err != nil {
			return err
		}
	}
	return nil
}

// DeleteWebhook implements hindsight.WebhookStore.
func (s *Store) DeleteWebhook(ctx context.Context, id int64) (int, error) {
	pending := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT count(*) FROM webhook_deliveries WHERE subscription_id = ? AND status = ?`), id, hindsight.DeliveryPending).Scan(&pending); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM webhook_deliveries WHERE subscription_id = ?`), id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM webhook_subscriptions WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return webhookNotFound(id)
		}
		return nil
	})
	if err != nil {
		return 0, internal("delete webhook", err)
	}
	return pending, nil
}

const webhookCols = `id, url, events, secret, format, active, description, paused_at,
(SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = webhook_subscriptions.id AND d.status = 'pending'),
(SELECT min(d.event_at) FROM webhook_deliveries d WHERE d.subscription_id = webhook_subscriptions.id AND d.status = 'pending'), created_at, updated_at`

func scanWebhook(sc interface{ Scan(...any) error }) (*hindsight.WebhookSubscription, error) {
	var w hindsight.WebhookSubscription
	var events string
	if err := sc.Scan(&w.ID, &w.URL, &events, &w.Secret, &w.Format, &w.Active, &w.Description, timeScan{&w.PausedAt}, &w.Pending, timeScan{&w.OldestPending}, timeScan{&w.CreatedAt}, timeScan{&w.UpdatedAt}); err != nil {
		return nil, err
	}
	w.Events = []string{}
	for _, e := range strings.Split(events, ",") {
		if e != "" {
			w.Events = append(w.Events, e)
		}
	}
	return &w, nil
}

// FindWebhookByID implements hindsight.WebhookStore.
func (s *Store) FindWebhookByID(ctx context.Context, id int64) (*hindsight.WebhookSubscription, error) {
	w, err := scanWebhook(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+webhookCols+` FROM webhook_subscriptions WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, webhookNotFound(id)
	}
	if err != nil {
		return nil, internal("find webhook", err)
	}
	return w, nil
}

// FindWebhooks implements hindsight.WebhookStore.
func (s *Store) FindWebhooks(ctx context.Context) ([]hindsight.WebhookSubscription, error) {
	return s.findWebhooks(ctx, s.r, false)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) findWebhooks(ctx context.Context, q querier, activeOnly bool) ([]hindsight.WebhookSubscription, error) {
	where := ""
	if activeOnly {
		where = ` WHERE active = ?`
	}
	args := []any{}
	if activeOnly {
		args = append(args, true)
	}
	rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT `+webhookCols+` FROM webhook_subscriptions`+where+` ORDER BY id`), args...)
	if err != nil {
		return nil, internal("find webhooks", err)
	}
	defer rows.Close()
	out := []hindsight.WebhookSubscription{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, internal("find webhooks", err)
		}
		out = append(out, *w)
	}
	return out, internal("find webhooks", rows.Err())
}

type outboxRow struct {
	id         int64
	at         time.Time
	incidentID string
	event      string
	payload    []byte
}

// FanOutOutbox implements hindsight.WebhookStore.
func (s *Store) FanOutOutbox(ctx context.Context, now time.Time, retryFor time.Duration, limit int) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	// nothing to hand out (the usual case, asked every second): answered
	// by a reader, without taking the writer
	var one int
	err := s.rq.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE delivered_at IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, internal("fan out outbox", err)
	}
	n := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if s.postgres() {
			// one fan-out at a time: two at once (rows 1-200 and 201-400)
			// could queue an incident's later event before its earlier
			// one, and the claim's per-incident order needs the earlier
			// one queued first
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7316029904)`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT id, at, incident_id, event, payload FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT ?`+s.skipLocked()), limit)
		if err != nil {
			return err
		}
		var batch []outboxRow
		for rows.Next() {
			var o outboxRow
			if err := rows.Scan(&o.id, timeScan{&o.at}, &o.incidentID, &o.event, &o.payload); err != nil {
				rows.Close()
				return err
			}
			batch = append(batch, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		subs, err := s.findWebhooks(ctx, tx, false) // paused ones too: their events wait for them
		if err != nil {
			return err
		}
		restricted := map[string]bool{}
		for _, o := range batch {
			r, ok := restricted[o.incidentID]
			if !ok {
				err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT restricted FROM incidents WHERE id = ?`), o.incidentID).Scan(&r)
				if errors.Is(err, sql.ErrNoRows) {
					r = false // purged: its events carry only what was queued
				} else if err != nil {
					return err
				}
				restricted[o.incidentID] = r
			}
			for _, sub := range subs {
				if !sub.Wants(o.event) {
					continue
				}
				_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO webhook_deliveries (subscription_id, outbox_id, event, incident_id, payload, restricted,
status, attempts, last_status, last_error, event_at, next_attempt_at, retry_until, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '', ?, ?, ?, ?, ?) ON CONFLICT (subscription_id, outbox_id) DO NOTHING`),
					sub.ID, o.id, o.event, o.incidentID, o.payload, r, hindsight.DeliveryPending, s.d.Time(o.at),
					s.d.Time(now), s.d.Time(now.Add(retryFor)), s.d.Time(now), s.d.Time(now))
				if err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE outbox SET delivered_at = ? WHERE id = ?`), s.d.Time(now), o.id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, internal("fan out outbox", err)
	}
	return n, nil
}

const deliveryCols = `id, subscription_id, outbox_id, event, incident_id, payload, restricted, status, attempts, last_status, last_error,
event_at, next_attempt_at, retry_until, created_at, updated_at, delivered_at`

func scanDelivery(sc interface{ Scan(...any) error }) (*hindsight.WebhookDelivery, error) {
	var d hindsight.WebhookDelivery
	err := sc.Scan(&d.ID, &d.SubscriptionID, &d.OutboxID, &d.Event, &d.IncidentID, &d.Payload, &d.Restricted, &d.Status, &d.Attempts,
		&d.LastStatus, &d.LastError, timeScan{&d.EventAt}, timeScan{&d.NextAttempt}, timeScan{&d.RetryUntil},
		timeScan{&d.CreatedAt}, timeScan{&d.UpdatedAt}, timeScan{&d.DeliveredAt})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// ClaimDeliveries implements hindsight.WebhookStore.
func (s *Store) ClaimDeliveries(ctx context.Context, c hindsight.DeliveryClaim) ([]hindsight.WebhookDelivery, error) {
	limit := c.Limit
	if limit <= 0 {
		limit = 10
	}
	now := s.d.Time(c.Now)
	where := `d.status = ? AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)`
	args := []any{hindsight.DeliveryPending, now, now}
	if c.Subscription != 0 {
		where += ` AND d.subscription_id = ?`
		args = append(args, c.Subscription)
	}
	// active subscriptions only (a disabled one is paused), and per
	// subscription and incident the earliest pending delivery only
	where += ` AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = d.subscription_id AND s.active = ?)
AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.subscription_id = d.subscription_id AND e.incident_id = d.incident_id
  AND e.status = ? AND e.outbox_id < d.outbox_id)`
	args = append(args, true, hindsight.DeliveryPending)
	// look on a reader first: every subscription's runner asks about once
	// a second, and most of the time there is nothing, which must not take
	// SQLite's one writer (nor open a locking transaction on PostgreSQL)
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM webhook_deliveries d WHERE `+where+` LIMIT 1`), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("claim deliveries", err)
	}
	args = append(args, limit)
	var out []hindsight.WebhookDelivery
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT `+deliveryCols+` FROM webhook_deliveries d
WHERE `+where+` ORDER BY d.next_attempt_at, d.id LIMIT ?`+s.skipLocked()), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := s.d.Time(c.Now.Add(c.Lease))
		for i := range out {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE webhook_deliveries SET lease_until = ? WHERE id = ?`), until, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("claim deliveries", err)
	}
	return out, nil
}

// RecordAttempt implements hindsight.WebhookStore.
func (s *Store) RecordAttempt(ctx context.Context, a hindsight.DeliveryAttempt) error {
	status := hindsight.DeliveryPending
	var next, delivered any
	switch {
	case a.OK:
		status = hindsight.DeliveryDelivered
		delivered = s.d.Time(a.At)
	case a.Next.IsZero():
		status = hindsight.DeliveryFailed
	default:
		next = s.d.Time(a.Next)
	}
	msg := clean(a.Error)
	if len(msg) > 1000 {
		msg = clean(msg[:1000])
	}
	res, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = ?,
next_attempt_at = ?, lease_until = NULL, delivered_at = ?, updated_at = ? WHERE id = ?`), status, a.StatusCode, msg, next, delivered, s.d.Time(a.At), a.ID)
	if err != nil {
		return internal("record attempt", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal("record attempt", err)
	} else if n == 0 {
		return hindsight.Errorf(hindsight.ENotFound, "delivery %d not found", a.ID)
	}
	return nil
}

// Redeliver implements hindsight.WebhookStore.
func (s *Store) Redeliver(ctx context.Context, id int64, now time.Time, retryFor time.Duration) error {
	res, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, retry_until = ?, updated_at = ? WHERE id = ?`),
		hindsight.DeliveryPending, s.d.Time(now), s.d.Time(now.Add(retryFor)), s.d.Time(now), id)
	if err != nil {
		return internal("redeliver", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal("redeliver", err)
	} else if n == 0 {
		return hindsight.Errorf(hindsight.ENotFound, "delivery %d not found", id)
	}
	return nil
}

// FindDeliveries implements hindsight.WebhookStore.
func (s *Store) FindDeliveries(ctx context.Context, f hindsight.DeliveryFilter) ([]hindsight.WebhookDelivery, error) {
	var c cond
	if f.SubscriptionID != 0 {
		c.add(`subscription_id = ?`, f.SubscriptionID)
	}
	if f.Status != "" {
		c.add(`status = ?`, clean(f.Status))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT `+deliveryCols+` FROM webhook_deliveries WHERE `+c.String()+` ORDER BY id DESC LIMIT ?`), append(c.args, limit)...)
	if err != nil {
		return nil, internal("find deliveries", err)
	}
	defer rows.Close()
	out := []hindsight.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, internal("find deliveries", err)
		}
		out = append(out, *d)
	}
	return out, internal("find deliveries", rows.Err())
}

// FindDeliveryByID implements hindsight.WebhookStore.
func (s *Store) FindDeliveryByID(ctx context.Context, id int64) (*hindsight.WebhookDelivery, error) {
	d, err := scanDelivery(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "delivery %d not found", id)
	}
	if err != nil {
		return nil, internal("find delivery", err)
	}
	return d, nil
}

// queueOnce runs mark, an INSERT ... ON CONFLICT DO NOTHING that records
// an announcement (which event, for which incident and date), and queues ev
// in the outbox only when mark inserted its row: an event announced before
// is not queued again. It reports whether ev was queued.
func (s *Store) queueOnce(ctx context.Context, tx *sql.Tx, mark string, args []any, ev hindsight.OutboxEvent) (bool, error) {
	res, err := tx.ExecContext(ctx, s.d.Rebind(mark), args...)
	if err != nil {
		return false, err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return false, err
	}
	payload := ev.Payload
	if payload == nil {
		payload = []byte{}
	}
	_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO outbox (at, incident_id, event, payload) VALUES (?, ?, ?, ?)`),
		s.d.Time(ev.At), ev.IncidentID, ev.Event, payload)
	return err == nil, err
}

// QueueOverdue implements hindsight.WebhookStore.
func (s *Store) QueueOverdue(ctx context.Context, items []hindsight.OverdueItem, at time.Time) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			if !storable(it.IncidentID) || !storable(it.ItemKey) {
				return hindsight.Errorf(hindsight.EInvalid, "overdue item %s %s: not storable text", it.IncidentID, it.ItemKey)
			}
			queued, err := s.queueOnce(ctx, tx, `INSERT INTO webhook_overdue_sent (incident_id, item_key, target_date, at) VALUES (?, ?, ?, ?)
ON CONFLICT (incident_id, item_key, target_date) DO NOTHING`, []any{it.IncidentID, it.ItemKey, s.d.Date(it.TargetDate), s.d.Time(at)},
				hindsight.OutboxEvent{At: at, IncidentID: it.IncidentID, Event: hindsight.EventActionItemOverdue, Payload: it.Payload})
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
		return 0, internal(fmt.Sprintf("queue %d overdue items", len(items)), err)
	}
	return n, nil
}
