package markdown

import (
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// SummaryLabel reports the template field a custom field named name would
// be read as: a line "- **name:** value" in Incident Summary that the
// parser maps to a template field ("Severity", "Start Time (UTC)"...)
// instead of keeping it as a custom field. It returns that field's label,
// or "" when name is free for a custom field.
func SummaryLabel(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if f, _, ok := matchLabel(fieldSpecs[hindsight.SecSummary], "**"+name+":** x"); ok {
		return f.label
	}
	return ""
}

// SectionHint is the one-line hint `hindsight new` writes in a section a
// template variant adds; lint reads a section holding only it as unfilled.
func SectionHint(heading string) string {
	return "Write the " + strings.TrimSpace(heading) + " here."
}

// RenderTemplateVariant writes the template of the variant name of shape:
// the template (RenderTemplate) with the variant's field lines, empty, in
// Incident Summary and its sections, each with a one-line hint
// (SectionHint). With the zero shape, "default" is the template itself.
// An unknown name is EInvalid listing the known ones.
func RenderTemplateVariant(shape hindsight.Shape, name string) ([]byte, error) {
	v, err := shape.Variant(name)
	if err != nil {
		return nil, err
	}
	p := &hindsight.Postmortem{}
	v.Apply(p, SectionHint)
	return RenderTemplate(p), nil
}
