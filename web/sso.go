package web

import (
	"errors"
	"net/http"

	"github.com/hindsight-pm/hindsight/auth"
)

// oidcLogin starts a sign-in through the identity provider (auth keeps
// the flow; this page only redirects).
func (u *UI) oidcLogin(w http.ResponseWriter, r *http.Request) {
	if !u.au.SSO().OIDC() {
		u.redirectFlash(w, r, "/login", flashError, "Sign-in through an identity provider is not configured.")
		return
	}
	to, err := u.au.StartOIDC(w, r, r.URL.Query().Get("next"))
	if err != nil {
		u.ssoFail(w, r, err)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}

// oidcCallback finishes it where the provider sends the browser back: a
// refusal is a page in the layout saying what happened.
func (u *UI) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if !u.au.SSO().OIDC() {
		u.redirectFlash(w, r, "/login", flashError, "Sign-in through an identity provider is not configured.")
		return
	}
	next, err := u.au.FinishOIDC(w, r)
	if err != nil {
		u.ssoFail(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) ssoFail(w http.ResponseWriter, r *http.Request, err error) {
	var se *auth.SSOError
	if !errors.As(err, &se) {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, se.Status, "error", page{Title: "Sign-in failed", Data: errorData{Status: se.Status, Message: se.Message, SignIn: true}})
}
