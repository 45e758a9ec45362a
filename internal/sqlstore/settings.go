package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.SettingStore = (*Store)(nil)

const settingCols = `name, value, version, updated_at, updated_by`

func scanSetting(sc interface{ Scan(...any) error }) (*hindsight.Setting, error) {
	var st hindsight.Setting
	if err := sc.Scan(&st.Key, &st.Value, &st.Version, timeScan{&st.UpdatedAt}, &st.UpdatedBy); err != nil {
		return nil, err
	}
	return &st, nil
}

func checkSettingKey(key string) error {
	if key == "" || len(key) > 100 || !storable(key) {
		return hindsight.Errorf(hindsight.EInvalid, "setting: the name must be 1 to 100 bytes of valid UTF-8")
	}
	return nil
}

// FindSetting implements hindsight.SettingStore.
func (s *Store) FindSetting(ctx context.Context, key string) (*hindsight.Setting, error) {
	if err := checkSettingKey(key); err != nil {
		return nil, err
	}
	st, err := scanSetting(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+settingCols+` FROM settings WHERE name = ?`), key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "setting %q not found", key)
	}
	if err != nil {
		return nil, internal("find setting", err)
	}
	return st, nil
}

// PutSetting implements hindsight.SettingStore.
func (s *Store) PutSetting(ctx context.Context, p hindsight.SettingPut) (*hindsight.Setting, error) {
	if err := checkSettingKey(p.Key); err != nil {
		return nil, err
	}
	if !storable(p.Value) || !storable(p.By) {
		return nil, hindsight.Errorf(hindsight.EInvalid, "setting %q: the value must be valid UTF-8 without NUL", p.Key)
	}
	if len(p.Value) > hindsight.MaxSettingBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "setting %q is %d bytes; the limit is %d", p.Key, len(p.Value), hindsight.MaxSettingBytes)
	}
	if p.Base < 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "setting %q: base version %d", p.Key, p.Base)
	}
	now := s.now()
	var out *hindsight.Setting
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if p.Base == 0 {
			res, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO settings (`+settingCols+`) VALUES (?, ?, 1, ?, ?) ON CONFLICT (name) DO NOTHING`),
				p.Key, p.Value, s.d.Time(now), p.By)
		} else {
			res, err = tx.ExecContext(ctx, s.d.Rebind(`UPDATE settings SET value = ?, version = version + 1, updated_at = ?, updated_by = ? WHERE name = ? AND version = ?`),
				p.Value, s.d.Time(now), p.By, p.Key, p.Base)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := scanSetting(tx.QueryRowContext(ctx, s.d.Rebind(`SELECT `+settingCols+` FROM settings WHERE name = ?`), p.Key))
			if errors.Is(err, sql.ErrNoRows) {
				return hindsight.Errorf(hindsight.EConflict, "setting %q: version %d was asked for but it was never saved (or was removed)", p.Key, p.Base)
			}
			if err != nil {
				return err
			}
			return &hindsight.Error{Code: hindsight.EConflict,
				Message: fmt.Sprintf("setting %q was saved by %s at %s (version %d) after the version %d you started from",
					p.Key, cur.UpdatedBy, cur.UpdatedAt.UTC().Format("2006-01-02 15:04 UTC"), cur.Version, p.Base)}
		}
		if err := s.writeAudit(ctx, tx, now, p.Audit); err != nil {
			return err
		}
		out, err = scanSetting(tx.QueryRowContext(ctx, s.d.Rebind(`SELECT `+settingCols+` FROM settings WHERE name = ?`), p.Key))
		return err
	})
	if err != nil {
		return nil, internal("put setting", err)
	}
	return out, nil
}
