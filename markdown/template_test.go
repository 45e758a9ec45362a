package markdown

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// templatePath finds the shared template beside the repository (../shared)
// or the copy kept in testdata.
func templateBytes(t testing.TB) []byte {
	t.Helper()
	for _, p := range []string{
		filepath.Join("..", "..", "shared", "template", "postmortem-template.md"),
		filepath.Join("testdata", "postmortem-template.md"),
	} {
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
	}
	t.Fatal("postmortem template not found")
	return nil
}

func TestRenderTemplateOfEmptyIsTemplate(t *testing.T) {
	want := templateBytes(t)
	got := RenderTemplate(&hindsight.Postmortem{})
	if string(got) != string(want) {
		t.Fatalf("empty model does not render the template byte for byte:\n%s", lineDiff(string(want), string(got)))
	}
}

// TestFormatKeepsTemplate: fmt keeps the hints an author left verbatim, so
// the untouched template formats to itself.
func TestFormatKeepsTemplate(t *testing.T) {
	want := templateBytes(t)
	doc, _ := Parse(want)
	if got := Render(doc); string(got) != string(want) {
		t.Fatalf("the template does not format to itself:\n%s", lineDiff(string(want), string(got)))
	}
}

func TestParseTemplateIsEmpty(t *testing.T) {
	doc, sm := Parse(templateBytes(t))
	if len(doc.Hints) < 30 {
		t.Errorf("expected the template's hints to be kept, got %d", len(doc.Hints))
	}
	doc.Hints = nil
	if !reflect.DeepEqual(*doc, hindsight.Postmortem{}) {
		b, _ := json.MarshalIndent(doc, "", "  ")
		t.Fatalf("template did not parse as the empty model:\n%s", b)
	}
	if len(sm.Placeholders) < 30 {
		t.Errorf("expected the template's placeholders to be recorded, got %d", len(sm.Placeholders))
	}
	if len(sm.Unknown) != 0 {
		t.Errorf("template has no unknown content, got %+v", sm.Unknown)
	}
}
