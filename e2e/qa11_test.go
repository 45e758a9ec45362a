package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
)

// qa11Prose is Markdown as teams paste it into a postmortem: a long SQL
// line in a code block and a ten-column table with a long URL.
const qa11Prose = "The export query scanned the whole invoices table.\n\n" +
	"```sql\nSELECT invoice_id, account_id, issued_at, amount_cents, currency, very_long_column_name_that_keeps_going FROM invoices WHERE issued_at >= now() - interval '1 day' ORDER BY issued_at;\n```\n\n" +
	"| a | b | c | d | e | f | g | h | i | j |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" +
	"| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa |\n" +
	"| ñ | 中文字符 | عربى | עברית | ß | ø | é | ü | ç | Ünïcödé |\n"

// TestQA11ProseFitsPhone: an incident whose Executive Summary, and a
// review comment, hold a code block with a long line and a wide Markdown
// table is read on a 390 px phone (light and dark), and at 1280 px, without the page
// scrolling sideways: the code block and the table scroll inside their
// own boxes, and every cell is still there to scroll to.
func TestQA11ProseFitsPhone(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	src, err := os.ReadFile(filepath.Join("..", "examples", "INC-20260704-001-nightly-billing-export-delay.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := markdown.Parse(src)
	doc.ExecutiveSummary = qa11Prose
	in, err := srv.Svc.Create(ctx, app.System, doc, app.CreateOptions{KeepID: true})
	if err != nil {
		t.Fatal(err)
	}
	samUser, err := srv.Stack.Auth.FindUser(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Svc.Comment(ctx, app.Actor{ID: samUser.ID, Viewer: hindsight.Viewer{UserID: samUser.ID}}, in.ID, app.NewComment{Body: qa11Prose,
		Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecExecutive}}); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	for _, m := range []struct {
		sc string
		w  int64
	}{{"light", 390}, {"dark", 390}, {"dark", 1280}} {
		sc, w := m.sc, m.w
		b.run("incident "+sc, scheme(w, sc), chromedp.Navigate(srv.URL+"/incidents/"+in.ID), chromedp.WaitVisible(chromedp.CSS("#sec-executive_summary pre")))
		if value(b, "page width", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)) {
			wide := value(b, "wide", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(0, 4).map(e => e.tagName + " " + Math.round(e.getBoundingClientRect().right))`))
			t.Errorf("the incident at %d px (%s) scrolls sideways: %q", w, sc, wide)
		}
		// each code block and table is within the window and scrolls in its box
		boxes := value(b, "boxes", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main pre:not(.diff), main .doc-section table:not(.timeline):not(.fig):not(.actions)")).map(e => {
  const box = e.tagName === "TABLE" ? e.closest(".table-wrap") : e;
  if (!box) return "a table outside a .table-wrap: " + e.innerText.slice(0, 30);
  const r = box.getBoundingClientRect();
  return e.tagName + (r.right <= innerWidth + 1 ? " within" : " beyond " + Math.round(r.right)) + (box.scrollWidth > box.clientWidth ? " scrolls" : " does not scroll");
})`))
		if len(boxes) < 4 {
			t.Errorf("want the code blocks and tables of the section and the comment, found %q", boxes)
		}
		for _, x := range boxes {
			if x != "PRE within scrolls" && x != "TABLE within scrolls" && (w < 1280 || !strings.Contains(x, " within ")) {
				t.Errorf("at %d px (%s): %s", w, sc, x)
			}
		}
		b.saveViewport(fmt.Sprintf("qa11-prose-%s-%d", sc, w))
	}
	if got := value(b, "cells", chromedp.Evaluate[string](`document.querySelector("#sec-executive_summary .table-wrap").innerText`)); !strings.Contains(got, "Ünïcödé") || !strings.Contains(got, "https://example.com/aaaa") {
		t.Errorf("the table lost cells: %q", got)
	}
	b.check()
}

// TestQA11TokenSelectsWhole: the API token (and a webhook's secret) shown
// once after it is made is selected whole by one click or tap, so what is
// copied is the whole token: a double click selects only the part up to
// a "-" of the base64url text, and a phone's long press a word of it.
func TestQA11TokenSelectsWhole(t *testing.T) {
	srv := startServer(t, 0)
	b := srv.browser(t, dana)
	b.run("create a token", scheme(390, "dark"), chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.ID("tname")),
		fill([][2]string{{"#tname", "CI export"}, {"#tscope", "read"}}),
		chromedp.Click(chromedp.CSS(`form[action="/account/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("code.token")))
	tok := value(b, "token", chromedp.Evaluate[string](`document.querySelector("code.token").textContent`))
	if !strings.HasPrefix(tok, "hst_") {
		t.Fatalf("the page shows %q, not a token", tok)
	}
	b.run("click the token", chromedp.Click(chromedp.CSS("code.token")))
	if got := value(b, "selection", chromedp.Evaluate[string](`String(getSelection())`)); got != tok {
		t.Errorf("one click on the token selects %q, want the whole token %q", got, tok)
	}
	b.saveViewport("qa11-token-390-dark")
	b.check()
}

// TestQA11TrackerTeamsFitPhone: a member of two teams opens the action
// item tracker and the incident list on a 390 px phone (light and dark):
// the filter bar's buttons (Apply, Reset, My items, one "Owned by" per
// team) wrap within the window instead of pushing the page sideways.
func TestQA11TrackerTeamsFitPhone(t *testing.T) {
	srv := startServer(t, 3)
	ctx := context.Background()
	for _, tm := range []app.NewTeam{
		{Slug: "payments", Name: "Payments Platform", Members: []string{dana}},
		{Slug: "checkout", Name: "Checkout and Billing Reliability", Members: []string{dana}},
	} {
		if _, err := srv.Svc.CreateTeam(ctx, app.System, tm); err != nil {
			t.Fatal(err)
		}
	}
	b := srv.browser(t, dana)
	for _, path := range []string{"/action-items", "/incidents"} {
		for _, sc := range []string{"light", "dark"} {
			b.run(path+" "+sc, scheme(390, sc), chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if path == "/action-items" {
				n := value(b, "owned-by buttons", chromedp.Evaluate[int](`[...document.querySelectorAll(".filters .actions a")].filter(a => a.textContent.startsWith("Owned by")).length`))
				if n != 2 {
					t.Errorf("the tracker offers %d Owned by buttons, want one per team (2)", n)
				}
			}
			for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`("main .filters .btn, main .filters button, main nav a")`)) {
				t.Errorf("%s at 390 px (%s): %s", path, sc, m)
			}
			b.saveViewport(fmt.Sprintf("qa11-teams-filters%s-%s-390", strings.ReplaceAll(path, "/", "-"), sc))
		}
	}
	b.check()
}
