package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/oidctest"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestSSOInBrowser drives single sign-on through a real Chromium and a
// real OpenID provider (internal/oidctest, zitadel/oidc's op): "Sign in
// with Test IdP" on the sign-in page, the provider's form, back signed in
// with the account made just in time as an editor (group eng); the
// provider drops the group, and at the next refresh the account is a
// viewer and the editor's page is refused, with no admin touching
// Hindsight; signing out ends the session here and at the provider. With
// HINDSIGHT_OIDC_ONLY the break-glass admin still signs in with a
// password.
func TestSSOInBrowser(t *testing.T) {
	browserPath(t)
	ctx := context.Background()
	op := oidctest.Start(t)
	op.SetIDTokenLifetime(time.Hour)
	op.SetUser("alice", oidctest.User{Subject: "sub-alice", Email: "alice@example.test", EmailVerified: true, Name: "Alice", Groups: []string{"eng"}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	op.AddClient(oidctest.Client{ID: "hindsight", Secret: "s3cret", RedirectURIs: []string{base + auth.CallbackPath}, PostLogoutRedirectURIs: []string{base + "/login"}})
	env := map[string]string{"HINDSIGHT_OIDC_ISSUER": op.Issuer, "HINDSIGHT_OIDC_CLIENT_ID": "hindsight", "HINDSIGHT_OIDC_CLIENT_SECRET": "s3cret",
		"HINDSIGHT_OIDC_NAME": "Test IdP", "HINDSIGHT_OIDC_ONLY": "1"}
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("sso:\n  admin_groups: [hs-admins]\n  editor_groups: [eng]\n"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var offset atomic.Int64
	s, err := stack.Build(ctx, st, stack.Config{BaseURL: base, Lint: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	root, err := s.Auth.AddUser(ctx, app.System, auth.NewUser{Email: admin, Role: hindsight.RoleAdmin, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Auth.SetBreakGlass(ctx, app.System, root.ID, true); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	b := newBrowser(t)
	b.run("sign in through the provider", chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("sso-sign-in")),
		chromedp.Click(chromedp.ID("sso-sign-in")),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.CSS("form.top-user")))
	role := func(step string) string {
		b.run(step, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("main h1")))
		return value(b, step, chromedp.Evaluate[string](`[...document.querySelectorAll("dl.facts dt")].find(e => e.textContent === "Role").nextElementSibling.textContent`))
	}
	if r := role("account page after sign-in"); r != "editor" {
		t.Errorf("role after the first sign-in %q, want editor (group eng)", r)
	}
	b.shot("sso-account-editor")
	u, err := s.Auth.FindUser(ctx, "alice@example.test")
	if err != nil || u.Name != "Alice" {
		t.Fatalf("account made at sign-in: %+v, %v", u, err)
	}
	newPage := func() string {
		b.run("new incident page", chromedp.Navigate(base+"/incidents/new"), chromedp.WaitVisible(chromedp.CSS("main")))
		return value(b, "new incident page", chromedp.Evaluate[string](`document.querySelector("main").innerText`))
	}
	if txt := newPage(); strings.Contains(txt, "403") {
		t.Errorf("an editor is refused the new incident page: %.300s", txt)
	}

	// the provider drops the group: the next refresh demotes
	op.SetGroups("alice")
	offset.Add(int64(6 * time.Minute))
	if r := role("account page after the refresh"); r != "viewer" {
		t.Errorf("role after the group was dropped %q, want viewer", r)
	}
	if txt := newPage(); !strings.Contains(txt, "403") {
		t.Errorf("a demoted viewer still opens the new incident page: %.300s", txt)
	}
	b.shot("sso-demoted-refused")

	// sign out: here and at the provider, back on the sign-in page
	b.run("sign out", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("form.top-user button")),
		chromedp.Click(chromedp.CSS("form.top-user button")),
		chromedp.WaitVisible(chromedp.ID("sso-sign-out")))
	b.shot("sso-signed-out")
	b.run("sign out at the provider", chromedp.Click(chromedp.ID("sso-sign-out")), chromedp.WaitVisible(chromedp.ID("sso-sign-in")))
	if n := op.EndedSessions(); n != 1 {
		t.Errorf("sessions ended at the provider: %d, want 1", n)
	}
	b.shot("sso-sign-in-oidc-only")
	b.run("signed out", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.ID("sso-sign-in")))

	// the break-glass admin signs in with the folded password form
	b.run("break-glass sign-in", chromedp.Navigate(base+"/login"),
		chromedp.Click(chromedp.CSS("details.break-glass summary")),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), admin),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("details.break-glass button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("form.top-user")))
	if r := role("break-glass account"); r != "admin" {
		t.Errorf("break-glass admin's role %q", r)
	}

	// the admin marks alice break-glass on the users page
	b.run("make alice break-glass", chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("table.users")),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/`+u.ID+`"] button[title^="May sign in"]`)),
		// the table is visible before the form's answer arrives: wait for
		// the page that answers it (its flash) before reading the store
		waitJS(`!!document.querySelector(".alert[role=status]")`),
		chromedp.WaitVisible(chromedp.CSS("table.users")))
	if u, err := s.Auth.FindUser(ctx, "alice@example.test"); err != nil || !u.BreakGlass {
		t.Errorf("alice after Make break-glass: %+v, %v", u, err)
	}
	b.shot("sso-admin-users")
	// with the break-glass actions and badges, at phone width, light and dark
	for _, scheme := range []string{"light", "dark"} {
		b.run("users page at 390 px "+scheme, chromedp.EmulateViewport(390, 844), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}), chromedp.Navigate(base+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("table.users")))
		if w := value(b, "page width", chromedp.Evaluate[int](`document.scrollingElement.scrollWidth`)); w > 390 {
			t.Errorf("the users page with break-glass actions is %d px wide at 390 px (%s)", w, scheme)
		}
		b.shot("sso-admin-users-390-" + scheme)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.exceptions) > 0 || len(b.security) > 0 {
		t.Errorf("script exceptions %q, CSP reports %q", b.exceptions, b.security)
	}
}
