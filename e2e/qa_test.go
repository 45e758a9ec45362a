package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/hindsight-pm/hindsight/internal/gen"
)

// TestQACloseSameItemTwice: two people have the action items page open
// and both close the same item; the item ends closed, both rows say so,
// and the second person sees no error text in place of the row.
func TestQACloseSameItemTwice(t *testing.T) {
	srv := startServer(t, 0)
	if _, err := demo.Seed(context.Background(), srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := srv.browser(t, dana)
	b := srv.browser(t, sam)
	for _, x := range []*tab{a, b} {
		x.run("tracker", chromedp.Navigate(srv.URL+"/action-items"), chromedp.WaitVisible(chromedp.ID("owners-table")))
	}
	first := `document.querySelector("#items tbody tr:first-child")`
	label := value(a, "first item", chromedp.Evaluate[string](first+`.querySelector("button").getAttribute("aria-label")`))
	if label != value(b, "first item", chromedp.Evaluate[string](first+`.querySelector("button").getAttribute("aria-label")`)) {
		t.Fatalf("the two pages list different first items")
	}
	incident := label[strings.LastIndex(label, " ")+1:]
	a.run("A closes", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child button[type=submit]`)),
		waitJS(first+`.textContent.includes("Reopen")`))
	afterA, err := srv.Svc.Get(context.Background(), appSystem(), incident)
	if err != nil {
		t.Fatal(err)
	}
	b.run("B closes the same item", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child button[type=submit]`)), chromedp.Sleep(1500*time.Millisecond))
	row := value(b, "B's row", chromedp.Evaluate[string](first+`.outerHTML`))
	t.Logf("B's row after the second close: %s", row)
	b.saveViewport("qa-close-twice")
	if !strings.Contains(row, "Reopen") || !strings.Contains(row, "<td") {
		t.Errorf("after the second close the row is not a closed item:\n%s", row)
	}
	afterB, err := srv.Svc.Get(context.Background(), appSystem(), incident)
	if err != nil {
		t.Fatal(err)
	}
	if afterB.Revision != afterA.Revision {
		t.Errorf("closing a closed item made revision %d (after the first close: %d)", afterB.Revision, afterA.Revision)
	}
	a.check()
	b.check()
}

