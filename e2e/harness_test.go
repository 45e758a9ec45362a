package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// screenshotDir is where screenshots go (git-ignored; named in the README).
var screenshotDir = filepath.Join("..", "testdata", "artifacts", "screenshots")

// browserPath skips the test unless HINDSIGHT_E2E=1, then finds Chromium
// (HINDSIGHT_CHROME when set, else the Debian package's /usr/bin/chromium
// or a browser on PATH); with HINDSIGHT_E2E=1 a missing browser is a
// failure.
func browserPath(t *testing.T) string {
	t.Helper()
	if os.Getenv("HINDSIGHT_E2E") != "1" {
		t.Skip("e2e: the browser tests run with HINDSIGHT_E2E=1 (and Chromium: the Debian packages chromium and chromium-driver, or HINDSIGHT_CHROME)")
	}
	cands := []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"}
	if c := os.Getenv("HINDSIGHT_CHROME"); c != "" {
		cands = []string{c}
	}
	for _, c := range cands {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatalf("e2e: no Chromium found (tried %s); install the Debian packages chromium and chromium-driver, or set HINDSIGHT_CHROME; HINDSIGHT_E2E=1 requires a browser", strings.Join(cands, ", "))
	return ""
}

// appServer is a running Hindsight: exactly what serve serves (the
// internal/stack assembly, accounts in front of every route) on 127.0.0.1
// and a free port, with signed-up people to sign in as.
type appServer struct {
	URL   string
	Svc   *app.Service
	Stack *stack.Stack
}

// The accounts startServer creates; every browser signs in as one of them.
const (
	dana     = "dana@example.test" // editor
	sam      = "sam@example.test"  // editor
	admin    = "ada@example.test"  // admin
	password = "correct horse battery staple"
)

func startServer(t *testing.T, seed int) *appServer {
	t.Helper()
	return startServerWith(t, seed, true)
}

// startServerWith starts a server with seed generated incidents, and the
// accounts above when users is set (without, it is a fresh install that
// offers a setup link).
func startServerWith(t *testing.T, seed int, users bool) *appServer {
	t.Helper()
	a := serveStack(t, stack.Config{Getenv: func(string) string { return "" }}, users)
	g := gen.New(42)
	for range seed {
		p := g.Postmortem()
		if _, err := a.Svc.Create(context.Background(), app.System, p, app.CreateOptions{Message: "seeded", Force: true}); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// serveStack builds the internal/stack assembly with cfg (its logger
// discards when unset) over a new SQLite file, signs up the accounts above
// when users is set, and serves it on 127.0.0.1 at a free port until the
// test ends.
func serveStack(t *testing.T, cfg stack.Config, users bool) *appServer {
	t.Helper()
	browserPath(t) // skip before the work when the browser tests do not run
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return serveStore(t, st, cfg, users)
}

// serveStore is serveStack over the store st (the PostgreSQL runs of the
// QA tests open their own).
func serveStore(t *testing.T, st hindsight.Store, cfg stack.Config, users bool) *appServer {
	t.Helper()
	ctx := context.Background()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := stack.Build(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{dana, sam, admin} {
		if !users {
			break
		}
		name := strings.ToUpper(email[:1]) + email[1:strings.Index(email, "@")]
		role := hindsight.RoleEditor
		if email == admin {
			role = hindsight.RoleAdmin
		}
		if _, err := s.Auth.AddUser(ctx, app.System, auth.NewUser{Email: email, Name: name, Role: role, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return &appServer{URL: "http://" + ln.Addr().String(), Svc: s.Service, Stack: s}
}

// example stores the example postmortem examples/<name> under its own ID.
func (a *appServer) example(t *testing.T, name string) *hindsight.Incident {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := markdown.Parse(src)
	in, err := a.Svc.Create(context.Background(), app.System, doc, app.CreateOptions{KeepID: true})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// browser opens a headless Chromium tab signed in as email, through the
// sign-in page as a person would.
func (a *appServer) browser(t *testing.T, email string) *tab {
	t.Helper()
	b := newBrowser(t)
	b.run("sign in as "+email, chromedp.Navigate(a.URL+"/incidents"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("main button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.top-user")))
	return b
}

// browser is a headless Chromium tab that records dialogs, script
// exceptions and CSP violations.
type tab struct {
	ctx context.Context
	t   *testing.T

	mu         sync.Mutex
	dialogs    []string
	exceptions []string
	security   []string
}

func newBrowser(t *testing.T) *tab {
	t.Helper()
	path := browserPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1360, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelC(); cancelA() })
	b := &tab{ctx: ctx, t: t}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, string(e.Type)+": "+e.Message)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			b.exceptions = append(b.exceptions, e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		case *cdplog.EventEntryAdded:
			if e.Entry.Source == cdplog.EntrySourceSecurity || strings.Contains(e.Entry.Text, "Content Security Policy") {
				b.security = append(b.security, e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("Log.enable: %v", err)
	}
	return b
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// run runs the steps with a time limit and fails the test naming the step.
func (b *tab) run(step string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.shot("failure-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
}

// value runs one action that returns a value.
func value[T any](b *tab, step string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failure-" + strings.ReplaceAll(step, " ", "-"))
		b.t.Fatalf("%s: %v", step, err)
	}
	return v
}

// shot saves a full-page PNG screenshot under testdata/artifacts/screenshots.
func (b *tab) shot(name string) { b.save(name, chromedp.FullScreenshot(100)) }

// shotViewport saves what the window shows (pages with sticky bars).
func (b *tab) shotViewport(name string) { b.save(name, chromedp.CaptureScreenshot()) }

// saveViewport saves what the window shows where it is scrolled to.
func (b *tab) saveViewport(name string) { b.capture(name, chromedp.CaptureScreenshot()) }

func (b *tab) save(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); true`))
	b.capture(name, capture)
}

func (b *tab) capture(name string, capture chromedp.Action[[]byte]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, capture)
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Logf("screenshot dir: %v", err)
		return
	}
	p := filepath.Join(screenshotDir, name+".png")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, buf, 0o644); err == nil {
		_ = os.Rename(tmp, p)
	}
	b.t.Logf("screenshot: %s", p)
}

// void drops the value of an action.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// fill sets form controls by CSS selector as a person would (value, then
// input and change events, so htmx sees them).
func fill(fields [][2]string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(fields)
	return void(chromedp.Evaluate[bool](fmt.Sprintf(`(function(fs){
  for (const [sel, val] of fs) {
    const el = document.querySelector(sel);
    if (!el) throw new Error("no element " + sel);
    el.value = val;
    el.dispatchEvent(new Event("input", {bubbles: true}));
    el.dispatchEvent(new Event("change", {bubbles: true}));
  }
  return true;
})(%s)`, js)))
}

// waitJS polls a JavaScript condition until it is true. A condition that
// throws (document.body is null for a moment while a form's answer loads)
// is polled again; the timeout names its last error.
func waitJS(cond string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(20 * time.Second)
		var last error
		for {
			ok, err := chromedp.Evaluate[bool](cond)(ctx, t)
			if ok && err == nil {
				return chromedp.Void{}, nil
			}
			if err != nil {
				if ctx.Err() != nil {
					return chromedp.Void{}, err
				}
				last = err
			}
			if time.Now().After(deadline) {
				if last != nil {
					return chromedp.Void{}, fmt.Errorf("timed out waiting for %s (last error: %w)", cond, last)
				}
				return chromedp.Void{}, errors.New("timed out waiting for " + cond)
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// check fails the test on dialogs, script exceptions or CSP violations.
func (b *tab) check() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.dialogs) > 0 {
		b.t.Errorf("a JavaScript dialog opened: %q", b.dialogs)
	}
	if len(b.exceptions) > 0 {
		b.t.Errorf("script exceptions: %q", b.exceptions)
	}
	if len(b.security) > 0 {
		b.t.Errorf("Content-Security-Policy violations: %q", b.security)
	}
}

func appSystem() app.Actor { return app.System }
