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
	"github.com/hindsight-pm/hindsight/lint"
)

// each runs check on url at 1280 and 390 px, light and dark, after the
// page shows wait; it saves a screenshot of each.
func (b *tab) each(t *testing.T, url, wait, name string, check func(scheme string, w int64)) {
	t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			b.run(fmt.Sprintf("%s %s %d", name, scheme, w), chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				return err
			}), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(wait)))
			check(scheme, w)
			b.shot(fmt.Sprintf("polish-%s-%s-%d", name, scheme, w))
		}
	}
	b.run("reset", chromedp.EmulateViewport(1360, 900))
}

// outside lists the elements matching sel whose right edge is beyond the
// window or hidden by their table's sideways scroll, the tables holding
// them that scroll sideways, and a page that does.
const outside = `(function(sel){
  const out = [], wraps = new Set();
  for (const e of document.querySelectorAll(sel)) {
    const r = e.getBoundingClientRect();
    const wrap = e.closest(".table-wrap");
    if (wrap) wraps.add(wrap);
    const edge = wrap ? Math.min(innerWidth, wrap.getBoundingClientRect().right) : innerWidth;
    if (r.right > edge + 1) out.push((e.innerText || e.tagName).trim() + " at " + Math.round(r.right) + " px");
  }
  for (const w of wraps) if (w.scrollWidth > w.clientWidth + 1) out.push("its table scrolls sideways (" + w.scrollWidth + " > " + w.clientWidth + ")");
  if (document.scrollingElement.scrollWidth > innerWidth) out.push("the page scrolls sideways");
  return out.slice(0, 8);
})`

// TestPolishFieldsFitPhone: on the Fields & taxonomy page every field's and
// template's Edit, Up and Remove are reachable without a sideways scroll at
// 390 px (the rows become cards, as the incident list's do), and the table
// stays a table at 1280 px.
func TestPolishFieldsFitPhone(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	a := srv.browser(t, admin)
	a.each(t, srv.URL+"/admin/fields", "#fields-table", "fields", func(scheme string, w int64) {
		bad := value(a, "outside", chromedp.Evaluate[[]string](outside+`("#fields-table .row-actions .btn, #templates-table .btn, #fields-table td")`))
		for _, b := range bad {
			t.Errorf("/admin/fields at %d px (%s): %s", w, scheme, b)
		}
		display := value(a, "display", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#fields-table tbody tr")).display`))
		if w == 1280 && display != "table-row" {
			t.Errorf("at 1280 px a field row is displayed %q, want a table row", display)
		}
		if w == 390 {
			// each card says what its values are
			lbl := value(a, "labels", chromedp.Evaluate[string](`getComputedStyle(document.querySelector("#fields-table td[data-label=Type]"), "::before").content`))
			if lbl != `"Type"` {
				t.Errorf("at 390 px the Type value is labelled %s, want \"Type\"", lbl)
			}
		}
	})
	// Edit still opens the field's form inside the card at 390 px
	a.run("edit at 390", chromedp.EmulateViewport(390, 900), chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("fields-table")),
		chromedp.Click(chromedp.CSS(`#fields-table tbody tr:first-child summary`)), chromedp.WaitVisible(chromedp.ID("ef0-name")))
	if bad := value(a, "edit form", chromedp.Evaluate[[]string](outside+`("#fields-table details[open] input, #fields-table details[open] select, #fields-table details[open] button")`)); len(bad) > 0 {
		t.Errorf("the open Edit form at 390 px: %s", strings.Join(bad, "; "))
	}
	a.shot("polish-fields-edit-390")
	a.check()
}

