package auth

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

//go:embed templates/pages.html templates/auth.css
var pagesFS embed.FS

func parsePages() (*template.Template, error) {
	funcs := template.FuncMap{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2006-01-02 15:04")
		},
		"tokenState": func(t hindsight.Token) string {
			switch {
			case !t.RevokedAt.IsZero():
				return "revoked"
			case !t.ExpiresAt.IsZero() && !time.Now().Before(t.ExpiresAt):
				return "expired"
			}
			return "active"
		},
	}
	return template.New("pages").Funcs(funcs).ParseFS(pagesFS, "templates/pages.html")
}

// page is what every page template gets.
type page struct {
	Title, Notice, Error string
	User                 *hindsight.User
	MinPassword          int

	Next, Email, Name, Token, NewToken string
	Tokens                             []hindsight.Token
	Users                              []hindsight.User
	Roles                              []hindsight.Role
	Entries                            []hindsight.AuditEntry
	Filter                             hindsight.AuditFilter
	Since, More, Message, Members      string
	Incident                           *hindsight.Incident
	names                              map[string]string
}

// ActorName shows an account ID of the audit log as its email.
func (p *page) ActorName(id string) string {
	if n, ok := p.names[id]; ok {
		return n
	}
	return id
}

// render writes template name with status.
func (a *Auth) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	p.MinPassword = MinPasswordLength
	if p.User == nil {
		p.User = PrincipalFrom(r.Context()).User
	}
	var buf bytes.Buffer
	if err := a.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		a.o.Logger.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (a *Auth) renderStatus(w http.ResponseWriter, r *http.Request, status int, msg string) {
	a.render(w, r, status, "status", &page{Title: http.StatusText(status), Message: msg})
}

// fail answers a page request that failed with err.
func (a *Auth) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := hindsight.ErrorCode(err)
	if code == hindsight.EInternal || code == "" {
		a.o.Logger.ErrorContext(r.Context(), "auth page", "path", r.URL.Path, "err", err)
	}
	a.renderStatus(w, r, httpx.Status(code), hindsight.ErrorMessage(err))
}

func serveCSS(w http.ResponseWriter, r *http.Request) {
	b, _ := pagesFS.ReadFile("templates/auth.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(b)
}

// localPath returns next when it is a path on this site, else "/".
func localPath(next string) string { return SafeNext(next) }

func (a *Auth) loginPage(w http.ResponseWriter, r *http.Request) {
	if p := PrincipalFrom(r.Context()); p.User != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "login", &page{Title: "Sign in", Next: localPath(r.URL.Query().Get("next"))})
}

func (a *Auth) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	email, next := r.PostFormValue("email"), localPath(r.PostFormValue("next"))
	u, err := a.CheckLogin(r.Context(), email, r.PostFormValue("password"), clientAddress(r))
	if err != nil {
		code := hindsight.ErrorCode(err)
		if code != hindsight.EUnauth && code != hindsight.ETransient {
			a.fail(w, r, err)
			return
		}
		status := http.StatusUnauthorized
		if code == hindsight.ETransient {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(int(a.o.FailureWindow/time.Second)))
		}
		a.render(w, r, status, "login", &page{Title: "Sign in", Error: hindsight.ErrorMessage(err), Email: email, Next: next})
		return
	}
	if err := a.startSession(r.Context(), w, r, u); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (a *Auth) logout(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if err := a.endSession(r.Context(), w, r); err != nil {
		a.fail(w, r, err)
		return
	}
	if p.User != nil {
		a.audit(r.Context(), hindsight.AuditEntry{Actor: p.User.ID, Action: "logout", Target: p.User.ID, Address: p.Address})
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// The setup token travels in the query and the form, never in the path:
// request logs record paths.
func (a *Auth) setupPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	ok, err := a.store.SetupTokenValid(r.Context(), digest(tok))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if !ok {
		a.renderStatus(w, r, http.StatusNotFound, "This setup link is not valid or was already used.")
		return
	}
	a.render(w, r, http.StatusOK, "setup", &page{Title: "Set up Hindsight", Token: tok})
}

func (a *Auth) setup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	tok := r.PostFormValue("token")
	if ok, err := a.store.SetupTokenValid(r.Context(), digest(tok)); err != nil {
		a.fail(w, r, err)
		return
	} else if !ok {
		a.renderStatus(w, r, http.StatusNotFound, "This setup link is not valid or was already used.")
		return
	}
	n := NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: hindsight.RoleAdmin, Password: r.PostFormValue("password")}
	again := func(msg string, status int) {
		a.render(w, r, status, "setup", &page{Title: "Set up Hindsight", Token: tok, Email: n.Email, Name: n.Name, Error: msg})
	}
	if n.Password != r.PostFormValue("confirm") {
		again("The two passwords differ.", http.StatusUnprocessableEntity)
		return
	}
	actor := PrincipalFrom(r.Context()).Actor()
	u, err := a.addUser(r.Context(), actor, n, true, digest(tok))
	switch hindsight.ErrorCode(err) {
	case "":
	case hindsight.EInvalid:
		again(hindsight.ErrorMessage(err), http.StatusUnprocessableEntity)
		return
	case hindsight.ENotFound, hindsight.EConflict:
		a.renderStatus(w, r, http.StatusNotFound, "This setup link is not valid or was already used.")
		return
	default:
		a.fail(w, r, err)
		return
	}
	if err := a.startSession(r.Context(), w, r, u); err != nil {
		a.fail(w, r, err)
		return
	}
	a.audit(r.Context(), hindsight.AuditEntry{Actor: u.ID, Action: "login", Target: u.ID, Address: clientAddress(r), Detail: "after setup"})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (a *Auth) accountPage(w http.ResponseWriter, r *http.Request) {
	a.showAccount(w, r, http.StatusOK, &page{Notice: notices[r.URL.Query().Get("done")]})
}

