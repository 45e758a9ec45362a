package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.MailStore = (*Store)(nil)

// mailGapKeep is how long an outbox ID the mail cursor passed without
// seeing it is looked for again: on PostgreSQL a transaction can commit
// an event with a lower ID after one with a higher ID was read (a rolled
// back transaction leaves a gap for good).
const mailGapKeep = 10 * time.Minute

// mailGapMax bounds the gaps remembered in one pass (a sequence jump after
// a crash is not worth thousands of rows).
const mailGapMax = 1000

func newUnsubscribeToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func scanMailSettings(sc interface{ Scan(...any) error }) (*hindsight.MailSettings, error) {
	var m hindsight.MailSettings
	var p string
	if err := sc.Scan(&m.AccountID, &p, &m.UnsubscribeToken, timeScan{&m.UpdatedAt}); err != nil {
		return nil, err
	}
	m.Preference = hindsight.MailPreference(p)
	return &m, nil
}

const mailSettingsCols = `account_id, preference, unsubscribe_token, updated_at`

// MailSettingsFor implements hindsight.MailStore.
func (s *Store) MailSettingsFor(ctx context.Context, accountID string) (*hindsight.MailSettings, error) {
	if !storable(accountID) || accountID == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "mail settings: account ID must be non-empty valid UTF-8")
	}
	m, err := scanMailSettings(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+mailSettingsCols+` FROM mail_settings WHERE account_id = ?`), accountID))
	if err == nil {
		return m, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, internal("mail settings", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO mail_settings (account_id, preference, unsubscribe_token, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id) DO NOTHING`), accountID, string(hindsight.MailImmediate), newUnsubscribeToken(), s.d.Time(s.now()))
		if err != nil {
			return err
		}
		m, err = scanMailSettings(tx.QueryRowContext(ctx, s.d.Rebind(`SELECT `+mailSettingsCols+` FROM mail_settings WHERE account_id = ?`), accountID))
		return err
	})
	if err != nil {
		return nil, internal("mail settings", err)
	}
	return m, nil
}

// FindMailSettingsByToken implements hindsight.MailStore.
func (s *Store) FindMailSettingsByToken(ctx context.Context, token string) (*hindsight.MailSettings, error) {
	notFound := hindsight.Errorf(hindsight.ENotFound, "this unsubscribe link is not valid (it may be cut short: open the whole link from the email)")
	if token == "" || !storable(token) {
		return nil, notFound
	}
	m, err := scanMailSettings(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+mailSettingsCols+` FROM mail_settings WHERE unsubscribe_token = ?`), token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound
	}
	if err != nil {
		return nil, internal("find mail settings", err)
	}
	return m, nil
}

// SetMailPreference implements hindsight.MailStore.
func (s *Store) SetMailPreference(ctx context.Context, accountID string, p hindsight.MailPreference, audit []hindsight.AuditEntry) (*hindsight.MailSettings, error) {
	if _, err := hindsight.ParseMailPreference(string(p)); err != nil {
		return nil, err
	}
	if !storable(accountID) || accountID == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "mail settings: account ID must be non-empty valid UTF-8")
	}
	now := s.now()
	var m *hindsight.MailSettings
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO mail_settings (account_id, preference, unsubscribe_token, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (account_id) DO UPDATE SET preference = excluded.preference, updated_at = excluded.updated_at`), accountID, string(p), newUnsubscribeToken(), s.d.Time(now))
		if err != nil {
			return err
		}
		if err := s.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		m, err = scanMailSettings(tx.QueryRowContext(ctx, s.d.Rebind(`SELECT `+mailSettingsCols+` FROM mail_settings WHERE account_id = ?`), accountID))
		return err
	})
	if err != nil {
		return nil, internal("set mail preference", err)
	}
	return m, nil
}

