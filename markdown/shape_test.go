package markdown

import (
	"bytes"
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
