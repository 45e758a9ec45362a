package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/hindsight-pm/hindsight"
)

// oidcFlowCookie carries a sign-in's state, nonce, PKCE verifier and next
// page from its start to the provider's callback.
const (
	oidcFlowCookie = "hindsight_oidc"
	oidcFlowPath   = "/auth/oidc/"
	oidcFlowTTL    = 10 * time.Minute
	// CallbackPath is where the provider sends the browser back.
	CallbackPath = "/auth/oidc/callback"
)

// oidcClient is the provider's discovered configuration, read at the
// first use (a provider down at start-up does not stop the server) and
// again after a failure.
type oidcClient struct {
	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	config   *oauth2.Config
	endURL   string
	// refreshing serializes the refresh of one session (a rotated
	// refresh token is good once)
	refreshing sync.Map // session hash -> *sync.Mutex
}

// SSOError is a refused single sign-on: Reason is what is logged (and
// audited), Message what the person is shown.
type SSOError struct {
	Reason, Message string
	Status          int
}

func (e *SSOError) Error() string { return e.Message }

func ssoErr(status int, reason, format string, args ...any) *SSOError {
	return &SSOError{Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// flowCookie is the flow cookie's name and path: with an https base URL
// "__Host-" prefixed (path /), so no other host of the domain and no
// plain-http page can plant a flow of its own in the browser.
func (a *Auth) flowCookie() (name, path string) {
	if a.secure {
		return "__Host-" + oidcFlowCookie, "/"
	}
	return oidcFlowCookie, oidcFlowPath
}

// client returns the discovered client.
func (a *Auth) client(ctx context.Context) (*oidcClient, error) {
	c := &a.oidc
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider != nil {
		return c, nil
	}
	sso := a.o.SSO
	ctx, cancel := context.WithTimeout(a.httpContext(ctx), 15*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, sso.Issuer)
	if err != nil {
		a.o.Logger.ErrorContext(ctx, "OpenID provider discovery failed", "issuer", sso.Issuer, "err", err)
		return nil, ssoErr(http.StatusBadGateway, "discovery failed: "+err.Error(),
			"Hindsight could not reach the identity provider (%s): try again later, or ask an admin to check HINDSIGHT_OIDC_ISSUER.", sso.Issuer)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Scopes     []string `json:"scopes_supported"`
	}
	_ = p.Claims(&meta)
	c.provider, c.endURL = p, meta.EndSession
	c.verifier = p.Verifier(&oidc.Config{ClientID: sso.ClientID, Now: a.o.Now})
	c.config = &oauth2.Config{ClientID: sso.ClientID, ClientSecret: sso.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: strings.TrimSuffix(a.o.BaseURL, "/") + CallbackPath, Scopes: scopesFor(meta.Scopes, sso.groupsScope())}
	return c, nil
}

// scopesFor is the scopes to ask for: openid, email and profile, and
// offline_access (a refresh token) and the groups scope when the provider
// lists them in scopes_supported (or lists none): some providers refuse a
// sign-in that asks for a scope they do not know (Entra ID, Google).
func scopesFor(supported []string, groups string) []string {
	out := []string{oidc.ScopeOpenID, "email", "profile"}
	for _, s := range []string{oidc.ScopeOfflineAccess, groups} {
		if len(supported) == 0 || slices.Contains(supported, s) {
			out = append(out, s)
		}
	}
	return out
}

// groupsScope is the scope asked for the groups claim.
func (c *SSOConfig) groupsScope() string {
	if c.GroupsClaim == "" || c.GroupsClaim == "groups" {
		return "groups"
	}
	return c.GroupsClaim
}

func (c *SSOConfig) groupsClaim() string {
	if c.GroupsClaim == "" {
		return "groups"
	}
	return c.GroupsClaim
}

func (c *SSOConfig) refreshEvery() time.Duration {
	if c.RefreshEvery <= 0 {
		return DefaultRefreshEvery
	}
	return c.RefreshEvery
}

// httpContext is the context of calls to the provider: they finish even
// when the browser leaves (a code is good once).
func (a *Auth) httpContext(ctx context.Context) context.Context {
	return context.WithoutCancel(ctx)
}

type oidcFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x"`
}

// StartOIDC begins a sign-in through the OpenID provider: it sets the
// flow's cookie on w and returns the provider's authorization URL to
// redirect to. next is the page to go on to after it.
func (a *Auth) StartOIDC(w http.ResponseWriter, r *http.Request, next string) (string, error) {
	if !a.o.SSO.OIDC() {
		return "", hindsight.Errorf(hindsight.ENotFound, "sign-in through an identity provider is not configured")
	}
	c, err := a.client(r.Context())
	if err != nil {
		return "", err
	}
	f := oidcFlow{State: random(24), Nonce: random(24), Verifier: oauth2.GenerateVerifier(), Next: SafeNext(next)}
	b, _ := json.Marshal(f)
	name, path := a.flowCookie()
	http.SetCookie(w, &http.Cookie{Name: name, Value: base64.RawURLEncoding.EncodeToString(b), Path: path,
		HttpOnly: true, Secure: a.secure, SameSite: http.SameSiteLaxMode, MaxAge: int(oidcFlowTTL / time.Second)})
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
	if !slices.Contains(c.config.Scopes, oidc.ScopeOfflineAccess) {
		// providers without offline_access (Google) give a refresh
		// token for access_type=offline
		opts = append(opts, oauth2.AccessTypeOffline)
	}
	return c.config.AuthCodeURL(f.State, opts...), nil
}

// claims are the ID token's claims Hindsight reads.
type claims struct {
	Subject       string `json:"sub"`
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
	Name          string `json:"name"`
	Nonce         string `json:"nonce"`
}

// verified reads email_verified, which some providers send as a string;
// absent, it is assumeVerified.
func (c *claims) verified(assumeVerified bool) bool {
	switch v := c.EmailVerified.(type) {
	case nil:
		return assumeVerified
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// groupsOf reads the groups claim: a list of strings, or one string.
func groupsOf(raw map[string]any, name string) ([]string, error) {
	v, ok := raw[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch g := v.(type) {
	case string:
		return []string{g}, nil
	case []any:
		if len(g) > MaxGroups {
			return nil, fmt.Errorf("the %q claim has %d groups, more than %d", name, len(g), MaxGroups)
		}
		out := make([]string, 0, len(g))
		for _, x := range g {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("the %q claim holds a %T, want strings", name, x)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("the %q claim is a %T, want a list of strings", name, v)
}

// verifyIDToken checks an ID token (signature, issuer, audience, expiry)
// and reads its claims and groups.
func (a *Auth) verifyIDToken(ctx context.Context, c *oidcClient, raw string) (*oidc.IDToken, *claims, []string, error) {
	tok, err := c.verifier.Verify(ctx, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		switch {
		case errors.As(err, &exp):
			return nil, nil, nil, ssoErr(http.StatusUnauthorized, "ID token expired at "+exp.Expiry.UTC().Format(time.RFC3339)+": "+err.Error(),
				"The identity provider's sign-in had expired when it reached Hindsight (at %s; Hindsight's clock says %s). If this keeps happening, the clocks of Hindsight's server and the provider disagree.",
				exp.Expiry.UTC().Format(time.RFC3339), a.now().Format(time.RFC3339))
		case strings.Contains(err.Error(), "audience"):
			return nil, nil, nil, ssoErr(http.StatusUnauthorized, "wrong audience: "+err.Error(),
				"The identity provider's sign-in was made for another application, not this Hindsight (its audience is not HINDSIGHT_OIDC_CLIENT_ID).")
		}
		return nil, nil, nil, ssoErr(http.StatusUnauthorized, "ID token refused: "+err.Error(), "The identity provider's sign-in could not be verified: %v.", err)
	}
	var cl claims
	var all map[string]any
	if err := tok.Claims(&cl); err != nil {
		return nil, nil, nil, ssoErr(http.StatusUnauthorized, "ID token claims: "+err.Error(), "The identity provider's sign-in could not be read: %v.", err)
	}
	if err := tok.Claims(&all); err != nil {
		return nil, nil, nil, ssoErr(http.StatusUnauthorized, "ID token claims: "+err.Error(), "The identity provider's sign-in could not be read: %v.", err)
	}
	groups, err := groupsOf(all, a.o.SSO.groupsClaim())
	if err != nil {
		return nil, nil, nil, ssoErr(http.StatusUnauthorized, "groups claim: "+err.Error(), "The identity provider's groups could not be read: %v.", err)
	}
	return tok, &cl, groups, nil
}

// FinishOIDC completes a sign-in at the provider's callback: it checks the
// state, exchanges the code (with the PKCE verifier), verifies the ID
// token and its nonce, finds or makes the account, applies the role its
// groups map to, starts a session and tells GroupSync. It returns the page
// to go on to. A refusal is an *SSOError, logged and audited with its
// reason; nothing is created by a refused sign-in.
func (a *Auth) FinishOIDC(w http.ResponseWriter, r *http.Request) (string, error) {
	if !a.o.SSO.OIDC() {
		return "", hindsight.Errorf(hindsight.ENotFound, "sign-in through an identity provider is not configured")
	}
	next, err := a.finishOIDC(w, r)
	if err != nil {
		var se *SSOError
		if !errors.As(err, &se) {
			switch hindsight.ErrorCode(err) {
			case hindsight.EUnauth, hindsight.EConflict, hindsight.ENotFound:
				se = ssoErr(http.StatusForbidden, hindsight.ErrorMessage(err), "%s", upperFirst(hindsight.ErrorMessage(err)))
			default:
				return "", err
			}
		}
		addr := clientAddress(r)
		a.o.Logger.WarnContext(r.Context(), "OpenID sign-in refused", "remote", addr, "reason", se.Reason)
		a.audit(r.Context(), hindsight.AuditEntry{Actor: "(identity provider)", Action: "login.failed", Address: addr, Detail: "oidc: " + truncate(se.Reason, 500)})
		return "", se
	}
	return next, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (a *Auth) finishOIDC(w http.ResponseWriter, r *http.Request) (string, error) {
	if !a.o.SSO.OIDC() {
		return "", hindsight.Errorf(hindsight.ENotFound, "sign-in through an identity provider is not configured")
	}
	ctx := r.Context()
	q := r.URL.Query()
	// the flow's cookie is good once, whatever happens next
	name, path := a.flowCookie()
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	if e := q.Get("error"); e != "" {
		desc := truncate(q.Get("error_description"), 300)
		msg := "The identity provider did not sign you in"
		if e == "access_denied" {
			msg = "The identity provider refused the sign-in (access denied)"
		}
		if desc != "" {
			msg += ": " + desc
		}
		return "", ssoErr(http.StatusForbidden, "provider answered error="+truncate(e, 100)+" "+desc, "%s.", msg)
	}
	var f oidcFlow
	ck, err := r.Cookie(name)
	if err == nil {
		b, derr := base64.RawURLEncoding.DecodeString(ck.Value)
		if derr != nil || json.Unmarshal(b, &f) != nil {
			f = oidcFlow{}
		}
	}
	if f.State == "" {
		return "", ssoErr(http.StatusBadRequest, "no sign-in in progress (no or bad flow cookie)",
			"This sign-in was not started in this browser, or it took more than %d minutes: sign in again.", int(oidcFlowTTL/time.Minute))
	}
	if q.Get("state") != f.State {
		return "", ssoErr(http.StatusBadRequest, "wrong state",
			"The answer from the identity provider does not belong to the sign-in this browser started (its state differs): sign in again.")
	}
	code := q.Get("code")
	if code == "" {
		return "", ssoErr(http.StatusBadRequest, "no code", "The identity provider's answer has no authorization code: sign in again.")
	}
	c, err := a.client(ctx)
	if err != nil {
		return "", err
	}
	xctx, cancel := context.WithTimeout(a.httpContext(ctx), 30*time.Second)
	defer cancel()
	tok, err := c.config.Exchange(xctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", ssoErr(http.StatusUnauthorized, "code exchange refused: "+re.ErrorCode+" "+re.ErrorDescription,
				"The identity provider did not accept the sign-in's code (%s): it expired or was used already. Sign in again.", re.ErrorCode)
		}
		return "", ssoErr(http.StatusBadGateway, "code exchange failed: "+err.Error(), "Hindsight could not reach the identity provider to finish the sign-in: try again.")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", ssoErr(http.StatusBadGateway, "no id_token in the token answer", "The identity provider sent no ID token: is the openid scope allowed for this client?")
	}
	idt, cl, groups, err := a.verifyIDToken(xctx, c, raw)
	if err != nil {
		return "", err
	}
	if cl.Nonce != f.Nonce {
		return "", ssoErr(http.StatusUnauthorized, "wrong nonce", "The identity provider's sign-in does not belong to the sign-in this browser started (its nonce differs): sign in again.")
	}
	addr := clientAddress(r)
	u, err := a.externalUser(ctx, idt.Issuer, idt.Subject, cl.Email, cl.verified(a.o.SSO.AssumeVerified), cl.Name, groups, addr)
	if err != nil {
		return "", err
	}
	if u.Disabled {
		return "", ssoErr(http.StatusForbidden, "account disabled: "+u.Email, "The Hindsight account %s is disabled: ask an admin.", u.Email)
	}
	if u, err = a.applyRole(ctx, u, groups, addr, "sign-in"); err != nil {
		if hindsight.ErrorCode(err) == hindsight.EConflict {
			return "", ssoErr(http.StatusForbidden, "would demote the last admin: "+err.Error(),
				"Your groups at the identity provider no longer make you an admin, and you are Hindsight's last admin: make another admin first (a break-glass account can).")
		}
		return "", err
	}
	ext := &hindsight.ExternalSession{Issuer: idt.Issuer, RefreshToken: tok.RefreshToken, RefreshAt: a.now().Add(a.o.SSO.refreshEvery()), IDToken: raw}
	if len(raw) > 16<<10 {
		ext.IDToken = "" // a huge token (many groups) is not kept as a logout hint
	}
	if err := a.startExternalSession(ctx, w, r, u, ext); err != nil {
		return "", err
	}
	a.audit(ctx, hindsight.AuditEntry{Actor: u.ID, Action: "login", Target: u.ID, Address: addr, Detail: "oidc " + idt.Issuer})
	a.o.Logger.InfoContext(ctx, "signed in through the identity provider", "account", u.Email, "role", u.Role, "groups", len(groups))
	a.syncGroups(ctx, u.ID, groups)
	return f.Next, nil
}

// startExternalSession is startSession for a provider's sign-in.
func (a *Auth) startExternalSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u *hindsight.User, ext *hindsight.ExternalSession) error {
	if c, err := r.Cookie(a.cookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := a.store.DeleteSession(ctx, digest(c.Value)); err != nil {
			return err
		}
	}
	id := random(32)
	now := a.now()
	ua := r.UserAgent()
	if len(ua) > 200 {
		ua = ua[:200]
	}
	if err := a.store.CreateSession(ctx, hindsight.Session{IDHash: digest(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		Address: clientAddress(r), UserAgent: ua, External: ext}); err != nil {
		return err
	}
	if err := a.store.SetLastLogin(ctx, u.ID, now); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: id, Path: "/", HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(a.o.AbsoluteTimeout / time.Second)})
	return nil
}

// refresh renews session s of u through the provider when it is due: the
// new ID token's groups set the role (a demotion takes effect at once),
// and a refusal by the provider (the account removed or disabled there,
// the refresh token revoked) ends the session (ENotFound). A provider
// that cannot be reached is retried a minute later; the session goes on.
func (a *Auth) refresh(ctx context.Context, s *hindsight.Session, u *hindsight.User) (*hindsight.User, error) {
	if s.External == nil || s.External.Issuer == hindsight.ProxyIssuer || !a.o.SSO.OIDC() || a.now().Before(s.External.RefreshAt) {
		return u, nil
	}
	c, err := a.client(ctx)
	if err != nil {
		return u, nil // discovery failed (logged): try again at the next request
	}
	mu, _ := c.refreshing.LoadOrStore(s.IDHash, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer func() {
		mu.(*sync.Mutex).Unlock()
		c.refreshing.Delete(s.IDHash)
	}()
	// another request may have refreshed it meanwhile
	s, u, err = a.store.FindSession(ctx, s.IDHash)
	if err != nil {
		return nil, err
	}
	if s.External == nil || a.now().Before(s.External.RefreshAt) {
		return u, nil
	}
	end := func(reason string) (*hindsight.User, error) {
		if err := a.store.DeleteSession(ctx, s.IDHash); err != nil {
			return nil, err
		}
		a.audit(ctx, hindsight.AuditEntry{Actor: "system", Action: "logout", Target: u.ID, Address: s.Address, Detail: "session ended at refresh: " + truncate(reason, 300)})
		a.o.Logger.InfoContext(ctx, "session ended at refresh through the identity provider", "account", u.Email, "reason", reason)
		return nil, hindsight.Errorf(hindsight.ENotFound, "the identity provider ended the session")
	}
	if s.External.RefreshToken == "" {
		return end("the provider gave no refresh token")
	}
	xctx, cancel := context.WithTimeout(a.httpContext(ctx), 15*time.Second)
	defer cancel()
	tok, err := c.config.TokenSource(xctx, &oauth2.Token{RefreshToken: s.External.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return end("refresh refused: " + re.ErrorCode + " " + re.ErrorDescription)
		}
		a.o.Logger.WarnContext(ctx, "session refresh through the identity provider failed; retrying in a minute", "account", u.Email, "err", err)
		ext := *s.External
		ext.RefreshAt = a.now().Add(time.Minute)
		if err := a.store.UpdateSessionExternal(ctx, s.IDHash, ext); err != nil {
			return nil, err
		}
		return u, nil
	}
	ext := *s.External
	ext.RefreshAt = a.now().Add(a.o.SSO.refreshEvery())
	if tok.RefreshToken != "" {
		ext.RefreshToken = tok.RefreshToken
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw != "" {
		idt, _, groups, err := a.verifyIDToken(xctx, c, raw)
		if err != nil {
			reason := err.Error()
			if se := (*SSOError)(nil); errors.As(err, &se) {
				reason = se.Reason
			}
			return end("refreshed ID token refused: " + reason)
		}
		if idt.Subject == "" {
			return end("refreshed ID token has no subject")
		}
		if lu, err := a.store.FindUserByIdentity(ctx, idt.Issuer, idt.Subject); err != nil || lu.ID != u.ID {
			return end("refreshed ID token is for another subject")
		}
		nu, err := a.applyRole(ctx, u, groups, s.Address, "refresh")
		if err != nil {
			if hindsight.ErrorCode(err) == hindsight.EConflict {
				return end("groups would demote the last admin")
			}
			return nil, err
		}
		u = nu
		if len(raw) <= 16<<10 {
			ext.IDToken = raw
		}
		defer a.syncGroups(ctx, u.ID, groups)
	}
	if err := a.store.UpdateSessionExternal(ctx, s.IDHash, ext); err != nil {
		return nil, err
	}
	return u, nil
}

// LogoutURL is where to send the browser after ending a session signed in
// through the provider (RP-initiated logout), or "" when the provider
// advertises no end_session_endpoint or s was not signed in by it.
func (a *Auth) LogoutURL(ctx context.Context, s *hindsight.Session) string {
	if s == nil || s.External == nil || s.External.Issuer == hindsight.ProxyIssuer || !a.o.SSO.OIDC() {
		return ""
	}
	c, err := a.client(ctx)
	if err != nil || c.endURL == "" {
		return ""
	}
	q := url.Values{"client_id": {a.o.SSO.ClientID}, "post_logout_redirect_uri": {strings.TrimSuffix(a.o.BaseURL, "/") + "/login"}}
	if s.External.IDToken != "" {
		q.Set("id_token_hint", s.External.IDToken)
	}
	sep := "?"
	if strings.Contains(c.endURL, "?") {
		sep = "&"
	}
	return c.endURL + sep + q.Encode()
}
