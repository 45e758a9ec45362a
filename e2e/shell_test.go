package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestShellFlows drives the pages that moved into web/ (the tracker,
// insights, visibility, account, audit log, sign-out) through their forms
// in a real browser: htmx swaps a tracker row in place, a message after a
// redirect shows once (the flash cookie), a token's secret shows once, and
// the signed-out page keeps only the brand in the nav. No dialog, script
// error or CSP violation on the way.
func TestShellFlows(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	p := &hindsight.Postmortem{Title: "Shell flows outage", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-05-01 10:00")
	p.Summary.End = hindsight.TimeOf(p.Summary.Start.T.Add(2 * time.Hour))
	p.Detection.DetectionTime = hindsight.TimeOf(p.Summary.Start.T.Add(10 * time.Minute))
	p.Summary.Severity = hindsight.Sev2
	p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
	p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Alert on checkout errors", Owner: "dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
	in, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)

	b.run("tracker", chromedp.Navigate(srv.URL+"/action-items"), chromedp.WaitVisible(chromedp.ID("items")),
		chromedp.Click(chromedp.CSS(`#items tbody tr button[type=submit]`)),
		waitJS(`(document.querySelector('#items tbody tr button[type=submit]')||{}).textContent === 'Reopen'`))
	b.shot("shell-action-items-closed")

	b.run("insights", chromedp.Navigate(srv.URL+"/insights?from=2026-01-01&to=2026-12-31"), chromedp.WaitVisible(chromedp.ID("chart-by-severity")))
	if w := value(b, "chart width", chromedp.Evaluate[float64](`document.getElementById('chart-by-severity').getBoundingClientRect().width`)); w < 100 {
		t.Errorf("the severity chart is %.0f px wide", w)
	}

	b.run("restrict", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/access"), chromedp.WaitVisible(chromedp.ID("members")),
		chromedp.Click(chromedp.ID("restricted")), chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("status-box")))
	if msg := value(b, "message", chromedp.Text(chromedp.CSS("main .alert-ok"))); !strings.Contains(msg, "Restricted to its members") {
		t.Errorf("after restricting: message %q", msg)
	}
	b.shot("shell-incident-after-restrict")
	b.run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("status-box")))
	if n := value(b, "messages after reload", chromedp.Evaluate[int](`document.querySelectorAll('main > .alert').length`)); n != 0 {
		t.Errorf("the message shows again after a reload (%d alerts)", n)
	}

	b.run("create a token", chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.ID("tname")),
		chromedp.SendKeys(chromedp.ID("tname"), "browser"), chromedp.Click(chromedp.CSS(`form[action="/account/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("code.token")))
	if secret := value(b, "token", chromedp.Text(chromedp.CSS("code.token"))); !strings.HasPrefix(secret, "hst_") {
		t.Errorf("token %q", secret)
	}

	b.run("audit", chromedp.Navigate(srv.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("main table")))
	audit := value(b, "audit text", chromedp.Text(chromedp.CSS("main table")))
	for _, want := range []string{"login", "token.create", "incident.restrict"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}

	b.run("sign out", chromedp.Click(chromedp.CSS(`header form.top-user button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("email")))
	if msg := value(b, "signed out", chromedp.Text(chromedp.CSS("main .alert-ok"))); msg != "You are signed out." {
		t.Errorf("after sign-out: message %q", msg)
	}
	if n := value(b, "nav links", chromedp.Evaluate[int](`document.querySelectorAll('nav[data-shell] a').length`)); n != 1 {
		t.Errorf("the signed-out nav has %d links, want the brand alone", n)
	}
	b.shot("shell-signed-out")
	b.check()
}
