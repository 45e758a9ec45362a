package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// TestAdminFields: the Fields & taxonomy page saves each change as the
// shape in the database on top of the version it was loaded from; a form
// loaded before another admin's save is refused with 409 saying so and
// saves nothing; bad input is refused naming the field or the YAML line;
// Export YAML gives back what Import YAML takes.
func TestAdminFields(t *testing.T) {
	e := newEnv(t)
	page := e.do("GET", "/admin/fields", nil, nil)
	if page.code != http.StatusOK || !strings.Contains(page.body, "the shape of the configuration file") || !strings.Contains(page.body, "No fields declared yet") {
		t.Fatalf("GET /admin/fields: %d %s", page.code, page.body)
	}
	steps := []struct {
		name string
		form url.Values
		code int
		want []string // on the page after the step
	}{
		{"AddEnum", url.Values{"version": {"0"}, "action": {"add-field"}, "name": {"Region"}, "type": {"enum"}, "values": {"us-east-1\neu-west-1"}, "required_status": {"Published"}},
			http.StatusSeeOther, []string{"Field Region is added.", "version 1", "<strong>Region</strong>", "us-east-1", "Published"}},
		{"StaleVersion", url.Values{"version": {"0"}, "action": {"add-field"}, "name": {"Jira epic"}, "type": {"url"}},
			http.StatusConflict, []string{"another administrator changed the fields and taxonomy", "Nothing of yours was saved"}},
		{"EnumWithoutValues", url.Values{"version": {"1"}, "action": {"add-field"}, "name": {"Tier"}, "type": {"enum"}},
			http.StatusUnprocessableEntity, []string{"values: an enum field needs its values", `value="Tier"`}},
		{"DuplicateName", url.Values{"version": {"1"}, "action": {"add-field"}, "name": {"region"}, "type": {"text"}},
			http.StatusUnprocessableEntity, []string{"already declared"}},
		{"BadType", url.Values{"version": {"1"}, "action": {"add-field"}, "name": {"X"}, "type": {"colour"}},
			http.StatusUnprocessableEntity, []string{"type: want one of"}},
		{"Taxonomy", url.Values{"version": {"1"}, "action": {"taxonomy"}, "factors": {"change/deploy\ncapacity\n"}},
			http.StatusSeeOther, []string{"2 categories", "change/deploy\ncapacity"}},
		{"Tags", url.Values{"version": {"2"}, "action": {"tags"}, "free": {"1"}, "suggested": {"dns, database"}},
			http.StatusSeeOther, []string{"The tag policy is saved.", "dns\ndatabase"}},
		{"Template", url.Values{"version": {"3"}, "action": {"update-template"}, "name": {"security"}, "sections": {"Data Exposure Assessment"}, "restricted": {"1"}},
			http.StatusSeeOther, []string{"Template security is saved.", "Data Exposure Assessment"}},
		{"EditField", url.Values{"version": {"4"}, "action": {"update-field"}, "old": {"Region"}, "name": {"Region"}, "type": {"enum"}, "values": {"us-east-1, eu-west-1, ap-south-1"}},
			http.StatusSeeOther, []string{"Field Region is changed.", "ap-south-1"}},
		{"UnknownAction", url.Values{"version": {"5"}, "action": {"paint"}}, http.StatusSeeOther, []string{"Unknown change"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := e.do("POST", "/admin/fields", s.form, nil)
			if r.code != s.code {
				t.Fatalf("POST: %d, want %d\n%s", r.code, s.code, r.body)
			}
			body := r.body
			if r.code == http.StatusSeeOther {
				body = e.do("GET", "/admin/fields", nil, nil).body
			}
			for _, w := range s.want {
				if !strings.Contains(body, escaped(w)) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	set, err := e.svc.ShapeSetting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if set.Source != app.ShapeFromDatabase || set.Version != 5 || len(set.Shape.Fields) != 1 || len(set.Shape.Factors) != 2 || !set.Shape.Tags.Free || len(set.Shape.Templates) != 1 {
		t.Fatalf("shape after the steps = %+v", set)
	}
	if f := set.Shape.Field("region"); f == nil || f.Type != hindsight.FieldEnum || len(f.Values) != 3 || len(f.Required.Status) != 0 {
		t.Errorf("Region = %+v", f)
	}

	exp := e.do("GET", "/admin/fields/export.yaml", nil, nil)
	if exp.code != http.StatusOK || !strings.Contains(exp.hdr.Get("Content-Disposition"), "attachment") || !strings.Contains(exp.body, "Region") || !strings.Contains(exp.body, "capacity") {
		t.Fatalf("export: %d %v %s", exp.code, exp.hdr, exp.body)
	}

	t.Run("ImportBadYAMLNamesTheLine", func(t *testing.T) {
		r := e.do("POST", "/admin/fields/import", url.Values{"version": {"5"}, "yaml": {"fields:\n  - name: A\n    type: colour\n"}}, nil)
		if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "line 3") || !strings.Contains(r.body, "type: colour") {
			t.Fatalf("bad import: %d %s", r.code, r.body)
		}
	})
	t.Run("ImportUploadRoundTrip", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("version", "5")
		fw, _ := mw.CreateFormFile("file", "shape.yaml")
		_, _ = fw.Write([]byte(exp.body))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/admin/fields/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := e.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		again, err := e.svc.ShapeSetting(context.Background())
		if err != nil || again.Version != 6 || len(again.Shape.Fields) != 1 || len(again.Shape.Factors) != 2 || len(again.Shape.Templates) != 1 {
			t.Fatalf("after re-importing the export: %+v, %v", again, err)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		as, ok := e.svc.Store().(hindsight.AccountStore)
		if !ok {
			t.Skip("no audit log")
		}
		es, err := as.FindAudit(context.Background(), hindsight.AuditFilter{Action: "settings.shape"})
		if err != nil || len(es) != 6 {
			t.Fatalf("audit = %d entries, %v", len(es), err)
		}
	})
}

// escaped escapes s as html/template writes text.
func escaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;").Replace(s)
}

// TestEditorShapeInputs: with a shape saved, the editor offers a select
// for an enum field, checkboxes for a multi field, the suggested tags and
// a category per contributing factor; what is posted lands in the
// document's Incident Summary lines and factor prefixes; a value the shape
// no longer allows is shown with a warning and kept on save.
func TestEditorShapeInputs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shape := "fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, eu-west-1]\n  - name: Customer tier\n    type: multi\n    values: [free, pro, enterprise]\n  - name: Jira epic\n    type: url\n" +
		"taxonomy:\n  factors: [change/config, capacity]\ntags:\n  free: true\n  suggested: [dns, database]\n"
	if err := e.svc.SaveShape(ctx, app.System, []byte(shape)); err != nil {
		t.Fatal(err)
	}
	id := newIncident(t, e)
	edit := "/incidents/" + id + "/edit"
	page := e.do("GET", edit, nil, nil)
	for _, w := range []string{`<select id="cf-0" name="cf_0">`, `<option value="eu-west-1">`, `type="checkbox" name="cf_1" value="enterprise"`,
		`name="cf_2" type="url"`, `<datalist id="tag-suggestions"><option value="dns">`, `<select id="rf-cat-0" name="rf_cat">`, `<option value="change/config">`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("editor lacks %s", w)
		}
	}
	form := url.Values{"revision": {"1"}, "op": {"save"}, "cf_name": {"Region", "Customer tier", "Jira epic"},
		"cf_0": {"eu-west-1"}, "cf_1": {"pro", "enterprise"}, "cf_2": {"https://jira.example.com/browse/OPS-1"},
		"tags_field": {"1"}, "tags": {"dns, Database,dns"}, "rf_rows": {"1"}, "rf_cat": {"change/config", ""}, "rf_text": {"The limit was set by hand", ""}}
	if r := e.do("POST", edit, form, nil); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	in, err := e.svc.Get(ctx, app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"Region", field(in.Doc, "Region"), "eu-west-1"},
		{"Customer tier", field(in.Doc, "Customer tier"), "pro, enterprise"},
		{"Jira epic", field(in.Doc, "Jira epic"), "https://jira.example.com/browse/OPS-1"},
		{"Tags", strings.Join(in.Doc.Tags(), "|"), "dns|Database"},
		{"Factors", strings.Join(in.Doc.RootCause.Factors, "|"), "[change/config] The limit was set by hand"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}

	// the admin removes eu-west-1 and the category: the document keeps them
	shape2 := strings.Replace(strings.Replace(shape, "[us-east-1, eu-west-1]", "[us-east-1]", 1), "[change/config, capacity]", "[capacity]", 1)
	if _, err := e.svc.SaveShapeAt(ctx, app.System, []byte(shape2), 1); err != nil {
		t.Fatal(err)
	}
	page = e.do("GET", edit, nil, nil)
	for _, w := range []string{`<option value="eu-west-1" selected>“eu-west-1” (not a declared value)</option>`, `id="cf-0-problem"`,
		`<option value="change/config" selected>“change/config” (not in the taxonomy)</option>`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("editor after the shape changed lacks %s", w)
		}
	}
	form.Set("revision", "2")
	form.Set("message", "again")
	if r := e.do("POST", edit, form, nil); r.code != http.StatusSeeOther {
		t.Fatalf("second save: %d %s", r.code, r.body)
	}
	in, _ = e.svc.Get(ctx, app.System, id)
	if got := field(in.Doc, "Region"); got != "eu-west-1" {
		t.Errorf("Region after a save under the narrower shape = %q, want it kept", got)
	}
	if got := strings.Join(in.Doc.RootCause.Factors, "|"); got != "[change/config] The limit was set by hand" {
		t.Errorf("factors after a save under the narrower shape = %q", got)
	}
	show := e.do("GET", "/incidents/"+id, nil, nil)
	for _, w := range []string{`<dt>Region</dt><dd class="custom-value" data-field="Region"><span class="tag">eu-west-1</span>`, `does not fit`,
		`<span class="tag">pro</span> <span class="tag">enterprise</span>`, `<a href="https://jira.example.com/browse/OPS-1"`,
		`<dt>Tags</dt><dd class="shape-tags"><span class="tag">dns</span> <span class="tag">Database</span>`,
		`<span class="tag factor-cat">change/config</span> <span class="badge badge-warn">not in the taxonomy</span>`} {
		if !strings.Contains(show.body, w) {
			t.Errorf("incident page lacks %s", w)
		}
	}
	if strings.Contains(show.body, "<strong>Region:</strong>") {
		t.Error("the incident page shows the Region line twice (raw and typed)")
	}
}

