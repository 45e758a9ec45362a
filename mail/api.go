package mail

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Routes returns the JSON API of the caller's own mail settings:
// GET and PUT /api/v1/me/notifications (the account page's form and the
// unsubscribe page are web's).
func (m *Mailer) Routes() []httpx.Route {
	h := func(f func(http.ResponseWriter, *http.Request) error) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := f(w, r); err != nil {
				httpx.WriteError(w, r, nil, err)
			}
		})
	}
	return []httpx.Route{
		{Pattern: "GET /api/v1/me/notifications", Access: httpx.Read, Name: "api.me.notifications", Handler: h(m.apiGet)},
		{Pattern: "PUT /api/v1/me/notifications", Access: httpx.Read, Name: "api.me.notifications.set", Handler: h(m.apiSet)},
	}
}

// SettingsView is an account's mail settings as the API shows them.
type SettingsView struct {
	Preference hindsight.MailPreference `json:"preference"`
	// MailEnabled is false while the server sends no mail (no SMTP
	// server set): the preference applies once it does.
	MailEnabled bool `json:"mail_enabled"`
}

// settingsInput is the body of PUT /api/v1/me/notifications.
type settingsInput struct {
	Preference *string `json:"preference"`
}

func (m *Mailer) apiGet(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	if p.User == nil {
		return hindsight.Errorf(hindsight.EUnauth, "sign in first")
	}
	s, err := m.Preference(r.Context(), p.User.ID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, SettingsView{Preference: s.Preference, MailEnabled: m.enabled})
	return nil
}

func (m *Mailer) apiSet(w http.ResponseWriter, r *http.Request) error {
	p := auth.PrincipalFrom(r.Context())
	if p.User == nil {
		return hindsight.Errorf(hindsight.EUnauth, "sign in first")
	}
	if p.Token != nil && p.Token.Scope != hindsight.ScopeReadWrite {
		return hindsight.Errorf(hindsight.EForbidden, "a read token cannot change settings: use a read-write token or the account page")
	}
	var in settingsInput
	if err := (httpx.Decoder{MaxBytes: 4 << 10}).Request(w, r, &in); err != nil {
		return err
	}
	invalid := func(msg string) error {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: "preference: " + msg, Fields: []hindsight.FieldError{{Field: "preference", Message: msg}}}
	}
	if in.Preference == nil {
		return invalid("required: immediate, digest or off")
	}
	pref, err := hindsight.ParseMailPreference(*in.Preference)
	if err != nil {
		return invalid("want immediate, digest or off")
	}
	s, err := m.SetPreference(r.Context(), p.User.ID, pref, p.User.ID, r.RemoteAddr)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, SettingsView{Preference: s.Preference, MailEnabled: m.enabled})
	return nil
}
