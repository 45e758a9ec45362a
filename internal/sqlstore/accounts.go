package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

var _ hindsight.AccountStore = (*Store)(nil)

const userCols = `id, email, name, role, password_hash, disabled, created_at, updated_at, last_login_at, break_glass, link_on_sign_in`

// joinedUserCols are userCols of a users table aliased u.
const joinedUserCols = `u.id, u.email, u.name, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at, u.last_login_at, u.break_glass, u.link_on_sign_in`

// userDest is where Scan puts userCols.
func userDest(u *hindsight.User) []any {
	return []any{&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled,
		timeScan{&u.CreatedAt}, timeScan{&u.UpdatedAt}, timeScan{&u.LastLoginAt}, &u.BreakGlass, &u.LinkOnSignIn}
}

func scanUser(sc interface{ Scan(...any) error }) (*hindsight.User, error) {
	var u hindsight.User
	if err := sc.Scan(userDest(&u)...); err != nil {
		return nil, err
	}
	return &u, nil
}

func userNotFound(what string) error {
	return hindsight.Errorf(hindsight.ENotFound, "account %q not found", what)
}

// CountUsers implements hindsight.AccountStore.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.rq.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, internal("count users", err)
}

// CreateUser implements hindsight.AccountStore.
func (s *Store) CreateUser(ctx context.Context, u *hindsight.User, firstAdmin bool, setupHash string, audit []hindsight.AuditEntry) error {
	if u == nil || u.ID == "" || u.Email == "" || !u.Role.Valid() || u.PasswordHash == "" ||
		!storable(u.ID) || !storable(u.Email) || !storable(u.Name) {
		return hindsight.Errorf(hindsight.EInvalid, "create account: ID, email, role and password hash are required, as text")
	}
	now := s.now()
	u.Email = strings.ToLower(u.Email)
	u.CreatedAt, u.UpdatedAt = now, now
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return s.createUser(ctx, tx, u, now, firstAdmin, setupHash, audit)
	})
	return internal("create account", err)
}

// createUser is CreateUser within tx.
func (s *Store) createUser(ctx context.Context, tx *sql.Tx, u *hindsight.User, now time.Time, firstAdmin bool, setupHash string, audit []hindsight.AuditEntry) error {
	{
		if firstAdmin {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return hindsight.Errorf(hindsight.EConflict, "an account already exists: the first admin is set up")
			}
			if setupHash != "" {
				var one int
				err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM setup_tokens WHERE hash = ?`), clean(setupHash)).Scan(&one)
				if errors.Is(err, sql.ErrNoRows) {
					return hindsight.Errorf(hindsight.ENotFound, "the setup link is not valid or was used")
				}
				if err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM setup_tokens`); err != nil {
				return err
			}
		}
		var one int
		err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM users WHERE email = ?`), u.Email).Scan(&one)
		if err == nil {
			return hindsight.Errorf(hindsight.EConflict, "an account with the email %q exists", u.Email)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO users (`+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			u.ID, u.Email, u.Name, string(u.Role), u.PasswordHash, u.Disabled, s.d.Time(now), s.d.Time(now), s.d.Time(u.LastLoginAt),
			u.BreakGlass, u.LinkOnSignIn)
		if s.d.IsUniqueViolation(err) {
			// another transaction added the email since the check above
			return hindsight.Errorf(hindsight.EConflict, "an account with the email %q exists", u.Email)
		}
		if err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, now, audit)
	}
}

// FindUserByID implements hindsight.AccountStore.
func (s *Store) FindUserByID(ctx context.Context, id string) (*hindsight.User, error) {
	if !storable(id) {
		return nil, userNotFound(id)
	}
	u, err := scanUser(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userNotFound(id)
	}
	return u, internal("find account", err)
}

// FindUserByEmail implements hindsight.AccountStore.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*hindsight.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !storable(email) {
		return nil, userNotFound(email)
	}
	u, err := scanUser(s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT `+userCols+` FROM users WHERE email = ?`), email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userNotFound(email)
	}
	return u, internal("find account", err)
}

// FindUsers implements hindsight.AccountStore.
func (s *Store) FindUsers(ctx context.Context) ([]hindsight.User, error) {
	rows, err := s.rq.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY email`)
	if err != nil {
		return nil, internal("find accounts", err)
	}
	defer rows.Close()
	var out []hindsight.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, internal("find accounts", err)
		}
		out = append(out, *u)
	}
	return out, internal("find accounts", rows.Err())
}

