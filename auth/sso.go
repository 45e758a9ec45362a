package auth

import (
	"context"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// NoPassword is the password hash of accounts made by an identity
// provider: no password verifies against it.
const NoPassword = "!sso"

// DefaultRefreshEvery is how often a session signed in through an OpenID
// provider is refreshed through it (its role and groups read again, and
// ended when the provider refuses).
const DefaultRefreshEvery = 5 * time.Minute

// MaxGroups is the most groups a sign-in may carry; more is refused.
const MaxGroups = 10000

// RoleMap maps identity provider groups to roles (the sso: keys of
// .hindsight.yaml): a member of an admin group is an admin, else of an
// editor group an editor, else DefaultRole (viewer when empty).
type RoleMap struct {
	AdminGroups, EditorGroups []string
	DefaultRole               hindsight.Role
}

// Role is the role groups map to.
func (m RoleMap) Role(groups []string) hindsight.Role {
	has := func(want []string) bool {
		for _, g := range want {
			if slices.Contains(groups, g) {
				return true
			}
		}
		return false
	}
	switch {
	case has(m.AdminGroups):
		return hindsight.RoleAdmin
	case has(m.EditorGroups):
		return hindsight.RoleEditor
	case m.DefaultRole.Valid():
		return m.DefaultRole
	}
	return hindsight.RoleViewer
}

// SSOConfig configures sign-in through an OpenID provider and a trusted
// authenticating proxy (both optional).
type SSOConfig struct {
	// Issuer is the OpenID provider's issuer URL ("" turns OIDC off);
	// its discovery document is read at the first sign-in.
	Issuer, ClientID, ClientSecret string
	// Name is shown on the "Sign in with <Name>" button.
	Name string
	// Only hides the password form: only break-glass accounts may sign
	// in with a password.
	Only bool
	// LinkByEmail links a first sign-in to the local account with the
	// same (verified) email; otherwise only an admin's permission does.
	LinkByEmail bool
	// AssumeVerified takes an email as verified when the provider sends
	// no email_verified claim at all (Entra ID, whose emails its tenant
	// manages); an email_verified of false is refused whatever it says.
	AssumeVerified bool
	// GroupsClaim is the ID token claim with the groups ("groups").
	GroupsClaim string
	// RefreshEvery: a provider's session is refreshed this often.
	RefreshEvery time.Duration

	// ProxyHeader names the header a trusted authenticating proxy sends
	// the email in ("" turns it off); ProxyGroupsHeader its groups
	// (comma-separated); ProxyTrusted the proxies' addresses.
	ProxyHeader, ProxyGroupsHeader string
	ProxyTrusted                   []netip.Prefix

	// Roles maps groups to roles.
	Roles RoleMap
}

// OIDC reports whether sign-in through an OpenID provider is configured.
func (c *SSOConfig) OIDC() bool { return c != nil && c.Issuer != "" }

// SSOConfigFromEnv reads the HINDSIGHT_OIDC_* and HINDSIGHT_AUTH_PROXY_*
// settings (getenv is os.Getenv when nil); nil when neither is set.
// Errors name the variable.
func SSOConfigFromEnv(getenv func(string) string) (*SSOConfig, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := &SSOConfig{
		Issuer: strings.TrimSpace(getenv("HINDSIGHT_OIDC_ISSUER")), ClientID: strings.TrimSpace(getenv("HINDSIGHT_OIDC_CLIENT_ID")),
		ClientSecret: getenv("HINDSIGHT_OIDC_CLIENT_SECRET"), Name: strings.TrimSpace(getenv("HINDSIGHT_OIDC_NAME")),
		GroupsClaim: strings.TrimSpace(getenv("HINDSIGHT_OIDC_GROUPS_CLAIM")),
		ProxyHeader: strings.TrimSpace(getenv("HINDSIGHT_AUTH_PROXY_HEADER")), ProxyGroupsHeader: strings.TrimSpace(getenv("HINDSIGHT_AUTH_PROXY_GROUPS_HEADER")),
	}
	var err error
	flag := func(name string) bool {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return false
		}
		b, perr := strconv.ParseBool(v)
		if perr != nil && err == nil {
			err = hindsight.Errorf(hindsight.EInvalid, "%s=%q: want 1 or 0 (true or false)", name, v)
		}
		return b
	}
	c.Only, c.LinkByEmail = flag("HINDSIGHT_OIDC_ONLY"), flag("HINDSIGHT_OIDC_LINK_BY_EMAIL")
	c.AssumeVerified = flag("HINDSIGHT_OIDC_EMAIL_VERIFIED_BY_DEFAULT")
	if err != nil {
		return nil, err
	}
	if f := strings.TrimSpace(getenv("HINDSIGHT_OIDC_CLIENT_SECRET_FILE")); f != "" {
		if c.ClientSecret != "" {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_CLIENT_SECRET and HINDSIGHT_OIDC_CLIENT_SECRET_FILE are both set: set one")
		}
		b, rerr := os.ReadFile(f)
		if rerr != nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_CLIENT_SECRET_FILE: %v", rerr)
		}
		c.ClientSecret = strings.TrimSpace(string(b))
	}
	if v := strings.TrimSpace(getenv("HINDSIGHT_OIDC_REFRESH")); v != "" {
		d, perr := time.ParseDuration(v)
		if perr != nil || d < 10*time.Second || d > 24*time.Hour {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_REFRESH=%q: want a duration from 10s to 24h, such as 5m", v)
		}
		c.RefreshEvery = d
	}
	if c.Issuer != "" {
		if !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_ISSUER=%q: want the provider's https:// issuer URL", c.Issuer)
		}
		if c.ClientID == "" {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_CLIENT_ID is required with HINDSIGHT_OIDC_ISSUER")
		}
	} else if c.Only {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_OIDC_ONLY needs HINDSIGHT_OIDC_ISSUER")
	}
	if t := strings.TrimSpace(getenv("HINDSIGHT_AUTH_PROXY_TRUSTED")); t != "" {
		ps, perr := parsePrefixes(t)
		if perr != nil {
			return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_AUTH_PROXY_TRUSTED: %v", perr)
		}
		c.ProxyTrusted = ps
	}
	if c.ProxyHeader != "" && len(c.ProxyTrusted) == 0 {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_AUTH_PROXY_HEADER needs HINDSIGHT_AUTH_PROXY_TRUSTED (the proxies' addresses, such as 10.0.0.0/8)")
	}
	if c.ProxyGroupsHeader != "" && c.ProxyHeader == "" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "HINDSIGHT_AUTH_PROXY_GROUPS_HEADER needs HINDSIGHT_AUTH_PROXY_HEADER")
	}
	if c.Issuer == "" && c.ProxyHeader == "" {
		return nil, nil
	}
	return c, nil
}

