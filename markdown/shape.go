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
