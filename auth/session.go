package auth

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// sessionTouchInterval: a session's last-seen time is written at most once
// per interval, so reads do not each write.
const sessionTouchInterval = time.Minute

// checkSession returns the live session and account of a cookie value;
// ENotFound when there is none, it expired (it is then deleted) or its
// account is disabled.
func (a *Auth) checkSession(ctx context.Context, id string) (*hindsight.Session, *hindsight.User, error) {
	if len(id) > 128 {
		return nil, nil, hindsight.Errorf(hindsight.ENotFound, "no such session")
	}
	h := digest(id)
	s, u, err := a.store.FindSession(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	now := a.now()
	if now.Sub(s.LastSeenAt) >= a.o.IdleTimeout || now.Sub(s.CreatedAt) >= a.o.AbsoluteTimeout {
		if err := a.store.DeleteSession(ctx, h); err != nil {
			return nil, nil, err
		}
		return nil, nil, hindsight.Errorf(hindsight.ENotFound, "the session expired")
	}
	if u.Disabled {
		_ = a.store.DeleteSession(ctx, h)
		return nil, nil, hindsight.Errorf(hindsight.ENotFound, "the account is disabled")
	}
	if s.External != nil {
		// a provider's session is renewed through it when due: the
		// role follows its groups, and a refusal ends the session
		if u, err = a.refresh(ctx, s, u); err != nil {
			return nil, nil, err
		}
	}
	if now.Sub(s.LastSeenAt) >= sessionTouchInterval {
		if err := a.store.TouchSession(ctx, h, now); err != nil {
			a.o.Logger.WarnContext(ctx, "session touch failed", "err", err)
		}
		s.LastSeenAt = now
	}
	return s, u, nil
}

// startSession signs u in on w: any session the request already carries
// is ended and a new random ID is issued (no session fixation).
func (a *Auth) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, u *hindsight.User) error {
	if c, err := r.Cookie(a.cookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
		if err := a.store.DeleteSession(ctx, digest(c.Value)); err != nil {
			return err
		}
	}
	c, err := a.SessionCookie(ctx, u, clientAddress(r), r.UserAgent())
	if err != nil {
		return err
	}
	http.SetCookie(w, c)
	return nil
}

// SessionCookie starts a new session for u and returns its cookie (a fresh
// random ID; the store keeps only its hash). The sign-in page uses it; so
// can tests and tools that need a signed-in browser.
func (a *Auth) SessionCookie(ctx context.Context, u *hindsight.User, address, userAgent string) (*http.Cookie, error) {
	id := random(32)
	now := a.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	err := a.store.CreateSession(ctx, hindsight.Session{IDHash: digest(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		Address: address, UserAgent: userAgent})
	if err != nil {
		return nil, err
	}
	if err := a.store.SetLastLogin(ctx, u.ID, now); err != nil {
		return nil, err
	}
	return &http.Cookie{Name: a.cookie, Value: id, Path: "/", HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(a.o.AbsoluteTimeout / time.Second)}, nil
}

func (a *Auth) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: "", Path: "/", HttpOnly: true, Secure: a.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// endSession signs the request's session out.
func (a *Auth) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	a.clearCookie(w)
	c, err := r.Cookie(a.cookie)
	if err != nil || c.Value == "" || len(c.Value) > 128 {
		return nil
	}
	return a.store.DeleteSession(ctx, digest(c.Value))
}

// dummyHash is verified against when the account does not exist, so a
// sign-in takes as long for an unknown email as for a wrong password.
func (a *Auth) dummyHash() string {
	a.dummyOnce.Do(func() { a.dummy, _ = HashPassword("not a password of anyone", a.o.Params) })
	return a.dummy
}

