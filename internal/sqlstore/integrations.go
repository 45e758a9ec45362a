package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.AlertStore = (*Store)(nil)

// ClaimAlertEvents implements hindsight.AlertStore.
func (s *Store) ClaimAlertEvents(ctx context.Context, source, batch string, keys []string, at time.Time) ([]string, []hindsight.AlertEvent, error) {
	if !storable(source) || !storable(batch) || source == "" || batch == "" {
		return nil, nil, hindsight.Errorf(hindsight.EInvalid, "claim alert events: source and batch must be non-empty text")
	}
	var claimed []string
	var existing []hindsight.AlertEvent
	err := s.tx(ctx, func(tx *sql.Tx) error {
		seen := map[string]bool{}
		for _, k := range keys {
			k = clean(k)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			res, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO alert_events (source, key, batch, state, incident_id, at)
VALUES (?, ?, ?, ?, '', ?) ON CONFLICT (source, key) DO NOTHING`), source, k, batch, hindsight.AlertPending, s.d.Time(at))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 1 {
				claimed = append(claimed, k)
				continue
			}
			e := hindsight.AlertEvent{Source: source, Key: k}
			err = tx.QueryRowContext(ctx, s.d.Rebind(`SELECT batch, state, incident_id, at FROM alert_events WHERE source = ? AND key = ?`), source, k).
				Scan(&e.Batch, &e.State, &e.IncidentID, timeScan{&e.At})
			if err != nil {
				return err
			}
			existing = append(existing, e)
		}
		return nil
	})
	if err != nil {
		return nil, nil, internal("claim alert events", err)
	}
	return claimed, existing, nil
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

// FinishAlertEvents implements hindsight.AlertStore.
func (s *Store) FinishAlertEvents(ctx context.Context, source, batch, incidentID string, group *hindsight.AlertGroup) error {
	return internal("finish alert events", s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE alert_events SET state = ?, incident_id = ? WHERE source = ? AND batch = ? AND state = ?`),
			hindsight.AlertDone, clean(incidentID), clean(source), clean(batch), hindsight.AlertPending); err != nil {
			return err
		}
		if group == nil {
			return nil
		}
		return s.putAlertGroup(ctx, tx, *group)
	}))
}

// ReleaseAlertEvents implements hindsight.AlertStore.
func (s *Store) ReleaseAlertEvents(ctx context.Context, source, batch string) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`DELETE FROM alert_events WHERE source = ? AND batch = ? AND state = ?`),
		clean(source), clean(batch), hindsight.AlertPending)
	return internal("release alert events", err)
}

// FindAlertBatch implements hindsight.AlertStore. It scans revision
// messages, so it is for recovering a batch left pending by a crash, not for
// every delivery.
func (s *Store) FindAlertBatch(ctx context.Context, batch string) (string, error) {
	if batch == "" || !storable(batch) || strings.ContainsAny(batch, `%_\`) {
		return "", hindsight.Errorf(hindsight.EInvalid, "find alert batch: bad batch ID %q", batch)
	}
	var id string
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT incident_id FROM revisions WHERE message LIKE ? ORDER BY at DESC LIMIT 1`),
		"%"+hindsight.BatchMarker(batch)+"%").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", internal("find alert batch", err)
	}
	return id, nil
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
