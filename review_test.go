package hindsight_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func tl(rows ...string) *hindsight.Postmortem {
	p := &hindsight.Postmortem{}
	for _, r := range rows {
		tm, text, _ := strings.Cut(r, "|")
		t, _ := hindsight.ParseTime(tm)
		p.Timeline = append(p.Timeline, hindsight.Event{Time: t, Event: text})
	}
	return p
}

func TestAnchorResolveTimeline(t *testing.T) {
	a := hindsight.Anchor{Kind: hindsight.AnchorTimeline, Time: "2026-05-01 14:02", Text: "deploy started", Index: 1}
	tests := []struct {
		name     string
		doc      *hindsight.Postmortem
		row      int
		outdated bool
	}{
		{"same place", tl("2026-05-01 14:00|alert", "2026-05-01 14:02|deploy started"), 1, false},
		{"rows added above", tl("2026-05-01 13:00|a", "2026-05-01 13:30|b", "2026-05-01 14:00|alert", "2026-05-01 14:02|deploy started"), 3, false},
		{"text edited", tl("2026-05-01 14:00|alert", "2026-05-01 14:02|deploy v2 started by CI"), 1, false},
		{"time edited", tl("2026-05-01 14:00|alert", "2026-05-01 14:03|Deploy  started"), 1, false},
		{"deleted", tl("2026-05-01 14:00|alert", "2026-05-01 14:10|rollback"), -1, true},
		{"empty timeline", tl(), -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pos := a.Resolve(tc.doc, nil, 3)
			if pos.Row != tc.row || pos.Outdated != tc.outdated || pos.Revision != 3 {
				t.Errorf("Resolve = %+v, want row %d outdated %v", pos, tc.row, tc.outdated)
			}
		})
	}
}

func TestAnchorResolveOthers(t *testing.T) {
	p := &hindsight.Postmortem{ActionItems: []hindsight.ActionItem{{ID: "AI-1", Action: "add alert"}, {Action: "write runbook"}},
		Custom: []hindsight.CustomSection{{Heading: "Glossary"}}}
	md := []byte("# T\n\nline one\n  line two\nline three\nline two\n")
	tests := []struct {
		name     string
		a        hindsight.Anchor
		row      int
		start    int
		outdated bool
	}{
		{"item by id", hindsight.Anchor{Kind: hindsight.AnchorActionItem, ItemID: "ai-1", Text: "old text"}, 0, 0, false},
		{"item by text", hindsight.Anchor{Kind: hindsight.AnchorActionItem, Text: "Write runbook"}, 1, 0, false},
		{"item gone", hindsight.Anchor{Kind: hindsight.AnchorActionItem, ItemID: "AI-9"}, -1, 0, true},
		{"section", hindsight.Anchor{Kind: hindsight.AnchorSection, Section: hindsight.SecRootCause}, -1, 0, false},
		{"custom section", hindsight.Anchor{Kind: hindsight.AnchorSection, Section: "glossary"}, -1, 0, false},
		{"custom section gone", hindsight.Anchor{Kind: hindsight.AnchorSection, Section: "Appendix"}, -1, 0, true},
		{"field", hindsight.Anchor{Kind: hindsight.AnchorField, Section: hindsight.SecDetection, Field: "detection.incident_commander"}, -1, 0, false},
		{"lines nearest the hint", hindsight.Anchor{Kind: hindsight.AnchorLines, Text: "line two", StartLine: 6, EndLine: 6}, -1, 6, false},
		{"lines moved", hindsight.Anchor{Kind: hindsight.AnchorLines, Text: "line one\nline two", StartLine: 1, EndLine: 2}, -1, 3, false},
		{"lines gone", hindsight.Anchor{Kind: hindsight.AnchorLines, Text: "line four", StartLine: 1, EndLine: 1}, -1, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pos := tc.a.Resolve(p, md, 1)
			if pos.Row != tc.row || pos.StartLine != tc.start || pos.Outdated != tc.outdated {
				t.Errorf("Resolve = %+v, want row %d start %d outdated %v", pos, tc.row, tc.start, tc.outdated)
			}
		})
	}
}

func TestAnchorValidate(t *testing.T) {
	tests := []struct {
		a     hindsight.Anchor
		field string // "" = valid
	}{
		{hindsight.Anchor{Kind: hindsight.AnchorSection, Section: "timeline"}, ""},
		{hindsight.Anchor{}, "anchor.kind"},
		{hindsight.Anchor{Kind: "paragraph"}, "anchor.kind"},
		{hindsight.Anchor{Kind: hindsight.AnchorLines, StartLine: 3, EndLine: 2}, "anchor.start_line"},
		{hindsight.Anchor{Kind: hindsight.AnchorTimeline}, "anchor.time"},
		{hindsight.Anchor{Kind: hindsight.AnchorField}, "anchor.field"},
	}
	for _, tc := range tests {
		err := tc.a.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%+v: %v", tc.a, err)
			}
			continue
		}
		e, ok := err.(*hindsight.Error)
		if !ok || e.Code != hindsight.EInvalid || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: got %v, want invalid %s", tc.a, err, tc.field)
		}
	}
}

