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
}

// login is the sign-in page (a signed-in visitor goes on to next).
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	next := auth.SafeNext(r.URL.Query().Get("next"))
	if auth.PrincipalFrom(r.Context()).User != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: loginData{Next: next}})
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
		u.render(w, r, status, "login", page{Title: "Sign in", Error: hindsight.ErrorMessage(err), Data: loginData{Next: next, Email: email}})
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session.
func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if err := u.au.SignOut(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/login", flashOK, "You are signed out.")
}
