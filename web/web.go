// Package web is Hindsight's HTML application: server-rendered pages for
// listing, reading, opening, editing and reviewing postmortems, enhanced with
// htmx (embedded, no build step) for live lint, row editing and inline
// status changes. Every page reads without JavaScript; every write goes
// through app.Service.
//
// One file per page action (incident_list.go, incident_show.go, ...), each
// a method on UI; Routes lists them all as httpx.Route entries for the
// server's single route table.
package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/mail"
	"github.com/hindsight-pm/hindsight/webhook"
)

// Options configure the web UI.
type Options struct {
	// Logger receives internal errors (nil: slog.Default()).
	Logger *slog.Logger
	// Actor returns who makes a request. Nil means the actor the request's
	// context carries (app.ActorFrom: app.System until accounts exist),
	// with the remote address for the audit log.
	Actor func(*http.Request) app.Actor
	// MaxFormBytes bounds a posted form (default: 2 MiB).
	MaxFormBytes int64
	// BaseURL is the public URL: https makes the flash cookie Secure.
	BaseURL string
	// FollowUp, when set, adds the action items, insights and related
	// incidents pages.
	FollowUp *followup.Handler
	// Webhooks, when set, adds the webhooks admin page.
	Webhooks *webhook.Webhooks
	// Accounts, when set, adds the sign-in, setup, account, users, audit
	// log and incident visibility pages, shows the signed-in person in the
	// nav, and makes Accounts answer the page requests it refuses with
	// this app's error page.
	Accounts *auth.Auth
	// Mail, when set with Accounts, adds the email notifications form of
	// the account page and the unsubscribe page of emails' links.
	Mail *mail.Mailer
	// Chat, when set, adds the editor's Import chat page
	// (alerting.Receivers).
	Chat ChatImporter
}

// UI is the web application. Create it with New; its handlers are listed
// by Routes.
type UI struct {
	svc    *app.Service
	opts   Options
	log    *slog.Logger
	assets *assets
	pages  map[string]*template.Template
	// secure marks cookies Secure (an https base URL)
	secure bool
	fu     *followup.Handler
	wh     *webhook.Webhooks
	au     *auth.Auth
	ml     *mail.Mailer
	// rv is the review side of svc (nil: no review pages).
	rv reviewOps
}

