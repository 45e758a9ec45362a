package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestEditorTimeline: on a real 30-row timeline, typed times are checked
// beside the input as one types (the UTC time read, or why it is not a
// time), Alt+Down moves the focused row and keeps the focus in it,
// Alt+Enter adds a row below and focuses it, and a pasted block of chat
// lines becomes rows. It saves screenshots of the timeline and the action
// items at 1280 and 390 px in light and dark (editor-timeline-*.png,
// editor-actions-*.png).
func TestEditorTimeline(t *testing.T) {
	srv := startServer(t, 0)
	in := srv.example(t, "INC-20260312-001-checkout-database-failover.md")
	rows := len(in.Doc.Timeline)
	b := srv.browser(t, dana)
	edit := srv.URL + "/incidents/" + in.ID + "/edit"
	text := func(sel string) string {
		return value(b, "read "+sel, chromedp.Evaluate[string](fmt.Sprintf(`(function(){ const el = document.querySelector(%q); return el ? (el.value !== undefined ? el.value : el.textContent) : "" })()`, sel)))
	}

	b.run("open the editor", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("tl-time-0")))
	if typ := text("#tl-time-0"); typ != "2026-03-12 21:47" {
		t.Errorf("the first time shows %q", typ)
	}
	if n := value(b, "pickers", chromedp.Evaluate[int](`document.querySelectorAll('input[type=datetime-local], input[type=time], input[type=date]').length`)); n != 0 {
		t.Errorf("%d browser date/time pickers in the editor", n)
	}
	b.run("type a 12-hour time", fill([][2]string{{"#tl-time-1", "9:49 PM"}}),
		waitJS(`document.getElementById("tc-tl-time-1").textContent.includes("= 2026-03-12 21:49 UTC")`))
	b.run("type a time of day with a zone", fill([][2]string{{"#tl-time-2", "5:50 PM EDT"}}),
		waitJS(`document.getElementById("tc-tl-time-2").textContent.includes("= 2026-03-12 21:50 UTC")`))
	b.run("type something that is not a time", fill([][2]string{{"#tl-time-3", "around ten"}}),
		waitJS(`document.getElementById("tc-tl-time-3").classList.contains("time-bad")`))
	b.run("scroll to the rows", void(chromedp.Evaluate[bool](`document.getElementById("tl-row-0").scrollIntoView(); window.scrollBy(0, -80); true`)))
	b.saveViewport("editor-time-check")

	// the keyboard: Alt+Down moves the row, the focus stays in its event
	b.run("reload", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("tl-event-2")))
	second, third := text("#tl-event-2"), text("#tl-event-3")
	b.run("Alt+Down", chromedp.Focus(chromedp.ID("tl-event-2")), chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierAlt)),
		waitJS(`document.activeElement && document.activeElement.id === "tl-event-3"`))
	if got2, got3 := text("#tl-event-2"), text("#tl-event-3"); got2 != third || got3 != second {
		t.Errorf("Alt+Down: rows 3 and 4 are %q and %q", got2, got3)
	}
	b.run("Alt+Up", chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt)),
		waitJS(`document.activeElement && document.activeElement.id === "tl-event-2"`))
	if got := text("#tl-event-2"); got != second {
		t.Errorf("Alt+Up: row 3 is %q", got)
	}
	b.run("Alt+Enter", chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(chromedp.ModifierAlt)),
		waitJS(fmt.Sprintf(`document.querySelectorAll("#sec-timeline tr.row").length === %d`, rows+1)),
		waitJS(`document.activeElement && document.activeElement.id === "tl-time-3"`))
	if got := text("#tl-event-3"); got != "" {
		t.Errorf("Alt+Enter: the new row 4 holds %q", got)
	}

	// a block of chat lines
	b.run("paste lines", chromedp.Click(chromedp.CSS(".tl-paste summary")),
		fill([][2]string{{"#tl-paste", "02:31 Reconciliation of the 312 orders complete\n- 02:40: status page resolved"}}),
		chromedp.Click(chromedp.ID("tl-paste-add")),
		waitJS(fmt.Sprintf(`document.querySelectorAll("#sec-timeline tr.row").length === %d`, rows+3)))
	if got, want := text(fmt.Sprintf("#tl-time-%d", rows+1)), "2026-03-13 02:31"; got != want {
		t.Errorf("pasted row time %q, want %q", got, want)
	}
	if got := text(fmt.Sprintf("#tl-event-%d", rows+2)); got != "status page resolved" {
		t.Errorf("pasted row event %q", got)
	}
	b.check()

	// what people see
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			b.run("open for screenshots", chromedp.EmulateViewport(w, 900),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
					return err
				}),
				chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("tl-time-0")))
			for _, sec := range []string{"timeline", "action_items"} {
				b.run("scroll to "+sec, void(chromedp.Evaluate[bool](`document.getElementById("sec-`+sec+`").scrollIntoView(); true`)))
				b.saveViewport(fmt.Sprintf("editor-%s-%s-%d", strings.ReplaceAll(sec, "_", "-"), scheme, w))
			}
		}
	}
	b.check()
}
