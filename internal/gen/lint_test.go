package gen

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

// TestValidDocumentsLintClean renders generated documents, parses them back
// and lints them as of the generator's reference date: valid documents have
// no finding at all, and the parse gives back the same model.
func TestValidDocumentsLintClean(t *testing.T) {
	g := New(20260312)
	for i := range 500 {
		p := g.Postmortem()
		src := markdown.Render(p)
		q, sm := markdown.Parse(src)
		for _, f := range lint.Lint(q, sm, nil, lint.Options{Today: DefaultNow}) {
			t.Errorf("document %d (%s) line %d: %s %s: %s", i, p.Summary.IncidentID, f.Line, f.Rule, f.Name, f.Message)
		}
		a, _ := json.Marshal(p)
		b, _ := json.Marshal(q)
		if !bytes.Equal(a, b) {
			t.Errorf("document %d (%s) does not survive render and parse:\n%s\n%s", i, p.Summary.IncidentID, a, b)
		}
		if t.Failed() {
			return
		}
	}
}

// TestMessyDocumentsHaveFindings checks that messy documents give the
// linter something to report.
func TestMessyDocumentsHaveFindings(t *testing.T) {
	g := NewWithOptions(9, Options{Messy: 1})
	flagged := 0
	for range 300 {
		p := g.Postmortem()
		q, sm := markdown.Parse(markdown.Render(p))
		if lint.Count(lint.Lint(q, sm, nil, lint.Options{Today: DefaultNow}), lint.Warning) > 0 {
			flagged++
		}
	}
	if flagged < 250 {
		t.Errorf("only %d of 300 messy documents have findings at warning level or above", flagged)
	}
}
