package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"
)

func init() { commands = append(commands, newServeCmd) }

// serveFlags are the flags of hindsight serve.
type serveFlags struct {
	addr      string
	logLevel  string
	logFormat string
	baseURL   string
	demo      bool
	// restricted is restricted_by_default's value from the command line
	// ("" keeps the .hindsight.yaml's)
	restricted string
	// pprof is the loopback address of the profiler ("" = off);
	// pprofRemote allows another address
	pprof       string
	pprofRemote bool
	// cacheBytes is --cache-bytes ("" = app.DefaultCacheBytes, "0" = none)
	cacheBytes string
}

// DefaultAddr is where hindsight serve listens without --addr: loopback
// only, so a fresh install is not reachable from the network.
const DefaultAddr = "127.0.0.1:8080"

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newServeCmd(a *app) *cobra.Command {
	var fl serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app and the JSON API",
		Long: `Serve the web app and the JSON API (/api/v1, described by /api/v1/openapi.json)
over the database named by --db, creating it on first use. Health checks are
/healthz (the process is up) and /readyz (the database answers).

SIGINT or SIGTERM stops the server gracefully: it stops accepting connections
and finishes the requests in flight first.

Every flag has an environment variable: HINDSIGHT_ADDR, HINDSIGHT_DB,
HINDSIGHT_DB_MAX_CONNS, HINDSIGHT_LOG_LEVEL, HINDSIGHT_LOG_FORMAT,
HINDSIGHT_BASE_URL, HINDSIGHT_PPROF, HINDSIGHT_CACHE_BYTES.

--cache-bytes bounds the rendered responses kept in memory (incident pages,
JSON and Markdown by revision, list and search pages by store generation):
16MiB by default, 0 for none (docs/operations.md).

--pprof 127.0.0.1:6060 serves Go's profiler (net/http/pprof) on a loopback
listener of its own, never on --addr (docs/operations.md).

Email notifications (review requests, reviews, comments, due postmortems)
are sent when HINDSIGHT_SMTP_URL (smtp://user:password@host:587?starttls=1)
and HINDSIGHT_MAIL_FROM are set, with --base-url for the links; daily
digests go at HINDSIGHT_MAIL_DIGEST_HOUR (UTC, default 8). See
docs/notifications.md.

Single sign-on through an OpenID provider is on when HINDSIGHT_OIDC_ISSUER,
HINDSIGHT_OIDC_CLIENT_ID and HINDSIGHT_OIDC_CLIENT_SECRET (or
HINDSIGHT_OIDC_CLIENT_SECRET_FILE) are set, with --base-url (the provider
sends browsers back to <base-url>/auth/oidc/callback); behind an
authenticating proxy set HINDSIGHT_AUTH_PROXY_HEADER and
HINDSIGHT_AUTH_PROXY_TRUSTED. Roles come from the groups mapped in
.hindsight.yaml (sso:). See docs/security.md.`,
		Example: `  hindsight serve
  hindsight serve --demo --db /tmp/demo.db
  HINDSIGHT_ADDR=0.0.0.0:8080 HINDSIGHT_BASE_URL=https://hindsight.example.com hindsight serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, a, fl)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.addr, "addr", envOr("HINDSIGHT_ADDR", DefaultAddr), "address to listen on, host:port (env HINDSIGHT_ADDR)")
	f.StringVar(&fl.logLevel, "log-level", envOr("HINDSIGHT_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env HINDSIGHT_LOG_LEVEL)")
	f.StringVar(&fl.logFormat, "log-format", envOr("HINDSIGHT_LOG_FORMAT", "text"), "log format: text or json (env HINDSIGHT_LOG_FORMAT)")
	f.StringVar(&fl.baseURL, "base-url", envOr("HINDSIGHT_BASE_URL", ""), "public URL of the server, for links and Location headers (env HINDSIGHT_BASE_URL)")
	f.BoolVar(&fl.demo, "demo", false, "seed the example postmortems and generated incidents into an empty database")
	f.StringVar(&fl.restricted, "restricted-by-default", envOr("HINDSIGHT_RESTRICTED_BY_DEFAULT", ""),
		"new incidents created restricted unless their creator makes them public: all, none, or severities such as SEV-1,SEV-2 (env HINDSIGHT_RESTRICTED_BY_DEFAULT; overrides restricted_by_default of .hindsight.yaml)")
	f.StringVar(&fl.pprof, "pprof", envOr("HINDSIGHT_PPROF", ""),
		"serve net/http/pprof on this loopback host:port, e.g. 127.0.0.1:6060 (off by default; never on --addr) (env HINDSIGHT_PPROF)")
	f.StringVar(&fl.cacheBytes, "cache-bytes", envOr("HINDSIGHT_CACHE_BYTES", ""),
		"memory for rendered responses (incident, list and search pages): bytes, or with KiB, MiB or GiB, e.g. 64MiB; 0 for none (default 16MiB) (env HINDSIGHT_CACHE_BYTES)")
	f.BoolVar(&fl.pprofRemote, "pprof-allow-remote", false, "let --pprof listen on an address other than loopback (profiles show the server's internals)")
	return cmd
}

// newLogger returns the request and server logger: text or JSON lines on w.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		lv = slog.LevelDebug
	case "info", "":
		lv = slog.LevelInfo
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, hindsight.Errorf(hindsight.EInvalid, "--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, hindsight.Errorf(hindsight.EInvalid, "--log-format %q: want text or json", format)
}

func runServe(ctx context.Context, a *app, fl serveFlags) error {
	logger, err := newLogger(a.stderr, fl.logLevel, fl.logFormat)
	if err != nil {
		return err
	}
	if fl.baseURL != "" && !strings.HasPrefix(fl.baseURL, "http://") && !strings.HasPrefix(fl.baseURL, "https://") {
		return hindsight.Errorf(hindsight.EInvalid, "--base-url %q: want an http:// or https:// URL", fl.baseURL)
	}
	if _, _, err := net.SplitHostPort(fl.addr); err != nil {
		return hindsight.Errorf(hindsight.EInvalid, "--addr %q: want host:port, e.g. %s", fl.addr, DefaultAddr)
	}
	if fl.pprof != "" {
		if err := checkPprofAddr(fl.pprof, fl.addr, fl.pprofRemote); err != nil {
			return err
		}
	}
	cacheBytes, err := parseCacheBytes(fl.cacheBytes)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, a.db)
	if err != nil {
		return err
	}
	defer store.Close()
	cfg, err := lint.LoadConfig(".")
	if err != nil {
		return err
	}
	if fl.restricted != "" {
		if err := cfg.SetRestrictedByDefault("--restricted-by-default", &yaml.Node{Kind: yaml.ScalarNode, Value: fl.restricted}); err != nil {
			return err
		}
	}
	st, err := stack.Build(ctx, store, stack.Config{BaseURL: fl.baseURL, Logger: logger, Lint: cfg, CacheBytes: cacheBytes})
	if err != nil {
		return err
	}
	if err := bootstrapAdmin(ctx, a, st.Auth); err != nil {
		return err
	}
	if fl.demo {
		n, err := demo.Seed(ctx, st.Service, time.Now())
		if err != nil {
			return err
		}
		if n > 0 {
			fmt.Fprintf(a.stdout, "Seeded %d demo incidents\n", n)
		} else {
			fmt.Fprintln(a.stdout, "--demo: the database already holds incidents; nothing seeded")
		}
	}
	ln, err := net.Listen("tcp", fl.addr)
	if err != nil {
		return hindsight.Errorf(hindsight.EInvalid, "--addr %s: %v", fl.addr, err)
	}
	srv := server.HTTPServer(fl.addr, st.Handler, logger)
	public := fl.baseURL
	if public == "" {
		public = "http://" + displayAddr(ln.Addr())
	}
	fmt.Fprintf(a.stdout, "Hindsight listening on http://%s\n", displayAddr(ln.Addr()))
	if fl.baseURL != "" {
		fmt.Fprintf(a.stdout, "Public URL: %s\n", fl.baseURL)
	}
	if err := printSetupLink(ctx, a, st.Auth, public); err != nil {
		ln.Close()
		return err
	}
	if fl.pprof != "" {
		pa, err := startPprof(ctx, fl.pprof, logger)
		if err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(a.stdout, "Profiler (net/http/pprof) on http://%s/debug/pprof/\n", pa)
	}
	wctx, stopWorkers := context.WithCancel(ctx)
	defer st.Wait() // before the store closes
	defer stopWorkers()
	st.Start(wctx)
	err = server.Serve(ctx, srv, ln, server.ShutdownTimeout)
	logger.Info("stopped")
	return err
}

// displayAddr is the listening address as a person would type it.
func displayAddr(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if ta.IP.IsUnspecified() {
		return net.JoinHostPort("localhost", fmt.Sprint(ta.Port))
	}
	return ta.String()
}

// parseCacheBytes reads --cache-bytes: a whole number of bytes, or of KiB,
// MiB or GiB, as app.Options.CacheBytes takes it (0 for the default, < 0
// for none): "" is the default, "0" none.
func parseCacheBytes(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	num, mult := v, 1
	for _, u := range []struct {
		suffix string
		mult   int
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = strings.TrimSpace(s), u.mult
			break
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > maxCacheBytes/mult {
		return 0, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("--cache-bytes (or HINDSIGHT_CACHE_BYTES) %q: want a whole number of bytes, or of KiB, MiB or GiB (e.g. 64MiB), 0 for no cache", v),
			Fields: []hindsight.FieldError{{Field: "cache-bytes", Message: "want a whole number of bytes, KiB, MiB or GiB"}}}
	}
	if n == 0 {
		return -1, nil // none
	}
	return n * mult, nil
}

// maxCacheBytes is the largest --cache-bytes taken (1 TiB): more is a typo.
const maxCacheBytes = 1 << 40