// UpdateUser implements hindsight.AccountStore.
func (s *Store) UpdateUser(ctx context.Context, id string, up hindsight.UserUpdate, audit []hindsight.AuditEntry) (*hindsight.User, error) {
	if !storable(id) {
		return nil, userNotFound(id)
	}
	if up.Role != nil && !up.Role.Valid() {
		return nil, hindsight.Errorf(hindsight.EInvalid, "role %q: want viewer, editor or admin", *up.Role)
	}
	now := s.now()
	var u *hindsight.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if (up.Role != nil && *up.Role != hindsight.RoleAdmin) || (up.Disabled != nil && *up.Disabled) {
			if err := s.keepAnAdmin(ctx, tx, id); err != nil {
				return err
			}
		}
		var c cond
		c.add(`updated_at = ?`, s.d.Time(now))
		if up.Name != nil {
			c.add(`name = ?`, clean(*up.Name))
		}
		if up.Role != nil {
			c.add(`role = ?`, string(*up.Role))
		}
		if up.PasswordHash != nil {
			c.add(`password_hash = ?`, clean(*up.PasswordHash))
		}
		if up.Disabled != nil {
			c.add(`disabled = ?`, *up.Disabled)
		}
		if up.BreakGlass != nil {
			c.add(`break_glass = ?`, *up.BreakGlass)
		}
		if up.LinkOnSignIn != nil {
			c.add(`link_on_sign_in = ?`, *up.LinkOnSignIn)
		}
		args := append(c.args, id)
		res, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE users SET `+strings.Join(c.parts, ", ")+` WHERE id = ?`), args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return userNotFound(id)
		}
		if up.EndSessions {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`DELETE FROM sessions WHERE user_id = ?`), id); err != nil {
				return err
			}
		}
		if up.RevokeTokens {
			if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`), s.d.Time(now), id); err != nil {
				return err
			}
		}
		if err := s.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		u, err = scanUser(tx.QueryRowContext(ctx, s.d.Rebind(`SELECT `+userCols+` FROM users WHERE id = ?`), id))
		return err
	})
	if err != nil {
		return nil, internal("update account", err)
	}
	return u, nil
}

// keepAnAdmin refuses (EConflict) to let account id stop being an active
// admin when it is the last one. It locks the rows of the active admins
// first (PostgreSQL: FOR UPDATE, in ID order so concurrent callers queue
// instead of deadlocking; a waiter then sees the committed rows. SQLite:
// the writer's BEGIN IMMEDIATE already serializes), so the check holds
// until the transaction commits.
func (s *Store) keepAnAdmin(ctx context.Context, tx *sql.Tx, id string) error {
	q := `SELECT id, email FROM users WHERE role = ? AND disabled = ? ORDER BY id`
	if s.postgres() {
		q += ` FOR UPDATE`
	}
	rows, err := tx.QueryContext(ctx, s.d.Rebind(q), string(hindsight.RoleAdmin), false)
	if err != nil {
		return err
	}
	defer rows.Close()
	n, email := 0, ""
	for rows.Next() {
		var aid, aemail string
		if err := rows.Scan(&aid, &aemail); err != nil {
			return err
		}
		n++
		if aid == id {
			email = aemail
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if email != "" && n <= 1 {
		return hindsight.Errorf(hindsight.EConflict, "%s is the last active admin: make another admin first", email)
	}
	return nil
}

// SetLastLogin implements hindsight.AccountStore.
func (s *Store) SetLastLogin(ctx context.Context, id string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE users SET last_login_at = ? WHERE id = ?`), s.d.Time(at), clean(id))
	return internal("record sign-in", err)
}

// AddSetupToken implements hindsight.AccountStore.
func (s *Store) AddSetupToken(ctx context.Context, hash string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`INSERT INTO setup_tokens (hash, created_at) VALUES (?, ?)`), clean(hash), s.d.Time(at))
	return internal("add setup token", err)
}

// SetupTokenValid implements hindsight.AccountStore.
func (s *Store) SetupTokenValid(ctx context.Context, hash string) (bool, error) {
	var n int
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT count(*) FROM setup_tokens WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM users)`), clean(hash)).Scan(&n)
	return n > 0, internal("check setup token", err)
}

// CreateSession implements hindsight.AccountStore.
func (s *Store) CreateSession(ctx context.Context, ss hindsight.Session) error {
	var ext hindsight.ExternalSession
	if ss.External != nil {
		ext = *ss.External
	}
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, address, user_agent,
 ext_issuer, ext_refresh_token, ext_refresh_at, ext_id_token) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		clean(ss.IDHash), clean(ss.UserID), s.d.Time(ss.CreatedAt), s.d.Time(ss.LastSeenAt), clean(ss.Address), clean(ss.UserAgent),
		clean(ext.Issuer), clean(ext.RefreshToken), s.d.Time(ext.RefreshAt), clean(ext.IDToken))
	return internal("create session", err)
}

