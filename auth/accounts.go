package auth

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// TokenPrefix starts every API token, so secret scanners can find leaked
// ones.
const TokenPrefix = "hst_"

// checkToken returns the account and token of a bearer secret: EUnauth when
// it is unknown, expired, revoked, or its account is disabled. It records
// the use (last-used to the minute, the audit log once per
// TokenUseAuditInterval).
func (a *Auth) checkToken(ctx context.Context, secret, address string) (*hindsight.User, *hindsight.Token, error) {
	bad := hindsight.Errorf(hindsight.EUnauth, "the API token is not valid, expired or was revoked")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 128 {
		return nil, nil, bad
	}
	t, u, err := a.store.FindTokenByHash(ctx, digest(secret))
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		return nil, nil, bad
	}
	if err != nil {
		return nil, nil, err
	}
	now := a.now()
	if !t.Active(now) || u.Disabled {
		return nil, nil, bad
	}
	if now.Sub(t.LastUsedAt) >= time.Minute {
		var audit []hindsight.AuditEntry
		if now.Sub(t.LastUsedAt) >= TokenUseAuditInterval {
			audit = []hindsight.AuditEntry{{Actor: u.ID, Action: "token.use", Target: t.ID, Address: address, Detail: t.Name}}
		}
		if err := a.store.TouchToken(ctx, t.ID, now, audit); err != nil {
			a.o.Logger.WarnContext(ctx, "token touch failed", "token", t.ID, "err", err)
		}
		t.LastUsedAt = now
	}
	return u, t, nil
}

