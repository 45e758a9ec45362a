package hindsight_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// FuzzAnchorResolve: an anchor a client sent (any text, any numbers) is
// validated or refused, and resolving it against any document never panics
// and answers a row and a line range inside the document, or Outdated.
func FuzzAnchorResolve(f *testing.F) {
	f.Add("timeline", "2026-05-01 14:02", "deploy started", 1, 0, 0, "# T\n\nline one\nline two\n")
	f.Add("lines", "", "line two", 0, 4, 4, "# T\n\nline one\nline two\n")
	f.Add("action_item", "", "add alert", 0, 0, 0, "")
	f.Add("section", "", "", 0, 0, 0, "")
	f.Fuzz(func(t *testing.T, kind, tm, text string, index, start, end int, md string) {
		a := hindsight.Anchor{Kind: hindsight.AnchorKind(kind), Section: "timeline", Time: tm, Text: text, Index: index, StartLine: start, EndLine: end, ItemID: text, Field: text}
		if err := a.Validate(); err != nil {
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("Validate: %v", err)
			}
			return
		}
		p := &hindsight.Postmortem{
			Timeline:    []hindsight.Event{{Event: text}, {Event: "other " + text}, {Event: md}},
			ActionItems: []hindsight.ActionItem{{Action: text}, {ID: "AI-1", Action: md}},
		}
		pos := a.Resolve(p, []byte(md), 1)
		if pos.Outdated {
			return
		}
		switch a.Kind {
		case hindsight.AnchorTimeline:
			if pos.Row < 0 || pos.Row >= len(p.Timeline) {
				t.Fatalf("row %d of %d", pos.Row, len(p.Timeline))
			}
		case hindsight.AnchorActionItem:
			if pos.Row < 0 || pos.Row >= len(p.ActionItems) {
				t.Fatalf("item %d of %d", pos.Row, len(p.ActionItems))
			}
		case hindsight.AnchorLines:
			if pos.StartLine < 1 || pos.EndLine < pos.StartLine {
				t.Fatalf("lines %d-%d", pos.StartLine, pos.EndLine)
			}
		}
	})
}