// FindSession implements hindsight.AccountStore.
func (s *Store) FindSession(ctx context.Context, idHash string) (*hindsight.Session, *hindsight.User, error) {
	var ss hindsight.Session
	var u hindsight.User
	var ext hindsight.ExternalSession
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.address, s.user_agent,
 s.ext_issuer, s.ext_refresh_token, s.ext_refresh_at, s.ext_id_token, `+joinedUserCols+`
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`), clean(idHash)).
		Scan(append([]any{&ss.IDHash, &ss.UserID, timeScan{&ss.CreatedAt}, timeScan{&ss.LastSeenAt}, &ss.Address, &ss.UserAgent,
			&ext.Issuer, &ext.RefreshToken, timeScan{&ext.RefreshAt}, &ext.IDToken}, userDest(&u)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, hindsight.Errorf(hindsight.ENotFound, "no such session")
	}
	if err != nil {
		return nil, nil, internal("find session", err)
	}
	if ext.Issuer != "" {
		ss.External = &ext
	}
	return &ss, &u, nil
}

// TouchSession implements hindsight.AccountStore.
func (s *Store) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`), s.d.Time(at), clean(idHash))
	return internal("touch session", err)
}

// DeleteSession implements hindsight.AccountStore.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`DELETE FROM sessions WHERE id_hash = ?`), clean(idHash))
	return internal("delete session", err)
}

const tokenCols = `id, user_id, name, hash, scope, created_at, expires_at, last_used_at, revoked_at`

// tokenDest is where Scan puts tokenCols.
func tokenDest(t *hindsight.Token) []any {
	return []any{&t.ID, &t.UserID, &t.Name, &t.Hash, &t.Scope, timeScan{&t.CreatedAt},
		timeScan{&t.ExpiresAt}, timeScan{&t.LastUsedAt}, timeScan{&t.RevokedAt}}
}

func scanToken(sc interface{ Scan(...any) error }) (*hindsight.Token, error) {
	var t hindsight.Token
	if err := sc.Scan(tokenDest(&t)...); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken implements hindsight.AccountStore.
func (s *Store) CreateToken(ctx context.Context, t *hindsight.Token, audit []hindsight.AuditEntry) error {
	if t == nil || t.ID == "" || t.UserID == "" || t.Hash == "" || !t.Scope.Valid() {
		return hindsight.Errorf(hindsight.EInvalid, "create token: ID, owner, hash and scope are required")
	}
	now := s.now()
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO api_tokens (`+tokenCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			clean(t.ID), clean(t.UserID), clean(t.Name), clean(t.Hash), string(t.Scope), s.d.Time(t.CreatedAt),
			s.d.Time(t.ExpiresAt), s.d.Time(t.LastUsedAt), s.d.Time(t.RevokedAt))
		if err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, now, audit)
	})
	return internal("create token", err)
}

// FindTokenByHash implements hindsight.AccountStore.
func (s *Store) FindTokenByHash(ctx context.Context, hash string) (*hindsight.Token, *hindsight.User, error) {
	var t hindsight.Token
	var u hindsight.User
	err := s.rq.QueryRowContext(ctx, s.d.Rebind(`SELECT t.id, t.user_id, t.name, t.hash, t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, `+joinedUserCols+`
FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`), clean(hash)).
		Scan(append(tokenDest(&t), userDest(&u)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, hindsight.Errorf(hindsight.ENotFound, "no such token")
	}
	if err != nil {
		return nil, nil, internal("find token", err)
	}
	return &t, &u, nil
}

// FindTokens implements hindsight.AccountStore.
func (s *Store) FindTokens(ctx context.Context, userID string) ([]hindsight.Token, error) {
	q, args := `SELECT `+tokenCols+` FROM api_tokens ORDER BY created_at DESC, id`, []any(nil)
	if userID != "" {
		q, args = `SELECT `+tokenCols+` FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id`, []any{clean(userID)}
	}
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(q), args...)
	if err != nil {
		return nil, internal("find tokens", err)
	}
	defer rows.Close()
	var out []hindsight.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, internal("find tokens", err)
		}
		out = append(out, *t)
	}
	return out, internal("find tokens", rows.Err())
}

// RevokeToken implements hindsight.AccountStore.
func (s *Store) RevokeToken(ctx context.Context, id, userID string, at time.Time, audit []hindsight.AuditEntry) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		owner, args := ``, []any{clean(id)}
		if userID != "" {
			owner = ` AND user_id = ?`
			args = append(args, clean(userID))
		}
		res, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE api_tokens SET revoked_at = ? WHERE id = ?`+owner+` AND revoked_at IS NULL`), append([]any{s.d.Time(at)}, args...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n > 0 {
			return s.writeAudit(ctx, tx, at, audit)
		}
		// revoked already (a second click, another tab): nothing changes
		// and nothing more is audited; or not there at all
		var one int
		err = tx.QueryRowContext(ctx, s.d.Rebind(`SELECT 1 FROM api_tokens WHERE id = ?`+owner), args...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return hindsight.Errorf(hindsight.ENotFound, "token %q not found", id)
		}
		return err
	})
	return internal("revoke token", err)
}

