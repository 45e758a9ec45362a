// Package auth decides who is calling and what they may do: accounts with
// argon2id passwords and three roles, server-side sessions behind a
// cookie, API tokens sent as "Authorization: Bearer", cross-origin request
// protection, login throttling, the first-start setup link, and the audit
// records of sign-ins and account changes. Wrap puts a route of the route
// table behind it: the one place where access is enforced. Its own pages
// (sign-in, setup, account, admin) and API routes come from Routes.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Defaults of Options.
const (
	DefaultIdleTimeout     = 8 * time.Hour
	DefaultAbsoluteTimeout = 7 * 24 * time.Hour
	// DefaultMaxAccountFailures failed sign-ins for one account within
	// DefaultFailureWindow lock that account's sign-in until the window ends.
	DefaultMaxAccountFailures = 5
	// DefaultMaxAddressFailures failed sign-ins from one address lock
	// sign-in from it (for every account) until the window ends.
	DefaultMaxAddressFailures = 20
	DefaultFailureWindow      = 15 * time.Minute
	// DefaultTokenTTL is an API token's lifetime when none is asked for.
	DefaultTokenTTL = 90 * 24 * time.Hour
	// MaxTokenTTL is the longest lifetime a token may have.
	MaxTokenTTL = 366 * 24 * time.Hour
	// TokenUseAuditInterval: a token's use is written to the audit log at
	// most once per interval (its last-used time is kept to the minute).
	TokenUseAuditInterval = time.Hour
)

// Options configure Auth.
type Options struct {
	// BaseURL is the public URL; https makes cookies Secure and
	// __Host-prefixed, and its origin is trusted for cross-origin checks.
	BaseURL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives security events (never a password or a token).
	Logger *slog.Logger
	// IdleTimeout ends a session unused for this long; AbsoluteTimeout ends
	// it this long after sign-in whatever its use.
	IdleTimeout, AbsoluteTimeout time.Duration
	// Params are the argon2id costs of new password hashes.
	Params Params
	// Login throttling: MaxAccountFailures per account and
	// MaxAddressFailures per address within FailureWindow.
	MaxAccountFailures, MaxAddressFailures int
	FailureWindow                          time.Duration
	// GroupSync, when set, is called after every successful external
	// sign-in and refresh with the provider's groups (nil: none).
	GroupSync GroupSync
	// SSO configures sign-in through an OpenID provider and a trusted
	// proxy's header (nil: passwords only).
	SSO *SSOConfig
}

// Auth authenticates requests and enforces the route table's access levels.
type Auth struct {
	store  hindsight.AccountStore
	svc    *app.Service // nil for the CLI
	o      Options
	secure bool
	cookie string
	// errorPage renders a refused page request (SetErrorPage)
	errorPage func(w http.ResponseWriter, r *http.Request, status int, msg string)

	dummyOnce sync.Once
	dummy     string
	// oidc is the OpenID provider's client, made at the first use
	oidc oidcClient
	// proxySeen remembers the groups last told to GroupSync per account
	// signed in by the proxy header
	proxySeen sync.Map
	// hashing holds a slot per password hash or check in progress, so a
	// flood of sign-ins queues instead of taking all memory and CPU.
	hashing chan struct{}
}

// New returns an Auth over store. svc is the application service the
// restriction routes use; it may be nil when Routes is not used (CLI).
func New(store hindsight.AccountStore, svc *app.Service, o Options) (*Auth, error) {
	if store == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "auth: no account store")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.AbsoluteTimeout <= 0 {
		o.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if o.Params.Memory == 0 {
		o.Params = DefaultParams
	}
	if o.MaxAccountFailures <= 0 {
		o.MaxAccountFailures = DefaultMaxAccountFailures
	}
	if o.MaxAddressFailures <= 0 {
		o.MaxAddressFailures = DefaultMaxAddressFailures
	}
	if o.FailureWindow <= 0 {
		o.FailureWindow = DefaultFailureWindow
	}
	a := &Auth{store: newPrincipalCache(store), svc: svc, o: o, cookie: "hindsight_session",
		hashing: make(chan struct{}, runtime.NumCPU())}
	if o.SSO.OIDC() && o.BaseURL == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "auth: HINDSIGHT_OIDC_ISSUER needs the public base URL (--base-url or HINDSIGHT_BASE_URL): the provider sends browsers back to <base-url>%s", CallbackPath)
	}
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, hindsight.Errorf(hindsight.EInvalid, "auth: base URL %q: want http(s)://host", o.BaseURL)
		}
		if u.Scheme == "https" {
			a.secure = true
			a.cookie = "__Host-hindsight_session"
		}
	}
	return a, nil
}

func (a *Auth) now() time.Time { return a.o.Now().UTC() }

// verify checks pw against hash in one of the hashing slots.
func (a *Auth) verify(ctx context.Context, hash, pw string) (bool, error) {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, hindsight.Errorf(hindsight.EUnavailable, "sign-in: %v", ctx.Err())
	}
	defer func() { <-a.hashing }()
	return VerifyPassword(hash, pw), nil
}

// Level is the access a role grants.
func Level(r hindsight.Role) httpx.Access {
	switch r {
	case hindsight.RoleViewer:
		return httpx.Read
	case hindsight.RoleEditor:
		return httpx.Write
	case hindsight.RoleAdmin:
		return httpx.Admin
	}
	return httpx.Public
}

// ScopeLevel is the most a token of scope s grants: read tokens read,
// read-write tokens carry their owner's role.
func ScopeLevel(s hindsight.TokenScope) httpx.Access {
	if s == hindsight.ScopeReadWrite {
		return httpx.Admin
	}
	return httpx.Read
}

// Principal is who a request comes from.
type Principal struct {
	User    *hindsight.User    // nil for anonymous
	Session *hindsight.Session // set when signed in by cookie
	Token   *hindsight.Token   // set when signed in by API token
	Level   httpx.Access       // what the principal may use
	Address string
}

type principalKey struct{}

// PrincipalFrom returns the request's principal (anonymous when none).
func PrincipalFrom(ctx context.Context) *Principal {
	if p, ok := ctx.Value(principalKey{}).(*Principal); ok {
		return p
	}
	return &Principal{}
}

// Actor is the application actor of p.
func (p *Principal) Actor() app.Actor {
	if p.User == nil {
		return app.Actor{Name: "anonymous", Address: p.Address}
	}
	return app.Actor{ID: p.User.ID, Name: p.User.Email, Viewer: p.User.Viewer(), Address: p.Address}
}

// clientAddress is the request's remote IP. Proxy headers are not trusted:
// behind a reverse proxy every request comes from the proxy's address.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// random returns n random bytes as unpadded base64url.
func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newID returns a short random identifier with a prefix.
func newID(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// digest is the SHA-256 of a high-entropy secret (session ID, token,
// setup token), as stored.
func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func (a *Auth) audit(ctx context.Context, e hindsight.AuditEntry) {
	if err := a.store.WriteAudit(ctx, []hindsight.AuditEntry{e}); err != nil {
		a.o.Logger.ErrorContext(ctx, "audit log write failed", "action", e.Action, "err", err)
	}
}

// isAPI reports whether r is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }
