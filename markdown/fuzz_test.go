package markdown

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input parses without panic, and what it gives renders to a
// fixed point: Render(Parse(Render(Parse(x)))) == Render(Parse(x)).
func FuzzParse(f *testing.F) {
	f.Add(templateBytes(f))
	for _, pattern := range []string{"../examples/*.md", "../testdata/messy/*.md"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("## Timeline\n\n| a | b |\n|--|--|\n| 1 | \\| |\n"))
	f.Add([]byte("- **Primary Cause:**\n  -\n    - x\n"))
	f.Add([]byte("---\nfront: matter\n---\n# Incident Postmortem: x\n"))
	// HTML tables as Confluence and Notion exports write them
	f.Add([]byte("# x\n\n<table><tr><th>Severity</th><td>SEV-1</td></tr><tr><th>Services Affected</th><td>a<br>b</td></tr></table>\n\n## Timeline\n\n" + confluenceTimeline +
		"\n\n## Action Items\n\n<table>\n<thead><tr><th>Action</th><th>Owner</th><th>Status</th></tr></thead>\n<tr><td><p>Fix <strong>it</strong></p></td><td>Ann</td><td>✅ Done</td></tr>\n<tr><td colspan=2>x</td></tr>\n</table>\n"))
	f.Add([]byte("## What Went Poorly\n\n- a\n\t- b\n\n### Near misses\n\n- c\n\n## Action Plan\n\n- [ ] Canary @net due 2024-03-01 (P1)\n- [x] Floor — owner: Ann, P0, due: Q2 2024\n    - sub\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, sm := Parse(src)
		if doc == nil || sm == nil {
			t.Fatal("nil result")
		}
		once := Render(doc)
		doc2, _ := Parse(once)
		twice := Render(doc2)
		if string(once) != string(twice) {
			t.Fatalf("not a fixed point:\ninput %q\n%s", src, lineDiff(string(once), string(twice)))
		}
	})
}
