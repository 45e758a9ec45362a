package hindsight

import (
	"context"
	"time"
)

// ProxyIssuer is the Identity.Issuer of accounts signed in by a trusted
// authenticating proxy's header (their Subject is the email it sent).
const ProxyIssuer = "proxy"

// Identity links an account to a subject of an identity provider: after
// the first link the provider's (issuer, subject) finds the account, not
// its email.
type Identity struct {
	Issuer    string    `json:"issuer"`
	Subject   string    `json:"subject"`
	UserID    string    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
}

// ExternalSession is what a session signed in through an OpenID provider
// keeps to refresh it: the provider's refresh token, when the next refresh
// is due, and the last ID token (the hint of RP-initiated logout).
type ExternalSession struct {
	Issuer       string
	RefreshToken string
	RefreshAt    time.Time
	IDToken      string
}

// IdentityStore keeps the links between accounts and identity providers'
// subjects, and the refresh state of sessions signed in by a provider.
type IdentityStore interface {
	// FindUserByIdentity returns the account linked to (issuer, subject);
	// ENotFound when none is.
	FindUserByIdentity(ctx context.Context, issuer, subject string) (*User, error)
	// FindIdentities lists the links of account userID.
	FindIdentities(ctx context.Context, userID string) ([]Identity, error)
	// CreateLinkedUser creates u (as CreateUser; the email must be free)
	// and links it to id, in one transaction: either both or neither.
	CreateLinkedUser(ctx context.Context, u *User, id Identity, audit []AuditEntry) error
	// LinkIdentity links id.UserID to (id.Issuer, id.Subject) and clears
	// the account's LinkOnSignIn, in one transaction: EConflict when the
	// subject is linked already or the account has a link to that issuer.
	LinkIdentity(ctx context.Context, id Identity, audit []AuditEntry) error
	// UpdateSessionExternal replaces the external state of a session
	// (after a refresh through the provider); ENotFound when it is gone.
	UpdateSessionExternal(ctx context.Context, idHash string, ext ExternalSession) error
	// EndUserSessions ends every session of account userID.
	EndUserSessions(ctx context.Context, userID string, audit []AuditEntry) error
}