func (a *Auth) showAccount(w http.ResponseWriter, r *http.Request, status int, p *page) {
	u := PrincipalFrom(r.Context()).User
	ts, err := a.store.FindTokens(r.Context(), u.ID)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p.Title, p.Tokens = "Your account", ts
	a.render(w, r, status, "account", p)
}

// notices are the messages a redirect after a change shows (?done=...).
var notices = map[string]string{
	"revoked":  "The token is revoked.",
	"password": "Your password is changed; your other sessions are signed out.",
	"added":    "The account is added.",
	"changed":  "The account is changed.",
}

func (a *Auth) createTokenForm(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("expires_in_days")))
	if err != nil || days < 1 || days > 366 {
		a.showAccount(w, r, http.StatusUnprocessableEntity, &page{Error: "Expires in: a number of days from 1 to 366."})
		return
	}
	scope := hindsight.TokenScope(r.PostFormValue("scope"))
	secret, _, err := a.createToken(r, p, r.PostFormValue("name"), scope, time.Duration(days)*24*time.Hour)
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid || hindsight.ErrorCode(err) == hindsight.EForbidden {
			a.showAccount(w, r, httpx.Status(hindsight.ErrorCode(err)), &page{Error: hindsight.ErrorMessage(err)})
			return
		}
		a.fail(w, r, err)
		return
	}
	a.showAccount(w, r, http.StatusCreated, &page{NewToken: secret, Notice: "Token created."})
}

// createToken makes a token for the caller (CreateOwnToken).
func (a *Auth) createToken(r *http.Request, p *Principal, name string, scope hindsight.TokenScope, ttl time.Duration) (string, *hindsight.Token, error) {
	return a.CreateOwnToken(r.Context(), p, name, scope, ttl)
}

func (a *Auth) revokeTokenForm(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if err := a.RevokeToken(r.Context(), p.Actor(), r.PathValue("id"), p.User.ID); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
}

func (a *Auth) changePasswordForm(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	if ok, err := a.verify(r.Context(), p.User.PasswordHash, r.PostFormValue("current")); err != nil {
		a.fail(w, r, err)
		return
	} else if !ok {
		a.showAccount(w, r, http.StatusUnprocessableEntity, &page{Error: "The current password is wrong."})
		return
	}
	pw := r.PostFormValue("password")
	if _, err := a.ChangeUser(r.Context(), p.Actor(), p.User.ID, Change{Password: &pw}); err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			a.showAccount(w, r, http.StatusUnprocessableEntity, &page{Error: hindsight.ErrorMessage(err)})
			return
		}
		a.fail(w, r, err)
		return
	}
	// every session ended with the reset; this browser gets a new one
	if err := a.startSession(r.Context(), w, r, p.User); err != nil {
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

func (a *Auth) usersPage(w http.ResponseWriter, r *http.Request) {
	a.showUsers(w, r, http.StatusOK, &page{Notice: notices[r.URL.Query().Get("done")]})
}

func (a *Auth) showUsers(w http.ResponseWriter, r *http.Request, status int, p *page) {
	us, err := a.store.FindUsers(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p.Title, p.Users, p.Roles = "Accounts", us, hindsight.Roles
	a.render(w, r, status, "users", p)
}

func (a *Auth) addUserForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	n := NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: hindsight.Role(r.PostFormValue("role")), Password: r.PostFormValue("password")}
	if _, err := a.AddUser(r.Context(), PrincipalFrom(r.Context()).Actor(), n); err != nil {
		if c := hindsight.ErrorCode(err); c == hindsight.EInvalid || c == hindsight.EConflict {
			a.showUsers(w, r, httpx.Status(c), &page{Error: hindsight.ErrorMessage(err)})
			return
		}
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done=added", http.StatusSeeOther)
}

func (a *Auth) changeUserForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	var c Change
	yes, no := true, false
	switch r.PostFormValue("action") {
	case "role":
		role := hindsight.Role(r.PostFormValue("role"))
		c.Role = &role
	case "disable":
		c.Disabled = &yes
	case "enable":
		c.Disabled = &no
	case "reset":
		pw := r.PostFormValue("password")
		c.Password = &pw
	default:
		a.showUsers(w, r, http.StatusUnprocessableEntity, &page{Error: "Unknown change: want role, disable, enable or reset."})
		return
	}
	if _, err := a.ChangeUser(r.Context(), PrincipalFrom(r.Context()).Actor(), r.PathValue("id"), c); err != nil {
		if code := hindsight.ErrorCode(err); code == hindsight.EInvalid || code == hindsight.EConflict {
			a.showUsers(w, r, httpx.Status(code), &page{Error: hindsight.ErrorMessage(err)})
			return
		}
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done=changed", http.StatusSeeOther)
}

// auditFilter reads the filter of the audit page and API from the query.
func auditFilter(q url.Values) (hindsight.AuditFilter, error) {
	f := hindsight.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")), IncidentID: strings.TrimSpace(q.Get("incident"))}
	bad := func(field, msg string) error {
		return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
	}
	for _, k := range []string{"since", "before"} {
		v := strings.TrimSpace(q.Get(k))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02", v); err != nil {
				return f, bad(k, "want a date (2026-11-26) or an RFC 3339 time")
			}
		}
		if k == "since" {
			f.Since = t
		} else {
			f.Before = t
		}
	}
	for k, dst := range map[string]*int{"limit": &f.Limit} {
		if v := q.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return f, bad(k, "want a number from 1 to 1000")
			}
			*dst = n
		}
	}
	if v := q.Get("before_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return f, bad("before_id", "want a positive number")
		}
		f.BeforeID = n
	}
	return f, nil
}

