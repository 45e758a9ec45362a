package hindsight

import (
	"context"
	"strings"
	"time"
)

// Role is what an account may do. Roles are ordered: each includes the ones
// before it.
type Role string

// The roles.
const (
	RoleViewer Role = "viewer" // reads every incident it may see
	RoleEditor Role = "editor" // also writes postmortems and action items
	RoleAdmin  Role = "admin"  // also manages accounts, settings, deletes; sees restricted incidents
)

// Roles lists the roles, weakest first.
var Roles = []Role{RoleViewer, RoleEditor, RoleAdmin}

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleViewer || r == RoleEditor || r == RoleAdmin }

// ParseRole reads a role name, case-insensitively.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", Errorf(EInvalid, "role %q: want viewer, editor or admin", s)
	}
	return r, nil
}

// User is an account.
type User struct {
	// ID is opaque and never changes; incident member lists and
	// Viewer.UserID hold it.
	ID string `json:"id"`
	// Email is the login name, unique, kept in lower case.
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// PasswordHash is the argon2id hash in PHC form; never shown.
	PasswordHash string `json:"-"`
	// Disabled accounts cannot sign in; their sessions and tokens stop
	// working at once.
	Disabled bool `json:"disabled"`
	// BreakGlass accounts may sign in with their password when sign-in
	// is through the identity provider only (HINDSIGHT_OIDC_ONLY).
	BreakGlass bool `json:"break_glass"`
	// LinkOnSignIn: an admin allowed the next identity provider sign-in
	// with this account's email to link to it (once).
	LinkOnSignIn bool      `json:"link_on_sign_in"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	LastLoginAt  time.Time `json:"last_login_at,omitzero"`
}

// Viewer is what u may see.
func (u *User) Viewer() Viewer { return Viewer{UserID: u.ID, Admin: u.Role == RoleAdmin} }

// DisplayName is the name, or the email when the account has none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// UserUpdate changes an account; nil fields stay as they are.
type UserUpdate struct {
	Name         *string
	Role         *Role
	PasswordHash *string
	Disabled     *bool
	BreakGlass   *bool
	LinkOnSignIn *bool
	// EndSessions ends every session of the account in the same
	// transaction (on disable and password reset).
	EndSessions bool
	// RevokeTokens revokes every API token of the account in the same
	// transaction (on password reset).
	RevokeTokens bool
}

// Session is a signed-in browser. The store keeps only the SHA-256 of the
// session ID the cookie carries.
type Session struct {
	IDHash     string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Address    string
	UserAgent  string
	// External says how an identity provider signed the session in:
	// nil for a password sign-in.
	External *ExternalSession
}

// TokenScope is what an API token may do, within its owner's role.
type TokenScope string

// The token scopes.
const (
	ScopeRead      TokenScope = "read"
	ScopeReadWrite TokenScope = "read-write"
)

// Valid reports whether s is a scope.
func (s TokenScope) Valid() bool { return s == ScopeRead || s == ScopeReadWrite }

// Token is an API token. The secret is shown once at creation; the store
// keeps only its SHA-256.
type Token struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Name       string     `json:"name"`
	Hash       string     `json:"-"`
	Scope      TokenScope `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at,omitzero"`
	LastUsedAt time.Time  `json:"last_used_at,omitzero"`
	RevokedAt  time.Time  `json:"revoked_at,omitzero"`
}

// Active reports whether t may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// AuditEntry is one line of the audit log as it is read, and as account
// changes write it. It never holds a password or a token.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // account ID, "system", or the email tried at a failed login
	Action string    `json:"action"` // e.g. "login", "login.failed", "user.create", "incident.update"
	// Target is what the action was done to: an account ID, a token ID,
	// or "" when IncidentID says it.
	Target     string `json:"target,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	Address    string `json:"address,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