func field(p *hindsight.Postmortem, name string) string {
	v, _ := p.CustomField(name)
	return v
}

// TestIncidentListShape: the list filters by a declared enum field, a tag
// and a factor category (selects built from the shape), the chosen columns
// are remembered in a cookie and show each row's values, and the CSV link
// carries the filters.
func TestIncidentListShape(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shape := "fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, eu-west-1]\ntaxonomy:\n  factors: [change/config, capacity]\ntags:\n  free: true\n  suggested: [dns]\n"
	if err := e.svc.SaveShape(ctx, app.System, []byte(shape)); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, c := range []struct{ title, region, tag, factor string }{
		{"East outage", "us-east-1", "dns", "[capacity] Too few nodes"},
		{"West outage", "eu-west-1", "database", "[change/config] A flag"},
	} {
		id := newIncident(t, e)
		in, err := e.svc.Get(ctx, app.System, id)
		if err != nil {
			t.Fatal(err)
		}
		doc := *in.Doc
		doc.Title = c.title
		doc.SetCustomField("Region", c.region)
		doc.SetTags([]string{c.tag})
		doc.RootCause.Factors = []string{c.factor}
		if _, err := e.svc.Save(ctx, app.System, id, in.Revision, &doc, app.SaveOptions{}); err != nil {
			t.Fatal(err)
		}
		ids[c.title] = id
	}
	page := e.do("GET", "/incidents", nil, nil)
	for _, w := range []string{`<select id="f-field-0" name="field.Region">`, `<select id="f-factor" name="factor">`, `<datalist id="f-tag-list"><option value="dns">`,
		`value="field:Region"`, `href="/api/v1/incidents.csv"`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("list lacks %s", w)
		}
	}
	cases := []struct {
		name, query string
		want, not   string
	}{
		{"Field", "field.Region=eu-west-1", "West outage", "East outage"},
		{"FieldCase", "field.region=US-EAST-1", "East outage", "West outage"},
		{"Tag", "tag=dns", "East outage", "West outage"},
		{"Factor", "factor=change/config", "West outage", "East outage"},
		{"Twice", "tag=dns&tag=db", "tag: give one value", "No incidents match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("GET", "/incidents?"+c.query, nil, nil)
			if r.code != http.StatusOK || !strings.Contains(r.body, c.want) || strings.Contains(r.body, c.not) {
				t.Errorf("%s: %d; want %q and not %q", c.query, r.code, c.want, c.not)
			}
		})
	}
	if r := e.do("GET", "/incidents?field.Region=eu-west-1", nil, nil); !strings.Contains(r.body, `<option value="eu-west-1" selected>`) ||
		!strings.Contains(r.body, `href="/api/v1/incidents.csv?field.Region=eu-west-1"`) {
		t.Error("the filtered list does not show its field filter chosen or its CSV link with it")
	}
	r := e.do("POST", "/incidents/columns", url.Values{"col": {"field:Region", "tags", "factors"}, "back": {"tag=dns"}}, nil)
	if r.code != http.StatusSeeOther || r.hdr.Get("Location") != "/incidents?tag=dns" || !strings.Contains(r.hdr.Get("Set-Cookie"), "hindsight_columns=") {
		t.Fatalf("columns: %d %v", r.code, r.hdr)
	}
	page = e.do("GET", "/incidents", nil, nil)
	for _, w := range []string{`<th scope="col" class="shape-col">Region</th>`, `<td class="shape-col" data-label="Region">eu-west-1</td>`,
		`<td class="shape-col" data-label="Tags">dns</td>`, `<td class="shape-col" data-label="Factor categories">change/config</td>`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("list with chosen columns lacks %s", w)
		}
	}
}

