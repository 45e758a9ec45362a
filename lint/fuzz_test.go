package lint

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// FuzzLint lints arbitrary input, writes every format and applies the
// fixes: nothing may panic, and every finding has a rule, level and message.
// Seeds: the template, the examples, testdata.
func FuzzLint(f *testing.F) {
	f.Add(markdown.RenderTemplate(&hindsight.Postmortem{}))
	for _, pattern := range []string{"testdata/*.md", "../examples/*.md", "../testdata/messy/*.md"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("# Incident Postmortem: x\n\n## Timeline (UTC)\n\n| Time (UTC) | Event |\n| --- | --- |\n| 2026-01-02 03:04 | b |\n| 2026-01-01 03:04 | a |\n"))
	f.Add([]byte("## Incident Summary\n\n- **Duration:** 99999999:00\n- **Start Time (UTC):** 0001-01-01 00:00\n- **End Time (UTC):** 9999-12-31 23:59\n"))
	cfg := DefaultConfig()
	cfg.Services = []string{"api"}
	cfg.Owners = []string{"alice"}
	f.Fuzz(func(t *testing.T, src []byte) {
		fs := Source("f.md", src, cfg, Options{Today: testToday})
		for _, x := range fs {
			if x.Rule == "" || x.Level == "" || x.Message == "" || x.Line < 1 || x.Col < 1 {
				t.Fatalf("incomplete finding %+v", x)
			}
		}
		for _, format := range Formats {
			if err := Write(&bytes.Buffer{}, format, Report{Findings: fs}); err != nil {
				t.Fatal(err)
			}
		}
		doc, _ := markdown.Parse(src)
		Apply(doc, fs)
		_ = markdown.Render(doc)
		IsPostmortem(src)
	})
}