// syncGroups tells the GroupSync hook an account's groups; an error is
// logged, not returned.
func (a *Auth) syncGroups(ctx context.Context, userID string, groups []string) {
	if a.o.GroupSync == nil {
		return
	}
	if err := a.o.GroupSync.SyncGroups(ctx, userID, groups); err != nil {
		a.o.Logger.ErrorContext(ctx, "group sync failed", "account", userID, "err", err)
	}
}

// applyRole gives u the role its groups map to (audited as done by the
// identity provider); EConflict when that would demote the last admin.
func (a *Auth) applyRole(ctx context.Context, u *hindsight.User, groups []string, address, how string) (*hindsight.User, error) {
	role := a.o.SSO.Roles.Role(groups)
	if role == u.Role {
		return u, nil
	}
	nu, err := a.store.UpdateUser(ctx, u.ID, hindsight.UserUpdate{Role: &role}, []hindsight.AuditEntry{{Actor: "system", Action: "user.update",
		Target: u.ID, Address: address, Detail: u.Email + ": role " + string(u.Role) + " -> " + string(role) + " (groups at " + how + ")"}})
	if err != nil {
		return nil, err
	}
	a.o.Logger.InfoContext(ctx, "role changed by the identity provider's groups", "account", u.Email, "from", u.Role, "to", role, "at", how)
	return nu, nil
}