// TestPolishTemplateIDs: the New incident form's template choices have
// valid, unique ids that their labels name, also when the shape declares
// its own "default" template (which adds to the Default choice instead of
// being a second one).
func TestPolishTemplateIDs(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	y := qa19Shape + "  default:\n    sections: [Customer Notes]\n  post-incident_review:\n    sections: [Review Notes]\n"
	if _, err := srv.Svc.SaveShapeAt(ctx, app.System, []byte(y), -1); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	b.each(t, srv.URL+"/incidents/new", "#template-choice", "new-templates", func(scheme string, w int64) {
		bad := value(b, "ids", chromedp.Evaluate[[]string](`(function(){
  const out = [], seen = {};
  for (const e of document.querySelectorAll("[id]")) {
    if (/\s/.test(e.id)) out.push("id with white space: " + JSON.stringify(e.id));
    if (seen[e.id]) out.push("duplicate id: " + e.id);
    seen[e.id] = true;
  }
  for (const l of document.querySelectorAll("label[for]")) {
    const c = document.getElementById(l.htmlFor);
    if (!c) out.push("label for " + JSON.stringify(l.htmlFor) + " names no control");
  }
  const values = Array.from(document.querySelectorAll('input[name="template"]')).map(e => e.value.toLowerCase());
  if (new Set(values).size != values.length) out.push("a template is offered twice: " + values.join(", "));
  for (const e of document.querySelectorAll('input[name="template"]')) {
    const l = document.querySelector('label[for="' + CSS.escape(e.id) + '"]');
    if (!l) out.push("the choice " + e.value + " has no label");
  }
  return out;
})()`))
		for _, m := range bad {
			t.Errorf("/incidents/new at %d px (%s): %s", w, scheme, m)
		}
		if over := value(b, "overflow", chromedp.Evaluate[[]string](outside+`("#template-choice *")`)); len(over) > 0 {
			t.Errorf("/incidents/new at %d px (%s): %s", w, scheme, strings.Join(over, "; "))
		}
	})
	// the Default choice says what the declared default adds; clicking a
	// label chooses its template
	if d := text(b, `label[for="tpl-default"]`); !strings.Contains(d, "Customer Notes") {
		t.Errorf("the Default choice reads %q; want it to name the section the declared default adds", d)
	}
	b.run("choose post-incident_review by its label", void(chromedp.Evaluate[bool](`(function(){
  const i = document.querySelector('input[name="template"][value="post-incident_review"]');
  document.querySelector('label[for="' + CSS.escape(i.id) + '"]').click();
  return true; })()`)), waitJS(`document.querySelector('input[name="template"][value="post-incident_review"]').checked`))
	b.check()
}

