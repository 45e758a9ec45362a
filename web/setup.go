package web

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// setupData is the first-run page's data.
type setupData struct {
	Token, Email, Name string
	MinPassword        int
}

// setup is the first-run page: the one-time link `serve` prints creates
// the first administrator. The token travels in the query and the form,
// never in the path (request logs record paths).
func (u *UI) setup(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if err := u.au.CheckSetupLink(r.Context(), tok); err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "setup", page{Title: "Set up Hindsight", Data: setupData{Token: tok, MinPassword: auth.MinPasswordLength}})
}

// setupPost creates the first administrator and signs them in.
func (u *UI) setupPost(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	d := setupData{Token: r.PostFormValue("token"), Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), MinPassword: auth.MinPasswordLength}
	again := func(msg string) {
		u.render(w, r, http.StatusUnprocessableEntity, "setup", page{Title: "Set up Hindsight", Error: msg, Data: d})
	}
	if err := u.au.CheckSetupLink(r.Context(), d.Token); err != nil {
		u.fail(w, r, err)
		return
	}
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		again("The two passwords differ.")
		return
	}
	_, err := u.au.Setup(w, r, d.Token, auth.NewUser{Email: d.Email, Name: d.Name, Password: r.PostFormValue("password")})
	switch hindsight.ErrorCode(err) {
	case "":
		u.redirectFlash(w, r, "/", flashOK, "Welcome: your administrator account is ready.")
	case hindsight.EInvalid:
		again(hindsight.ErrorMessage(err))
	default:
		u.fail(w, r, err)
	}
}