// AuditFilter selects audit entries, newest first. Zero fields do not
// filter.
type AuditFilter struct {
	Actor      string
	Action     string // exact, or a prefix ending in "." ("incident.")
	Target     string // matches Target or IncidentID
	Since      time.Time
	Before     time.Time
	BeforeID   int64 // paging: entries with a smaller ID
	Limit      int   // default 100, at most 1000
	IncidentID string
}

// AccountStore keeps accounts, sessions, API tokens, login throttling and
// the account side of the audit log. The SQL stores implement it beside
// hindsight.Store; auth/ is its only user.
type AccountStore interface {
	// CountUsers returns how many accounts exist (disabled ones included).
	CountUsers(ctx context.Context) (int, error)
	// CreateUser stores u (ID, email, role, hash set by the caller):
	// EConflict when the email is taken. With firstAdmin it succeeds only
	// while no account exists (EConflict otherwise) and, when setupHash is
	// not "", only with an unused setup token of that hash; every setup
	// token is then used up, in the same transaction.
	CreateUser(ctx context.Context, u *User, firstAdmin bool, setupHash string, audit []AuditEntry) error
	FindUserByID(ctx context.Context, id string) (*User, error)
	// FindUserByEmail is case-insensitive.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context) ([]User, error)
	// UpdateUser changes account id. An update that would leave no active
	// admin (demoting or disabling the last one) is EConflict: the check
	// and the change are one transaction that locks the active admins, so
	// two admins demoting each other at once cannot both succeed.
	UpdateUser(ctx context.Context, id string, u UserUpdate, audit []AuditEntry) (*User, error)
	// SetLastLogin records a sign-in.
	SetLastLogin(ctx context.Context, id string, at time.Time) error

	// AddSetupToken stores the hash of a one-time setup token.
	AddSetupToken(ctx context.Context, hash string, at time.Time) error
	// SetupTokenValid reports whether hash is an unused setup token while
	// no account exists.
	SetupTokenValid(ctx context.Context, hash string) (bool, error)

	CreateSession(ctx context.Context, s Session) error
	// FindSession returns the session with the hash and its account, in
	// one query (ENotFound when either is missing).
	FindSession(ctx context.Context, idHash string) (*Session, *User, error)
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	DeleteSession(ctx context.Context, idHash string) error

	CreateToken(ctx context.Context, t *Token, audit []AuditEntry) error
	// FindTokenByHash returns a token by the hash of its secret and its
	// account, in one query (ENotFound when either is missing).
	FindTokenByHash(ctx context.Context, hash string) (*Token, *User, error)
	// FindTokens lists tokens, newest first: userID's, or all for "".
	FindTokens(ctx context.Context, userID string) ([]Token, error)
	// RevokeToken revokes token id; when userID is not "" only if it is
	// theirs (ENotFound otherwise). A token revoked already keeps its
	// revocation time and audit is not written again.
	RevokeToken(ctx context.Context, id, userID string, at time.Time, audit []AuditEntry) error
	// TouchToken sets a token's last use, writing audit with it.
	TouchToken(ctx context.Context, id string, at time.Time, audit []AuditEntry) error

	// LoginAttempt counts a sign-in attempt for key (an account or an
	// address) before its password is checked, and returns the attempts
	// within window up to at, this one included. The count and the read
	// are one atomic statement, so concurrent attempts each get a
	// different number and a caller can refuse every attempt past a
	// limit whatever the concurrency. A window starts at its first
	// attempt; an attempt at or after its end starts a new one.
	LoginAttempt(ctx context.Context, key string, at time.Time, window time.Duration) (int, error)
	// ForgiveLoginAttempt takes back one counted attempt of key (the
	// attempt was a good sign-in, not a failure); it never goes below 0.
	ForgiveLoginAttempt(ctx context.Context, key string) error
	// ClearLoginFailures forgets key's failures (after a good sign-in).
	ClearLoginFailures(ctx context.Context, key string) error

	IdentityStore

	// WriteAudit appends entries to the audit log.
	WriteAudit(ctx context.Context, entries []AuditEntry) error
	// FindAudit reads the audit log, newest first.
	FindAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
