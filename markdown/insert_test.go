package markdown

import (
	"os"
	"strings"
	"testing"
)

// The template with one odd line inserted after each of its lines (empty
// list items, white space that Go and CommonMark see differently, blocks
// that end or continue lists) formats to a fixed point: what the fuzzer
// found one at a time, checked everywhere at once.
func TestTemplateWithInsertedLineIsFixedPoint(t *testing.T) {
	tmpl, _ := os.ReadFile("../../shared/template/postmortem-template.md")
	lines := strings.Split(string(tmpl), "\n")
	bad := 0
	for i := range lines {
		for _, ins := range []string{"\v", "\f", " \v", "  -", "-", "\t-", "   x", "<!-- c -->", "***", "---", "> q", "```", "| a |", "    code", "\tcode", "x  ", "x\\", "<div>", "# h", "===", "  - **Label:** v", "\v\v", "  \f x"} {
			mod := append(append(append([]string{}, lines[:i+1]...), ins), lines[i+1:]...)
			src := strings.Join(mod, "\n")
			doc, _ := Parse([]byte(src))
			once := Render(doc)
			doc2, _ := Parse(once)
			if twice := Render(doc2); string(once) != string(twice) {
				bad++
				if bad < 6 {
					t.Errorf("after line %d %q insert %q:\n%s", i+1, lines[i], ins, lineDiff(string(once), string(twice)))
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d insertions are not a fixed point", bad)
	}
}
