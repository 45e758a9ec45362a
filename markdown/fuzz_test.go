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
