package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

const newShapeYAML = `fields:
  - {name: Region, type: enum, values: [us-east-1, eu-west-1]}
  - {name: Disclosure deadline, type: date}
templates:
  security:
    sections: [Data Exposure Assessment, Regulatory Notifications]
    fields: [Disclosure deadline]
    restricted: true
  privacy: {extends: security, sections: [DPO Review]}
`

// TestNewTemplate: hindsight new --template writes the variant's field
// lines (empty, in Incident Summary) and sections (each with its one-line
// hint), following extends; the output parses back to the same lines.
func TestNewTemplate(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".hindsight.yaml"), []byte(newShapeYAML), 0o644)
	tests := []struct {
		template string
		fields   []string
		sections []string
	}{
		{"", []string{"Region"}, nil},
		{"security", []string{"Region", "Disclosure deadline"}, []string{"Data Exposure Assessment", "Regulatory Notifications"}},
		{"privacy", []string{"Region", "Disclosure deadline"}, []string{"Data Exposure Assessment", "Regulatory Notifications", "DPO Review"}},
	}
	for _, tt := range tests {
		t.Run(tt.template, func(t *testing.T) {
			file := filepath.Join(dir, "pm-"+tt.template+".md")
			args := []string{"new", "--title", "Leaked key", "--severity", "SEV-1", "-o", file}
			if tt.template != "" {
				args = append(args, "--template", tt.template)
			}
			if code, _, stderr := runIn(t, "", args...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			src, _ := os.ReadFile(file)
			doc, _ := markdown.Parse(src)
			if doc.Title != "Leaked key" || doc.Summary.Severity != hindsight.Sev1 {
				t.Errorf("prefill lost: %+v", doc.Summary)
			}
			var labels []string
			for _, f := range doc.CustomFields() {
				labels = append(labels, f.Label)
				if !strings.Contains(string(src), "- **"+f.Label+":**\n") {
					t.Errorf("no empty line for %q", f.Label)
				}
			}
			if strings.Join(labels, "|") != strings.Join(tt.fields, "|") {
				t.Errorf("fields %q, want %q", labels, tt.fields)
			}
			var secs []string
			for _, c := range doc.Custom {
				secs = append(secs, c.Heading)
				if c.Body != markdown.SectionHint(c.Heading) {
					t.Errorf("section %q body %q, want the hint", c.Heading, c.Body)
				}
			}
			if strings.Join(secs, "|") != strings.Join(tt.sections, "|") {
				t.Errorf("sections %q, want %q", secs, tt.sections)
			}
		})
	}
}

func TestNewTemplateErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".hindsight.yaml"), []byte(newShapeYAML), 0o644)
	code, _, stderr := runIn(t, "", "new", "--template", "secret", "-o", filepath.Join(dir, "x.md"))
	if code != 2 || !strings.Contains(stderr, `--template: unknown template "secret"; expected default, security, privacy`) {
		t.Errorf("unknown template: exit %d %q", code, stderr)
	}
	// --config names the file; a bad one is an error naming its line
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("fields:\n  - {name: Region, type: colour}\n"), 0o644)
	code, _, stderr = runIn(t, "", "new", "--config", bad)
	if code != 2 || !strings.Contains(stderr, "bad.yaml:2") {
		t.Errorf("bad config: exit %d %q", code, stderr)
	}
	code, out, stderr := runIn(t, "", "new", "--config", filepath.Join(dir, ".hindsight.yaml"), "--template", "security")
	if code != 0 || !strings.Contains(out, "## Data Exposure Assessment\n\n"+markdown.SectionHint("Data Exposure Assessment")) {
		t.Errorf("--config: exit %d %q\n%s", code, stderr, out)
	}
}
