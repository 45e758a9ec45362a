// Package stack assembles the whole of `hindsight serve` over a store: the
// application service, the web app, the JSON API, accounts, the follow-up
// pages and insights, alert receivers, outbound webhooks and /metrics, in
// one route table behind one access check (but the alert receivers, which
// check their senders' own secrets). serve uses it, and so do the
// tests that must see exactly what serve serves (the authorization matrix,
// the browser suite).
package stack

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/mail"
	"github.com/hindsight-pm/hindsight/metrics"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/web"
	"github.com/hindsight-pm/hindsight/webhook"
)

// Config configures the stack.
type Config struct {
	// BaseURL is the public URL (https makes cookies Secure).
	BaseURL string
	// Logger receives the request log and internal errors.
	Logger *slog.Logger
	// Lint is the lint configuration (defaults when nil).
	Lint *lint.Config
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Auth tunes accounts (throttling, session lengths); BaseURL, Logger
	// and Now are filled in from the fields above.
	Auth auth.Options
	// Getenv reads the integrations' settings (os.Getenv when nil).
	Getenv func(string) string
	// MetricsPublic serves /metrics without credentials.
	MetricsPublic bool
	// CacheBytes bounds the rendered responses kept in memory
	// (app.Options.CacheBytes: the default when 0, none when < 0).
	CacheBytes int
}

// Stack is an assembled Hindsight server.
type Stack struct {
	Store    hindsight.Store
	Service  *app.Service
	Auth     *auth.Auth
	Webhooks *webhook.Webhooks
	// Mail emails notifications (off without HINDSIGHT_SMTP_URL).
	Mail *mail.Mailer
	// Alerts are the alert receivers (nil when the store keeps no alert
	// state).
	Alerts  *alerting.Receivers
	Metrics *metrics.Metrics
	// Tables are the route lists as their packages return them.
	Tables [][]httpx.Route
	// ServerConfig is the configuration Handler was built with.
	ServerConfig server.Config
	// Handler serves every route behind the access check.
	Handler http.Handler
}

