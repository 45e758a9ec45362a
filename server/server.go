// Package server assembles Hindsight's HTTP server: one route table (the web
// pages, the JSON API and the health checks, every entry an httpx.Route
// with its access level) on one net/http.ServeMux, the middleware every
// request passes (request log, security headers, panic recovery,
// the one cross-origin protection against CSRF, body limit; the access
// check is auth.Auth.Protect's, around each route), the http.Server with
// its timeouts, and a graceful shutdown that finishes the requests in
// flight.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// DefaultMaxBodyBytes bounds request bodies when Config.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 4 << 20

// DefaultCSP is the Content-Security-Policy of every response: no inline
// scripts, no framing, everything from the server itself.
const DefaultCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Config configures the handler.
type Config struct {
	// Logger receives one line per request; slog.Default() when nil.
	Logger *slog.Logger
	// MaxBodyBytes bounds every request body (413 beyond);
	// DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// Ready reports whether the server can serve (the database answers);
	// /readyz is 503 while it fails. Nil means always ready.
	Ready func(context.Context) error
	// CSP replaces DefaultCSP when set.
	CSP string
	// TrustedOrigins are origins (scheme://host[:port]) besides the
	// request's own host whose browsers may send unsafe requests (POST,
	// PUT, DELETE), e.g. the public base URL behind a proxy that rewrites
	// Host. Other cross-origin browser requests are refused (CSRF).
	TrustedOrigins []string
	// HSTS sends Strict-Transport-Security (one year) on every answer:
	// set it when the public base URL is https, so browsers never again
	// try the site over plain HTTP.
	HSTS bool
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.CSP == "" {
		c.CSP = DefaultCSP
	}
}

// Routes returns the server's own routes: /healthz (the process is up) and
// /readyz (the database answers).
func Routes(cfg Config) []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /healthz", Access: httpx.Public, Name: "healthz", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
		})},
		{Pattern: "GET /readyz", Access: httpx.Public, Name: "readyz", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			if cfg.Ready != nil {
				ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
				defer cancel()
				if err := cfg.Ready(ctx); err != nil {
					args := []any{"err", err}
					var he *hindsight.Error
					if errors.As(err, &he) && he.Err != nil {
						args = append(args, "cause", he.Err)
					}
					cfg.logger().WarnContext(r.Context(), "not ready", args...)
					msg := "the database does not answer"
					if m := hindsight.ErrorMessage(err); strings.HasPrefix(m, "the database cannot write: ") {
						msg = m // the store's fixed text naming the cause ("... the database or its disk is full")
					}
					w.Header().Set("Retry-After", "30")
					httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": msg})
					return
				}
			}
			_, _ = w.Write([]byte(`{"status":"ready"}` + "\n"))
		})},
	}
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// Table is the one route table: the server's own routes followed by the
// given ones. The accounts issue builds its authorization matrix from it.
func Table(cfg Config, routes ...[]httpx.Route) []httpx.Route {
	out := Routes(cfg)
	for _, rs := range routes {
		out = append(out, rs...)
	}
	return out
}

// New returns the server's handler: every route of Table(cfg, routes...) on
// one ServeMux behind the middleware. A route without a pattern, name or
// handler, or two routes with the same pattern, is an error.
func New(cfg Config, routes ...[]httpx.Route) (http.Handler, error) {
	cfg.defaults()
	mux := http.NewServeMux()
	seen := map[string]string{}
	for _, rt := range Table(cfg, routes...) {
		if rt.Pattern == "" || rt.Name == "" || rt.Handler == nil {
			return nil, fmt.Errorf("server: route %q (%s) needs a pattern, a name and a handler", rt.Pattern, rt.Name)
		}
		if prev, dup := seen[rt.Pattern]; dup {
			return nil, fmt.Errorf("server: routes %s and %s both have the pattern %q", prev, rt.Name, rt.Pattern)
		}
		seen[rt.Pattern] = rt.Name
		if err := register(mux, rt, cfg); err != nil {
			return nil, err
		}
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("server: trusted origin %q: %w", o, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusForbidden, string(hindsight.EForbidden), "cross-origin request refused: a page of another site may not change data here")
	}))
	var h http.Handler = mux
	h = limitBody(h, cfg.MaxBodyBytes)
	h = cop.Handler(h)
	h = recoverPanics(h, cfg.logger())
	h = securityHeaders(h, cfg.CSP, cfg.HSTS)
	h = logRequests(h, cfg.logger())
	return h, nil
}

// register adds one route, wrapped to record its name for the request log
// and to pass the access check. ServeMux panics on a conflicting pattern;
// that becomes an error.
func register(mux *http.ServeMux, rt httpx.Route, cfg Config) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("server: route %s: %v", rt.Name, p)
		}
	}()
	h := rt.Handler
	mux.Handle(rt.Pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec, ok := r.Context().Value(recordKey{}).(*record); ok {
			rec.route = rt.Name
		}
		h.ServeHTTP(w, r)
	}))
	return nil
}

// writeError writes a short error: JSON under /api/, plain text elsewhere.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Del("Content-Length")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		httpx.WriteError(w, r, nil, &httpx.Error{Status: status, Code: code, Message: msg})
		return
	}
	http.Error(w, msg, status)
}

// Timeouts of the HTTP server.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
	// ShutdownTimeout is how long a graceful shutdown waits for requests in
	// flight before closing their connections.
	ShutdownTimeout = 30 * time.Second
)

// HTTPServer returns an http.Server for h with the server's timeouts and
// header limit; its errors go to logger.
func HTTPServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	if logger == nil {
		logger = slog.Default()
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves srv on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to grace for the requests in
// flight to finish (closing the rest after that). It returns nil after a
// clean shutdown.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
