package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.IdentityStore = (*Store)(nil)

// FindUserByIdentity implements hindsight.IdentityStore.
func (s *Store) FindUserByIdentity(ctx context.Context, issuer, subject string) (*hindsight.User, error) {
	if !storable(issuer) || !storable(subject) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "no account is linked to that identity")
	}
	u, err := scanUser(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+joinedUserCols+`
FROM identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ? AND i.subject = ?`), issuer, subject))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hindsight.Errorf(hindsight.ENotFound, "no account is linked to that identity")
	}
	return u, internal("find account by identity", err)
}

// FindIdentities implements hindsight.IdentityStore.
func (s *Store) FindIdentities(ctx context.Context, userID string) ([]hindsight.Identity, error) {
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT issuer, subject, user_id, created_at FROM identities WHERE user_id = ? ORDER BY issuer`), clean(userID))
	if err != nil {
		return nil, internal("find identities", err)
	}
	defer rows.Close()
	var out []hindsight.Identity
	for rows.Next() {
		var id hindsight.Identity
		if err := rows.Scan(&id.Issuer, &id.Subject, &id.UserID, timeScan{&id.CreatedAt}); err != nil {
			return nil, internal("find identities", err)
		}
		out = append(out, id)
	}
	return out, internal("find identities", rows.Err())
}

func validIdentity(id hindsight.Identity) error {
	if id.Issuer == "" || id.Subject == "" || !storable(id.Issuer) || !storable(id.Subject) || len(id.Issuer) > 2000 || len(id.Subject) > 255 {
		return hindsight.Errorf(hindsight.EInvalid, "identity: issuer (at most 2,000 bytes) and subject (at most 255) are required, as text")
	}
	return nil
}

// CreateLinkedUser implements hindsight.IdentityStore.
func (s *Store) CreateLinkedUser(ctx context.Context, u *hindsight.User, id hindsight.Identity, audit []hindsight.AuditEntry) error {
	if u == nil || u.ID == "" || u.Email == "" || !u.Role.Valid() || u.PasswordHash == "" ||
		!storable(u.ID) || !storable(u.Email) || !storable(u.Name) {
		return hindsight.Errorf(hindsight.EInvalid, "create account: ID, email, role and password hash are required, as text")
	}
	if err := validIdentity(id); err != nil {
		return err
	}
	now := s.now()
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt, u.UpdatedAt = now, now
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.createUser(ctx, tx, u, now, false, "", audit); err != nil {
			return err
		}
		id.UserID = u.ID
		return s.insertIdentity(ctx, tx, id, now)
	})
	return internal("create linked account", err)
}

func (s *Store) insertIdentity(ctx context.Context, tx *sql.Tx, id hindsight.Identity, now time.Time) error {
	var one int
	err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM identities WHERE (issuer = ? AND subject = ?) OR (issuer = ? AND user_id = ?)`),
		id.Issuer, id.Subject, id.Issuer, id.UserID).Scan(&one)
	if err == nil {
		return hindsight.Errorf(hindsight.EConflict, "that identity, or another of the same provider, is linked to an account already")
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)`),
		id.Issuer, id.Subject, id.UserID, s.d.Time(now))
	if s.d.IsUniqueViolation(err) {
		return hindsight.Errorf(hindsight.EConflict, "that identity, or another of the same provider, is linked to an account already")
	}
	return err
}

// LinkIdentity implements hindsight.IdentityStore.
func (s *Store) LinkIdentity(ctx context.Context, id hindsight.Identity, audit []hindsight.AuditEntry) error {
	if err := validIdentity(id); err != nil {
		return err
	}
	if !storable(id.UserID) {
		return userNotFound(id.UserID)
	}
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE users SET link_on_sign_in = ?, updated_at = ? WHERE id = ?`), false, s.d.Time(now), id.UserID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return userNotFound(id.UserID)
		}
		if err := s.insertIdentity(ctx, tx, id, now); err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, now, audit)
	})
	return internal("link identity", err)
}

// UpdateSessionExternal implements hindsight.IdentityStore.
func (s *Store) UpdateSessionExternal(ctx context.Context, idHash string, ext hindsight.ExternalSession) error {
	res, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE sessions SET ext_issuer = ?, ext_refresh_token = ?, ext_refresh_at = ?, ext_id_token = ? WHERE id_hash = ?`),
		clean(ext.Issuer), clean(ext.RefreshToken), s.d.Time(ext.RefreshAt), clean(ext.IDToken), clean(idHash))
	if err != nil {
		return internal("update session", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return internal("update session", err)
	} else if n == 0 {
		return hindsight.Errorf(hindsight.ENotFound, "no such session")
	}
	return nil
}

// EndUserSessions implements hindsight.IdentityStore.
func (s *Store) EndUserSessions(ctx context.Context, userID string, audit []hindsight.AuditEntry) error {
	now := s.now()
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM sessions WHERE user_id = ?`), clean(userID)); err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, now, audit)
	})
	return internal("end sessions", err)
}