// CheckLogin verifies an email and password from address, with throttling:
// EUnauth for bad credentials (the same message whatever was wrong) and
// ETooMany while the account or the address is locked out. Every
// outcome is audited (a lock-out once per account or address and window);
// the password never is.
//
// The attempt is counted in the store before the password is checked, one
// atomic statement per key that returns the count, so however many guesses
// arrive at once at most MaxAddressFailures from one address and
// MaxAccountFailures for one account are ever checked per window; the
// rest are refused unchecked, the right password too. A good sign-in
// takes its own attempt back from both counts and leaves the failures
// counted before it; an admin's password reset clears the account's.
func (a *Auth) CheckLogin(ctx context.Context, email, password, address string) (*hindsight.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	who := email
	if !strings.Contains(who, "@") || len(who) > 254 {
		who = "(not an email)" // a password typed into the email field stays out of the log
	}
	now := a.now()
	userKey, addrKey := "user:"+email, "addr:"+address
	na, err := a.store.LoginAttempt(ctx, addrKey, now, a.o.FailureWindow)
	if err != nil {
		return nil, err
	}
	if na > a.o.MaxAddressFailures {
		// The record is written by the one attempt that crossed the
		// limit, so a flood writes one per address and window.
		return nil, a.throttled(ctx, who, address, na == a.o.MaxAddressFailures+1)
	}
	nu, err := a.store.LoginAttempt(ctx, userKey, now, a.o.FailureWindow)
	if err != nil {
		return nil, err
	}
	if nu > a.o.MaxAccountFailures {
		// refused unchecked: not a failure of the address
		if err := a.store.ForgiveLoginAttempt(ctx, addrKey); err != nil {
			return nil, err
		}
		return nil, a.throttled(ctx, who, address, nu == a.o.MaxAccountFailures+1)
	}
	u, err := a.store.FindUserByEmail(ctx, email)
	hash := a.dummyHash()
	switch {
	case err == nil:
		hash = u.PasswordHash
	case hindsight.ErrorCode(err) != hindsight.ENotFound:
		return nil, err
	}
	ok, verr := a.verify(ctx, hash, password)
	if verr != nil {
		return nil, verr
	}
	reason := ""
	switch {
	case u == nil:
		reason = "unknown account"
	case !ok:
		reason = "wrong password"
	case u.Disabled:
		reason = "account disabled"
	case !a.PasswordAllowed(u):
		reason = "password sign-in is off (identity provider only) and the account is not break-glass"
	}
	if reason != "" {
		target := ""
		if u != nil {
			target = u.ID
		}
		a.audit(ctx, hindsight.AuditEntry{Actor: who, Action: "login.failed", Target: target, Address: address, Detail: reason})
		a.o.Logger.InfoContext(ctx, "sign-in failed", "account", who, "remote", address, "reason", reason)
		if ok && u != nil && !u.Disabled {
			// the password was right: say why it is not enough
			return nil, hindsight.Errorf(hindsight.EUnauth, "sign-in with a password is off for this account: sign in through the identity provider")
		}
		return nil, hindsight.Errorf(hindsight.EUnauth, "wrong email or password")
	}
	// A good sign-in does not count, but it does not clear the failures
	// counted before it either: clearing would let a guesser racing the
	// owner's sign-in start a new allowance.
	for _, k := range []string{userKey, addrKey} {
		if err := a.store.ForgiveLoginAttempt(ctx, k); err != nil {
			return nil, err
		}
	}
	a.audit(ctx, hindsight.AuditEntry{Actor: u.ID, Action: "login", Target: u.ID, Address: address})
	return u, nil
}

// throttled is the answer to a sign-in refused by throttling; record says
// to write the audit record and the log line.
func (a *Auth) throttled(ctx context.Context, who, address string, record bool) error {
	if record {
		a.audit(ctx, hindsight.AuditEntry{Actor: who, Action: "login.throttled", Address: address})
		a.o.Logger.WarnContext(ctx, "sign-in throttled", "account", who, "remote", address)
	}
	return hindsight.Errorf(hindsight.ETooMany, "too many failed sign-ins: try again in %d minutes", int(a.o.FailureWindow/time.Minute))
}