// resolveActor lets an audit filter name an account by email: entries
// record account IDs.
func (a *Auth) resolveActor(r *http.Request, f *hindsight.AuditFilter) {
	if strings.Contains(f.Actor, "@") {
		if u, err := a.store.FindUserByEmail(r.Context(), f.Actor); err == nil {
			f.Actor = u.ID
		}
	}
}

func (a *Auth) auditPage(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r.URL.Query())
	a.resolveActor(r, &f)
	p := &page{Title: "Audit log", Filter: f, Since: r.URL.Query().Get("since")}
	p.Filter.Actor = strings.TrimSpace(r.URL.Query().Get("actor"))
	if err != nil {
		p.Error = hindsight.ErrorMessage(err)
		a.render(w, r, http.StatusUnprocessableEntity, "audit", p)
		return
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	es, err := a.store.FindAudit(r.Context(), f)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	p.Entries = es
	if len(es) == f.Limit {
		q := r.URL.Query()
		q.Set("before_id", strconv.FormatInt(es[len(es)-1].ID, 10))
		p.More = "/admin/audit?" + q.Encode()
	}
	if us, err := a.store.FindUsers(r.Context()); err == nil {
		p.names = map[string]string{}
		for _, u := range us {
			p.names[u.ID] = u.Email
		}
	}
	a.render(w, r, http.StatusOK, "audit", p)
}

func (a *Auth) accessPage(w http.ResponseWriter, r *http.Request) {
	actor := PrincipalFrom(r.Context()).Actor()
	inc, err := a.svc.Get(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "access", &page{Title: "Visibility of " + inc.ID, Incident: inc, Members: a.memberLines(r, inc.Members)})
}

// memberLines shows members by email where the account exists.
func (a *Auth) memberLines(r *http.Request, ids []string) string {
	var out []string
	for _, id := range ids {
		if u, err := a.store.FindUserByID(r.Context(), id); err == nil {
			out = append(out, u.Email)
		} else {
			out = append(out, id)
		}
	}
	return strings.Join(out, "\n")
}

func (a *Auth) setAccessForm(w http.ResponseWriter, r *http.Request) {
	actor := PrincipalFrom(r.Context()).Actor()
	if err := r.ParseForm(); err != nil {
		a.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "the form cannot be read: %v", err))
		return
	}
	id := r.PathValue("id")
	members := strings.FieldsFunc(r.PostFormValue("members"), func(c rune) bool { return c == '\n' || c == '\r' || c == ',' })
	_, err := a.svc.SetRestriction(r.Context(), actor, id, r.PostFormValue("restricted") != "", members)
	if err != nil {
		if hindsight.ErrorCode(err) == hindsight.EInvalid {
			inc, gerr := a.svc.Get(r.Context(), actor, id)
			if gerr != nil {
				a.fail(w, r, gerr)
				return
			}
			a.render(w, r, http.StatusUnprocessableEntity, "access", &page{Title: "Visibility of " + id, Incident: inc,
				Members: r.PostFormValue("members"), Error: hindsight.ErrorMessage(err)})
			return
		}
		a.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(id), http.StatusSeeOther)
}