// Build assembles the stack over store.
func Build(ctx context.Context, store hindsight.Store, cfg Config) (*Stack, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	svc := app.New(store, app.Options{Lint: cfg.Lint, Now: cfg.Now, CacheBytes: cfg.CacheBytes})
	to := app.TrackerOptions{BaseURL: cfg.BaseURL, Getenv: cfg.Getenv, Logger: cfg.Logger}
	if err := to.LeaseFromEnv(cfg.Getenv); err != nil {
		return nil, err
	}
	svc.UseTrackers(to)
	clock := cfg.Now
	if clock == nil {
		clock = time.Now
	}
	s := &Stack{Store: store, Service: svc}

	accounts, ok := store.(hindsight.AccountStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EUnsupport, "the database keeps no accounts")
	}
	ao := cfg.Auth
	if ao.SSO == nil {
		// single sign-on: HINDSIGHT_OIDC_* and HINDSIGHT_AUTH_PROXY_*,
		// roles from .hindsight.yaml's sso: groups
		sso, err := auth.SSOConfigFromEnv(cfg.Getenv)
		if err != nil {
			return nil, err
		}
		if sso != nil && cfg.Lint != nil {
			sso.Roles = auth.RoleMap{AdminGroups: cfg.Lint.SSOAdminGroups, EditorGroups: cfg.Lint.SSOEditorGroups, DefaultRole: cfg.Lint.SSODefaultRole}
		}
		ao.SSO = sso
	}
	ao.BaseURL, ao.Logger, ao.Now = cfg.BaseURL, cfg.Logger, cfg.Now
	if ao.GroupSync == nil && cfg.Lint != nil && len(cfg.Lint.TeamGroups) > 0 {
		// sso.team_groups: teams follow the identity provider's groups
		ao.GroupSync = &app.TeamSync{Service: svc, Groups: cfg.Lint.TeamGroups}
	}
	au, err := auth.New(accounts, svc, ao)
	if err != nil {
		return nil, err
	}
	s.Auth = au

	var fu *followup.Handler
	if is, ok := store.(hindsight.InsightStore); ok {
		if fu, err = followup.New(svc, is, followup.Options{Logger: cfg.Logger, Now: cfg.Now,
			// late postmortems: the review due date's default grace period
			UnpublishedDays: svc.ReviewGate().Due.DaysFor("")}); err != nil {
			return nil, err
		}
	}
	wcfg, err := webhook.ConfigFromEnv(cfg.Getenv)
	if err != nil {
		return nil, err
	}
	wcfg.BaseURL, wcfg.Logger = cfg.BaseURL, cfg.Logger
	wcfg.DueCheck = svc.QueueDueEvents
	wh, err := webhook.New(store, wcfg)
	if err != nil {
		return nil, err
	}
	s.Webhooks = wh
	mcfg, err := mail.ConfigFromEnv(cfg.Getenv)
	if err != nil {
		return nil, err
	}
	mcfg.BaseURL, mcfg.Logger, mcfg.Now = cfg.BaseURL, cfg.Logger, cfg.Now
	if s.Mail, err = mail.New(store, mcfg); err != nil {
		return nil, err
	}

	if as, ok := store.(hindsight.AlertStore); ok {
		acfg, err := alerting.ConfigFromEnv(cfg.Getenv)
		if err != nil {
			return nil, err
		}
		acfg.Logger = cfg.Logger
		s.Alerts = alerting.New(svc, as, acfg)
	}

	// every HTML page is web's: the account, follow-up and webhook pages
	// call those packages' Go APIs
	var chatImport web.ChatImporter
	if s.Alerts != nil {
		chatImport = s.Alerts // the editor's Import chat page
	}
	ui, err := web.New(svc, web.Options{Chat: chatImport, Logger: cfg.Logger, BaseURL: cfg.BaseURL, FollowUp: fu, Webhooks: wh, Accounts: au, Mail: s.Mail})
	if err != nil {
		return nil, err
	}
	tables := [][]httpx.Route{ui.Routes(), api.New(svc, api.Options{BaseURL: cfg.BaseURL, Logger: cfg.Logger}).Routes(), au.Routes()}
	if fu != nil {
		tables = append(tables, fu.Routes())
	}
	tables = append(tables, wh.Routes(), s.Mail.Routes())

	mo := metrics.Options{Logger: cfg.Logger, Now: cfg.Now, Public: cfg.MetricsPublic}
	if is, ok := store.(hindsight.InsightStore); ok {
		mo.Store = is
	}
	if p, ok := store.(interface{ PoolStats() map[string]sql.DBStats }); ok {
		mo.Pools = p.PoolStats
	}
	if s.Alerts != nil {
		mo.AlertInbox = s.Alerts.Backlog
	}
	s.Metrics = metrics.New(mo)
	s.Metrics.Registry().MustRegister(wh.Collector()) // webhook queues per subscription
	s.Metrics.Registry().MustRegister(s.Mail.Collector())
	tables = append(tables, []httpx.Route{s.Metrics.Route()})

	// the API's catch-all knows every /api/v1 route, whichever package
	// serves it: a known path with another method is a 405 everywhere
	var all []httpx.Route
	for _, t := range tables {
		all = append(all, t...)
	}
	for _, t := range tables {
		for j := range t {
			if t[j].Name == api.NotFoundRoute {
				t[j].Handler = api.Fallback(all)
			}
		}
	}

	// every route is counted by /metrics, then the access check runs
	for i := range tables {
		tables[i] = s.Metrics.Wrap(tables[i])
	}
	protected := au.Protect(tables...)
	// The alert receivers are public routes that authenticate each request
	// with their own secret (a bearer token, basic auth or an HMAC
	// signature), so they are not behind the accounts' check: it would
	// take the sender's bearer token for an API token, refuse it (401) and
	// count it as a failed sign-in of the sender's address.
	if s.Alerts != nil {
		hooks := s.Metrics.Wrap(s.Alerts.Routes())
		tables = append(tables, hooks)
		protected = append(protected, hooks)
	}
	// the issue trackers' webhooks likewise (their own secrets)
	if _, ok := store.(hindsight.TrackerStore); ok {
		hooks := s.Metrics.Wrap(api.TrackerHooks(svc, api.HookSecretsFromEnv(cfg.Getenv), cfg.Logger))
		tables = append(tables, hooks)
		protected = append(protected, hooks)
	}
	s.Tables = tables
	s.ServerConfig = server.Config{Logger: cfg.Logger, Ready: readiness(store, clock)}
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Host != "" {
		// the one cross-origin check trusts the public base URL (a proxy
		// that rewrites Host still lets its browsers post)
		s.ServerConfig.TrustedOrigins = []string{u.Scheme + "://" + u.Host}
		s.ServerConfig.HSTS = u.Scheme == "https"
	}
	h, err := server.New(s.ServerConfig, protected...)
	if err != nil {
		return nil, err
	}
	s.Handler = h
	return s, nil
}

// Table is the whole route table serve registers, for the authorization
// matrix.
func (s *Stack) Table() []httpx.Route { return server.Table(s.ServerConfig, s.Tables...) }

// Start runs the background work (webhook deliveries, the overdue check,
// the mail outbox, the alert inbox's applier) until ctx ends.
func (s *Stack) Start(ctx context.Context) {
	s.Webhooks.Start(ctx)
	s.Mail.Start(ctx)
	s.Service.StartTrackerSync(ctx)
	if s.Alerts != nil {
		s.Alerts.Start(ctx)
	}
}

// Wait waits, after the context given to Start ended, until the alert
// applier has finished the saves it was making (the webhook worker's
// attempts are leased and simply retried).
func (s *Stack) Wait() {
	if s.Alerts != nil {
		s.Alerts.Wait()
	}
}

// ReadyCacheTTL is how long /readyz reuses the outcome of its check (the
// write probe is a small transaction: a load balancer polling every second
// costs one every ReadyCacheTTL).
const ReadyCacheTTL = 5 * time.Second

// readiness checks that the store answers and can write (its write probe,
// when it has one: a disk-full database is not ready). The outcome is
// kept for ReadyCacheTTL.
func readiness(store hindsight.Store, now func() time.Time) func(context.Context) error {
	check := func(ctx context.Context) error {
		if p, ok := store.(interface{ Ping(context.Context) error }); ok {
			if err := p.Ping(ctx); err != nil {
				return err
			}
		} else if _, err := store.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{Limit: 1, Deleted: hindsight.WithDeleted}); err != nil {
			return err
		}
		if p, ok := store.(interface{ WriteProbe(context.Context) error }); ok {
			return p.WriteProbe(ctx)
		}
		return nil
	}
	var mu sync.Mutex
	var at time.Time
	var last error
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if t := now(); at.IsZero() || t.Sub(at) >= ReadyCacheTTL || t.Before(at) {
			last, at = check(ctx), t
		}
		return last
	}
}