// ConsumeMailEvents implements hindsight.MailStore.
func (s *Store) ConsumeMailEvents(ctx context.Context, c hindsight.MailConsume) (int, error) {
	limit := c.Limit
	if limit <= 0 {
		limit = 100
	}
	// nothing new (the usual case, asked every second): answered by a
	// reader, without taking the writer
	// (two lookups by primary key: an OR of both would scan the outbox)
	var cursor int64
	err := s.rq.QueryRowContext(ctx, `SELECT last_id FROM mail_cursor WHERE name = 'outbox'`).Scan(&cursor)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, internal("consume mail events", err)
	}
	var one int
	err = s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM outbox WHERE id > ? ORDER BY id LIMIT 1`), cursor).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.rq.QueryRowContext(ctx, `SELECT 1 FROM mail_cursor_gaps g JOIN outbox o ON o.id = g.outbox_id LIMIT 1`).Scan(&one)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return 0, s.expireMailGaps(ctx, c.Now)
	}
	if err != nil {
		return 0, internal("consume mail events", err)
	}
	n := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT last_id FROM mail_cursor WHERE name = 'outbox'`+s.forUpdate()).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO mail_cursor (name, last_id) VALUES ('outbox', 0)`); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		// events that were gaps and have arrived since
		late, err := s.readMailEvents(ctx, tx, `SELECT o.id, o.at, o.incident_id, o.event, o.payload FROM outbox o
JOIN mail_cursor_gaps g ON g.outbox_id = o.id ORDER BY o.id`)
		if err != nil {
			return err
		}
		for _, ev := range late {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM mail_cursor_gaps WHERE outbox_id = ?`), ev.OutboxID); err != nil {
				return err
			}
		}
		evs, err := s.readMailEvents(ctx, tx, s.d.Rebind(`SELECT id, at, incident_id, event, payload FROM outbox WHERE id > ? ORDER BY id LIMIT ?`), last, limit)
		if err != nil {
			return err
		}
		gaps := 0
		next := last + 1
		for _, ev := range evs {
			for id := next; id < ev.OutboxID && gaps < mailGapMax; id++ {
				if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO mail_cursor_gaps (outbox_id, seen_at) VALUES (?, ?) ON CONFLICT (outbox_id) DO NOTHING`), id, s.d.Time(c.Now)); err != nil {
					return err
				}
				gaps++
			}
			next = ev.OutboxID + 1
		}
		for _, ev := range append(late, evs...) {
			if err := s.queueMail(ctx, tx, c, ev); err != nil {
				return err
			}
			n++
		}
		if len(evs) > 0 {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE mail_cursor SET last_id = ? WHERE name = 'outbox'`), evs[len(evs)-1].OutboxID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, internal("consume mail events", err)
	}
	return n, s.expireMailGaps(ctx, c.Now)
}

