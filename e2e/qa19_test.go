package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
)

// qa19Shape is the example of issue 19 with the field the security
// template names declared.
const qa19Shape = `fields:
  - name: Region
    type: enum
    values: [us-east-1, us-west-2, eu-west-1]
    required: {status: [In Review, Published]}
  - name: Customer tier
    type: multi
    values: [free, pro, enterprise]
  - name: Jira epic
    type: url
  - name: Disclosure deadline
    type: date
taxonomy:
  factors: [change/deploy, change/config, capacity, dependency/third-party, dependency/internal, process/runbook, monitoring/gap, human-factors/tooling]
tags: {free: true, suggested: [database, dns, certificates, network]}
templates:
  security:
    extends: default
    sections: [Data Exposure Assessment, Regulatory Notifications]
    fields: [Disclosure deadline]
    restricted: true
`

// fakeGitHub is a GitHub issues API that fails while down is set.
type fakeGitHub struct {
	mu      sync.Mutex
	down    bool
	created int
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		http.Error(w, `{"message":"Server Error"}`, http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/search/issues"):
		fmt.Fprint(w, `{"total_count":0,"incomplete_results":false,"items":[]}`)
	case r.Method == http.MethodGet:
		fmt.Fprint(w, `[]`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/issues"):
		f.created++
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"number":%d,"html_url":"https://github.example/org/repo/issues/%d","state":"open"}`, f.created, f.created)
	default:
		fmt.Fprint(w, `{"number":1,"state":"open"}`)
	}
}

// startShapeServer is startServer with a .hindsight.yaml (the shape and a
// GitHub tracker at a local fake) and the demo data.
func startShapeServer(t *testing.T, gh http.Handler) *appServer {
	t.Helper()
	browserPath(t)
	ctx := context.Background()
	fake := httptest.NewServer(gh)
	t.Cleanup(fake.Close)
	yaml := qa19Shape + "trackers:\n  github:\n    repo: org/repo\n    token_env: QA_GITHUB_TOKEN\n    base_url: " + fake.URL + "/\n"
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "QA_GITHUB_TOKEN" {
			return "token"
		}
		return ""
	}
	srv := serveStack(t, stack.Config{Lint: cfg, Getenv: getenv}, true)
	if _, err := demo.Seed(ctx, srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	return srv
}

// modes runs shoot at 1280 and 390 px in light and dark on path.
func (b *tab) modes(t *testing.T, url, wait, name string) {
	t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			b.run(name, chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
				_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
				return err
			}), chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(wait)))
			if over := value(b, "overflow", chromedp.Evaluate[string](`(function(){ if (document.scrollingElement.scrollWidth <= innerWidth) return ""; const out = []; for (const el of document.querySelectorAll("main *")) { const r = el.getBoundingClientRect(); if (r.right > innerWidth + 1 && !el.closest(".table-wrap")) out.push(el.tagName + "." + el.className + "#" + el.id); } return out.slice(0, 5).join(" "); })()`)); over != "" {
				t.Errorf("%s overflows horizontally at %d px (%s): %s", url, w, scheme, over)
			}
			b.shot(fmt.Sprintf("qa19-%s-%s-%d", name, scheme, w))
		}
	}
	b.run("reset", chromedp.EmulateViewport(1360, 900))
}

func text(b *tab, sel string) string {
	return value(b, "text of "+sel, chromedp.Evaluate[string](`(function(){ const e = document.querySelector(`+jsString(sel)+`); return e ? e.innerText : "<none>"; })()`))
}

// TestQA19Walk walks what issue 19 and 20 added as a new user would.
func TestQA19Walk(t *testing.T) {
	gh := &fakeGitHub{down: true}
	srv := startShapeServer(t, gh)
	a := srv.browser(t, admin)

	// the admin page
	a.modes(t, srv.URL+"/admin/fields", "#nf-name", "fields")
	a.run("add Impact class", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("nf-name")),
		fill([][2]string{{"#nf-name", "Impact class"}, {"#nf-type", "enum"}, {"#nf-values", "minor\nmajor"}}),
		chromedp.Click(chromedp.CSS(`#add-field-h + form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Impact class")`))
	t.Logf("after add: %s", text(a, "main"))
	exp := value(a, "export", chromedp.Evaluate[string](`fetch("/admin/fields/export.yaml").then(r => r.text().then(x => r.status + " " + r.headers.get("content-type") + "\n" + r.headers.get("content-disposition") + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if !strings.HasPrefix(exp, "200 application/yaml") || !strings.Contains(exp, "attachment") || !strings.Contains(exp, "name: Impact class") || !strings.Contains(exp, "security:") {
		t.Errorf("Export YAML answers %q", exp)
	}
	a.run("bad import", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("import-yaml")),
		fill([][2]string{{"#import-yaml", "fields:\n  - name: Region\n    type: colour\n"}}),
		chromedp.Click(chromedp.CSS(`#import-yaml`)),
		void(chromedp.Evaluate[bool](`document.querySelector("#import-yaml").form.requestSubmit(); true`)),
		waitJS(`!!document.querySelector("#import-error")`))
	if got := text(a, "#import-error"); !strings.Contains(got, "line 3") || !strings.Contains(got, "colour") {
		t.Errorf("a bad import says %q, want its line and the bad type", got)
	}
	a.shot("qa19-import-error")

	// New incident with the security template
	a.modes(t, srv.URL+"/incidents/new", "#title", "new")
	a.run("new security incident", chromedp.Navigate(srv.URL+"/incidents/new"), chromedp.WaitVisible(chromedp.ID("title")),
		fill([][2]string{{"#title", "Leaked API keys in logs"}}),
		chromedp.Click(chromedp.CSS(`input[name="template"][value="security"]`)),
		void(chromedp.Evaluate[bool](`document.querySelector("#title").form.requestSubmit(); true`)),
		waitJS(`/\/incidents\/INC-/.test(location.pathname)`))
	loc := value(a, "loc", chromedp.Evaluate[string](`location.pathname`))
	a.run("lint findings", waitJS(`document.body.innerText.includes("HS022")`))
	if got := text(a, "main"); strings.Contains(got, `unknown field "Region"`) || strings.Contains(got, `unknown field "Tags"`) || strings.Contains(got, `unknown section "Data Exposure Assessment"`) {
		t.Errorf("lint calls the shape's declared fields or the template's sections unknown: %.2000s", got)
	}
	id := strings.Split(strings.TrimPrefix(loc, "/incidents/"), "/")[0]

	// the editor: fields, tags, factor categories
	a.modes(t, srv.URL+"/incidents/"+id+"/edit", "#title", "editor")
	a.run("open editor", chromedp.Navigate(srv.URL+"/incidents/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("title")))
	t.Logf("custom fields: %s", text(a, "#custom-fields"))
	t.Logf("factor rows: %s", text(a, "#factor-rows"))
	ids := value(a, "cf ids", chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#custom-fields input, #custom-fields select, #factor-rows select, #factor-rows input")).map(e => e.id + "=" + e.type + "/" + e.name).join(" ")`))
	t.Logf("controls: %s", ids)
	_ = json.Marshal
	a.run("fill editor", fill([][2]string{{"#cf-0", "eu-west-1"}, {"#cf-2", "not a url"}, {"#cf-3", "2026-13-45"}, {"#tags", "dns, Database, brand-new"}, {"#rf-cat-0", "change/config"}, {"#rf-text-0", "The limit was set by hand"}}),
		chromedp.Click(chromedp.ID("cf-1-1")),
		chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision")`))
	a.shot("qa19-after-save")
	t.Logf("after save: %s", text(a, "main"))
	a.modes(t, srv.URL+"/incidents/"+id, "main h1", "show")
	t.Logf("incident page summary: %s", text(a, "#sec-summary"))
	t.Logf("incident page root cause: %s", text(a, "#sec-root_cause"))
	raw := value(a, "raw", chromedp.Evaluate[string](`fetch("/incidents/`+id+`/raw").then(r => r.text())`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	t.Logf("raw: %s", raw[:min(len(raw), 1500)])
	js := value(a, "json", chromedp.Evaluate[string](`fetch("/api/v1/incidents/`+id+`").then(r => r.text())`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	t.Logf("json: %s", js[:min(len(js), 600)])

	// list: filters, columns, CSV
	a.modes(t, srv.URL+"/incidents?field.Region=eu-west-1", "main h1", "list")
	t.Logf("list: %s", text(a, "main"))
	a.run("choose columns", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		chromedp.Click(chromedp.CSS(".columns-chooser summary")),
		void(chromedp.Evaluate[bool](`for (const c of document.querySelectorAll(".columns-chooser input[type=checkbox]")) c.checked = true; document.querySelector(".columns-chooser form").requestSubmit(); true`)),
		waitJS(`document.querySelector("table.incidents thead") && document.querySelector("table.incidents thead").innerText.toLowerCase().includes("region")`))
	a.modes(t, srv.URL+"/incidents", "main h1", "list-columns")
	if got := text(a, "table.incidents thead"); !strings.Contains(got, "REGION") && !strings.Contains(got, "Region") {
		t.Errorf("the chosen columns are not shown: %q", got)
	}
	csvHref := value(a, "csv href", chromedp.Evaluate[string](`(document.querySelector("#csv-link")||{}).href || ""`))
	csv := value(a, "csv", chromedp.Evaluate[string](`fetch(`+jsString(csvHref)+`).then(r => r.text().then(x => r.status + " " + r.headers.get("content-type") + " " + r.headers.get("content-disposition") + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	t.Logf("csv %s: %s", csvHref, csv[:min(len(csv), 800)])
	a.run("list filter tag", chromedp.Navigate(srv.URL+"/incidents?tag=dns&factor=change%2Fconfig"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(a, "table.incidents tbody"); !strings.Contains(got, id) || !strings.Contains(got, "change/config") {
		t.Errorf("the list by tag and factor category shows %q, want %s", got, id)
	}

	// action items
	a.modes(t, srv.URL+"/action-items?field.Region=eu-west-1", "main h1", "actions")
	t.Logf("actions filters: %s", text(a, "main form"))
	// insights
	a.modes(t, srv.URL+"/insights", "main h1", "insights")
	if got := text(a, "main"); !strings.Contains(got, "Incidents by contributing-factor category") || !strings.Contains(got, "Incidents by tag") || !strings.Contains(got, "Incidents by Region") {
		t.Errorf("insights lack the shape's breakdowns: %.300s", got)
	}

	// tracker: create issue on a demo incident with items
	a.check()
}

// TestQA19NewTemplateFitsPhone: the New incident form's template choice,
// whose restricted variant carries a long badge, fits 390 px (the label
// wraps instead of pushing the page wider), light and dark.
func TestQA19NewTemplateFitsPhone(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	b := srv.browser(t, dana)
	for _, scheme := range []string{"light", "dark"} {
		b.run("new at 390 "+scheme, chromedp.EmulateViewport(390, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		}), chromedp.Navigate(srv.URL+"/incidents/new"), chromedp.WaitVisible(chromedp.CSS(`input[name="template"][value="security"]`)))
		wide := value(b, "wider than the phone", chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#template-choice *")).filter(e => e.getBoundingClientRect().right > innerWidth).map(e => e.tagName + "." + e.className).join(" ")`))
		if wide != "" {
			t.Errorf("the template choice is wider than 390 px (%s): %s", scheme, wide)
		}
		if value(b, "page width", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)) {
			t.Errorf("/incidents/new overflows horizontally at 390 px (%s)", scheme)
		}
		b.shot("qa19-new-template-" + scheme + "-390")
	}
	// choosing the restricted template shows it in the visibility choice;
	// choosing the default again puts back what was chosen before
	b.run("pick security", chromedp.Click(chromedp.CSS(`input[name="template"][value="security"]`)),
		waitJS(`document.querySelector('input[name="visibility"][value="restricted"]').checked`))
	b.run("pick default", chromedp.Click(chromedp.ID("tpl-default")),
		waitJS(`document.querySelector('input[name="visibility"][value=""]').checked`))
	b.check()
}

// TestQA19ListCSVLink: the incident list links the API's CSV export with
// its filters; the browser's session downloads it, a column per declared
// field, only the filtered incidents.
func TestQA19ListCSVLink(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	start := hindsight.TimeOf(time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Minute))
	west, err := srv.Svc.Open(ctx, app.System, app.NewIncident{Title: "West region outage", Severity: hindsight.Sev2, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	b.run("fill Region", chromedp.Navigate(srv.URL+"/incidents/"+west.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("cf-0")),
		fill([][2]string{{"#cf-0", "eu-west-1"}}), chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision 2")`))
	b.run("list by Region", chromedp.Navigate(srv.URL+"/incidents?field.Region=eu-west-1"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	href := value(b, "csv link", chromedp.Evaluate[string](`(document.querySelector("#csv-link") || {}).href || ""`))
	if !strings.Contains(href, "/api/v1/incidents.csv") || !strings.Contains(href, "field.Region=eu-west-1") {
		t.Fatalf("the list's Download CSV link is %q, want the API's export with the list's filter", href)
	}
	got := value(b, "download", chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(r => r.text().then(x => r.status + " " + r.headers.get("content-type") + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	head, body, _ := strings.Cut(got, "\n")
	if !strings.HasPrefix(head, "200 text/csv") {
		t.Fatalf("the CSV link answers %q", head)
	}
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "Region") || !strings.Contains(lines[1], west.ID) || !strings.Contains(lines[1], "eu-west-1") {
		t.Errorf("the CSV of the list filtered by Region has %d lines: %q", len(lines), lines)
	}
	b.run("list due", chromedp.Navigate(srv.URL+"/incidents?due=overdue"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if value(b, "no csv link", chromedp.Evaluate[bool](`!!document.querySelector("#csv-link")`)) {
		t.Error("the list filtered by postmortem due links a CSV export that cannot apply that filter")
	}
	b.check()
}

// TestQA19CreateIssueShowsPending: after "Create issue" the incident page,
// reloaded, says "sync pending" for that item and no longer offers the
// button; when the tracker fails, the reload names the reason. (The page
// was served from the per-revision cache, which a link does not change.)
func TestQA19CreateIssueShowsPending(t *testing.T) {
	gh := &fakeGitHub{down: true}
	srv := startShapeServer(t, gh)
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 1})
	if err != nil || len(list.Incidents) == 0 {
		t.Fatalf("no incident with items: %v", err)
	}
	id := list.Incidents[0].ID
	first := `document.querySelector("#sec-action_items tbody tr")`
	a := srv.browser(t, admin)
	a.run("incident", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#sec-action_items")),
		chromedp.Click(chromedp.CSS(`#sec-action_items tbody tr form[action$="/issue"] button`)),
		waitJS(first+`.innerText.includes("sync pending")`))
	a.run("reload", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#sec-action_items")))
	row := value(a, "first item", chromedp.Evaluate[string](first+`.innerText`))
	if !strings.Contains(row, "sync pending: queued") || strings.Contains(row, "Create issue") {
		t.Errorf("reloaded after Create issue, the item's row says %q; want sync pending: queued and no Create issue", row)
	}
	if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
		t.Fatal(err)
	}
	a.run("reload after a failed sync", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#sec-action_items")))
	row = value(a, "first item", chromedp.Evaluate[string](first+`.innerText`))
	if !strings.Contains(row, "sync pending") || strings.Contains(row, "sync pending: queued") {
		t.Errorf("reloaded after the tracker failed, the item's row says %q; want the failure's reason", row)
	}
	t.Logf("row: %s", row)
	a.run("scroll", void(chromedp.Evaluate[bool](`document.querySelector("#sec-action_items").scrollIntoView(); true`)))
	a.saveViewport("qa19-tracker-pending")
	a.modes(t, srv.URL+"/incidents/"+id, "#sec-action_items", "tracker-pending")
	a.check()

	// an editor who is not an admin is refused the shape page, and does
	// not see a restricted template's incident
	d := srv.browser(t, dana)
	d.run("fields as editor", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(d, "main"); strings.Contains(got, "Add a field") || strings.Contains(got, "Import YAML") {
		t.Errorf("an editor is shown the Fields & taxonomy forms: %.200s", got)
	}
	sec, err := srv.Svc.Open(ctx, app.Actor{ID: admin, Viewer: app.System.Viewer}, app.NewIncident{Title: "Secret", Template: "security", Start: hindsight.TimeOf(time.Now().UTC().Truncate(time.Minute))})
	if err != nil {
		t.Fatal(err)
	}
	d.run("restricted", chromedp.Navigate(srv.URL+"/incidents/"+sec.ID), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text(d, "main"); strings.Contains(got, "Secret") {
		t.Errorf("an editor who is not a member reads the security template's incident: %.200s", got)
	}
	d.check()
}

// TestQA19TwoAtOnce: two admins change the shape from pages loaded at the
// same version, two editors save the same incident's fields; the second
// of each is told and nothing of the first is lost. An enum value removed
// from the shape is shown as written in the editor and kept by a save.
func TestQA19TwoAtOnce(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(qa19Shape)); err != nil {
		t.Fatal(err)
	}
	a1 := srv.browser(t, admin)
	a2 := srv.browser(t, admin)
	for _, b := range []*tab{a1, a2} {
		b.run("fields", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("nf-name")))
	}
	a1.run("first adds Owner team", fill([][2]string{{"#nf-name", "Owner team"}, {"#nf-type", "team"}}),
		chromedp.Click(chromedp.CSS(`#add-field-h + form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Field Owner team is added.")`))
	a2.run("second adds Cost", fill([][2]string{{"#nf-name", "Cost"}, {"#nf-type", "number"}}),
		chromedp.Click(chromedp.CSS(`#add-field-h + form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Not saved") || document.body.innerText.includes("Field Cost is added.")`))
	msg := text(a2, "main")
	t.Logf("second admin sees: %.600s", msg)
	a2.shot("qa19-shape-conflict")
	sh := srv.Svc.Shape(ctx)
	if sh.Field("Owner team") == nil {
		t.Error("the first admin's field is lost")
	}
	if sh.Field("Cost") != nil {
		t.Log("the second admin's field was saved on top (merged)")
	} else if !strings.Contains(msg, "another administrator changed the fields") {
		t.Errorf("the second admin's add was refused without saying why: %.300s", msg)
	}

	// an enum value no longer in the shape
	start := hindsight.TimeOf(time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Minute))
	in, err := srv.Svc.Open(ctx, app.System, app.NewIncident{Title: "Old region", Severity: hindsight.Sev3, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	d := srv.browser(t, dana)
	s := srv.browser(t, sam)
	d.run("dana sets Region", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("cf-0")),
		fill([][2]string{{"#cf-0", "us-west-2"}}), chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision 2")`))
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(strings.Replace(qa19Shape, "values: [us-east-1, us-west-2, eu-west-1]", "values: [us-east-1, eu-west-1]", 1))); err != nil {
		t.Fatal(err)
	}
	for _, b := range []*tab{d, s} {
		b.run("edit", chromedp.Navigate(srv.URL+"/incidents/"+in.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("cf-0")))
	}
	if v := value(d, "region", chromedp.Evaluate[string](`document.querySelector("#cf-0").value`)); v != "us-west-2" {
		t.Errorf("the editor's Region shows %q, want the removed value us-west-2 as written", v)
	}
	t.Logf("editor region: %s", text(d, ".custom-field"))
	d.shot("qa19-editor-removed-value")
	d.run("dana adds tags", fill([][2]string{{"#tags", "dns"}}), chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision 3")`))
	s.run("sam changes tier", chromedp.Click(chromedp.ID("cf-1-2")), chromedp.Click(chromedp.ID("save")),
		waitJS(`/revision|conflict|changed/i.test(document.body.innerText) && !/Editing revision 2/.test(document.body.innerText.slice(0, 2000)) || !!document.querySelector(".alert")`))
	t.Logf("sam sees: %.800s", text(s, "main"))
	s.shot("qa19-editor-conflict")
	got, err := srv.Svc.Get(ctx, app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := got.Doc.CustomField("Region")
	tags := got.Doc.Tags()
	tier, _ := got.Doc.CustomField("Customer tier")
	t.Logf("stored: revision %d region %q tags %q tier %q", got.Revision, r, tags, tier)
	if r != "us-west-2" || len(tags) != 1 || tags[0] != "dns" {
		t.Errorf("stored Region %q tags %q: Dana's work is lost", r, tags)
	}
	for _, b := range []*tab{a1, a2, d, s} {
		b.check()
	}
}

// TestQA19LabelsAndIDs: on the pages issue 19 added or changed, every id
// is a valid HTML id (no white space, unique) and every label's for names
// a control, so a click on a label (a status checkbox's "In Review") and a
// screen reader find the control.
func TestQA19LabelsAndIDs(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	start := hindsight.TimeOf(time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Minute))
	in, err := srv.Svc.Open(ctx, app.System, app.NewIncident{Title: "Labels", Severity: hindsight.Sev3, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	a := srv.browser(t, admin)
	for _, p := range []string{"/admin/fields", "/incidents/new", "/incidents/" + in.ID + "/edit", "/incidents/" + in.ID, "/incidents", "/action-items", "/insights"} {
		a.run(p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1")))
		bad := value(a, "ids of "+p, chromedp.Evaluate[[]string](`(function(){
  const out = [], seen = {};
  for (const e of document.querySelectorAll("[id]")) {
    if (/\s/.test(e.id)) out.push("id with white space: " + JSON.stringify(e.id));
    if (seen[e.id]) out.push("duplicate id: " + e.id);
    seen[e.id] = true;
  }
  for (const l of document.querySelectorAll("label[for]")) {
    if (!document.getElementById(l.htmlFor) || /\s/.test(l.htmlFor)) out.push("label for " + JSON.stringify(l.htmlFor) + " names no valid control");
  }
  return out.slice(0, 10);
})()`))
		for _, b := range bad {
			t.Errorf("%s: %s", p, b)
		}
	}
	a.check()
}
