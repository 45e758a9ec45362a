package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestShapeInBrowser (issue 19): an admin adds an enum field on the Fields
// & taxonomy page, an editor fills it in the section editor, the incident
// list filters by it and insights charts it. The page, the editor, the
// filtered list and insights are shot in light and dark at 1280 and 390 px
// (none wider than the phone), with no script error or CSP violation.
func TestShapeInBrowser(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, 0)
	start := hindsight.TimeOf(time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Minute))
	west, err := srv.Svc.Open(ctx, app.System, app.NewIncident{Title: "West region outage", Severity: hindsight.Sev2, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	east, err := srv.Svc.Open(ctx, app.System, app.NewIncident{Title: "East region blip", Severity: hindsight.Sev3, Start: start})
	if err != nil {
		t.Fatal(err)
	}

	a := srv.browser(t, admin)
	a.run("add the Region field", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("nf-name")),
		fill([][2]string{{"#nf-name", "Region"}, {"#nf-type", "enum"}, {"#nf-values", "us-east-1\neu-west-1\nap-south-1"}}),
		chromedp.Click(chromedp.CSS(`#add-field-h + form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Field Region is added.")`))
	if got := value(a, "fields table", chromedp.Evaluate[string](`document.querySelector("#fields-table").innerText`)); !strings.Contains(got, "Region") || !strings.Contains(got, "eu-west-1") {
		t.Errorf("the fields table says %q", got)
	}

	d := srv.browser(t, dana)
	d.run("fill Region in the editor", chromedp.Navigate(srv.URL+"/incidents/"+west.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("cf-0")),
		fill([][2]string{{"#cf-0", "eu-west-1"}}),
		chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision 2")`))
	if got := value(d, "incident page", chromedp.Evaluate[string](`document.querySelector("#sec-summary").innerText`)); !strings.Contains(got, "eu-west-1") {
		t.Errorf("the incident page's summary says %q", got)
	}
	d.run("fill the other", chromedp.Navigate(srv.URL+"/incidents/"+east.ID+"/edit"), chromedp.WaitVisible(chromedp.ID("cf-0")),
		fill([][2]string{{"#cf-0", "us-east-1"}}),
		chromedp.Click(chromedp.ID("save")),
		waitJS(`document.body.innerText.includes("Saved as revision 2")`))

	d.run("filter the list by Region", chromedp.Navigate(srv.URL+"/incidents"), chromedp.WaitVisible(chromedp.ID("f-field-0")),
		fill([][2]string{{"#f-field-0", "eu-west-1"}}),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)),
		waitJS(`location.search.includes("field.Region=eu-west-1")`), chromedp.WaitVisible(chromedp.CSS("main h1")))
	ids := value(d, "listed", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.incidents tbody tr td:first-child")).map(function (td) { return td.innerText.trim(); })`))
	if len(ids) != 1 || ids[0] != west.ID {
		t.Errorf("the list filtered by Region eu-west-1 shows %q, want only %s", ids, west.ID)
	}

	d.run("insights by Region", chromedp.Navigate(srv.URL+"/insights"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	txt := value(d, "insights", chromedp.Evaluate[string](`document.body.innerText`))
	if !strings.Contains(txt, "Incidents by Region") || !strings.Contains(txt, "eu-west-1") || !strings.Contains(txt, "us-east-1") {
		t.Errorf("insights do not chart Region: %q", txt)
	}
	if !value(d, "chart", chromedp.Evaluate[bool](`!!document.querySelector("[id*='by-field-region'] svg, #fig-by-field-region svg") || Array.from(document.querySelectorAll("section, figure")).some(function (s) { return s.innerText.includes("Incidents by Region") && !!s.querySelector("svg"); })`)) {
		t.Error("the Region breakdown has no chart")
	}

	pages := []struct {
		b    *tab
		name string
		path string
		wait string
	}{
		{a, "shape-fields", "/admin/fields", "#nf-name"},
		{d, "shape-editor", "/incidents/" + west.ID + "/edit", "#cf-0"},
		{d, "shape-list", "/incidents?field.Region=eu-west-1", "#f-field-0"},
		{d, "shape-insights", "/insights", "main h1"},
	}
	for _, p := range pages {
		for _, scheme := range []string{"light", "dark"} {
			for _, w := range []int64{1280, 390} {
				p.b.run(p.name, chromedp.EmulateViewport(w, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
					return err
				}), chromedp.Navigate(srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
				if over := value(p.b, "overflow", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)); over {
					t.Errorf("%s overflows horizontally at %d px (%s)", p.path, w, scheme)
				}
				p.b.shot(fmt.Sprintf("%s-%s-%d", p.name, scheme, w))
			}
		}
	}
	a.check()
	d.check()
}