// expireMailGaps forgets gaps older than mailGapKeep.
func (s *Store) expireMailGaps(ctx context.Context, now time.Time) error {
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM mail_cursor_gaps WHERE seen_at < ? LIMIT 1`), s.d.Time(now.Add(-mailGapKeep))).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err == nil {
		_, err = s.w.ExecContext(ctx, s.d.Rebind(`DELETE FROM mail_cursor_gaps WHERE seen_at < ?`), s.d.Time(now.Add(-mailGapKeep)))
	}
	return internal("expire mail gaps", err)
}

func (s *Store) readMailEvents(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]hindsight.MailEvent, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hindsight.MailEvent
	for rows.Next() {
		var ev hindsight.MailEvent
		if err := rows.Scan(&ev.OutboxID, timeScan{&ev.At}, &ev.IncidentID, &ev.Event, &ev.Payload); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// queueMail queues ev for each of its recipients by their preference.
func (s *Store) queueMail(ctx context.Context, tx *sql.Tx, c hindsight.MailConsume, ev hindsight.MailEvent) error {
	if c.Recipients == nil {
		return nil
	}
	recips := slices.Clone(c.Recipients(ev))
	slices.Sort(recips)
	recips = slices.Compact(recips)
	for _, acct := range recips {
		if acct == "" || !storable(acct) {
			continue
		}
		pref := string(hindsight.MailImmediate)
		err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT preference FROM mail_settings WHERE account_id = ?`), acct).Scan(&pref)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		status := hindsight.MailPending
		var next, until any = s.d.Time(c.Now), s.d.Time(c.Now.Add(c.RetryFor))
		switch hindsight.MailPreference(pref) {
		case hindsight.MailOff:
			continue
		case hindsight.MailDigest:
			status, next, until = hindsight.MailHeld, nil, nil
		}
		_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO mail_messages (account_id, kind, outbox_id, event, incident_id, payload, status,
event_at, next_attempt_at, retry_until, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (account_id, outbox_id) DO NOTHING`), acct, hindsight.MailKindEvent, ev.OutboxID, clean(ev.Event), clean(ev.IncidentID), ev.Payload, status,
			s.d.Time(ev.At), next, until, s.d.Time(c.Now), s.d.Time(c.Now))
		if err != nil {
			return err
		}
	}
	return nil
}

// BuildDigests implements hindsight.MailStore.
func (s *Store) BuildDigests(ctx context.Context, cutoff, now time.Time, retryFor time.Duration) (int, error) {
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM mail_messages WHERE status = ? AND created_at < ? LIMIT 1`), hindsight.MailHeld, s.d.Time(cutoff)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, internal("build digests", err)
	}
	n := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if s.postgres() {
			// one digest pass at a time: two would each make a digest of
			// the same held events
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7316029905)`); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT account_id, min(event_at) FROM mail_messages WHERE status = ? AND created_at < ? GROUP BY account_id ORDER BY account_id`),
			hindsight.MailHeld, s.d.Time(cutoff))
		if err != nil {
			return err
		}
		type acct struct {
			id    string
			first time.Time
		}
		var accts []acct
		for rows.Next() {
			var a acct
			if err := rows.Scan(&a.id, timeScan{&a.first}); err != nil {
				rows.Close()
				return err
			}
			accts = append(accts, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range accts {
			var id int64
			err := tx.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO mail_messages (account_id, kind, status, event_at, next_attempt_at, retry_until, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.id, hindsight.MailKindDigest, hindsight.MailPending, s.d.Time(a.first), s.d.Time(now),
				s.d.Time(now.Add(retryFor)), s.d.Time(now), s.d.Time(now)).Scan(&id)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE mail_messages SET status = ?, digest_id = ?, updated_at = ? WHERE account_id = ? AND status = ? AND created_at < ?`),
				hindsight.MailDigested, id, s.d.Time(now), a.id, hindsight.MailHeld, s.d.Time(cutoff)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, internal("build digests", err)
	}
	return n, nil
}

const mailCols = `id, account_id, kind, outbox_id, event, incident_id, payload, status, digest_id, attempts, last_error,
event_at, next_attempt_at, retry_until, created_at, sent_at`

func scanMail(sc interface{ Scan(...any) error }) (*hindsight.MailMessage, error) {
	var m hindsight.MailMessage
	var outbox, digest sql.NullInt64
	err := sc.Scan(&m.ID, &m.AccountID, &m.Kind, &outbox, &m.Event, &m.IncidentID, &m.Payload, &m.Status, &digest, &m.Attempts, &m.LastError,
		timeScan{&m.EventAt}, timeScan{&m.NextAttempt}, timeScan{&m.RetryUntil}, timeScan{&m.CreatedAt}, timeScan{&m.SentAt})
	if err != nil {
		return nil, err
	}
	m.OutboxID, m.DigestID = outbox.Int64, digest.Int64
	return &m, nil
}

func (s *Store) scanMails(rows *sql.Rows) ([]hindsight.MailMessage, error) {
	defer rows.Close()
	out := []hindsight.MailMessage{}
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

// digestItems fills in the Items of the digests among ms.
func (s *Store) digestItems(ctx context.Context, q querier, ms []hindsight.MailMessage) error {
	for i := range ms {
		if ms[i].Kind != hindsight.MailKindDigest {
			continue
		}
		rows, err := q.QueryContext(ctx, s.d.Rebind(`SELECT `+mailCols+` FROM mail_messages WHERE digest_id = ? ORDER BY event_at, id`), ms[i].ID)
		if err != nil {
			return err
		}
		if ms[i].Items, err = s.scanMails(rows); err != nil {
			return err
		}
	}
	return nil
}

// ClaimMail implements hindsight.MailStore.
func (s *Store) ClaimMail(ctx context.Context, c hindsight.MailClaim) ([]hindsight.MailMessage, error) {
	limit := c.Limit
	if limit <= 0 {
		limit = 10
	}
	now := s.d.Time(c.Now)
	where := `status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`
	args := []any{hindsight.MailPending, now, now}
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM mail_messages WHERE `+where+` LIMIT 1`), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, internal("claim mail", err)
	}
	var out []hindsight.MailMessage
	err = s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.d.Rebind(`SELECT `+mailCols+` FROM mail_messages WHERE `+where+` ORDER BY next_attempt_at, id LIMIT ?`+s.skipLocked()), append(args, limit)...)
		if err != nil {
			return err
		}
		if out, err = s.scanMails(rows); err != nil {
			return err
		}
		until := s.d.Time(c.Now.Add(c.Lease))
		for i := range out {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE mail_messages SET lease_until = ? WHERE id = ?`), until, out[i].ID); err != nil {
				return err
			}
		}
		return s.digestItems(ctx, tx, out)
	})
	if err != nil {
		return nil, internal("claim mail", err)
	}
	return out, nil
}

// RecordMailAttempt implements hindsight.MailStore.
func (s *Store) RecordMailAttempt(ctx context.Context, a hindsight.MailAttempt) error {
	status := hindsight.MailPending
	var next, sent any
	tries := 1
	switch {
	case a.OK:
		status, sent = hindsight.MailSent, s.d.Time(a.At)
	case a.Drop:
		status, tries = hindsight.MailDropped, 0
	case a.Next.IsZero():
		status = hindsight.MailFailed
	default:
		next = s.d.Time(a.Next)
	}
	msg := clean(a.Error)
	if len(msg) > 1000 {
		msg = clean(msg[:1000])
	}
	res, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE mail_messages SET status = ?, attempts = attempts + ?, last_error = ?,
next_attempt_at = ?, lease_until = NULL, sent_at = ?, updated_at = ? WHERE id = ?`), status, tries, msg, next, sent, s.d.Time(a.At), a.ID)
	if err != nil {
		return internal("record mail attempt", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal("record mail attempt", err)
	} else if n == 0 {
		return hindsight.Errorf(hindsight.ENotFound, "mail message %d not found", a.ID)
	}
	return nil
}