// TestQASameSummaryTwoEditors: two people change the same words, one in
// the form editor and one in the raw Markdown mode, both from revision 1.
// Whichever saves second gets the merge page showing the other's words,
// and the first save's words are never lost; the same holds the other way
// round (raw Markdown second).
func TestQASameSummaryTwoEditors(t *testing.T) {
	srv := startServer(t, 0)
	g := gen.New(7)
	var ids []string
	for range 2 {
		in, err := srv.Svc.Create(context.Background(), app.System, g.Postmortem(), app.CreateOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.ID)
	}
	a := srv.browser(t, dana)
	b := srv.browser(t, sam)
	for i, formSecond := range []bool{true, false} {
		id := ids[i]
		first, second := "First words: the queue drained at 14:10 after the rollback.", "Second words: the queue drained only after the cache flush."
		a.run("A opens the form editor", chromedp.Navigate(srv.URL+"/incidents/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("executive_summary")))
		b.run("B opens the raw Markdown", chromedp.Navigate(srv.URL+"/incidents/"+id+"/markdown"), chromedp.WaitVisible(chromedp.ID("md")))
		setRaw := func(text string) chromedp.Action[chromedp.Void] {
			return void(chromedp.Evaluate[bool](`(function(t){
  const md = document.getElementById("md");
  const next = md.value.replace(/(## Executive Summary\s*\n)([\s\S]*?)(\n## )/, (m, h, body, tail) => h + "\n" + t + "\n" + tail);
  if (next === md.value) throw new Error("no Executive Summary section");
  md.value = next;
  return true;
})(` + jsString(text) + `)`))
		}
		saveForm := func(text string) {
			a.run("A saves the summary", fill([][2]string{{"#executive_summary", text}}), chromedp.Click(chromedp.ID("save")), chromedp.Sleep(1500*time.Millisecond))
		}
		saveRaw := func(text string) {
			b.run("B saves the raw Markdown", setRaw(text), chromedp.Click(chromedp.CSS(`#raw-editor button[type=submit]`)), chromedp.Sleep(1500*time.Millisecond))
		}
		late := a
		if formSecond {
			saveRaw(first)
			saveForm(second)
		} else {
			saveForm(first)
			saveRaw(second)
			late = b
		}
		got, err := srv.Svc.Get(context.Background(), appSystem(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.Doc.ExecutiveSummary, "First words") || strings.Contains(got.Doc.ExecutiveSummary, "Second words") {
			t.Errorf("form second %v: the stale save changed the summary to %q", formSecond, got.Doc.ExecutiveSummary)
		}
		if h := value(late, "the late saver's page", chromedp.Evaluate[string](`(document.querySelector("main h1")||{}).textContent||""`)); h != "Merge your edit" {
			t.Errorf("form second %v: the late save shows %q, want the merge page", formSecond, h)
		}
		theirs := value(late, "merge page", chromedp.Evaluate[string](`document.querySelector("main").textContent`))
		if !strings.Contains(theirs, "First words") {
			t.Errorf("form second %v: the merge page does not show the first save's words", formSecond)
		}
		// the two diffs side by side start level (section + section's top
		// margin pushed the second one down)
		if off := value(late, "diff panels", chromedp.Evaluate[float64](`(function(){ const p = document.querySelectorAll(".conflict > .panel"); return p.length === 2 ? Math.abs(p[0].getBoundingClientRect().top - p[1].getBoundingClientRect().top) : -1; })()`)); off != 0 {
			t.Errorf("form second %v: the merge page's two diff panels are %v px apart vertically (-1: not two panels)", formSecond, off)
		}
		late.saveViewport(fmt.Sprintf("qa-merge-%v", formSecond))
	}
	a.check()
	b.check()
}

// TestQAIDsAndDatesDoNotWrap: on every page that lists incidents or
// items, at 1280 and 390 px, no incident ID, item ID or date breaks
// across lines (the related incidents page at 390 px broke IDs).
func TestQAIDsAndDatesDoNotWrap(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	if _, err := demo.Seed(ctx, srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	ps, err := demo.Postmortems(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	var pages []string
	for _, p := range ps[:3] {
		id := p.Summary.IncidentID
		pages = append(pages, "/incidents/"+id, "/incidents/"+id+"/related", "/incidents/"+id+"/history")
	}
	pages = append(pages, "/incidents", "/incidents?q=failover", "/action-items", "/admin/audit", "/account", "/admin/users")
	scan := `(function(){
  const out = [], re = /^(INC-\d{8}-\d{3}|\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?|AI-\d+)$/;
  for (const el of document.querySelectorAll("main td, main th, main .mono, main time, main dd, main li a")) {
    for (const n of el.childNodes) {
      if (n.nodeType !== 3 || !re.test(n.textContent.trim())) continue;
      const r = document.createRange(); r.selectNodeContents(n);
      if (new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size > 1) out.push(n.textContent.trim());
    }
  }
  return out.join(", ");
})()`
	for _, w := range []int64{1280, 390} {
		for _, p := range pages {
			b.run("open "+p, chromedp.EmulateViewport(w, 900), chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if got := value(b, "scan "+p, chromedp.Evaluate[string](scan)); got != "" {
				t.Errorf("%d px %s: these IDs or dates wrap: %s", w, p, got)
			}
		}
	}
	b.check()
}

// TestQABadgeContrast: severity badges, status chips, state badges and
// alerts read at WCAG AA (4.5:1) in the light and dark schemes (SEV-3 was
// 3.9:1 and the green of Published and active 4.4:1 in light).
func TestQABadgeContrast(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	if _, err := demo.Seed(ctx, srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	check := `(function(){
  function rgb(s) { const m = s.match(/^rgba?\(([^)]*)\)$/); if (!m) return null; const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); if (v.length === 3) v.push(1); return v; }
  function lum(c) { const a = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2]; }
  function bg(e) { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c[3] > 0.5) return c; } return null; }
  const out = new Set();
  for (const e of document.querySelectorAll("main .sev, main .chip, main .badge, main .alert")) {
    const f = rgb(getComputedStyle(e).color), k = bg(e);
    if (!f || !k) continue;
    const x = lum(f), y = lum(k), cr = (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
    if (cr < 4.5) out.add(e.className + " '" + e.textContent.trim().slice(0, 20) + "' " + cr.toFixed(2) + ":1");
  }
  return [...out].join("; ");
})()`
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/incidents", "/action-items", "/admin/users", "/account"} {
			b.run("open "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if got := value(b, "contrast "+p, chromedp.Evaluate[string](check)); got != "" {
				t.Errorf("%s %s: below 4.5:1: %s", scheme, p, got)
			}
		}
	}
	b.check()
}

// TestQAStatusKeepsFocus: changing the status from the keyboard keeps the
// focus in the status box (on its "Saved as revision N." message), not on
// the page's body, where the swap used to leave it.
func TestQAStatusKeepsFocus(t *testing.T) {
	srv := startServer(t, 1)
	in, err := srv.Svc.Create(context.Background(), app.System, gen.New(3).Postmortem(), app.CreateOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	b.run("incident", chromedp.Navigate(srv.URL+"/incidents/"+in.ID), chromedp.WaitVisible(chromedp.CSS("#status-box form button")),
		void(chromedp.Evaluate[bool](`document.querySelector("#status-box form button").focus(); true`)))
	rev := in.Revision
	b.run("press Enter on the first transition", chromedp.KeyEvent("\r"),
		waitJS(`(document.querySelector("#status-box .alert") || {textContent: ""}).textContent.includes("Saved as revision `+itoa(rev+1)+`")`))
	if got := value(b, "focus", chromedp.Evaluate[string](`document.activeElement.closest("#status-box") ? "status box" : document.activeElement.tagName`)); got != "status box" {
		t.Errorf("after a status change from the keyboard the focus is on %s, want the status box", got)
	}
	b.check()
}

// TestQAPublishWithLintErrorsAsks: publishing a postmortem that has lint
// errors asks first (nothing changes until "Publish anyway"), in a real
// browser through the htmx status box.
func TestQAPublishWithLintErrorsAsks(t *testing.T) {
	srv := startServer(t, 0)
	in, err := srv.Svc.Open(context.Background(), app.System, app.NewIncident{Title: "Queue backlog with nothing written yet"})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	b.run("incident", chromedp.Navigate(srv.URL+"/incidents/"+in.ID), chromedp.WaitVisible(chromedp.CSS("#status-box form button")))
	// "not set" reads the same in every field (Duration's was monospace)
	if n := value(b, "not set fonts", chromedp.Evaluate[int](`new Set([...document.querySelectorAll("main .unset")].map(e => getComputedStyle(e).fontFamily)).size`)); n != 1 {
		t.Errorf("the empty fields' \"not set\" use %d fonts, want 1", n)
	}
	for _, to := range []string{"In Review", "Published"} {
		b.run("to "+to, chromedp.Click(chromedp.CSS(`#status-box button[value="`+to+`"]`)), chromedp.Sleep(800*time.Millisecond))
	}
	b.run("the confirmation", chromedp.WaitVisible(chromedp.ID("publish-confirm")))
	b.saveViewport("qa-publish-confirm")
	if got, _ := srv.Svc.Get(context.Background(), app.System, in.ID); got.Doc.Status.Label() != "In Review" {
		t.Fatalf("before confirming, the status is %q, want In Review", got.Doc.Status.Label())
	}
	b.run("publish anyway", chromedp.Click(chromedp.CSS(`#publish-confirm ~ button[value="Published"]`)),
		waitJS(`document.querySelector("#status-box .chip-lg").textContent.includes("Published")`))
	if got, _ := srv.Svc.Get(context.Background(), app.System, in.ID); got.Doc.Status.Label() != "Published" {
		t.Errorf("after Publish anyway the status is %q", got.Doc.Status.Label())
	}
	b.check()
}

// TestQATwoAdminsOnUsersPage: two admins have the users page open; one
// makes an editor a viewer, the other (on the stale page) disables the
// same account: both changes hold (the forms post what they do, not a
// toggle), and each admin sees a message naming the change.
func TestQATwoAdminsOnUsersPage(t *testing.T) {
	srv := startServer(t, 0)
	if _, err := srv.Stack.Auth.AddUser(context.Background(), app.System, auth.NewUser{Email: "bo@example.test", Name: "Bo", Role: hindsight.RoleAdmin, Password: password}); err != nil {
		t.Fatal(err)
	}
	a := srv.browser(t, admin)
	b := srv.browser(t, "bo@example.test")
	for _, x := range []*tab{a, b} {
		x.run("users", chromedp.Navigate(srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.CSS("table.users")))
	}
	row := `[...document.querySelectorAll("table.users tbody tr")].find(r => r.textContent.includes("` + sam + `"))`
	a.run("A makes sam a viewer", void(chromedp.Evaluate[bool](`(function(){ const r = `+row+`; r.querySelector("select").value = "viewer"; r.querySelector("form.inline-form button").click(); return true; })()`)),
		waitJS(`(document.querySelector("main .alert") || {textContent: ""}).textContent.includes("is now viewer")`))
	b.run("B disables sam on the stale page", void(chromedp.Evaluate[bool](`(function(){ const r = `+row+`; r.querySelector("form input[value=disable]").form.querySelector("button").click(); return true; })()`)),
		waitJS(`(document.querySelector("main .alert") || {textContent: ""}).textContent.includes("is disabled")`))
	u, err := srv.Stack.Auth.FindUser(context.Background(), sam)
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != hindsight.RoleViewer || !u.Disabled {
		t.Errorf("after both changes sam is %s, disabled %v; want viewer, disabled", u.Role, u.Disabled)
	}
	if got := value(b, "B's row", chromedp.Evaluate[string](row+`.textContent`)); !strings.Contains(got, "viewer") || !strings.Contains(got, "disabled") {
		t.Errorf("B's page after the change does not show both: %q", got)
	}
	a.check()
	b.check()
}

// TestQAFormControlsLineUp: in the filter bars and forms, selects are as
// tall as the text inputs beside them, so labels in a row line up (the
// selects were 4 px shorter and their labels sat lower).
func TestQAFormControlsLineUp(t *testing.T) {
	srv := startServer(t, 1)
	b := srv.browser(t, admin)
	for _, p := range []string{"/incidents", "/action-items", "/admin/users", "/account"} {
		b.run("open "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		got := value(b, "heights "+p, chromedp.Evaluate[string](`(function(){
  const hs = new Set();
  for (const e of document.querySelectorAll("main form:not(.inline-form) select, main form:not(.inline-form) input[type=text], main form:not(.inline-form) input[type=search], main form:not(.inline-form) input[type=email], main form:not(.inline-form) input[type=password], main form:not(.inline-form) input[type=number], main form:not(.inline-form) input[type=date]")) {
    if (e.closest(".inline-form")) continue;
    hs.add(Math.round(e.getBoundingClientRect().height));
  }
  return [...hs].join(",");
})()`))
		if strings.Contains(got, ",") {
			t.Errorf("%s: form controls of different heights: %s px", p, got)
		}
	}
	b.check()
}

// TestQAActionItemKeepsFocus: closing an action item from the keyboard,
// on the tracker and on the incident page, keeps the focus on the swapped
// row (its Reopen button), not on the page's body, where the swap used to
// leave it.
func TestQAActionItemKeepsFocus(t *testing.T) {
	srv := startServer(t, 0)
	if _, err := demo.Seed(context.Background(), srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	b.run("tracker", chromedp.Navigate(srv.URL+"/action-items"), chromedp.WaitVisible(chromedp.ID("owners-table")))
	rowID := value(b, "first row", chromedp.Evaluate[string](`document.querySelector("#items tbody tr:first-child").id`))
	inc := value(b, "its incident", chromedp.Evaluate[string](`document.querySelector("#items tbody tr:nth-child(2) .item-incident a").getAttribute("href")`))
	b.run("press Enter on Close", void(chromedp.Evaluate[bool](`document.querySelector("#items tbody tr:first-child button[type=submit]").focus(); true`)),
		chromedp.KeyEvent("\r"), waitJS(`document.querySelector("#items tbody tr:first-child").textContent.includes("Reopen")`))
	if got := value(b, "focus", chromedp.Evaluate[string](`document.activeElement.closest("tr") ? document.activeElement.closest("tr").id + " " + document.activeElement.textContent : document.activeElement.tagName`)); got != rowID+" Reopen" {
		t.Errorf("after closing an item on the tracker from the keyboard the focus is on %q, want %q", got, rowID+" Reopen")
	}
	b.run("incident", chromedp.Navigate(srv.URL+inc), chromedp.WaitVisible(chromedp.CSS(`#sec-action_items button[value=Closed]`)))
	n := value(b, "row of the first Close", chromedp.Evaluate[int](`Array.from(document.querySelectorAll("#sec-action_items tbody tr")).findIndex(tr => tr.querySelector("button[value=Closed]"))`))
	row := `document.querySelectorAll("#sec-action_items tbody tr")[` + itoa(n) + `]`
	b.run("press Enter on Close", void(chromedp.Evaluate[bool](row+`.querySelector("button[value=Closed]").focus(); true`)),
		chromedp.KeyEvent("\r"), waitJS(`!!(`+row+`.querySelector("button[value=Open]"))`))
	if got := value(b, "focus", chromedp.Evaluate[string](`document.activeElement === `+row+`.querySelector("button") ? "row" : document.activeElement.tagName + " " + document.activeElement.textContent.slice(0, 40)`)); got != "row" {
		t.Errorf("after closing an item on the incident page from the keyboard the focus is on %q, want the row's Reopen button", got)
	}
	b.check()
}

// TestQATeamsFlow: an admin creates a team on the Teams page with a member
// and a service of a demo incident, adds a member and a service with the
// card's forms, is told why a second team of the same slug is refused, and
// filters the incident list by the team; the member sees the team under
// My teams on the incident list. Phone width and dark mode are shot too.
func TestQATeamsFlow(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	if _, err := demo.Seed(ctx, srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	ps, err := demo.Postmortems(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	in := ps[0]
	if len(in.Summary.Services) == 0 {
		t.Fatalf("demo postmortem %s names no service", in.Summary.IncidentID)
	}
	service := in.Summary.Services[0].Name
	a := srv.browser(t, admin)
	a.run("create a team", chromedp.Navigate(srv.URL+"/admin/teams"), chromedp.WaitVisible(chromedp.ID("t-slug")),
		fill([][2]string{{"#t-slug", "qa-team"}, {"#t-name", "QA Team"}, {"#t-members", dana}, {"#t-services", service}}),
		chromedp.Click(chromedp.CSS(`#add-team-h + form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("team-qa-team")))
	a.run("add a member", fill([][2]string{{"#am-qa-team", sam}}),
		chromedp.Click(chromedp.CSS(`#am-qa-team + button`)),
		waitJS(`!!document.querySelector("#rm-qa-team") && document.querySelector("#rm-qa-team").options.length === 2`))
	a.run("add a service", fill([][2]string{{"#as-qa-team", "qa-ledger"}}),
		chromedp.Click(chromedp.CSS(`#as-qa-team + button`)),
		waitJS(`!!document.querySelector("#rs-qa-team") && document.querySelector("#rs-qa-team").options.length === 2`))
	card := value(a, "the card", chromedp.Evaluate[string](`document.querySelector("#team-qa-team").closest("section").innerText`))
	for _, want := range []string{dana, sam, service, "qa-ledger"} {
		if !strings.Contains(card, want) {
			t.Errorf("the team card does not show %q:\n%s", want, card)
		}
	}
	a.run("the same slug again", fill([][2]string{{"#t-slug", "qa-team"}, {"#t-name", "Again"}}),
		chromedp.Click(chromedp.CSS(`#add-team-h + form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Team not created")`))
	a.shot("qa-teams-refused")
	a.run("filter the list by team", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.ID("f-team")),
		fill([][2]string{{"#f-team", "qa-team"}}),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		waitJS(`location.search.includes("team=qa-team")`), chromedp.WaitVisible(chromedp.CSS("main h1")))
	ids := value(a, "listed", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.incidents tbody tr td:first-child")).map(function (td) { return td.innerText.trim(); })`))
	if !slices.Contains(ids, in.Summary.IncidentID) {
		t.Errorf("the list filtered by the team owning %s does not list %s: %q", service, in.Summary.IncidentID, ids)
	}
	if sel := value(a, "filter kept", chromedp.Evaluate[string](`document.querySelector("#f-team").value`)); sel != "qa-team" {
		t.Errorf("the team filter shows %q after applying it", sel)
	}
	d := srv.browser(t, dana)
	d.run("my teams", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("nav.my-teams")))
	if got := value(d, "my teams", chromedp.Evaluate[string](`document.querySelector("nav.my-teams").innerText`)); !strings.Contains(got, "QA Team") {
		t.Errorf("a member's My teams says %q", got)
	}
	for _, s := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			a.run("teams page", chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
				return err
			}), chromedp.Navigate(srv.URL+"/admin/teams"), chromedp.WaitVisible(chromedp.ID("team-qa-team")))
			if over := value(a, "overflow", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)); over {
				t.Errorf("the Teams page overflows horizontally at %d px (%s)", w, s)
			}
			a.shot(fmt.Sprintf("qa-teams-%s-%d", s, w))
		}
	}
	a.check()
	d.check()
}

// TestQAEmailPreference: a person chooses the daily digest on the account
// page, is told what it means, and finds it chosen after a reload; the
// choice is that of their account in the mail settings.
func TestQAEmailPreference(t *testing.T) {
	srv := startServer(t, 0)
	b := srv.browser(t, dana)
	radio := "#mail-" + string(hindsight.MailDigest)
	b.run("choose the digest", chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(radio)),
		chromedp.Click(chromedp.CSS(radio)),
		chromedp.Click(chromedp.CSS(`section[aria-labelledby=mail-h] button[type=submit]`)),
		waitJS(`document.body.innerText.includes("You get one email a day")`))
	if got := value(b, "flash", chromedp.Evaluate[string](`(document.querySelector(".alert, .flash, [role=status]") || document.body).innerText`)); !strings.Contains(got, "one email a day") {
		t.Errorf("after saving the digest the page says %q", got)
	}
	b.run("reload", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(chromedp.CSS(radio)))
	if !value(b, "checked", chromedp.Evaluate[bool](`document.querySelector(`+"`"+radio+"`"+`).checked`)) {
		t.Errorf("the daily digest is not chosen after a reload")
	}
	b.shot("qa-account-digest")
	b.check()
}

// TestQARedGateInBrowser: with an open review thread an editor's Publish
// is refused with a message about the gate and nothing changes; an admin
// publishes anyway from the review panel with a reason, which the page then
// shows.
func TestQARedGateInBrowser(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	in := srv.example(t, "INC-20260312-001-checkout-database-failover.md")
	doc := *in.Doc
	doc.Status = hindsight.StatusInReview
	in, err := srv.Svc.Save(ctx, app.System, in.ID, in.Revision, &doc, app.SaveOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	samUser, err := srv.Stack.Auth.FindUser(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Svc.Comment(ctx, app.Actor{ID: samUser.ID, Viewer: hindsight.Viewer{UserID: samUser.ID}}, in.ID,
		app.NewComment{Body: "Which alert fired first?", Anchor: hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecExecutive}}); err != nil {
		t.Fatal(err)
	}
	page := srv.URL + "/incidents/" + in.ID
	d := srv.browser(t, dana)
	d.run("dana publishes against the red gate", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#review-panel .gate-verdict.gate-fail")),
		chromedp.Click(chromedp.CSS(`#status-box button[value=Published]`)),
		waitJS(`document.querySelector("#status-box").innerText.includes("unresolved comment thread")`))
	said := value(d, "refusal", chromedp.Evaluate[string](`document.querySelector("#status-box").innerText`))
	t.Logf("the status box after Publish against the red gate: %s", said)
	d.shot("qa-red-gate-refused")
	if got, _ := srv.Svc.Get(ctx, app.System, in.ID); got.Doc.Status == hindsight.StatusPublished {
		t.Fatal("an editor published past a red gate")
	}
	if value(d, "no override", chromedp.Evaluate[bool](`document.querySelector("details.publish-anyway") !== null`)) {
		t.Error("an editor is offered Publish anyway")
	}
	a := srv.browser(t, admin)
	a.run("admin publishes anyway", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("details.publish-anyway")),
		chromedp.Click(chromedp.CSS("details.publish-anyway summary")),
		fill([][2]string{{"#override-reason", "The customer report is due today."}}),
		chromedp.Click(chromedp.CSS(`details.publish-anyway button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Published past the review gate by")`))
	a.shot("qa-red-gate-override")
	if got, _ := srv.Svc.Get(ctx, app.System, in.ID); got.Doc.Status != hindsight.StatusPublished {
		t.Errorf("not published after Publish anyway: %s", got.Doc.Status)
	}
	d.check()
	a.check()
}

// TestQAMyReviewsWithWork: the My reviews page of a reviewer with an open
// request lists the postmortem with a link to it, and holds at 390 px in
// light and dark (no horizontal overflow).
func TestQAMyReviewsWithWork(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	in := srv.example(t, "INC-20260312-001-checkout-database-failover.md")
	doc := *in.Doc
	doc.Status = hindsight.StatusInReview
	in, err := srv.Svc.Save(ctx, app.System, in.ID, in.Revision, &doc, app.SaveOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	samUser, err := srv.Stack.Auth.FindUser(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	danaUser, err := srv.Stack.Auth.FindUser(ctx, dana)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Svc.RequestReview(ctx, app.Actor{ID: danaUser.ID, Viewer: hindsight.Viewer{UserID: danaUser.ID}}, in.ID, []string{samUser.ID}); err != nil {
		t.Fatal(err)
	}
	s := srv.browser(t, sam)
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			s.run("my reviews", chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				return err
			}), chromedp.Navigate(srv.URL+"/reviews"), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if !value(s, "listed", chromedp.Evaluate[bool](`document.querySelector('main a[href^="/incidents/`+in.ID+`"]') !== null`)) {
				t.Errorf("My reviews of the requested reviewer does not link %s", in.ID)
			}
			if got := value(s, "asked", chromedp.Evaluate[string](`document.querySelector("#asked-title").parentElement.innerText`)); !strings.Contains(got, in.Doc.Title) || !strings.Contains(got, "asked by Dana") {
				t.Errorf("Requested of you does not name the postmortem's title and who asked:\n%s", got)
			}
			if over := value(s, "overflow", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)); over {
				t.Errorf("My reviews overflows horizontally at %d px (%s)", w, scheme)
			}
			s.shot(fmt.Sprintf("qa-my-reviews-%s-%d", scheme, w))
		}
	}
	s.check()
}
