package markdown

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// corpus returns the example postmortems and the hand-made messy variants.
func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pattern := range []string{"../examples/*.md", "../testdata/messy/*.md"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = b
		}
	}
	if len(out) == 0 {
		t.Fatal("no examples found")
	}
	return out
}

// TestExamplesAreCanonical: the examples are written in canonical form, so
// they render back byte for byte and hold nothing unknown.
func TestExamplesAreCanonical(t *testing.T) {
	for name, src := range corpus(t) {
		if !strings.Contains(name, "examples") {
			continue
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			doc, sm := Parse(src)
			if got := Render(doc); string(got) != string(src) {
				t.Errorf("not canonical:\n%s", lineDiff(string(src), string(got)))
			}
			if len(sm.Unknown) > 0 {
				t.Errorf("unknown content: %+v", sm.Unknown)
			}
			if doc.Summary.IncidentID == "" || !doc.Summary.Start.IsSet() || !doc.Summary.Severity.Valid() || len(doc.Timeline) == 0 || len(doc.ActionItems) == 0 {
				t.Errorf("summary, timeline or action items not parsed: %+v", doc.Summary)
			}
		})
	}
}

// TestFormatIsIdempotent: fmt(fmt(x)) == fmt(x) for every document.
func TestFormatIsIdempotent(t *testing.T) {
	for name, src := range corpus(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			doc, _ := Parse(src)
			once := Render(doc)
			doc2, _ := Parse(once)
			twice := Render(doc2)
			if string(once) != string(twice) {
				t.Errorf("fmt is not idempotent:\n%s", lineDiff(string(once), string(twice)))
			}
		})
	}
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’._-]*[\p{L}\p{N}]`)

// canonicalised lists words that formatting may replace by their canonical
// spelling (labels, statuses, yes/no, severities), so they may disappear.
var canonicalised = map[string]bool{
	"final": true, "complete": true, "completed": true, "review": true, "done": true, "fixed": true, "resolved": true, "yes": true, "no": true,
	"sev1": true, "sev2": true, "sev3": true, "sev4": true, "sev": true, "utc": true, "todo": true, "wip": true, "closed": true, "open": true,
	"in": true, "progress": true, "due": true, "owner": true, "high": true, "medium": true, "low": true, "critical": true, "urgent": true, "p-0": true, "p-1": true, "p-2": true, "service-name": true,
	// spelled durations and dates, respelled as HH:MM and YYYY-MM-DD
	"h": true, "m": true, "hour": true, "hours": true, "min": true, "mins": true, "minute": true, "minutes": true, "day": true, "days": true,
	"january": true, "february": true, "march": true, "april": true, "june": true, "july": true, "august": true, "september": true, "october": true, "november": true, "december": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "may": true, "jun": true, "jul": true, "aug": true, "sep": true, "oct": true, "nov": true, "dec": true,
}

// TestFormatLosesNoWord: every word of a messy document is still in its
// formatted form, but for labels and values that are respelled.
func TestFormatLosesNoWord(t *testing.T) {
	for name, src := range corpus(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			doc, _ := Parse(src)
			out := strings.ToLower(string(Render(doc)))
			have := map[string]bool{}
			for _, w := range wordRe.FindAllString(out, -1) {
				have[w] = true
			}
			var lost []string
			for _, w := range wordRe.FindAllString(strings.ToLower(string(src)), -1) {
				if !have[w] && !canonicalised[w] && !isLabelWord(w) && !isTimeLike(w) {
					lost = append(lost, w)
				}
			}
			if len(lost) > 0 {
				t.Errorf("formatting lost words: %q", lost)
			}
		})
	}
}

// isLabelWord reports words of the labels and headings that formatting
// replaces with the template's own.
func isLabelWord(w string) bool {
	if parts := strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '\'' || r == '’' }); len(parts) > 1 {
		// "follow-ups" of a heading written "Action Items"
		for _, p := range parts {
			if !isLabelWord(p) {
				return false
			}
		}
		return true
	}
	for _, specs := range fieldSpecs {
		for _, f := range specs {
			for _, a := range append(f.aliases, normLabel(f.label)) {
				for _, x := range strings.Fields(a) {
					if x == w {
						return true
					}
				}
			}
		}
	}
	// the column headings of the timeline and action item tables, which
	// formatting writes as the template's
	if columnWords[w] {
		return true
	}
	for a := range sectionAliases {
		for _, x := range strings.Fields(a) {
			if x == w {
				return true
			}
		}
	}
	return false
}

var columnWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("time utc timestamp when date datetime event events description what happened details activity action update id ai item number ref task owner assignee owners assigned to who responsible team priority prio pri severity target due deadline eta by status state done progress title") {
		columnWords[w] = true
	}
}

var timeLikeRe = regexp.MustCompile(`^[0-9t:.z-]+$|^[0-9]+[hmd]$|^[0-9]{1,2}[:.][0-9]{2}(?:[ap]\.?m)?$`)

func isTimeLike(w string) bool { return timeLikeRe.MatchString(w) }