// CreateToken makes an API token for account userID and returns its secret,
// which is shown once and never stored. ttl 0 is DefaultTokenTTL; it is at
// most MaxTokenTTL.
func (a *Auth) CreateToken(ctx context.Context, actor app.Actor, userID, name string, scope hindsight.TokenScope, ttl time.Duration) (string, *hindsight.Token, error) {
	name = strings.TrimSpace(name)
	var fields []hindsight.FieldError
	if name == "" || len(name) > 100 {
		fields = append(fields, hindsight.FieldError{Field: "name", Message: "a name of 1 to 100 characters, e.g. what the token is for"})
	}
	if !scope.Valid() {
		fields = append(fields, hindsight.FieldError{Field: "scope", Message: "want read or read-write"})
	}
	if ttl < 0 || ttl > MaxTokenTTL {
		fields = append(fields, hindsight.FieldError{Field: "expires_in_days", Message: "from 1 to 366 days"})
	}
	if len(fields) > 0 {
		return "", nil, &hindsight.Error{Code: hindsight.EInvalid, Message: fields[0].Field + ": " + fields[0].Message, Fields: fields}
	}
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	owner, err := a.store.FindUserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	secret := TokenPrefix + random(32)
	now := a.now()
	t := &hindsight.Token{ID: newID("tok_"), UserID: userID, Name: name, Hash: digest(secret), Scope: scope, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = a.store.CreateToken(ctx, t, []hindsight.AuditEntry{{Actor: actorID(actor), Action: "token.create", Target: t.ID, Address: actor.Address,
		Detail: "for " + owner.Email + ", scope " + string(scope) + ", " + name}})
	if err != nil {
		return "", nil, err
	}
	return secret, t, nil
}

// CreateOwnToken makes a token for the signed-in caller p: a viewer only
// read tokens. A caller signed in by an API token cannot create tokens
// (EForbidden): a token must not mint tokens that outlive it or survive
// its revocation; tokens are made by a person signed in with a password.
func (a *Auth) CreateOwnToken(ctx context.Context, p *Principal, name string, scope hindsight.TokenScope, ttl time.Duration) (string, *hindsight.Token, error) {
	if p.User == nil {
		return "", nil, hindsight.Errorf(hindsight.EUnauth, "sign in first")
	}
	if p.Token != nil {
		return "", nil, hindsight.Errorf(hindsight.EForbidden, "an API token cannot create tokens: sign in with your password (account page, or hindsight token create)")
	}
	if scope == hindsight.ScopeReadWrite && p.Level < httpx.Write {
		return "", nil, hindsight.Errorf(hindsight.EForbidden, "scope: you may create read tokens only")
	}
	return a.CreateToken(ctx, p.Actor(), p.User.ID, name, scope, ttl)
}

// RevokeToken revokes token id: ownerID's only, or any for "".
func (a *Auth) RevokeToken(ctx context.Context, actor app.Actor, id, ownerID string) error {
	return a.store.RevokeToken(ctx, id, ownerID, a.now(), []hindsight.AuditEntry{{Actor: actorID(actor), Action: "token.revoke", Target: id, Address: actor.Address}})
}

// Tokens lists the tokens of userID (all tokens for "").
func (a *Auth) Tokens(ctx context.Context, userID string) ([]hindsight.Token, error) {
	return a.store.FindTokens(ctx, userID)
}

func actorID(a app.Actor) string {
	if a.ID != "" {
		return a.ID
	}
	if a.Name != "" {
		return a.Name
	}
	return "anonymous"
}

// NewUser is an account to add.
type NewUser struct {
	Email    string
	Name     string
	Role     hindsight.Role
	Password string
}

func (n *NewUser) check() (string, error) {
	var fields []hindsight.FieldError
	email := strings.ToLower(strings.TrimSpace(n.Email))
	if addr, err := mail.ParseAddress(email); err != nil || addr.Address != email || len(email) > 254 {
		fields = append(fields, hindsight.FieldError{Field: "email", Message: "an email address, e.g. ann@example.com"})
	}
	if len(strings.TrimSpace(n.Name)) > 100 {
		fields = append(fields, hindsight.FieldError{Field: "name", Message: "at most 100 characters"})
	}
	if !n.Role.Valid() {
		fields = append(fields, hindsight.FieldError{Field: "role", Message: "want viewer, editor or admin"})
	}
	if err := CheckPasswordFor(n.Password, email); err != nil {
		fields = append(fields, err.(*hindsight.Error).Fields...)
	}
	if len(fields) > 0 {
		return "", &hindsight.Error{Code: hindsight.EInvalid, Message: fields[0].Field + ": " + fields[0].Message, Fields: fields}
	}
	return email, nil
}

// AddUser creates an account.
func (a *Auth) AddUser(ctx context.Context, actor app.Actor, n NewUser) (*hindsight.User, error) {
	return a.addUser(ctx, actor, n, false, "")
}

func (a *Auth) addUser(ctx context.Context, actor app.Actor, n NewUser, first bool, setupHash string) (*hindsight.User, error) {
	email, err := n.check()
	if err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password, a.o.Params)
	if err != nil {
		return nil, err
	}
	u := &hindsight.User{ID: newID("usr_"), Email: email, Name: strings.TrimSpace(n.Name), Role: n.Role, PasswordHash: hash}
	action := "user.create"
	if first {
		action = "user.create_first_admin"
	}
	err = a.store.CreateUser(ctx, u, first, setupHash, []hindsight.AuditEntry{{Actor: actorID(actor), Action: action, Target: u.ID,
		Address: actor.Address, Detail: email + " as " + string(n.Role)}})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Change is a change to an account; nil fields stay.
type Change struct {
	Name     *string
	Role     *hindsight.Role
	Disabled *bool
	Password *string
	// BreakGlass: may sign in with a password when sign-in is through
	// the identity provider only. LinkOnSignIn: the next identity
	// provider sign-in with this email may link to the account.
	BreakGlass, LinkOnSignIn *bool
}

// ChangeUser changes account id. Disabling an account or resetting its
// password ends its sessions at once; a password reset also revokes its
// API tokens (whoever may have copied them). The last active admin cannot
// be disabled or lose the admin role (EConflict, decided by the store).
func (a *Auth) ChangeUser(ctx context.Context, actor app.Actor, id string, c Change) (*hindsight.User, error) {
	cur, err := a.store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var up hindsight.UserUpdate
	var what []string
	if c.Name != nil {
		n := strings.TrimSpace(*c.Name)
		if len(n) > 100 {
			return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "name: at most 100 characters", Fields: []hindsight.FieldError{{Field: "name", Message: "at most 100 characters"}}}
		}
		up.Name = &n
		what = append(what, "name")
	}
	if c.Role != nil {
		if !c.Role.Valid() {
			return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "role: want viewer, editor or admin", Fields: []hindsight.FieldError{{Field: "role", Message: "want viewer, editor or admin"}}}
		}
		up.Role = c.Role
		what = append(what, "role "+string(cur.Role)+" -> "+string(*c.Role))
	}
	if c.Disabled != nil {
		up.Disabled = c.Disabled
		up.EndSessions = up.EndSessions || *c.Disabled
		if *c.Disabled {
			what = append(what, "disabled")
		} else {
			what = append(what, "enabled")
		}
	}
	if c.BreakGlass != nil {
		up.BreakGlass = c.BreakGlass
		what = append(what, "break-glass "+onOff(*c.BreakGlass))
	}
	if c.LinkOnSignIn != nil {
		up.LinkOnSignIn = c.LinkOnSignIn
		what = append(what, "link at the next identity provider sign-in "+onOff(*c.LinkOnSignIn))
	}
	if c.Password != nil {
		if err := CheckPasswordFor(*c.Password, cur.Email); err != nil {
			return nil, err
		}
		h, err := HashPassword(*c.Password, a.o.Params)
		if err != nil {
			return nil, err
		}
		// Someone else's reset (an admin, the CLI) revokes the account's
		// API tokens too: whoever had the old password may have made them.
		// Changing one's own password keeps them (the account page lists
		// them for revoking).
		up.PasswordHash, up.EndSessions, up.RevokeTokens = &h, true, actor.ID != id
		if up.RevokeTokens {
			what = append(what, "password reset (sessions ended, API tokens revoked)")
		} else {
			what = append(what, "password changed (sessions ended)")
		}
	}
	// The last active admin is kept by the store, in the transaction of
	// the change (two admins demoting each other at once both read two
	// admins here).
	action := "user.update"
	switch {
	case c.Disabled != nil && *c.Disabled:
		action = "user.disable"
	case c.Password != nil && c.Role == nil && c.Disabled == nil:
		action = "user.reset_password"
	}
	u, err := a.store.UpdateUser(ctx, id, up, []hindsight.AuditEntry{{Actor: actorID(actor), Action: action, Target: id,
		Address: actor.Address, Detail: cur.Email + ": " + strings.Join(what, ", ")}})
	if err != nil {
		return nil, err
	}
	if c.Password != nil {
		// a new password lifts the account's sign-in lock-out
		if err := a.store.ClearLoginFailures(ctx, "user:"+cur.Email); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Users lists the accounts.
func (a *Auth) Users(ctx context.Context) ([]hindsight.User, error) { return a.store.FindUsers(ctx) }

// FindUser finds an account by ID or email.
func (a *Auth) FindUser(ctx context.Context, idOrEmail string) (*hindsight.User, error) {
	if strings.Contains(idOrEmail, "@") {
		return a.store.FindUserByEmail(ctx, idOrEmail)
	}
	return a.store.FindUserByID(ctx, idOrEmail)
}

// SetupLink returns a one-time link that creates the first admin, or ""
// when an account exists. Each call makes a new link; every link stays
// valid until one of them is used. serve prints it to the operator's
// terminal only (never to the log).
func (a *Auth) SetupLink(ctx context.Context, baseURL string) (string, error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return "", err
	}
	tok := random(32)
	if err := a.store.AddSetupToken(ctx, digest(tok), a.now()); err != nil {
		return "", err
	}
	return strings.TrimSuffix(baseURL, "/") + "/setup?token=" + tok, nil
}

// Bootstrap creates the first admin from email and password (the
// HINDSIGHT_ADMIN_EMAIL and HINDSIGHT_ADMIN_PASSWORD of automated setups)
// when no account exists. It reports whether it created one; with accounts
// present it does nothing.
func (a *Auth) Bootstrap(ctx context.Context, email, password string) (bool, error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	_, err = a.addUser(ctx, app.System, NewUser{Email: email, Role: hindsight.RoleAdmin, Password: password}, true, "")
	if hindsight.ErrorCode(err) == hindsight.EConflict {
		return false, nil // another instance was first
	}
	return err == nil, err
}

// Audit reads the audit log.
func (a *Auth) Audit(ctx context.Context, f hindsight.AuditFilter) ([]hindsight.AuditEntry, error) {
	return a.store.FindAudit(ctx, f)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
