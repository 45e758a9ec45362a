package web

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
)

// unsubscribeData is the unsubscribe page's data.
type unsubscribeData struct {
	Token string
	Email string
	// Done says the mail is off now (after the POST).
	Done bool
	// Off says it was off already (the GET).
	Off bool
	// SignedIn offers the account page to choose again.
	SignedIn bool
}

// unsubscribeUser names the account of settings for the page ("" when it
// cannot be read: the page still works).
func (u *UI) unsubscribeUser(r *http.Request, id string) string {
	if u.au == nil {
		return ""
	}
	if x, err := u.au.FindUser(r.Context(), id); err == nil {
		return x.Email
	}
	return ""
}

// mailUnsubscribe is the page of an email's unsubscribe link: it names the
// account and asks to confirm (opening the link changes nothing: mail
// scanners open links). It works without signing in.
func (u *UI) mailUnsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	s, err := u.ml.CheckToken(r.Context(), token)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := unsubscribeData{Token: token, Email: u.unsubscribeUser(r, s.AccountID), Off: s.Preference == hindsight.MailOff, SignedIn: !u.signedOut(r)}
	u.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Unsubscribe from email", Guest: u.signedOut(r), Data: d})
}

// mailUnsubscribePost turns the link's account's mail off: the page's
// button, or a mail client's one-click unsubscribe (RFC 8058: a POST with
// List-Unsubscribe=One-Click, no cookies).
func (u *UI) mailUnsubscribePost(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	token := r.PathValue("token")
	s, err := u.ml.Unsubscribe(r.Context(), token, r.RemoteAddr)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := unsubscribeData{Token: token, Email: u.unsubscribeUser(r, s.AccountID), Done: true, SignedIn: !u.signedOut(r)}
	u.render(w, r, http.StatusOK, "unsubscribe", page{Title: "Unsubscribed", Guest: u.signedOut(r), Data: d})
}