// TestTrackerShapeFilters: the action item tracker offers the shape's
// filters and narrows its items by them (the incidents' field).
func TestTrackerShapeFilters(t *testing.T) {
	e := newShellEnv(t)
	ctx := context.Background()
	if err := e.svc.SaveShape(ctx, app.System, []byte("fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, eu-west-1]\ntaxonomy:\n  factors: [capacity]\n")); err != nil {
		t.Fatal(err)
	}
	in, err := e.svc.Get(ctx, app.System, e.a)
	if err != nil {
		t.Fatal(err)
	}
	doc := *in.Doc
	doc.SetCustomField("Region", "eu-west-1")
	if _, err := e.svc.Save(ctx, app.System, e.a, in.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query string
		want  []string
		not   string
	}{
		{"field.Region=eu-west-1", []string{`<select id="ai-field-0" name="field.Region">`, `<option value="eu-west-1" selected>`, "Write runbook"}, ""},
		{"field.Region=us-east-1", []string{`<option value="us-east-1" selected>`}, "Write runbook"},
		{"factor=capacity", []string{`<select id="ai-factor" name="factor">`, `<option value="capacity" selected>`}, "Write runbook"},
	}
	for _, c := range cases {
		code, body, _ := e.do(t, "GET", "/action-items?"+c.query, nil, "X-User", "admin", "X-Admin", "1")
		if code != http.StatusOK {
			t.Fatalf("%s: %d", c.query, code)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: tracker lacks %s", c.query, w)
			}
		}
		if c.not != "" && strings.Contains(body, c.not) {
			t.Errorf("%s: tracker shows %q", c.query, c.not)
		}
	}
}