// TestPolishConflictKeepsForm: when another administrator saved the shape
// after the page was loaded (409), the add-field and template forms come
// back with what the admin typed and say what happened; submitting again
// adds it on top of the other change, which is kept.
func TestPolishConflictKeepsForm(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	a := srv.browser(t, admin)
	n := 0
	other := func() {
		// the other administrator adds a category between load and submit
		n++
		sh := srv.Svc.Shape(ctx)
		sh.Factors = append(sh.Factors, fmt.Sprintf("other/%d", n))
		y, err := lint.MarshalShape(sh)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Svc.SaveShape(ctx, app.System, y); err != nil {
			t.Fatal(err)
		}
	}
	a.each(t, srv.URL+"/admin/fields", "#nf-name", "fields-conflict", func(scheme string, w int64) {
		name := fmt.Sprintf("Impact %s %d", scheme, w)
		other()
		a.run("add "+name, fill([][2]string{{"#nf-name", name}, {"#nf-type", "enum"}, {"#nf-values", "minor\nmajor"}, {"#nf-help", "How bad it was"}}),
			chromedp.Click(chromedp.ID("nf-st-1")),
			chromedp.Click(chromedp.CSS(`#add-field-h ~ form button[type=submit]`)),
			waitJS(`!!document.querySelector("#nf-kept")`))
		got := value(a, "kept form", chromedp.Evaluate[[]string](`["#nf-name", "#nf-type", "#nf-values", "#nf-help"].map(s => document.querySelector(s).value).concat([String(document.querySelector("#nf-st-1").checked)])`))
		if want := []string{name, "enum", "minor\nmajor", "How bad it was", "true"}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("at %d px (%s) the add-field form after a conflict holds %q, want %q", w, scheme, got, want)
		}
		if msg := text(a, "main"); !strings.Contains(msg, "another administrator changed the fields") || !strings.Contains(msg, "keeps what you typed") {
			t.Errorf("at %d px (%s) the page does not say what happened: %.400s", w, scheme, msg)
		}
		if over := value(a, "overflow", chromedp.Evaluate[[]string](outside+`("#nf-kept, #add-field-h ~ form .btn")`)); len(over) > 0 {
			t.Errorf("at %d px (%s): %s", w, scheme, strings.Join(over, "; "))
		}
		a.shot(fmt.Sprintf("polish-fields-conflict-kept-%s-%d", scheme, w))
		a.run("add again", chromedp.Click(chromedp.CSS(`#add-field-h ~ form button[type=submit]`)),
			waitJS(`document.body.innerText.includes("Field `+name+` is added.")`))
		sh := srv.Svc.Shape(ctx)
		if f := sh.Field(name); f == nil || strings.Join(f.Values, ",") != "minor,major" || f.Help != "How bad it was" || len(f.Required.Status) != 1 {
			t.Errorf("the field added after the conflict is %+v", f)
		}
		if !slices.Contains(sh.Factors, fmt.Sprintf("other/%d", n)) {
			t.Errorf("the other administrator's category other/%d is lost: %q", n, sh.Factors)
		}
	})

	// the template form too
	a.run("load", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("tp-name")))
	other()
	a.run("save template", fill([][2]string{{"#tp-name", "vendor"}, {"#tp-extends", "default"}, {"#tp-sections", "Vendor Contacts"}, {"#tp-fields", "Region"}}),
		chromedp.Click(chromedp.ID("tp-restricted")),
		chromedp.Click(chromedp.CSS(`#template-form button[type=submit]`)),
		waitJS(`!!document.querySelector("#tp-kept")`))
	got := value(a, "kept template", chromedp.Evaluate[[]string](`["#tp-name", "#tp-extends", "#tp-sections", "#tp-fields"].map(s => document.querySelector(s).value).concat([String(document.querySelector("#tp-restricted").checked)])`))
	if want := []string{"vendor", "default", "Vendor Contacts", "Region", "true"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the template form after a conflict holds %q, want %q", got, want)
	}
	a.run("save template again", chromedp.Click(chromedp.CSS(`#template-form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Template vendor is saved.")`))
	final := srv.Svc.Shape(ctx)
	if tp := final.Template("vendor"); tp == nil || !tp.Restricted || strings.Join(tp.Sections, ",") != "Vendor Contacts" {
		t.Errorf("the template saved after the conflict is %+v", tp)
	}
	a.check()
}