// externalUser finds or creates the account of an identity provider's
// subject: by (issuer, subject) once linked; else a local account with the
// same email is linked when allowed (LinkByEmail or the account's
// LinkOnSignIn), refused otherwise; else a new account is made. emailOK
// tells whether the provider verified the email (a new or linked account
// needs it).
func (a *Auth) externalUser(ctx context.Context, issuer, subject, email string, emailOK bool, name string, groups []string, address string) (*hindsight.User, error) {
	u, err := a.store.FindUserByIdentity(ctx, issuer, subject)
	if err == nil {
		return u, nil
	}
	if hindsight.ErrorCode(err) != hindsight.ENotFound {
		return nil, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
		return nil, hindsight.Errorf(hindsight.EUnauth, "the identity provider sent no email address for this account, so no Hindsight account can be made for it")
	}
	if !emailOK {
		return nil, hindsight.Errorf(hindsight.EUnauth, "the identity provider has not verified the email address %s, so no Hindsight account can be made or linked for it: verify it with the provider, then sign in again", email)
	}
	id := hindsight.Identity{Issuer: issuer, Subject: subject}
	cur, err := a.store.FindUserByEmail(ctx, email)
	switch {
	case err == nil:
		if !a.o.SSO.LinkByEmail && !cur.LinkOnSignIn {
			return nil, hindsight.Errorf(hindsight.EConflict, "a Hindsight account with the email %s exists already and is not linked to this identity provider: an admin can allow the link (PATCH /api/v1/users/{id} with link_on_sign_in), or sign in with its password", email)
		}
		id.UserID = cur.ID
		if err := a.store.LinkIdentity(ctx, id, []hindsight.AuditEntry{{Actor: cur.ID, Action: "user.link", Target: cur.ID,
			Address: address, Detail: email + " linked to " + issuer}}); err != nil {
			return nil, err
		}
		a.o.Logger.InfoContext(ctx, "account linked to the identity provider", "account", email, "issuer", issuer)
		return a.store.FindUserByID(ctx, cur.ID)
	case hindsight.ErrorCode(err) != hindsight.ENotFound:
		return nil, err
	}
	name = strings.TrimSpace(name)
	if len(name) > 100 {
		name = name[:100]
	}
	role := a.o.SSO.Roles.Role(groups)
	nu := &hindsight.User{ID: newID("usr_"), Email: email, Name: name, Role: role, PasswordHash: NoPassword}
	err = a.store.CreateLinkedUser(ctx, nu, id, []hindsight.AuditEntry{{Actor: "system", Action: "user.create", Target: nu.ID,
		Address: address, Detail: email + " as " + string(role) + " (first sign-in through " + issuer + ")"}})
	if err != nil {
		return nil, err
	}
	a.o.Logger.InfoContext(ctx, "account created at first sign-in", "account", email, "issuer", issuer)
	return nu, nil
}

// SSO is the single sign-on configuration (nil when none).
func (a *Auth) SSO() *SSOConfig { return a.o.SSO }

// PasswordAllowed reports whether u may sign in with a password: always,
// unless sign-in is through the identity provider only and u is not a
// break-glass account.
func (a *Auth) PasswordAllowed(u *hindsight.User) bool {
	return !a.o.SSO.OIDC() || !a.o.SSO.Only || u.BreakGlass
}

// LinkOnSignIn lets the next identity provider sign-in with account id's
// email link to it (an admin's action), or takes that back.
func (a *Auth) LinkOnSignIn(ctx context.Context, actor app.Actor, id string, allow bool) (*hindsight.User, error) {
	cur, err := a.store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	what := "may be linked at its next identity provider sign-in"
	if !allow {
		what = "may no longer be linked by email"
	}
	return a.store.UpdateUser(ctx, id, hindsight.UserUpdate{LinkOnSignIn: &allow}, []hindsight.AuditEntry{{Actor: actorID(actor),
		Action: "user.update", Target: id, Address: actor.Address, Detail: cur.Email + ": " + what}})
}

// SetBreakGlass marks account id as break-glass (it may sign in with its
// password when sign-in is through the identity provider only), or not.
func (a *Auth) SetBreakGlass(ctx context.Context, actor app.Actor, id string, on bool) (*hindsight.User, error) {
	cur, err := a.store.FindUserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	what := "break-glass on"
	if !on {
		what = "break-glass off"
	}
	return a.store.UpdateUser(ctx, id, hindsight.UserUpdate{BreakGlass: &on}, []hindsight.AuditEntry{{Actor: actorID(actor),
		Action: "user.update", Target: id, Address: actor.Address, Detail: cur.Email + ": " + what}})
}
