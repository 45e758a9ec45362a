package hindsight

// SourceMap records where each field of a parsed document stood in its
// source, for the linter and for error messages. Lines are 1-based.
type SourceMap struct {
	// Lines maps a field path to its line. Paths use the JSON names:
	// "title", "status", "summary.start_time", "summary.services_affected[0]",
	// "timeline[3].time", "action_items[1].owner", "went_well[2]".
	// A section's heading is recorded under its key ("timeline").
	Lines map[string]int
	// Placeholders are template placeholders found in the document, which
	// parse as "not set".
	Placeholders []Placeholder
	// Unknown lists content that maps to no field (kept verbatim in Extras
	// or Custom): unknown sections, labels and columns.
	Unknown []Unknown
	// Disabled lists the lint rule IDs turned off by inline comments
	// (<!-- hindsight-disable HS012 -->).
	Disabled []string
	// LineCount is the number of lines of the source.
	LineCount int
	// TimeIssues lists the times kept as text because they could not be
	// read exactly (an ambiguous zone, a row with no date to place it
	// on...), with the reason, for the linter.
	TimeIssues []TimeIssue
}

// TimeIssue is a time kept as text, and why.
type TimeIssue struct {
	Field string
	Line  int
	Err   *TimeError
}

// Placeholder is a template placeholder left in a document.
type Placeholder struct {
	Field string
	Line  int
	Text  string
}

// Unknown is content that maps to no field.
type Unknown struct {
	Kind    string // "section", "field", "column", "content", "nesting" (markers past the nesting bound, read as text)
	Section string // the section key it stood in ("" for a custom section)
	Name    string // the heading, label or column name
	Line    int
}

// Line returns the line of a field path, or of the nearest enclosing path
// that has one ("timeline[3].time" falls back to "timeline[3]" and then to
// "timeline"), or 0.
func (m *SourceMap) Line(path string) int {
	if m == nil {
		return 0
	}
	for path != "" {
		if l, ok := m.Lines[path]; ok {
			return l
		}
		cut := -1
		for i := len(path) - 1; i >= 0; i-- {
			if path[i] == '.' || path[i] == '[' {
				cut = i
				break
			}
		}
		if cut < 0 {
			return 0
		}
		path = path[:cut]
	}
	return 0
}
