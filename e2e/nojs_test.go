package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hindsight-pm/hindsight/app"
)

// TestWithoutJavaScript: with scripts off, the pages read and the plain
// forms work: filters, adding a timeline row, saving, a status change.
func TestWithoutJavaScript(t *testing.T) {
	srv := startServer(t, 3)
	in := srv.example(t, "INC-20260521-002-partner-api-certificate-expiry.md")
	b := srv.browser(t, dana)
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	html := func(step string) string { return value(b, step, chromedp.OuterHTML(chromedp.CSS("main"))) }

	b.run("filter the list", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("table.incidents")),
		chromedp.Focus(chromedp.ID("f-service")), chromedp.KeyEvent("tracking-ingest"+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`#f-service[value="tracking-ingest"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/incidents/`+in.ID+`"]`)))
	if loc := value(b, "list url", chromedp.Location()); !strings.Contains(loc, "service=tracking-ingest") {
		t.Errorf("filter did not submit: %s", loc)
	}
	b.run("open the editor", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("tl-add")))
	before := strings.Count(html("editor"), `name="tl_time"`)
	if in.Doc.Status != "In Review" {
		t.Fatalf("fixture status %q, want In Review", in.Doc.Status)
	}
	b.run("add a row with a plain submit", chromedp.Click(chromedp.ID("tl-add")), chromedp.WaitVisible(chromedp.ID("tl-time-"+itoa(before))))
	b.run("fill and save",
		chromedp.Focus(chromedp.ID("tl-event-"+itoa(before))), chromedp.KeyEvent("Postmortem reviewed with the partner team"),
		chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("status-box")))
	if got, _ := srv.Svc.Get(context.Background(), app.System, in.ID); got.Revision != 2 || len(got.Doc.Timeline) != before+1 {
		t.Fatalf("after the plain save: revision %d, %d timeline rows, want 2 and %d", got.Revision, len(got.Doc.Timeline), before+1)
	}
	b.run("status change with a plain form", chromedp.Click(chromedp.CSS(`#status-box button[value="Published"]`)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _ := srv.Svc.Get(context.Background(), app.System, in.ID)
		if got.Doc.Status == "Published" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %q after the plain form", got.Doc.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.run("reload", chromedp.Navigate(srv.URL+"/incidents/"+in.ID), chromedp.WaitVisible(chromedp.CSS(`#status-box .chip-published`)))
	b.check()
}

// TestKeyboard: the editor works from the keyboard; adding a row focuses
// its first field.
func TestKeyboard(t *testing.T) {
	srv := startServer(t, 0)
	in, err := srv.Svc.Open(context.Background(), app.System, app.NewIncident{Title: "Keyboard only"})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	b.run("editor", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("tl-add")),
		chromedp.Focus(chromedp.ID("tl-add")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("tl-time-0")),
		waitJS(`document.activeElement && document.activeElement.id === "tl-time-0"`),
		chromedp.Focus(chromedp.ID("ai-add")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("ai-action-0")),
		waitJS(`document.activeElement && document.activeElement.id === "ai-action-0"`),
		chromedp.KeyEvent("Fix the pager rota"),
		chromedp.Focus(chromedp.ID("title")), chromedp.KeyEvent(kb.End+" (typed)"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("status-box")))
	got, _ := srv.Svc.Get(context.Background(), app.System, in.ID)
	if got.Doc.Title != "Keyboard only (typed)" || len(got.Doc.ActionItems) != 1 || got.Doc.ActionItems[0].Action != "Fix the pager rota" {
		t.Errorf("Enter in a field must save the form: title %q, items %+v", got.Doc.Title, got.Doc.ActionItems)
	}
	b.check()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
