package auth

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// The Go API of the sign-in, setup, account and admin pages. The pages
// themselves are web's (web/login.go, setup.go, account.go, users.go,
// audit.go, incident_access.go): auth keeps the logic and renders no HTML.

// SetErrorPage sets how a page request the access check refuses (403,
// 404...) is answered: web's error page in the one layout. Without it the
// answer is plain text.
func (a *Auth) SetErrorPage(f func(w http.ResponseWriter, r *http.Request, status int, msg string)) {
	a.errorPage = f
}

// renderStatus answers a page request with status and a message.
func (a *Auth) renderStatus(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if a.errorPage != nil {
		a.errorPage(w, r, status, msg)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}

// ClientAddress is the address of r's client as the audit log records it.
func ClientAddress(r *http.Request) string { return clientAddress(r) }

// RetryAfter is how long a throttled sign-in should wait.
func (a *Auth) RetryAfter() time.Duration { return a.o.FailureWindow }

// SignIn checks an email and password (throttled, see CheckLogin) and
// starts a session: its cookie is set on w.
func (a *Auth) SignIn(w http.ResponseWriter, r *http.Request, email, password string) (*hindsight.User, error) {
	u, err := a.CheckLogin(r.Context(), email, password, clientAddress(r))
	if err != nil {
		return nil, err
	}
	if err := a.startSession(r.Context(), w, r, u); err != nil {
		return nil, err
	}
	return u, nil
}

// SignOut ends the request's session (clearing its cookie) and records it.
func (a *Auth) SignOut(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if err := a.endSession(r.Context(), w, r); err != nil {
		return err
	}
	if p.User != nil {
		a.audit(r.Context(), hindsight.AuditEntry{Actor: p.User.ID, Action: "logout", Target: p.User.ID, Address: p.Address})
	}
	return nil
}

// errSetupLink is the answer to a setup link that is not valid (any more).
var errSetupLink = hindsight.Errorf(hindsight.ENotFound, "This setup link is not valid or was already used.")

// CheckSetupLink tells whether token is a valid, unused setup token (a
// not-found error when it is not). The token travels in the query and the
// form, never in the path: request logs record paths.
func (a *Auth) CheckSetupLink(ctx context.Context, token string) error {
	ok, err := a.store.SetupTokenValid(ctx, digest(token))
	if err != nil {
		return err
	}
	if !ok {
		return errSetupLink
	}
	return nil
}

// Setup creates the first administrator with the setup token, signs them
// in (the cookie is set on w) and records it. A token that is not valid
// is a not-found error; a bad email or password is invalid.
func (a *Auth) Setup(w http.ResponseWriter, r *http.Request, token string, n NewUser) (*hindsight.User, error) {
	if err := a.CheckSetupLink(r.Context(), token); err != nil {
		return nil, err
	}
	n.Role = hindsight.RoleAdmin
	u, err := a.addUser(r.Context(), PrincipalFrom(r.Context()).Actor(), n, true, digest(token))
	switch hindsight.ErrorCode(err) {
	case "":
	case hindsight.ENotFound, hindsight.EConflict:
		return nil, errSetupLink
	default:
		return nil, err
	}
	if err := a.startSession(r.Context(), w, r, u); err != nil {
		return nil, err
	}
	a.audit(r.Context(), hindsight.AuditEntry{Actor: u.ID, Action: "login", Target: u.ID, Address: clientAddress(r), Detail: "after setup"})
	return u, nil
}

// ChangePassword changes the signed-in caller's password after checking
// the current one (a wrong one is invalid). Every session of the account
// ends; this browser gets a new one (set on w).
func (a *Auth) ChangePassword(w http.ResponseWriter, r *http.Request, current, password string) error {
	p := PrincipalFrom(r.Context())
	if p.User == nil {
		return hindsight.Errorf(hindsight.EUnauth, "sign in first")
	}
	if ok, err := a.verify(r.Context(), p.User.PasswordHash, current); err != nil {
		return err
	} else if !ok {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "The current password is wrong.",
			Fields: []hindsight.FieldError{{Field: "current", Message: "wrong password"}}}
	}
	if password == current {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "The new password is the current one: choose another (nothing changed, your other sessions stay signed in).",
			Fields: []hindsight.FieldError{{Field: "password", Message: "same as the current password"}}}
	}
	if _, err := a.ChangeUser(r.Context(), p.Actor(), p.User.ID, Change{Password: &password}); err != nil {
		return err
	}
	return a.startSession(r.Context(), w, r, p.User)
}

// CreateTokenFor makes an API token for the request's caller
// (CreateOwnToken's rules). It returns the secret (shown once) and the
// token.
func (a *Auth) CreateTokenFor(r *http.Request, name string, scope hindsight.TokenScope, ttl time.Duration) (string, *hindsight.Token, error) {
	return a.createToken(r, PrincipalFrom(r.Context()), name, scope, ttl)
}

// createToken makes a token for the caller (CreateOwnToken).
func (a *Auth) createToken(r *http.Request, p *Principal, name string, scope hindsight.TokenScope, ttl time.Duration) (string, *hindsight.Token, error) {
	return a.CreateOwnToken(r.Context(), p, name, scope, ttl)
}

// ParseAuditFilter reads the filter of the audit page and API from the
// query: actor (an account ID or email), action, target, incident, since
// and before (dates or RFC 3339 times), limit (1 to 1000), before_id.
func (a *Auth) ParseAuditFilter(r *http.Request) (hindsight.AuditFilter, error) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return f, err
	}
	a.resolveActor(r, &f)
	return f, nil
}

// auditFilter reads the filter of the audit page and API from the query.
func auditFilter(q url.Values) (hindsight.AuditFilter, error) {
	f := hindsight.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")), IncidentID: strings.TrimSpace(q.Get("incident"))}
	bad := func(field, msg string) error {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
	}
	for _, k := range []string{"since", "before"} {
		v := strings.TrimSpace(q.Get(k))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return f, bad(k, "want a date (2026-11-26) or an RFC 3339 time")
			}
		}
		if k == "since" {
			f.Since = t
		} else {
			f.Before = t
		}
	}
	for k, dst := range map[string]*int{"limit": &f.Limit} {
		if v := q.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return f, bad(k, "want a number from 1 to 1000")
			}
			*dst = n
		}
	}
	if v := q.Get("before_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, bad("before_id", "want a positive number")
		}
		f.BeforeID = n
	}
	return f, nil
}

// resolveActor lets an audit filter name an account by email: entries
// record account IDs.
func (a *Auth) resolveActor(r *http.Request, f *hindsight.AuditFilter) {
	if strings.Contains(f.Actor, "@") {
		if u, err := a.store.FindUserByEmail(r.Context(), f.Actor); err == nil {
			f.Actor = u.ID
		}
	}
}

// Anonymous returns r as seen by nobody signed in (the page after signing
// out is drawn for a signed-out visitor).
func Anonymous(r *http.Request) *http.Request {
	p := &Principal{Address: clientAddress(r)}
	return r.WithContext(app.WithActor(context.WithValue(r.Context(), principalKey{}, p), p.Actor()))
}