// TouchToken implements hindsight.AccountStore.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time, audit []hindsight.AuditEntry) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), s.d.Time(at), clean(id)); err != nil {
			return err
		}
		return s.writeAudit(ctx, tx, at, audit)
	})
	return internal("touch token", err)
}

// LoginAttempt implements hindsight.AccountStore: one upsert that counts
// the attempt and returns the count, so concurrent attempts never read the
// same number (both backends run the SET expressions on the row as it was
// before the statement, after the row lock).
func (s *Store) LoginAttempt(ctx context.Context, key string, at time.Time, window time.Duration) (int, error) {
	key = clean(key)
	cutoff := s.d.Time(at.Add(-window))
	var n int
	err := s.w.QueryRowContext(ctx, s.d.Rebind(`INSERT INTO login_failures (key, failures, window_start, last_at) VALUES (?, 1, ?, ?)
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN login_failures.window_start > ? THEN login_failures.failures + 1 ELSE 1 END,
  window_start = CASE WHEN login_failures.window_start > ? THEN login_failures.window_start ELSE excluded.window_start END,
  last_at = excluded.last_at
RETURNING failures`), key, s.d.Time(at), s.d.Time(at), cutoff, cutoff).Scan(&n)
	return n, internal("count sign-in attempt", err)
}

// ForgiveLoginAttempt implements hindsight.AccountStore.
func (s *Store) ForgiveLoginAttempt(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`UPDATE login_failures SET failures = failures - 1 WHERE key = ? AND failures > 0`), clean(key))
	return internal("forgive sign-in attempt", err)
}

// ClearLoginFailures implements hindsight.AccountStore.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.d.Rebind(`DELETE FROM login_failures WHERE key = ?`), clean(key))
	return internal("clear failed sign-ins", err)
}

// WriteAudit implements hindsight.AccountStore.
func (s *Store) WriteAudit(ctx context.Context, entries []hindsight.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	now := s.now()
	return internal("write audit", s.tx(ctx, func(tx *sql.Tx) error { return s.writeAudit(ctx, tx, now, entries) }))
}

func (s *Store) writeAudit(ctx context.Context, tx *sql.Tx, now time.Time, entries []hindsight.AuditEntry) error {
	for _, e := range entries {
		if e.At.IsZero() {
			e.At = now
		}
		_, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO audit_log (at, actor, action, incident_id, detail, address, target) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			s.d.Time(e.At), clean(e.Actor), clean(e.Action), clean(e.IncidentID), clean(e.Detail), clean(e.Address), clean(e.Target))
		if err != nil {
			return err
		}
	}
	return nil
}

// FindAudit implements hindsight.AccountStore.
func (s *Store) FindAudit(ctx context.Context, f hindsight.AuditFilter) ([]hindsight.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var c cond
	if f.Actor != "" {
		c.add(`actor = ?`, clean(f.Actor))
	}
	if a := clean(f.Action); a != "" {
		if strings.HasSuffix(a, ".") {
			c.add(`substr(action, 1, ?) = ?`, len(a), a)
		} else {
			c.add(`action = ?`, a)
		}
	}
	if f.Target != "" {
		c.add(`(target = ? OR incident_id = ?)`, clean(f.Target), clean(f.Target))
	}
	if f.IncidentID != "" {
		c.add(`incident_id = ?`, clean(f.IncidentID))
	}
	if !f.Since.IsZero() {
		c.add(`at >= ?`, s.d.Time(f.Since))
	}
	if !f.Before.IsZero() {
		c.add(`at < ?`, s.d.Time(f.Before))
	}
	if f.BeforeID > 0 {
		c.add(`id < ?`, f.BeforeID)
	}
	args := append(c.args, limit)
	rows, err := s.rq.QueryContext(ctx, s.d.Rebind(`SELECT id, at, actor, action, target, incident_id, address, detail FROM audit_log WHERE `+c.String()+` ORDER BY id DESC LIMIT ?`), args...)
	if err != nil {
		return nil, internal("read audit log", err)
	}
	defer rows.Close()
	var out []hindsight.AuditEntry
	for rows.Next() {
		var e hindsight.AuditEntry
		if err := rows.Scan(&e.ID, timeScan{&e.At}, &e.Actor, &e.Action, &e.Target, &e.IncidentID, &e.Address, &e.Detail); err != nil {
			return nil, internal("read audit log", err)
		}
		out = append(out, e)
	}
	return out, internal("read audit log", rows.Err())
}
