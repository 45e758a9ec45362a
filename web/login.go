package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// loginData is the sign-in page's data.
type loginData struct {
	Next, Email string
	// SSOName names the identity provider's button ("" without one);
	// SSOOnly folds the password form away for break-glass accounts.
	SSOName string
	SSOOnly bool
}

// loginPage is the sign-in page's data with the single sign-on settings.
func (u *UI) loginPage(next, email string) loginData {
	d := loginData{Next: next, Email: email}
	if sso := u.au.SSO(); sso.OIDC() {
		d.SSOName, d.SSOOnly = sso.Name, sso.Only
		if d.SSOName == "" {
			d.SSOName = "single sign-on"
		}
	}
	return d
}

// login is the sign-in page (a signed-in visitor goes on to next).
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	next := auth.SafeNext(r.URL.Query().Get("next"))
	if auth.PrincipalFrom(r.Context()).User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: u.loginPage(next, "")})
}

// loginPost signs in with an email and password (throttled by auth) and
// goes on to the page that asked for it.
func (u *UI) loginPost(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	email, next := r.PostFormValue("email"), auth.SafeNext(r.PostFormValue("next"))
	if _, err := u.au.SignIn(w, r, email, r.PostFormValue("password")); err != nil {
		code := hindsight.ErrorCode(err)
		if code != hindsight.EUnauth && code != hindsight.ETooMany {
			u.fail(w, r, err)
			return
		}
		status := http.StatusUnauthorized
		if code == hindsight.ETooMany {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(u.au.RetryAfter()/time.Second)))
		}
		u.render(w, r, status, "login", page{Title: "Sign in", Error: hindsight.ErrorMessage(err), Data: u.loginPage(next, email)})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signedOutData is the page after signing out of a session the identity
// provider signed in: it offers signing out there too (RP-initiated
// logout).
type signedOutData struct {
	Name   string
	EndURL string
}

// logout ends the session.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	// a session the identity provider signed in is offered to end there
	// too when it offers RP-initiated logout
	end := u.au.LogoutURL(r.Context(), auth.PrincipalFrom(r.Context()).Session)
	if err := u.au.SignOut(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	if end != "" {
		// offered, not forced: a form's redirect to another origin is
		// blocked by the CSP's form-action, and the person may want to
		// stay signed in at the provider
		name := u.au.SSO().Name
		if name == "" {
			name = "the identity provider"
		}
		u.render(w, auth.Anonymous(r), http.StatusOK, "signed_out", page{Title: "Signed out", Data: signedOutData{Name: name, EndURL: end}})
		return
	}
	u.redirectFlash(w, r, "/login", flashOK, "You are signed out.")
}