// New returns the web UI over svc. It fails only when the embedded
// templates do not parse (a build defect).
func New(svc *app.Service, opts Options) (*UI, error) {
	if svc == nil {
		return nil, errors.New("web: nil service")
	}
	u := &UI{svc: svc, opts: opts, log: opts.Logger,
		secure: strings.HasPrefix(strings.ToLower(opts.BaseURL), "https://"), fu: opts.FollowUp, wh: opts.Webhooks, au: opts.Accounts}
	if opts.Accounts != nil {
		u.ml = opts.Mail
	}
	if u.log == nil {
		u.log = slog.Default()
	}
	u.rv = newReviewOps(svc)
	if u.opts.MaxFormBytes <= 0 {
		u.opts.MaxFormBytes = 2 << 20
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	u.assets = a
	if err := u.parseTemplates(); err != nil {
		return nil, err
	}
	if u.au != nil {
		u.au.SetErrorPage(u.ErrorPage)
	}
	return u, nil
}

// Routes lists every route of the web UI, each with the access it needs.
func (u *UI) Routes() []httpx.Route {
	h := func(f func(http.ResponseWriter, *http.Request)) http.Handler { return http.HandlerFunc(f) }
	routes := []httpx.Route{
		{Pattern: "GET /{$}", Access: httpx.Read, Name: "web.home", Handler: h(u.home)},
		{Pattern: "GET /static/{hash}/{name}", Access: httpx.Public, Name: "web.static", Handler: u.assets},
		{Pattern: "GET /favicon.ico", Access: httpx.Public, Name: "web.favicon", Handler: h(u.favicon)},
		{Pattern: "GET /incidents", Access: httpx.Read, Name: "web.incident.list", Handler: h(u.incidentList)},
		{Pattern: "POST /incidents/columns", Access: httpx.Read, Name: "web.incident.list.columns", Handler: h(u.listColumnsSet)},
		{Pattern: "GET /incidents/new", Access: httpx.Write, Name: "web.incident.new", Handler: h(u.incidentNew)},
		{Pattern: "POST /incidents", Access: httpx.Write, Name: "web.incident.create", Handler: h(u.incidentCreate)},
		{Pattern: "GET /incidents/{id}", Access: httpx.Read, Name: "web.incident.show", Handler: h(u.incidentShow)},
		{Pattern: "GET /incidents/{id}/edit", Access: httpx.Write, Name: "web.incident.edit", Handler: h(u.incidentEdit)},
		{Pattern: "POST /incidents/{id}/edit", Access: httpx.Write, Name: "web.incident.save", Handler: h(u.incidentSave)},
		{Pattern: "POST /incidents/{id}/lint", Access: httpx.Write, Name: "web.incident.lint", Handler: h(u.incidentLint)},
		{Pattern: "GET /incidents/{id}/markdown", Access: httpx.Write, Name: "web.incident.raw", Handler: h(u.incidentRaw)},
		{Pattern: "POST /incidents/{id}/markdown", Access: httpx.Write, Name: "web.incident.raw_save", Handler: h(u.incidentRawSave)},
		{Pattern: "POST /incidents/{id}/markdown/lint", Access: httpx.Write, Name: "web.incident.raw_lint", Handler: h(u.incidentRawLint)},
		{Pattern: "POST /incidents/{id}/status", Access: httpx.Write, Name: "web.incident.status", Handler: h(u.incidentStatus)},
		{Pattern: "POST /incidents/{id}/action-items/{item}", Access: httpx.Write, Name: "web.action_item.status", Handler: h(u.actionItemStatus)},
		{Pattern: "POST /incidents/{id}/action-items/{item}/issue", Access: httpx.Write, Name: "web.action_item.issue", Handler: h(u.createIssue)},
		{Pattern: "GET /incidents/{id}/history", Access: httpx.Read, Name: "web.incident.history", Handler: h(u.incidentHistory)},
		{Pattern: "GET /incidents/{id}/diff", Access: httpx.Read, Name: "web.incident.diff", Handler: h(u.incidentDiff)},
		{Pattern: "GET /incidents/{id}/export.md", Access: httpx.Read, Name: "web.incident.export_md", Handler: h(u.exportMarkdown)},
		{Pattern: "GET /incidents/{id}/export.json", Access: httpx.Read, Name: "web.incident.export_json", Handler: h(u.exportJSON)},
		{Pattern: "GET /incidents/{id}/export.html", Access: httpx.Read, Name: "web.incident.export_html", Handler: h(u.exportHTML)},
		{Pattern: "GET /reviews", Access: httpx.Read, Name: "web.reviews", Handler: h(u.myReviews)},
		{Pattern: "GET /incidents/{id}/review/changes", Access: httpx.Read, Name: "web.review.changes", Handler: h(u.reviewChanges)},
		{Pattern: "GET /admin/teams", Access: httpx.Admin, Name: "web.admin.teams", Handler: h(u.teams)},
		{Pattern: "POST /admin/teams", Access: httpx.Admin, Name: "web.admin.teams.create", Handler: h(u.teamCreate)},
		{Pattern: "POST /admin/teams/{slug}", Access: httpx.Admin, Name: "web.admin.teams.change", Handler: h(u.teamChange)},
		{Pattern: "POST /admin/teams/{slug}/delete", Access: httpx.Admin, Name: "web.admin.teams.delete", Handler: h(u.teamDelete)},
		{Pattern: "GET /admin/fields", Access: httpx.Admin, Name: "web.admin.fields", Handler: h(u.adminFields)},
		{Pattern: "POST /admin/fields", Access: httpx.Admin, Name: "web.admin.fields.change", Handler: h(u.adminFieldsChange)},
		{Pattern: "POST /admin/fields/import", Access: httpx.Admin, Name: "web.admin.fields.import", Handler: h(u.adminFieldsImport)},
		{Pattern: "GET /admin/fields/export.yaml", Access: httpx.Admin, Name: "web.admin.fields.export", Handler: h(u.adminFieldsExport)},
		{Pattern: "POST /incidents/{id}/teams", Access: httpx.Write, Name: "web.incident.teams", Handler: h(u.incidentTeamsSet)},
	}
	if u.fu != nil {
		routes = append(routes,
			httpx.Route{Pattern: "GET /action-items", Access: httpx.Read, Name: "followup.action_items", Handler: h(u.actionItems)},
			httpx.Route{Pattern: "POST /action-items/{id}/{item}/close", Access: httpx.Write, Name: "followup.action_item_close", Handler: u.actionItemSet(hindsight.ItemClosed)},
			httpx.Route{Pattern: "POST /action-items/{id}/{item}/reopen", Access: httpx.Write, Name: "followup.action_item_reopen", Handler: u.actionItemSet(hindsight.ItemOpen)},
			httpx.Route{Pattern: "GET /insights", Access: httpx.Read, Name: "followup.insights", Handler: h(u.insights)},
			httpx.Route{Pattern: "GET /incidents/{id}/related", Access: httpx.Read, Name: "followup.related", Handler: h(u.related)},
		)
	}
	if u.au != nil {
		routes = append(routes,
			httpx.Route{Pattern: "GET /login", Access: httpx.Public, Name: "auth.login.page", Handler: h(u.login)},
			httpx.Route{Pattern: "POST /login", Access: httpx.Public, Name: "auth.login", Handler: h(u.loginPost)},
			httpx.Route{Pattern: "POST /logout", Access: httpx.Public, Name: "auth.logout", Handler: h(u.logout)},
			httpx.Route{Pattern: "GET /auth/oidc/login", Access: httpx.Public, Name: "auth.oidc.login", Handler: h(u.oidcLogin)},
			httpx.Route{Pattern: "GET /auth/oidc/callback", Access: httpx.Public, Name: "auth.oidc.callback", Handler: h(u.oidcCallback)},
			httpx.Route{Pattern: "GET /setup", Access: httpx.Public, Name: "auth.setup.page", Handler: h(u.setup)},
			httpx.Route{Pattern: "POST /setup", Access: httpx.Public, Name: "auth.setup", Handler: h(u.setupPost)},
			httpx.Route{Pattern: "GET /account", Access: httpx.Read, Name: "auth.account", Handler: h(u.account)},
			httpx.Route{Pattern: "POST /account/password", Access: httpx.Read, Name: "auth.account.password", Handler: h(u.accountPassword)},
			httpx.Route{Pattern: "POST /account/tokens", Access: httpx.Read, Name: "auth.account.tokens.create", Handler: h(u.accountTokenCreate)},
			httpx.Route{Pattern: "POST /account/tokens/{id}/revoke", Access: httpx.Read, Name: "auth.account.tokens.revoke", Handler: h(u.accountTokenRevoke)},
			httpx.Route{Pattern: "GET /admin/users", Access: httpx.Admin, Name: "auth.admin.users", Handler: h(u.users)},
			httpx.Route{Pattern: "POST /admin/users", Access: httpx.Admin, Name: "auth.admin.users.add", Handler: h(u.userAdd)},
			httpx.Route{Pattern: "POST /admin/users/{id}", Access: httpx.Admin, Name: "auth.admin.users.change", Handler: h(u.userChange)},
			httpx.Route{Pattern: "GET /admin/audit", Access: httpx.Admin, Name: "auth.admin.audit", Handler: h(u.audit)},
			httpx.Route{Pattern: "GET /incidents/{id}/access", Access: httpx.Write, Name: "auth.incident.access", Handler: h(u.incidentAccess)},
			httpx.Route{Pattern: "POST /incidents/{id}/access", Access: httpx.Write, Name: "auth.incident.access.set", Handler: h(u.incidentAccessSet)},
		)
	}
	if u.ml != nil {
		routes = append(routes,
			httpx.Route{Pattern: "POST /account/notifications", Access: httpx.Read, Name: "mail.account.notifications", Handler: h(u.accountNotifications)},
			httpx.Route{Pattern: "GET /mail/unsubscribe/{token}", Access: httpx.Public, Name: "mail.unsubscribe.page", Handler: h(u.mailUnsubscribe)},
			httpx.Route{Pattern: "POST /mail/unsubscribe/{token}", Access: httpx.Public, Name: "mail.unsubscribe", Handler: h(u.mailUnsubscribePost)},
		)
	}
	if u.rv != nil {
		routes = append(routes,
			httpx.Route{Pattern: "POST /incidents/{id}/review-requests", Access: httpx.Write, Name: "web.review.request", Handler: h(u.reviewRequest)},
			httpx.Route{Pattern: "POST /incidents/{id}/review-requests/{account}/withdraw", Access: httpx.Write, Name: "web.review.withdraw", Handler: h(u.reviewWithdraw)},
			httpx.Route{Pattern: "POST /incidents/{id}/reviews", Access: httpx.Write, Name: "web.review.submit", Handler: h(u.reviewSubmit)},
			httpx.Route{Pattern: "POST /incidents/{id}/comments", Access: httpx.Write, Name: "web.comment.create", Handler: h(u.commentCreate)},
			httpx.Route{Pattern: "POST /incidents/{id}/comments/{comment}", Access: httpx.Write, Name: "web.comment.update", Handler: h(u.commentUpdate)},
			httpx.Route{Pattern: "POST /incidents/{id}/comments/{comment}/delete", Access: httpx.Admin, Name: "web.comment.delete", Handler: h(u.commentDelete)},
			httpx.Route{Pattern: "POST /incidents/{id}/publish-anyway", Access: httpx.Admin, Name: "web.review.publish_anyway", Handler: h(u.publishAnyway)},
		)
	}
	if u.opts.Chat != nil {
		routes = append(routes,
			httpx.Route{Pattern: "GET /incidents/{id}/chat", Access: httpx.Write, Name: "web.chat_import.page", Handler: h(u.chatImportPage)},
			httpx.Route{Pattern: "POST /incidents/{id}/chat/preview", Access: httpx.Write, Name: "web.chat_import.preview", Handler: h(u.chatImportPreview)},
			httpx.Route{Pattern: "POST /incidents/{id}/chat", Access: httpx.Write, Name: "web.chat_import", Handler: h(u.chatImport)},
		)
	}
	if u.wh != nil {
		routes = append(routes,
			httpx.Route{Pattern: "GET /admin/webhooks", Access: httpx.Admin, Name: "admin.webhooks", Handler: h(u.webhooks)},
			httpx.Route{Pattern: "POST /admin/webhooks", Access: httpx.Admin, Name: "admin.webhooks.create", Handler: h(u.webhookCreate)},
			httpx.Route{Pattern: "POST /admin/webhooks/{id}/toggle", Access: httpx.Admin, Name: "admin.webhooks.toggle", Handler: h(u.webhookToggle)},
			httpx.Route{Pattern: "POST /admin/webhooks/{id}/delete", Access: httpx.Admin, Name: "admin.webhooks.delete", Handler: h(u.webhookDelete)},
			httpx.Route{Pattern: "POST /admin/webhook-deliveries/{id}/redeliver", Access: httpx.Admin, Name: "admin.webhook_deliveries.redeliver", Handler: h(u.webhookRedeliver)},
		)
	}
	return routes
}

// Handler returns a ServeMux with the UI's routes alone, for tests and for
// embedding without the server package.
func (u *UI) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range u.Routes() {
		mux.Handle(r.Pattern, r.Handler)
	}
	return mux
}