// TestPolishTrackerCreateIssue: the cross-incident action item tracker
// shows each item's ticket and sync state as the incident page does, and
// offers Create issue for an item without a ticket: with htmx (the row is
// swapped) and without JavaScript (a form post back to the tracker).
func TestPolishTrackerCreateIssue(t *testing.T) {
	gh := &fakeGitHub{down: true}
	srv := startShapeServer(t, gh)
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, in := range list.Incidents {
		if in.OpenActionItems >= 2 {
			id = in.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no incident with two open items")
	}
	page := srv.URL + "/action-items?incident=" + id
	row := func(b *tab, i int) string {
		return value(b, "row", chromedp.Evaluate[string](fmt.Sprintf(`document.querySelectorAll("#items tbody tr")[%d].innerText`, i)))
	}

	// a page loaded before anyone asks for an issue (used at the end)
	stale := srv.browser(t, sam)
	stale.run("tracker before", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))

	// with htmx
	a := srv.browser(t, admin)
	a.run("tracker", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	if n := value(a, "create buttons", chromedp.Evaluate[int](`document.querySelectorAll('#items tbody tr form[action$="/issue"] button').length`)); n < 2 {
		t.Fatalf("%d Create issue buttons on the tracker, want one per item without a ticket (>= 2)", n)
	}
	if h := value(a, "head", chromedp.Evaluate[string](`document.querySelector("#items thead").textContent`)); !strings.Contains(h, "Ticket") {
		t.Errorf("the tracker's head %q has no Ticket column", h)
	}
	// at phone width the rows are cards: Close and Create issue without a
	// sideways scroll
	a.run("tracker at 390", chromedp.EmulateViewport(390, 900), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	if bad := value(a, "outside", chromedp.Evaluate[[]string](outside+`("#items td .btn")`)); len(bad) > 0 {
		t.Errorf("the tracker at 390 px: %s", strings.Join(bad, "; "))
	}
	a.shot("polish-tracker-create-390")
	a.run("back to 1280", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	a.run("create with htmx", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		// "queued", or already the tracker's answer if the service's sync
		// worker (a pass a second) ran before the row was drawn
		waitJS(`document.querySelector("#items tbody tr").innerText.includes("sync pending")`))
	if r := row(a, 0); strings.Contains(r, "Create issue") {
		t.Errorf("after Create issue the row still offers it: %q", r)
	}
	if loc := value(a, "location", chromedp.Location()); loc != page {
		t.Errorf("htmx Create issue left the tracker for %s", loc)
	}

	// without JavaScript
	n := srv.browser(t, dana)
	if _, err := chromedp.Call(n.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	n.run("tracker without JavaScript", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	n.run("create with a form post", chromedp.Click(chromedp.CSS(`#items tbody tr:nth-child(2) form[action$="/issue"] button`)),
		waitJS(`!!document.querySelector(".alert") && document.querySelector(".alert").innerText.includes("Issue queued")`))
	if loc := value(n, "location", chromedp.Location()); !strings.HasPrefix(loc, page) {
		t.Errorf("the form post went to %s, want back to the tracker %s", loc, page)
	}
	if m := text(n, "main"); !strings.Contains(m, "Issue queued") {
		t.Errorf("no message after Create issue without JavaScript: %.300s", m)
	}
	if r := row(n, 1); !strings.Contains(r, "sync pending") || strings.Contains(r, "Create issue") {
		t.Errorf("after Create issue without JavaScript the row reads %q", r)
	}

	// a tracker that answers 502: the reason; then up: the issue links
	if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
		t.Fatal(err)
	}
	a.run("reload after a failed sync", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	if r := row(a, 0); !strings.Contains(r, "sync pending") || strings.Contains(r, "queued") {
		t.Errorf("after the tracker failed the row reads %q; want the reason", r)
	}
	a.modes(t, page, "#items", "tracker-page-pending")
	gh.mu.Lock()
	gh.down = false
	gh.mu.Unlock()
	// a failed attempt waits at least a second before the next (the 502's
	// retry); the stack's own worker may have failed just before the
	// tracker came up, so sync until both issues exist, not a fixed number
	// of passes
	var links []string
	for deadline := time.Now().Add(20 * time.Second); ; {
		if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
			t.Fatal(err)
		}
		a.run("reload after the sync", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
		links = value(a, "ticket links", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#items td.item-ticket a")).map(a => a.href)`))
		if len(links) >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if len(links) < 2 || !strings.HasPrefix(links[0], "https://github.example/org/repo/issues/") {
		t.Errorf("ticket links %q, want the two created issues", links)
	}
	if r := row(a, 0); strings.Contains(r, "sync pending") || strings.Contains(r, "Create issue") {
		t.Errorf("after the sync the row reads %q", r)
	}
	// the stale page's Create issue for an item that has its ticket now:
	// the row as it is, and why nothing was asked
	stale.run("create on a stale page", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(`!!document.querySelector("#items tbody tr:first-child td.item-ticket a")`))
	if r := row(stale, 0); !strings.Contains(r, "has a ticket already") || strings.Contains(r, "Create issue") {
		t.Errorf("Create issue on a stale page answers the row %q; want the ticket and why", r)
	}
	each := func(b *tab) {
		b.each(t, page, "#items", "tracker-page", func(scheme string, w int64) {
			if bad := value(b, "outside", chromedp.Evaluate[[]string](outside+`("#items td .btn, #items td.item-ticket a")`)); len(bad) > 0 && w == 390 {
				t.Errorf("the tracker at %d px (%s): %s", w, scheme, strings.Join(bad, "; "))
			}
			if bad := value(b, "overflow", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)); bad {
				t.Errorf("the tracker page overflows at %d px (%s)", w, scheme)
			}
		})
	}
	each(a)
	a.check()
	n.check()
	stale.check()
}

// TestPolishInsightsKeyCase: the insights breakdowns by factor category,
// tag and field show their keys as the shape declares them (or a free tag
// as a document first wrote it), not as the lower-case match keys, and a
// key's filter link still finds its incidents.
func TestPolishInsightsKeyCase(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	shape := "fields:\n  - name: Region\n    type: enum\n    values: [US-East-1, EU-West-1]\n" +
		"taxonomy:\n  factors: [Change/Deploy, Capacity]\ntags: {free: true, suggested: [PostgreSQL, DNS]}\n"
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(shape)); err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Minute)
	for i, c := range []struct{ region, tags, factor string }{
		{"us-east-1", "postgresql, Kafka", "[change/deploy] A deploy"},
		{"US-EAST-1", "POSTGRESQL, kafka, dns", "[CAPACITY] Too few nodes"},
	} {
		p := &hindsight.Postmortem{Title: fmt.Sprintf("Case %d", i), Status: hindsight.StatusDraft}
		p.Summary.Start = hindsight.TimeOf(start.Add(time.Duration(i) * time.Hour))
		p.Summary.Severity = hindsight.Sev2
		p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
		p.Extras = map[string]hindsight.Extra{hindsight.SecSummary: {Fields: []hindsight.Field{{Label: "Region", Value: c.region}, {Label: "Tags", Value: c.tags}}}}
		p.RootCause.Factors = []string{c.factor}
		if _, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	d := srv.browser(t, dana)
	d.each(t, srv.URL+"/insights", "#by-tag", "insights-keys", func(scheme string, w int64) {
		for _, c := range []struct{ fig, want, not string }{
			{"#by-tag", "PostgreSQL", "postgresql"},
			{"#by-tag", "Kafka", "kafka"},
			{"#by-tag", "DNS", "dns"},
			{"#by-factor-category", "Change/Deploy", "change/deploy"},
			{"#by-factor-category", "Capacity", "capacity"},
			{"#by-field-region", "US-East-1", "us-east-1"},
		} {
			txt := value(d, "figure", chromedp.Evaluate[string](`(function(){ const f = document.querySelector(`+jsString(c.fig)+`); return f ? f.textContent : "<none>"; })()`))
			if !strings.Contains(txt, c.want) || strings.Contains(txt, c.not) {
				t.Errorf("at %d px (%s) %s shows %q; want %q, not %q", w, scheme, c.fig, strings.Join(strings.Fields(txt), " "), c.want, c.not)
			}
		}
		if over := value(d, "overflow", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)); over {
			t.Errorf("/insights overflows at %d px (%s)", w, scheme)
		}
	})
	// a key's link filters case-insensitively
	href := value(d, "tag link", chromedp.Evaluate[string](`(function(){ const a = Array.from(document.querySelectorAll("#by-tag a")).find(a => a.textContent.includes("Kafka")); return a ? a.getAttribute("href") : ""; })()`))
	if href != "" {
		d.run("follow Kafka", chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if n := value(d, "rows", chromedp.Evaluate[int](`document.querySelectorAll("table.incidents tbody tr").length`)); n != 2 {
			t.Errorf("the Kafka link %s lists %d incidents, want 2", href, n)
		}
	}
	d.check()
}