// TestInsightsShape: the insights page breaks incidents down by every
// declared enum field (group_field by default), by factor category and by
// tag, lists the repeat factors, and offers the shape's filters.
func TestInsightsShape(t *testing.T) {
	e := newShellEnv(t)
	ctx := context.Background()
	if err := e.svc.SaveShape(ctx, app.System, []byte("fields:\n  - name: Region\n    type: enum\n    values: [us-east-1, eu-west-1]\ntaxonomy:\n  factors: [capacity]\ntags:\n  free: true\n")); err != nil {
		t.Fatal(err)
	}
	in, err := e.svc.Get(ctx, app.System, e.a)
	if err != nil {
		t.Fatal(err)
	}
	doc := *in.Doc
	doc.SetCustomField("Region", "eu-west-1")
	doc.SetTags([]string{"dns"})
	doc.RootCause.Factors = []string{"[capacity] Too few nodes"}
	if _, err := e.svc.Save(ctx, app.System, e.a, in.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := e.do(t, "GET", "/insights?from=2026-01-01&to=2026-12-31", nil, "X-User", "admin", "X-Admin", "1")
	if code != http.StatusOK {
		t.Fatalf("insights: %d", code)
	}
	for _, w := range []string{"Incidents by Region", "eu-west-1", "Incidents by contributing-factor category", "capacity", "Incidents by tag", "dns",
		"Repeat factors", `<select id="in-field-0" name="field.Region">`, `<select id="in-factor" name="factor">`} {
		if !strings.Contains(body, w) {
			t.Errorf("insights lacks %s", w)
		}
	}
	code, body, _ = e.do(t, "GET", "/insights?from=2026-01-01&to=2026-12-31&field.Region=us-east-1", nil, "X-User", "admin", "X-Admin", "1")
	if code != http.StatusOK || !strings.Contains(body, `<option value="us-east-1" selected>`) {
		t.Errorf("filtered insights: %d", code)
	}
}

// TestNewIncidentTemplate: with template variants the New incident form
// offers them (a restricted one says so); the chosen one opens the draft
// with its sections, restricted; an unknown one is refused naming it.
func TestNewIncidentTemplate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if r := e.do("GET", "/incidents/new", nil, nil); strings.Contains(r.body, `id="template-choice"`) {
		t.Error("the form offers a template choice without variants")
	}
	if err := e.svc.SaveShape(ctx, app.System, []byte("templates:\n  security:\n    sections: [Data Exposure Assessment]\n    restricted: true\n")); err != nil {
		t.Fatal(err)
	}
	r := e.do("GET", "/incidents/new", nil, nil)
	for _, w := range []string{`id="template-choice"`, `id="tpl-default" type="radio" name="template" value="default" checked`, `value="security"`, "restricted: starts visible only to its members and admins", "adds Data Exposure Assessment"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("new form lacks %s", w)
		}
	}
	r = e.do("POST", "/incidents", url.Values{"title": {"Leaked token"}, "severity": {"SEV-2"}, "start": {"2026-03-27 10:00"}, "template": {"security"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("create from security: %d %s", r.code, r.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.hdr.Get("Location"), "/incidents/"), "/edit")
	in, err := e.svc.Get(ctx, app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Restricted || !strings.Contains(string(in.Markdown), "Data Exposure Assessment") {
		t.Errorf("incident from the security template: restricted %v, markdown:\n%s", in.Restricted, in.Markdown)
	}
	r = e.do("POST", "/incidents", url.Values{"title": {"X"}, "template": {"nosuch"}}, nil)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "nosuch") {
		t.Errorf("unknown template: %d", r.code)
	}
}
