package tracker

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	hindsight "github.com/hindsight-pm/hindsight"
)

// TestDueLineRoundTrip: whatever the body, writing a due date and reading it
// back gives the date; clearing it leaves no due line and keeps the marker.
func TestDueLineRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		body := rapid.StringMatching(`[a-zA-Z0-9 .:*\n]{0,80}`).Draw(t, "body")
		if _, ok := bodyDue(body); ok {
			t.Skip("the generated body has a due line of its own")
		}
		withMarker := rapid.Bool().Draw(t, "marker")
		if withMarker {
			body += "\n\n" + markerComment(testMarker)
		}
		d := time.Date(rapid.IntRange(2000, 2099).Draw(t, "y"), time.Month(rapid.IntRange(1, 12).Draw(t, "m")), rapid.IntRange(1, 28).Draw(t, "d"), 0, 0, 0, 0, time.UTC)
		set := setBodyDue(body, d)
		if got, ok := bodyDue(set); !ok || !got.Equal(d) {
			t.Fatalf("bodyDue(%q) = %v %v, want %v", set, got, ok, d)
		}
		d2 := d.AddDate(0, 1, 3)
		if got, _ := bodyDue(setBodyDue(set, d2)); !got.Equal(d2) {
			t.Fatalf("rewriting the date gave %v, want %v", got, d2)
		}
		cleared := setBodyDue(set, time.Time{})
		if _, ok := bodyDue(cleared); ok {
			t.Fatalf("cleared body %q still has a due line", cleared)
		}
		if withMarker && ExtractMarker(cleared) != testMarker {
			t.Fatalf("clearing lost the marker: %q", cleared)
		}
		if strings.Count(cleared, "\n\n\n") > strings.Count(body, "\n\n\n") {
			t.Fatalf("clearing left a gap: %q", cleared)
		}
	})
}

func TestExtractMarker(t *testing.T) {
	tests := []struct{ in, want string }{
		{"x <!-- hindsight:INC-20261201-001/AI-003 --> y", "hindsight:INC-20261201-001/AI-003"},
		{"hindsight:INC-1", ""},
		{"no marker", ""},
		{"hindsight:custom-id/AI-1 and hindsight:INC-2/AI-2", "hindsight:custom-id/AI-1"},
		{"<!-- hindsight:INC-20261201-001/#3 -->", "hindsight:INC-20261201-001/#3"},
	}
	for _, tt := range tests {
		if got := ExtractMarker(tt.in); got != tt.want {
			t.Errorf("ExtractMarker(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if m := hindsight.TrackerMarker("INC-20261201-001", hindsight.ItemKeyOf(hindsight.ActionItem{}, 2)); !validMarker(m) {
		t.Errorf("hindsight.TrackerMarker gives %q, which ExtractMarker does not read", m)
	}
	if !hasMarker("a hindsight:INC-1/AI-1 b", "hindsight:INC-1/AI-1") || hasMarker("hindsight:INC-1/AI-12", "hindsight:INC-1/AI-1") {
		t.Error("hasMarker must match whole markers only")
	}
}

func TestADF(t *testing.T) {
	doc := adf("First line\nsee https://h.example/incidents/INC-1.\n\n<!-- hidden -->\n\nLast")
	content, _ := doc["content"].([]any)
	if doc["type"] != "doc" || len(content) != 2 {
		t.Fatalf("adf: %v", doc)
	}
	p0 := content[0].(map[string]any)["content"].([]any)
	if len(p0) != 5 { // "First line", hardBreak, "see ", the link, "." (not part of the URL)
		t.Fatalf("paragraph nodes %v", p0)
	}
	var link map[string]any
	for _, n := range p0 {
		if m := n.(map[string]any); m["marks"] != nil {
			link = m
		}
	}
	if link == nil || link["text"] != "https://h.example/incidents/INC-1" {
		t.Fatalf("link node %v", link)
	}
}
