package markdown

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestSummaryLabel(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Region", ""},
		{"Customer tier", ""},
		{"Jira epic", ""},
		{"Service owner", ""},
		{"Tags", ""},
		{"", ""},
		{"Severity", "Severity"},
		{"sev", "Severity"},
		{"Severity class", "Severity"}, // read as "Severity" followed by its value
		{"Duration estimate", "Duration"},
		{"Services", "Services Affected"},
		{"Started at", "Start Time (UTC)"},
		{"Incident ID", "Incident ID"},
		{"Impact", "Customer Impact"},
	}
	for _, tt := range tests {
		if got := SummaryLabel(tt.name); got != tt.want {
			t.Errorf("SummaryLabel(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestRenderTemplateVariant(t *testing.T) {
	// the zero shape's default is the template itself
	b, err := RenderTemplateVariant(hindsight.Shape{}, "default")
	if err != nil || !bytes.Equal(b, RenderTemplate(&hindsight.Postmortem{})) {
		t.Fatalf("zero shape default differs from the template (err %v)", err)
	}
	s := hindsight.Shape{
		Fields: []hindsight.FieldDef{{Name: "Region", Type: hindsight.FieldText}},
		Tags:   hindsight.TagPolicy{Free: true},
		Templates: []hindsight.TemplateDef{
			{Name: "security", Sections: []string{"Data Exposure Assessment", "Root Cause"}, Fields: []string{"Disclosure deadline"}},
		},
	}
	b, err = RenderTemplateVariant(s, "SECURITY")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  - Primary symptoms experienced\n- **Region:**\n- **Disclosure deadline:**\n- **Tags:**\n\n## Executive Summary",
		"- **Training Needs:**\n\n## Data Exposure Assessment\n\nWrite the Data Exposure Assessment here.\n\n## Attachments & References",
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("variant lacks %q:\n%s", want, b)
		}
	}
	if bytes.Count(b, []byte("## Root Cause")) != 1 {
		t.Error("a known section listed by a variant was added twice")
	}
	// what it writes reads back as the same field lines and sections
	p, _ := Parse(b)
	if !bytes.Equal(RenderTemplate(p), b) {
		t.Error("the variant does not round-trip")
	}
	if _, err := RenderTemplateVariant(s, "nope"); hindsight.ErrorCode(err) != hindsight.EInvalid ||
		!strings.Contains(err.Error(), `unknown template "nope"; expected default, security`) {
		t.Fatalf("err = %v", err)
	}
}

const shapedDoc = `# Incident Postmortem: Shaped

**Version:** 1.0  
**Status:** Draft  
**Owner:** Dana Kim  
**Last Updated:** 2026-12-01

---

## Incident Summary

- **Incident ID:** INC-20261201-001
- **Region:** us-east-1
- **Customer tier:** pro, enterprise
- **Tags:** dns, network
- **Empty:**
- **Région ünï:** [x] looks like a task, 証明書
- **Link:** [docs](https://example.com)

## Root Cause

- **Primary Cause:** p
- **Contributing Factors:**
  - [change/config] The limit was set by hand
  - [x] task-like
  - [capacity]
  - [human factors] two words
  - [docs](https://example.com) a link
  - plain *emph* factor
`

// TestShapeLinesRoundTrip: custom field lines, the Tags line and
// categorized factors are read as labelled Incident Summary extras and
// factor strings, and written back byte for byte: the renderer neither
// escapes the brackets nor makes a link or a task list of them.
func TestShapeLinesRoundTrip(t *testing.T) {
	p, _ := Parse([]byte(shapedDoc))
	wantFields := []hindsight.Field{{Label: "Region", Value: "us-east-1"}, {Label: "Customer tier", Value: "pro, enterprise"},
		{Label: "Tags", Value: "dns, network"}, {Label: "Empty"}, {Label: "Région ünï", Value: "[x] looks like a task, 証明書"},
		{Label: "Link", Value: "[docs](https://example.com)"}}
	if got := p.Extras[hindsight.SecSummary].Fields; !reflect.DeepEqual(got, wantFields) {
		t.Fatalf("summary extras %q, want %q", got, wantFields)
	}
	wantFactors := []string{"[change/config] The limit was set by hand", "[x] task-like", "[capacity]", "[human factors] two words",
		"[docs](https://example.com) a link", "plain *emph* factor"}
	if !reflect.DeepEqual(p.RootCause.Factors, wantFactors) {
		t.Fatalf("factors %q, want %q", p.RootCause.Factors, wantFactors)
	}
	if got := p.Tags(); !reflect.DeepEqual(got, []string{"dns", "network"}) {
		t.Errorf("Tags() = %q", got)
	}
	cats := []string{}
	for _, f := range p.Factors() {
		cats = append(cats, f.Category)
	}
	if want := []string{"change/config", "", "capacity", "human factors", "", ""}; !reflect.DeepEqual(cats, want) {
		t.Errorf("categories %q, want %q", cats, want)
	}
	out := Render(p)
	src := strings.Split(shapedDoc, "\n")
	for _, line := range src[11:18] {
		if !bytes.Contains(out, []byte("\n"+line+"\n")) {
			t.Errorf("rendered document lacks the line %q", line)
		}
	}
	for _, line := range src[22:] {
		if line != "" && !bytes.Contains(out, []byte("\n"+line+"\n")) {
			t.Errorf("rendered document lacks the line %q", line)
		}
	}
	p2, _ := Parse(out)
	if !reflect.DeepEqual(p2.Extras[hindsight.SecSummary], p.Extras[hindsight.SecSummary]) || !reflect.DeepEqual(p2.RootCause, p.RootCause) {
		t.Fatalf("parse(render(parse)) differs")
	}
	if again := Render(p2); !bytes.Equal(again, out) {
		t.Fatal("render is not stable")
	}
	// the page shows the brackets as text: no link, no checkbox
	html := string(HTML(out))
	for _, want := range []string{"[change/config] The limit was set by hand", "[capacity]", "[human factors] two words"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, `href="change/config"`) {
		t.Error("a category became a link")
	}
}

// TestSetShapeValuesRender: values set with the setters render as
// labelled lines and read back the same.
func TestSetShapeValuesRender(t *testing.T) {
	p, _ := Parse([]byte(shapedDoc))
	p.SetCustomField("region", "eu-west-1")
	p.SetCustomField("Jira epic", "https://jira.example.com/browse/OPS-1")
	p.SetCustomField("Empty", "")
	p.SetTags([]string{"dns", "certificates"})
	p.RootCause.Factors = append(p.RootCause.Factors, hindsight.Factor{Category: "dependency/third-party", Text: "The CA was slow"}.String())
	out := Render(p)
	for _, want := range []string{"- **Region:** eu-west-1\n", "- **Tags:** dns, certificates\n", "- **Jira epic:**\n  <https://jira.example.com/browse/OPS-1>\n",
		"  - [dependency/third-party] The CA was slow\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("**Empty:**")) {
		t.Error("a removed field is still written")
	}
	p2, _ := Parse(out)
	if v, _ := p2.CustomField("Jira epic"); v != "https://jira.example.com/browse/OPS-1" {
		t.Errorf("Jira epic read back as %q", v)
	}
	if !reflect.DeepEqual(p2.Tags(), []string{"dns", "certificates"}) || !reflect.DeepEqual(p2.RootCause.Factors, p.RootCause.Factors) {
		t.Errorf("read back %q %q", p2.Tags(), p2.RootCause.Factors)
	}
}