func TestReviewContent(t *testing.T) {
	a := "# Incident Postmortem: X\n\n**Version:** 1  \n**Status:** Draft  \n**Last Updated:** 2026-01-01\n\n## Root Cause\n\nA  thing\n"
	b := "# Incident Postmortem: X\n\n**Version:** 1  \n**Status:** In Review  \n**Last Updated:** 2026-01-09\n\n## Root Cause\n\nA thing\n\n"
	c := "# Incident Postmortem: X\n\n**Version:** 1  \n**Status:** Draft  \n**Last Updated:** 2026-01-01\n\n## Root Cause\n\nAnother thing\n"
	if hindsight.ReviewContent([]byte(a)) != hindsight.ReviewContent([]byte(b)) {
		t.Error("status, date and whitespace changes change the review content")
	}
	if hindsight.ReviewContent([]byte(a)) == hindsight.ReviewContent([]byte(c)) {
		t.Error("a content change does not change the review content")
	}
}

func TestGateEvaluate(t *testing.T) {
	g := hindsight.ReviewGate{RequiredApprovals: map[hindsight.Severity]int{"SEV-1": 2}, DefaultApprovals: 0,
		BlockOnLint: hindsight.LintBlockError, ResolveThreads: true}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rs := []hindsight.Review{
		{ID: 1, Reviewer: "usr_a", State: hindsight.ReviewApproved, At: now},
		{ID: 2, Reviewer: "usr_b", State: hindsight.ReviewApproved, At: now, Stale: true},
		{ID: 3, Reviewer: "usr_author", ReviewerEmail: "au@example.com", State: hindsight.ReviewApproved, At: now},
	}
	res := g.Evaluate(hindsight.GateInput{Severity: "SEV-1", Review: &hindsight.ReviewSummary{Reviews: rs, OpenThreads: 2}, Authors: []string{"AU@example.com"}, LintErrors: 3})
	if res.OK || len(res.Unmet()) != 3 {
		t.Fatalf("gate = %+v, want 3 unmet", res)
	}
	msg := res.Err().Error()
	for _, want := range []string{"1 current approval of 2 required (SEV-1)", "1 by an author", "3 lint errors", "2 unresolved comment threads"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if e, ok := res.Err().(*hindsight.Error); !ok || e.Code != hindsight.EConflict {
		t.Errorf("error %v is not a conflict", res.Err())
	}
	ok := g.Evaluate(hindsight.GateInput{Severity: "SEV-3", Review: &hindsight.ReviewSummary{}})
	if !ok.OK || ok.Err() != nil {
		t.Errorf("SEV-3 with nothing required: %+v", ok)
	}
	g.AuthorCanApprove = true
	rs[1].Stale = false
	if r := g.Evaluate(hindsight.GateInput{Severity: "SEV-1", Review: &hindsight.ReviewSummary{Reviews: rs}, Authors: []string{"au@example.com"}}); !r.OK {
		t.Errorf("3 approvals with author_can_approve: %+v", r)
	}
}

func TestDue(t *testing.T) {
	r := hindsight.DueRule{Days: map[hindsight.Severity]int{"SEV-1": 5}, Default: 20}
	end := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if got := r.DueAt("SEV-1", end); !got.Equal(end.AddDate(0, 0, 5)) {
		t.Errorf("SEV-1 due %v", got)
	}
	if got := r.DueAt("SEV-3", end); !got.Equal(end.AddDate(0, 0, 20)) {
		t.Errorf("SEV-3 due %v", got)
	}
	if !r.DueAt("SEV-1", time.Time{}).IsZero() {
		t.Error("no End has a due date")
	}
	if (hindsight.DueRule{}).DaysFor("SEV-2") != hindsight.DefaultUnpublishedDays {
		t.Error("the zero rule is not the insights' late-postmortem period")
	}
	due := end.AddDate(0, 0, 5)
	tests := []struct {
		now  time.Time
		st   hindsight.Status
		want string
	}{
		{due.Add(time.Minute), hindsight.StatusDraft, hindsight.DueOverdue},
		{due.Add(time.Minute), hindsight.StatusPublished, hindsight.DueNone},
		{due.Add(-24 * time.Hour), hindsight.StatusInReview, hindsight.DueSoon},
		{due.AddDate(0, 0, -10), hindsight.StatusDraft, hindsight.DueLater},
	}
	for _, tc := range tests {
		if got := hindsight.DueState(due, tc.st, tc.now); got != tc.want {
			t.Errorf("DueState(%v, %s) = %q, want %q", tc.now, tc.st, got, tc.want)
		}
	}
}
