package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestImportChat drives the editor's Import chat page in Chromium: upload
// a Slack conversations.history file, preview the rows in place (htmx),
// import them, see the confirmation and the rows on the incident page;
// paste messages; a bad paste says its line on the form; the page fits a
// 390 px phone in dark mode. No dialog, script error or CSP violation.
func TestImportChat(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	p := &hindsight.Postmortem{Title: "Chat import outage", Status: hindsight.StatusDraft}
	p.Summary.Start, _ = hindsight.ParseTime("2026-11-03 13:55")
	in, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := filepath.Abs(filepath.Join("..", "chat", "testdata", "slack-history.json"))
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	rows := `document.querySelectorAll('#chat-rows tbody tr').length`

	b.run("open the dialog from the editor", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("import-chat")),
		chromedp.Click(chromedp.ID("import-chat")), chromedp.WaitVisible(chromedp.ID("chat-form")))
	b.run("preview an upload", chromedp.SetUploadFiles(chromedp.ID("chat-file"), []string{file}),
		chromedp.Click(chromedp.ID("chat-nobots")),
		chromedp.Click(chromedp.ID("chat-preview-btn")),
		waitJS(rows+` === 2`))
	summary := value(b, "summary", chromedp.Text(chromedp.ID("chat-summary")))
	if !strings.Contains(summary, "4 message(s) read as slack-history; 2 selected; 2 new row(s)") {
		t.Errorf("preview summary %q", summary)
	}
	table := value(b, "preview rows", chromedp.Text(chromedp.ID("chat-rows")))
	if !strings.Contains(table, "Pool size raised to 200") || strings.Contains(table, "deploy-bot") {
		t.Errorf("preview rows:\n%s", table)
	}
	b.shot("chat-import-preview")

	// at phone width, in dark mode: nothing wider than the screen
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	b.run("phone width", chromedp.EmulateViewport(390, 844))
	if w := value(b, "page width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("the Import chat page is %d px wide at 390 px: %s", w, value(b, "wide elements", chromedp.Evaluate[string](`Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 391).slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width)).join(', ')`)))
	}
	b.shotViewport("chat-import-preview-390-dark")
	b.run("desktop width", chromedp.EmulateViewport(1280, 900))

	b.run("import", chromedp.Click(chromedp.ID("chat-import-btn")), chromedp.WaitVisible(chromedp.ID("status-box")))
	if msg := value(b, "confirmation", chromedp.Text(chromedp.CSS("main .alert-ok"))); !strings.Contains(msg, "Added 2 row(s) to the timeline in revision 2") {
		t.Errorf("after the import: %q", msg)
	}
	if tl := value(b, "timeline", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(tl, "Pool size raised to 200") || !strings.Contains(tl, "U02TARO") {
		t.Errorf("the incident page does not show the imported rows")
	}
	b.shot("chat-import-done")

	b.run("a bad paste", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/chat"), chromedp.WaitVisible(chromedp.ID("chat-form")),
		chromedp.SendKeys(chromedp.ID("chat-text"), "hello\n[14:02] Ann: x"),
		chromedp.Click(chromedp.ID("chat-preview-btn")),
		chromedp.WaitVisible(chromedp.CSS("#chat-preview .alert-error")))
	if msg := value(b, "error", chromedp.Text(chromedp.CSS("#chat-preview .alert-error"))); !strings.Contains(msg, "pasted text:1: not the start of a chat message") {
		t.Errorf("bad paste: %q", msg)
	}
	b.run("paste and import", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/chat"), chromedp.WaitVisible(chromedp.ID("chat-form")),
		chromedp.SendKeys(chromedp.ID("chat-text"), "[14:20] Ann Lee: all clear"),
		chromedp.Click(chromedp.ID("chat-preview-btn")), waitJS(rows+` === 1`),
		chromedp.Click(chromedp.ID("chat-import-btn")), chromedp.WaitVisible(chromedp.ID("status-box")))
	if msg := value(b, "confirmation", chromedp.Text(chromedp.CSS("main .alert-ok"))); !strings.Contains(msg, "Added 1 row(s) to the timeline in revision 3") {
		t.Errorf("after the paste: %q", msg)
	}
	got, err := srv.Svc.Get(ctx, app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got.Doc.Timeline); n != 3 {
		t.Errorf("%d timeline rows, want 3", n)
	}
	b.check()
}