func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/incidents", http.StatusSeeOther)
}

func (u *UI) actor(r *http.Request) app.Actor {
	if u.opts.Actor != nil {
		return u.opts.Actor(r)
	}
	a := app.ActorFrom(r.Context())
	if a.Address == "" {
		a.Address = r.RemoteAddr
	}
	return a
}

// isHTMX reports whether r was sent by htmx (a partial update).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// page is what every full page template gets.
type page struct {
	Title string
	// Nav is the active navigation entry: "list", "new", "items",
	// "insights", "reviews", "users", "teams", "fields", "audit", "webhooks",
	// "account".
	Nav string
	// Flash is a confirmation, Error an error, shown above the content.
	Flash string
	Error string
	// User is the signed-in person's name ("" without accounts).
	User string
	// Admin shows the administration links.
	Admin bool
	// Guest hides the navigation (the sign-in and setup pages of a
	// signed-out visitor).
	Guest bool
	Data  any
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	u.withFlash(w, r, &p)
	b, err := u.page(r, name, p)
	if err != nil {
		u.log.Error("template", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	writeHTML(w, status, b)
}

// page renders a full page.
func (u *UI) page(r *http.Request, name string, p page) ([]byte, error) {
	t, ok := u.pages[name]
	if !ok {
		return nil, fmt.Errorf("web: no template %q", name)
	}
	if a := u.actor(r); a.ID != app.System.ID {
		p.Admin = a.Viewer.Admin
	}
	if u.au != nil {
		if pr := auth.PrincipalFrom(r.Context()); pr.User == nil {
			p.Guest = true
		} else if p.User == "" {
			p.User = pr.User.DisplayName()
		}
	}
	if p.User == "" {
		if a := u.actor(r); a.ID != "" && a.ID != app.System.ID {
			p.User = a.Name
			if p.User == "" {
				p.User = a.ID
			}
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeHTML(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// renderPartial executes one named block of a page template (for htmx).
func (u *UI) renderPartial(w http.ResponseWriter, r *http.Request, status int, name, block string, data any) {
	t, ok := u.pages[name]
	if !ok {
		u.fail(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		u.log.Error("template", "template", name, "block", block, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders an error page with the status of the error's code; internal
// details go to the log only.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := hindsight.ErrorCode(err)
	status := httpx.Status(code)
	if status >= 500 {
		u.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := hindsight.ErrorMessage(err)
	u.render(w, r, status, "error", page{Title: http.StatusText(status), Data: errorData{Status: status, Message: msg, Fields: fieldsOf(err), SignIn: u.signedOut(r)}})
}

// ErrorPage answers a page request with status and a message in the
// layout (the accounts' access check uses it for refused requests).
func (u *UI) ErrorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u.render(w, r, status, "error", page{Title: http.StatusText(status), Data: errorData{Status: status, Message: msg, SignIn: u.signedOut(r)}})
}

// signedOut reports whether accounts are on and nobody is signed in.
func (u *UI) signedOut(r *http.Request) bool {
	return u.au != nil && auth.PrincipalFrom(r.Context()).User == nil
}

type errorData struct {
	Status  int
	Message string
	Fields  []hindsight.FieldError
	// SignIn offers the sign-in page rather than the incidents.
	SignIn bool
}

func fieldsOf(err error) []hindsight.FieldError {
	var e *hindsight.Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// parseForm reads a posted form within the size limit.
func (u *UI) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, u.opts.MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		return formError(err)
	}
	return nil
}

func (u *UI) parseTemplates() error {
	u.pages = map[string]*template.Template{}
	base := template.New("base").Funcs(u.funcs())
	shared, err := fs.Glob(files, "templates/_*.html")
	if err != nil {
		return err
	}
	base, err = base.ParseFS(files, shared...)
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	pages, err := fs.Glob(files, "templates/[a-z]*.html")
	if err != nil {
		return err
	}
	for _, p := range pages {
		t, err := base.Clone()
		if err != nil {
			return err
		}
		if t, err = t.ParseFS(files, p); err != nil {
			return fmt.Errorf("web: templates: %w", err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		u.pages[name] = t
	}
	return nil
}
