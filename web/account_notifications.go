package web

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// mailPrefData is the account page's email notifications form.
type mailPrefData struct {
	Preference hindsight.MailPreference
	// Enabled is false while the server sends no mail (no SMTP server
	// set): the choice is kept for when it does.
	Enabled bool
	Options []mailPrefOption
}

type mailPrefOption struct {
	Value hindsight.MailPreference
	Label string
	Hint  string
}

var mailPrefOptions = []mailPrefOption{
	{hindsight.MailImmediate, "Immediately", "one email per review request, review, comment or due postmortem"},
	{hindsight.MailDigest, "Daily digest", "one email a day with everything since the last one"},
	{hindsight.MailOff, "Off", "no email"},
}

// accountNotifications sets how the signed-in person gets email.
func (u *UI) accountNotifications(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	pr := auth.PrincipalFrom(r.Context())
	if pr.User == nil {
		u.fail(w, r, hindsight.Errorf(hindsight.EUnauth, "sign in first"))
		return
	}
	p, err := hindsight.ParseMailPreference(r.PostFormValue("mail"))
	if err != nil {
		u.redirectFlash(w, r, "/account", flashError, "Email notifications: choose immediately, daily digest or off.")
		return
	}
	if _, err := u.ml.SetPreference(r.Context(), pr.User.ID, p, pr.User.ID, r.RemoteAddr); err != nil {
		u.fail(w, r, err)
		return
	}
	msg := map[hindsight.MailPreference]string{
		hindsight.MailImmediate: "You get an email for each review request, review, comment and due postmortem.",
		hindsight.MailDigest:    "You get one email a day with everything since the last one.",
		hindsight.MailOff:       "You get no email.",
	}[p]
	u.redirectFlash(w, r, "/account", flashOK, msg)
}
