package auth_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/api"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/server"
	"github.com/hindsight-pm/hindsight/web"
)

// chromium finds a headless browser as the e2e suite does: HINDSIGHT_CHROME
// or chromium on the PATH; the test is skipped without one unless
// HINDSIGHT_E2E=1 requires it.
func chromium(t *testing.T) string {
	for _, c := range []string{os.Getenv("HINDSIGHT_CHROME"), "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	if os.Getenv("HINDSIGHT_E2E") == "1" {
		t.Fatal("no Chromium found; HINDSIGHT_E2E=1 requires it")
	}
	t.Skip("no Chromium found (install chromium or set HINDSIGHT_CHROME)")
	return ""
}

// TestBrowserSignIn drives a real browser through the whole app behind
// Protect: redirect to the sign-in page, sign in (a same-origin form POST
// passes the cross-origin check), create a token on the account page,
// restrict an incident on its visibility page, read the audit log, sign out.
func TestBrowserSignIn(t *testing.T) {
	path := chromium(t)
	w := newWorld(t, worldOpts{})
	ui, err := web.New(w.svc, web.Options{Logger: w.logger, Accounts: w.auth})
	if err != nil {
		t.Fatal(err)
	}
	tables := [][]httpx.Route{api.New(w.svc, api.Options{}).Routes(), ui.Routes(), w.auth.Routes()}
	h, err := server.New(server.Config{Logger: w.logger}, w.auth.Protect(tables...)...)
	if err != nil {
		t.Fatal(err)
	}
	_, pw := w.addUser(t, "ann@example.com", hindsight.RoleAdmin)
	inc, err := w.svc.Open(t.Context(), app.System, app.NewIncident{Title: "Browser incident"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	base := "http://" + ln.Addr().String()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	do := func(step string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	get := func(step string, a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return v
	}

	do("open the list", chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.ID("email")))
	if loc := get("location", chromedp.Location()); loc != base+"/login?next=%2Fincidents" {
		t.Errorf("anonymous list went to %s", loc)
	}
	do("sign in", chromedp.SendKeys(chromedp.ID("email"), "ann@example.com"), chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Click(chromedp.CSS(`main button[type=submit]`)), chromedp.WaitNotPresent(chromedp.ID("password")))
	if loc := get("location", chromedp.Location()); loc != base+"/incidents" {
		t.Errorf("after sign-in: %s", loc)
	}
	if body := get("list", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, "Browser incident") {
		t.Errorf("the list does not show the incident:\n%s", body)
	}

	do("create a token", chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.ID("tname")),
		chromedp.SendKeys(chromedp.ID("tname"), "browser"), chromedp.Click(chromedp.CSS(`form[action="/account/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("code.token")))
	secret := get("token", chromedp.Text(chromedp.CSS("code.token")))
	w.secret = append(w.secret, secret)
	if !strings.HasPrefix(secret, "hst_") {
		t.Errorf("token %q", secret)
	}

	do("restrict", chromedp.Navigate(base+"/incidents/"+inc.ID+"/access"), chromedp.WaitVisible(chromedp.ID("members")),
		chromedp.Click(chromedp.ID("restricted")), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitNotPresent(chromedp.ID("members")))
	if got, err := w.svc.Get(t.Context(), app.System, inc.ID); err != nil || !got.Restricted {
		t.Errorf("not restricted: %+v, %v", got, err)
	}

	do("audit", chromedp.Navigate(base+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("main table")))
	audit := get("audit", chromedp.Text(chromedp.CSS("main table")))
	for _, want := range []string{"login", "token.create", "incident.restrict"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit page lacks %s:\n%s", want, audit)
		}
	}

	do("sign out", chromedp.Click(chromedp.CSS(`header form button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("email")))
	do("list again", chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.ID("email")))
}
