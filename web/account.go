package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// accountData is the account page's data.
type accountData struct {
	User        *hindsight.User
	Tokens      []tokenRow
	NewToken    string
	MinPassword int
	// ReadWrite offers read-write tokens (not to viewers).
	ReadWrite bool
	// Mail is the email notifications form (nil without the mailer).
	Mail *mailPrefData
}

type tokenRow struct {
	hindsight.Token
	State string // active, expired, revoked
}

// account is the signed-in person's page: who they are, their API tokens
// and the password form.
func (u *UI) account(w http.ResponseWriter, r *http.Request) {
	u.showAccount(w, r, http.StatusOK, page{}, u.takeSecret(w, r, "/account"))
}

func (u *UI) showAccount(w http.ResponseWriter, r *http.Request, status int, p page, newToken string) {
	pr := auth.PrincipalFrom(r.Context())
	if pr.User == nil {
		u.fail(w, r, hindsight.Errorf(hindsight.EUnauth, "sign in first"))
		return
	}
	ts, err := u.au.Tokens(r.Context(), pr.User.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := accountData{User: pr.User, NewToken: newToken, MinPassword: auth.MinPasswordLength, ReadWrite: pr.User.Role != hindsight.RoleViewer}
	now := u.svc.Now()
	for _, t := range ts {
		row := tokenRow{Token: t, State: "active"}
		switch {
		case !t.RevokedAt.IsZero():
			row.State = "revoked"
		case !t.Active(now):
			row.State = "expired"
		}
		d.Tokens = append(d.Tokens, row)
	}
	if u.ml != nil {
		set, err := u.ml.Preference(r.Context(), pr.User.ID)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		d.Mail = &mailPrefData{Preference: set.Preference, Enabled: u.ml.Enabled(), Options: mailPrefOptions}
	}
	p.Title, p.Nav, p.Data = "Your account", "account", d
	u.render(w, r, status, "account", p)
}

// accountPassword changes the password; every other session ends.
func (u *UI) accountPassword(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.au.ChangePassword(w, r, r.PostFormValue("current"), r.PostFormValue("password")); err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			// Post/Redirect/Get: a reload of the page shows it, not the form again
			u.redirectFlash(w, r, "/account", flashError, hindsight.ErrorMessage(err))
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/account", flashOK, "Your password is changed; your other sessions are signed out.")
}

// accountTokenCreate makes an API token; its secret is shown once.
func (u *UI) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("expires_in_days")))
	if err != nil || days < 1 || days > 366 {
		u.redirectFlash(w, r, "/account", flashError, "Expires in: a number of days from 1 to 366.")
		return
	}
	secret, _, err := u.au.CreateTokenFor(r, r.PostFormValue("name"), hindsight.TokenScope(r.PostFormValue("scope")), time.Duration(days)*24*time.Hour)
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			u.redirectFlash(w, r, "/account", flashError, hindsight.ErrorMessage(err))
			return
		}
		u.fail(w, r, err)
		return
	}
	u.redirectSecret(w, r, "/account", secret, "Token created.")
}

// accountTokenRevoke revokes one of the caller's tokens.
func (u *UI) accountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	pr := auth.PrincipalFrom(r.Context())
	if pr.User == nil {
		u.fail(w, r, hindsight.Errorf(hindsight.EUnauth, "sign in first"))
		return
	}
	if err := u.au.RevokeToken(r.Context(), pr.Actor(), r.PathValue("id"), pr.User.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirectFlash(w, r, "/account", flashOK, "The token is revoked.")
}
