package auth

import (
	"net/http"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Routes returns the API routes of tokens, accounts, the audit log and
// incident restriction (the sign-in, setup, account, admin and incident
// visibility pages are web's). Like every route they are wrapped by
// Protect (or Wrap) before they reach the server.
func (a *Auth) Routes() []httpx.Route {
	h := func(f http.HandlerFunc) http.Handler { return f }
	return []httpx.Route{
		{Pattern: "GET /api/v1/me", Access: httpx.Read, Name: "api.me", Handler: h(a.apiMe)},
		{Pattern: "GET /api/v1/tokens", Access: httpx.Read, Name: "api.tokens.list", Handler: h(a.apiTokens)},
		{Pattern: "POST /api/v1/tokens", Access: httpx.Read, Name: "api.tokens.create", Handler: h(a.apiCreateToken)},
		{Pattern: "DELETE /api/v1/tokens/{id}", Access: httpx.Read, Name: "api.tokens.revoke", Handler: h(a.apiRevokeToken)},
		{Pattern: "GET /api/v1/users", Access: httpx.Admin, Name: "api.users.list", Handler: h(a.apiUsers)},
		{Pattern: "POST /api/v1/users", Access: httpx.Admin, Name: "api.users.create", Handler: h(a.apiCreateUser)},
		{Pattern: "PATCH /api/v1/users/{id}", Access: httpx.Admin, Name: "api.users.update", Handler: h(a.apiUpdateUser)},
		{Pattern: "GET /api/v1/audit", Access: httpx.Admin, Name: "api.audit", Handler: h(a.apiAudit)},
		{Pattern: "PUT /api/v1/incidents/{id}/restriction", Access: httpx.Write, Name: "api.incidents.restriction", Handler: h(a.apiRestrict)},
	}
}

// writeJSON writes an API answer; the token and account answers are never
// cached (a token's secret is in one).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, status, v)
}

func (a *Auth) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, a.o.Logger, err)
}

// decode reads a JSON body into v (httpx's one decoder: unknown fields and
// wrong types are 400 naming the field).
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return httpx.Decode(w, r, v)
}

// tokenView is a token as the API shows it, with its secret only at
// creation.
type tokenView struct {
	hindsight.Token
	Secret string `json:"token,omitempty"`
	Active bool   `json:"active"`
}

func (a *Auth) apiMe(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	out := map[string]any{"user": p.User, "access": p.Level.String()}
	if p.Token != nil {
		out["token"] = map[string]any{"id": p.Token.ID, "scope": p.Token.Scope, "expires_at": p.Token.ExpiresAt}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *Auth) apiTokens(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	owner := p.User.ID
	all := r.URL.Query().Get("all")
	if all != "" && all != "true" && all != "false" {
		a.apiFail(w, r, httpx.BadParam("all", "want true or false"))
		return
	}
	if p.Level >= httpx.Admin && all == "true" {
		owner = ""
	}
	ts, err := a.store.FindTokens(r.Context(), owner)
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	now := a.now()
	out := make([]tokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenView{Token: t, Active: t.Active(now)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (a *Auth) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name          string               `json:"name"`
		Scope         hindsight.TokenScope `json:"scope"`
		ExpiresInDays int                  `json:"expires_in_days"`
	}
	if err := decode(w, r, &in); err != nil {
		a.apiFail(w, r, err)
		return
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 366 {
		a.apiFail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: "expires_in_days: from 1 to 366",
			Fields: []hindsight.FieldError{{Field: "expires_in_days", Message: "from 1 to 366"}}})
		return
	}
	p := PrincipalFrom(r.Context())
	secret, t, err := a.createToken(r, p, in.Name, in.Scope, time.Duration(in.ExpiresInDays)*24*time.Hour)
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenView{Token: *t, Secret: secret, Active: true})
}

func (a *Auth) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	owner := p.User.ID
	if p.Level >= httpx.Admin {
		owner = ""
	}
	if err := a.RevokeToken(r.Context(), p.Actor(), r.PathValue("id"), owner); err != nil {
		a.apiFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *Auth) apiUsers(w http.ResponseWriter, r *http.Request) {
	us, err := a.store.FindUsers(r.Context())
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	if us == nil {
		us = []hindsight.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

func (a *Auth) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string         `json:"email"`
		Name     string         `json:"name"`
		Role     hindsight.Role `json:"role"`
		Password string         `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		a.apiFail(w, r, err)
		return
	}
	u, err := a.AddUser(r.Context(), PrincipalFrom(r.Context()).Actor(), NewUser{Email: in.Email, Name: in.Name, Role: in.Role, Password: in.Password})
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (a *Auth) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name         *string         `json:"name"`
		Role         *hindsight.Role `json:"role"`
		Disabled     *bool           `json:"disabled"`
		Password     *string         `json:"password"`
		BreakGlass   *bool           `json:"break_glass"`
		LinkOnSignIn *bool           `json:"link_on_sign_in"`
	}
	if err := decode(w, r, &in); err != nil {
		a.apiFail(w, r, err)
		return
	}
	u, err := a.ChangeUser(r.Context(), PrincipalFrom(r.Context()).Actor(), r.PathValue("id"),
		Change{Name: in.Name, Role: in.Role, Disabled: in.Disabled, Password: in.Password, BreakGlass: in.BreakGlass, LinkOnSignIn: in.LinkOnSignIn})
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (a *Auth) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		a.apiFail(w, r, httpx.ParamError(err))
		return
	}
	a.resolveActor(r, &f)
	es, err := a.store.FindAudit(r.Context(), f)
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	if es == nil {
		es = []hindsight.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}

func (a *Auth) apiRestrict(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Restricted bool     `json:"restricted"`
		Members    []string `json:"members"`
		// MemberTeams: teams whose members also see it (absent: kept)
		MemberTeams []string `json:"member_teams"`
	}
	if err := decode(w, r, &in); err != nil {
		a.apiFail(w, r, err)
		return
	}
	inc, err := a.svc.Restrict(r.Context(), PrincipalFrom(r.Context()).Actor(), r.PathValue("id"), in.Restricted, in.Members, in.MemberTeams)
	if err != nil {
		a.apiFail(w, r, err)
		return
	}
	members := inc.Members
	if members == nil {
		members = []string{}
	}
	teams := inc.MemberTeams
	if teams == nil {
		teams = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": inc.ID, "revision": inc.Revision, "restricted": inc.Restricted, "members": members, "member_teams": teams})
}
