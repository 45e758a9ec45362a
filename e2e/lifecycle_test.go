package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight/lint"
)

// TestPostmortemLifecycle: create an incident, fill the summary, add three
// timeline rows and two action items, see a lint finding appear and
// disappear, publish, find it through search, download the Markdown and
// check it lints clean.
func TestPostmortemLifecycle(t *testing.T) {
	srv := startServer(t, 12)
	b := srv.browser(t, dana)
	now := time.Now().UTC()
	day := now.AddDate(0, 0, -3).Truncate(24 * time.Hour)
	at := func(h, m int) string {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute).Format("2006-01-02T15:04")
	}
	due := func(days int) string { return now.AddDate(0, 0, days).Format("2006-01-02") }

	b.run("list", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	b.shot("incident-list")

	// new incident: the short form
	b.run("new incident",
		chromedp.Click(chromedp.CSS(`a.btn-primary[href="/incidents/new"]`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.ID("#title")),
		chromedp.SendKeys(chromedp.ID("#title"), "Payment webhooks stalled behind a zebrafish queue"),
		chromedp.SetValue(chromedp.ID("#severity"), "SEV-2"),
		fill([][2]string{{"#start", at(10, 0)}}),
		chromedp.SendKeys(chromedp.ID("#services"), "webhook-dispatcher, payments-api"),
		chromedp.SendKeys(chromedp.ID("#commander"), "Mara Quist"),
		chromedp.Submit(chromedp.ID("#title")),
		chromedp.WaitVisible(chromedp.ID("#editor")),
	)
	loc := value(b, "editor url", chromedp.Location())
	if !strings.HasSuffix(loc, "/edit") || !strings.Contains(loc, "/incidents/INC-") {
		t.Fatalf("after create: at %s, want the editor", loc)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(loc, srv.URL+"/incidents/"), "/edit")

	// fill the summary
	b.run("summary", fill([][2]string{
		{"#end", at(11, 30)}, {"#duration", "01:30"}, {"#owner", "Mara Quist"}, {"#version", "1.0"},
		{"#services", "webhook-dispatcher (deliveries delayed up to 85 minutes)\npayments-api (webhook retries piled up)"},
		{"#users_affected", "About 1,400 merchants waiting for payment webhooks"},
		{"#regions", "EU and US regions"}, {"#symptoms", "Payment confirmations arrived late"},
	}))

	// three timeline rows, added through htmx
	rows := [][2]string{
		{at(10, 0), "A schema migration locked the webhook outbox table"},
		{at(10, 12), "Queue depth alert fired; on-call acknowledged the page"},
		{at(11, 30), "The migration was rolled back and deliveries drained"},
	}
	for i, r := range rows {
		n := string(rune('0' + i))
		b.run("add timeline row "+n,
			chromedp.Click(chromedp.ID("#tl-add")),
			chromedp.WaitVisible(chromedp.ID("#tl-time-"+n)),
			fill([][2]string{{"#tl-time-" + n, r[0]}, {"#tl-event-" + n, r[1]}}),
		)
	}
	// two action items
	items := [][5]string{
		{"Add a lock timeout to outbox migrations", "Dev Patel", "P1", due(20), "Open"},
		{"Alert on webhook delivery lag, not only queue depth", "Lin Zhou", "P2", due(40), "Open"},
	}
	for i, it := range items {
		n := string(rune('0' + i))
		b.run("add action item "+n,
			chromedp.Click(chromedp.ID("#ai-add")),
			chromedp.WaitVisible(chromedp.ID("#ai-action-"+n)),
			fill([][2]string{{"#ai-action-" + n, it[0]}, {"#ai-owner-" + n, it[1]}, {"#ai-prio-" + n, it[2]}, {"#ai-target-" + n, it[3]}, {"#ai-status-" + n, it[4]}}),
		)
	}
	tlRows := value(b, "count timeline rows", chromedp.Evaluate[int](`document.querySelectorAll("#sec-timeline tr.row").length`))
	aiRows := value(b, "count action items", chromedp.Evaluate[int](`document.querySelectorAll("#sec-action_items .action-row").length`))
	if tlRows != 3 || aiRows != 2 {
		t.Fatalf("editor has %d timeline rows and %d action items, want 3 and 2", tlRows, aiRows)
	}

	// live lint: a blameful phrase brings HS012, rewording removes it
	b.run("lint finding appears",
		chromedp.SendKeys(chromedp.ID("#executive_summary"), "The zebrafish queue stalled because of human error."),
		chromedp.WaitVisible(chromedp.CSS(`#lint-panel li[data-rule="HS012"]`)),
	)
	b.shotViewport("editor")
	b.run("lint finding disappears",
		fill([][2]string{{"#executive_summary", "A schema migration held a lock on the webhook outbox for 90 minutes, so payment webhooks to merchants (the zebrafish queue) were delayed. Rolling the migration back drained the backlog; no webhook was lost."}}),
		waitJS(`document.querySelector('#lint-panel li[data-rule="HS012"]') === null && document.querySelector('#lint-panel') !== null`),
	)

	// everything else, so the postmortem lints clean
	b.run("fill the rest", fill([][2]string{
		{"#detected_by", "Monitoring (webhook queue depth alert)"}, {"#detection_time", at(10, 12)},
		{"#tta", "00:00"}, {"#ttm", "01:18"}, {"#commander", "Mara Quist"},
		{"#responders", "Dev Patel (Payments), Lin Zhou (Platform)"}, {"#channels", "Slack #inc-webhooks, PagerDuty"},
		{"#impact_customer", "- Webhook deliveries delayed by up to 85 minutes\n- No payments failed"},
		{"#impact_internal", "- Two engineers for two hours; 30 support tickets"},
		{"#data_loss_note", ""}, {"#data_exposure_note", ""}, {"#data_compliance_note", ""},
		{"#root_primary", "A schema migration took an exclusive lock on the outbox table during peak traffic."},
		{"#root_factors", "Migrations had no lock timeout\nThe lag alert watched queue depth only"},
		{"#fix_immediate", "Rolled the migration back."}, {"#fix_long_term", "Lock timeouts on every migration; online schema changes."},
		{"#comm_status_page", "Two updates on the status page."}, {"#comm_direct", "Email to affected merchants."},
		{"#comm_follow_up", "Summary sent to merchants on the next day."},
		{"#went_well", "The alert fired within 12 minutes\nRollback was rehearsed"},
		{"#went_poorly", "The lag was visible only as queue depth"},
		{"#prev_monitoring", "Alert on delivery lag."}, {"#prev_process", "Review migrations for locks."},
		{"#prev_documentation", "Runbook for outbox backlogs."}, {"#prev_training", "None needed."},
		{"#references", "https://status.example.com/incidents/42"},
		{"#message", "first full draft"},
	}),
		chromedp.Click(chromedp.CSS(`input[name="data_loss"][value="No"]`)),
		chromedp.Click(chromedp.CSS(`input[name="data_exposure"][value="No"]`)),
		chromedp.Click(chromedp.CSS(`input[name="data_compliance"][value="No"]`)),
		chromedp.Click(chromedp.CSS(`input[name="rollback"][value="Yes"]`)),
	)
	b.run("save",
		chromedp.Click(chromedp.ID("#save")),
		chromedp.WaitVisible(chromedp.ID("#status-box")),
	)
	lintText := value(b, "saved page", chromedp.Text(chromedp.ID("lint-panel")))
	if !strings.Contains(lintText, "lints clean") {
		t.Errorf("saved postmortem has findings:\n%s", lintText)
	}

	// close an action item inline; the status box picks up the new revision
	b.run("close an action item",
		chromedp.Click(chromedp.CSS(`#sec-action_items button[aria-label="Close AI-001"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sec-action_items button[aria-label="Reopen AI-001"]`)),
		waitJS(`document.querySelector('#status-box input[name="revision"]').value === "3"`),
	)

	// publish: Draft -> In Review -> Published, each inline through htmx
	b.run("send to review",
		chromedp.Click(chromedp.CSS(`#status-box button[value="In Review"]`)),
		waitJS(`document.querySelector("#status-box .chip").textContent.trim() === "In Review"`),
		chromedp.Click(chromedp.CSS(`#status-box button[value="Published"]`)),
		waitJS(`document.querySelector("#status-box .chip").textContent.trim() === "Published"`),
		waitJS(`document.querySelector("#head-status").textContent.trim() === "Published"`),
	)
	b.shot("incident")

	// find it through search, with the hit highlighted
	b.run("search",
		chromedp.SendKeys(chromedp.ID("#top-q"), "zebrafish\n"),
		chromedp.WaitVisible(chromedp.CSS("ol.hits")),
	)
	marks := value(b, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".hit mark")).map(m => m.textContent.toLowerCase())`))
	hitHref := value(b, "search hit", chromedp.AttributeValue(chromedp.CSS(".hit-title"), "href")).Value
	if hitHref != "/incidents/"+id || len(marks) == 0 || marks[0] != "zebrafish" {
		t.Errorf("search: first hit %q, marks %q", hitHref, marks)
	}
	b.shot("search")

	// download the Markdown through the browser and lint it
	dir := t.TempDir()
	b.run("open incident", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("status-box")))
	yes := true
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &yes}); err != nil {
		t.Fatalf("download behavior: %v", err)
	}
	dctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	events := chromedp.BrowserEvents(dctx, browser.DownloadProgress)
	b.run("download", chromedp.Click(chromedp.CSS(`a[href$="/export.md"]`)))
	var guid string
	for ev, err := range events {
		if err != nil {
			t.Fatalf("the Markdown download did not complete: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "**Status:** Published") || !strings.Contains(string(md), id) {
		t.Errorf("downloaded Markdown is not the published postmortem:\n%s", md)
	}
	if fs := lint.Source(id+".md", md, nil, lint.Options{Today: now}); len(fs) > 0 {
		var b strings.Builder
		_ = lint.WriteText(&b, fs)
		t.Errorf("downloaded Markdown does not lint clean:\n%s", b.String())
	}
	in, err := srv.Svc.Get(context.Background(), appSystem(), id)
	if err != nil || in.Doc.Status != "Published" || len(in.Doc.Timeline) != 3 || len(in.Doc.ActionItems) != 2 || in.Doc.ActionItems[0].Status != "Closed" || in.Revision != 5 {
		t.Errorf("stored incident: %v %+v", err, in)
	}

	// the same pages on a phone, and in dark mode
	b.run("phone list", chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("table.incidents")))
	if w := value(b, "phone list width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`)); w[0] > w[1] {
		t.Errorf("the list is %d px wide on a %d px phone", w[0], w[1])
	}
	b.shot("incident-list-phone")
	b.run("phone incident", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("status-box")))
	if w := value(b, "phone width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`)); w[0] > w[1] {
		t.Errorf("the incident page is %d px wide on a %d px phone", w[0], w[1])
	}
	b.shot("incident-phone")
	b.run("phone editor", chromedp.Navigate(srv.URL+"/incidents/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("editor")))
	if w := value(b, "phone editor width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`)); w[0] > w[1] {
		t.Errorf("the editor is %d px wide on a %d px phone", w[0], w[1])
	}
	b.shotViewport("editor-phone")
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatalf("dark mode: %v", err)
	}
	b.run("dark incident", chromedp.ResetViewport(), chromedp.EmulateViewport(1360, 900), chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("status-box")))
	b.shot("incident-dark")
	b.run("dark editor", chromedp.Navigate(srv.URL+"/incidents/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("editor")))
	b.shotViewport("editor-dark")
	b.check()
}