// FindMail implements hindsight.MailStore.
func (s *Store) FindMail(ctx context.Context, f hindsight.MailFilter) ([]hindsight.MailMessage, error) {
	var c cond
	if f.AccountID != "" {
		c.add(`account_id = ?`, clean(f.AccountID))
	}
	if f.Status != "" {
		c.add(`status = ?`, clean(f.Status))
	}
	if f.Kind != "" {
		c.add(`kind = ?`, clean(f.Kind))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT `+mailCols+` FROM mail_messages WHERE `+c.String()+` ORDER BY id DESC LIMIT ?`), append(c.args, limit)...)
	if err != nil {
		return nil, internal("find mail", err)
	}
	out, err := s.scanMails(rows)
	if err != nil {
		return nil, internal("find mail", err)
	}
	return out, internal("find mail", s.digestItems(ctx, s.r, out))
}

// CountMail implements hindsight.MailStore.
func (s *Store) CountMail(ctx context.Context) (map[string]int, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT status, count(*) FROM mail_messages GROUP BY status`)
	if err != nil {
		return nil, internal("count mail", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, internal("count mail", err)
		}
		out[st] = n
	}
	return out, internal("count mail", rows.Err())
}

// PruneMail implements hindsight.MailStore.
func (s *Store) PruneMail(ctx context.Context, before time.Time) (int, error) {
	done := []any{hindsight.MailSent, hindsight.MailFailed, hindsight.MailDropped}
	var one int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM mail_messages WHERE status IN (?, ?, ?) AND updated_at < ? LIMIT 1`), append(done, s.d.Time(before))...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, internal("prune mail", err)
	}
	n := 0
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM mail_messages WHERE status = ? AND digest_id IN
(SELECT id FROM mail_messages WHERE kind = ? AND status IN (?, ?, ?) AND updated_at < ?)`), append([]any{hindsight.MailDigested, hindsight.MailKindDigest}, append(done, s.d.Time(before))...)...)
		if err != nil {
			return err
		}
		items, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM mail_messages WHERE status IN (?, ?, ?) AND updated_at < ?`), append(done, s.d.Time(before))...)
		if err != nil {
			return err
		}
		msgs, err := res.RowsAffected()
		n = int(items + msgs)
		return err
	})
	if err != nil {
		return 0, internal("prune mail", err)
	}
	return n, nil
}
