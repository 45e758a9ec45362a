package markdown_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/htmldoc"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"go.yaml.in/yaml/v4"
)

// The real-world corpus: postmortems written from public incident reports in
// the shapes people export (testdata/corpus/README.md), each with the values
// expected of it in <name>.expect.yaml. Every expected value is a check; a
// check that fails is an error unless testdata/corpus/known-failures.txt
// lists it, and a listed check that passes is an error too, so the list only
// shrinks.

const corpusDir = "../testdata/corpus"

// expectation is the format of <name>.expect.yaml. A key that is absent is
// not checked; a key present with an empty value must be empty.
type expectation struct {
	Source string `yaml:"source"`
	Shape  string `yaml:"shape"`

	Title      *string   `yaml:"title"`
	Status     *string   `yaml:"status"`
	Owner      *string   `yaml:"owner"`
	IncidentID *string   `yaml:"incident_id"`
	Severity   *string   `yaml:"severity"`
	Start      *string   `yaml:"start"`
	End        *string   `yaml:"end"`
	Duration   *string   `yaml:"duration"`
	Detected   *string   `yaml:"detected"`
	TTA        *string   `yaml:"tta"`
	TTM        *string   `yaml:"ttm"`
	Commander  *string   `yaml:"commander"`
	Services   *[]string `yaml:"services"`
	RootCause  *string   `yaml:"root_cause"`

	Timeline    *[]expectedEvent `yaml:"timeline"`
	ActionItems *[]expectedItem  `yaml:"action_items"`
	WentWell    *[]string        `yaml:"went_well"`
	WentPoorly  *[]string        `yaml:"went_poorly"`
	Sections    *[]string        `yaml:"sections"`
	Custom      *[]string        `yaml:"custom_sections"`
	TextValues  []expectedText   `yaml:"text_values"`
	// Lost lists words fmt may drop from this document, with the reason in a
	// comment (a canonical rewrite the README documents).
	Lost []string `yaml:"fmt_may_drop"`
}

type expectedEvent struct {
	Time     string `yaml:"time"`      // UTC, YYYY-MM-DD HH:MM
	TimeText string `yaml:"time_text"` // a time kept as text, with a finding
	Untimed  bool   `yaml:"untimed"`   // a row that states no time at all
	// OrTime is the UTC time also accepted for a time_text row: the
	// exact reading of a form the parser need not support.
	OrTime string `yaml:"or_time"`
	Event  string `yaml:"event"` // the start of the event text
}

type expectedItem struct {
	Action   string  `yaml:"action"` // the start of the action text
	Owner    *string `yaml:"owner"`
	Priority *string `yaml:"priority"`
	Due      *string `yaml:"due"`      // YYYY-MM-DD
	DueText  *string `yaml:"due_text"` // a target date kept as text
	Status   *string `yaml:"status"`
}

type expectedText struct {
	Field string `yaml:"field"` // JSON path: summary.start_time, timeline[2].time
	Text  string `yaml:"text"`  // the text kept (contained in the value)
	// Finding false: an honest "unknown" or "TBD" that lint need not report.
	Finding *bool `yaml:"finding"`
}

// canonicalRewrites are words fmt may drop from any document: the zone and
// clock words of a time it converted to canonical UTC (README of the corpus).
var canonicalRewrites = map[string]bool{
	"am": true, "pm": true, "a.m": true, "p.m": true, "pst": true, "pdt": true, "pt": true, "est": true, "edt": true, "et": true,
	"mst": true, "mdt": true, "cet": true, "cest": true, "jst": true, "kst": true, "aest": true, "aedt": true, "nzst": true, "nzdt": true,
	"gmt": true, "z": true, "sec": true, "secs": true, "seconds": true,
	// the title's prefix, rewritten as the template's "Incident Postmortem:"
	"post-mortem": true, "post-incident": true,
	// zone names (US/Pacific, America/Los_Angeles, Pacific Daylight Time)
	// of a converted time
	"daylight": true, "us": true, "pacific": true, "eastern": true, "mountain": true, "america": true, "los_angeles": true, "new_york": true,
}

// shrinkKnown lets the test drop, from known-failures.txt, the entries that
// pass now (and only those): go test ./markdown -run TestRealWorldCorpus
// -corpus.shrink. It never adds one.
var shrinkKnown = flag.Bool("corpus.shrink", false, "remove the entries of testdata/corpus/known-failures.txt that pass now")

func TestRealWorldCorpus(t *testing.T) {
	known := readKnownFailures(t)
	stale := map[int]bool{} // lines of known-failures.txt that pass now
	docs, err := filepath.Glob(filepath.Join(corpusDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	seen := map[string]bool{}
	for _, path := range docs {
		name := filepath.Base(path)
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".md" && ext != ".html" || name == "README.md" {
			continue
		}
		n++
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			failed := checkCorpusDoc(t, path)
			var unexpected, expected []string
			for _, f := range failed {
				if known.covers(name, f.id) {
					expected = append(expected, f.String())
				} else {
					unexpected = append(unexpected, f.String())
				}
			}
			for _, e := range known[name] {
				if e.matchesAny(failed) {
					continue
				}
				if *shrinkKnown {
					stale[e.line] = true
					t.Logf("%s %s passes now: removed from known-failures.txt", name, e.check)
				} else {
					t.Errorf("%s passes now: remove %q from testdata/corpus/known-failures.txt (or run with -corpus.shrink)", name, e.check)
				}
			}
			for _, u := range unexpected {
				// the form of a known-failures.txt line, to copy there
				// only when the failure is the parser's, not the corpus's
				t.Errorf("%s %s", name, u)
			}
			if len(expected) > 0 && !t.Failed() {
				t.Skipf("known failures (testdata/corpus/known-failures.txt):\n\t%s", strings.Join(expected, "\n\t"))
			}
		})
	}
	if n < 32 {
		t.Errorf("the corpus holds %d documents, want at least 32", n)
	}
	for doc := range known {
		if !seen[doc] {
			t.Errorf("known-failures.txt names %s, which is not in the corpus", doc)
		}
	}
	if len(stale) > 0 {
		removeLines(t, filepath.Join(corpusDir, "known-failures.txt"), stale)
	}
}

// removeLines rewrites a file without the given (1-based) lines.
func removeLines(t *testing.T, path string, drop map[int]bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, l := range strings.SplitAfter(string(b), "\n") {
		if !drop[i+1] {
			out = append(out, l)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// failure is one check that did not hold: id names it (title, start,
// timeline[3].time, action_items[0].owner, fmt.words...), msg says how.
type failure struct{ id, msg string }

func (f failure) String() string {
	return f.id + "  # " + strings.ReplaceAll(f.msg, "\n", " ")
}

func loadExpectation(t *testing.T, path string) *expectation {
	t.Helper()
	name := strings.TrimSuffix(path, filepath.Ext(path)) + ".expect.yaml"
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("every corpus document needs its expected values: %v", err)
	}
	var e expectation
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if e.Source == "" || e.Shape == "" {
		t.Fatalf("%s: source and shape are required", name)
	}
	return &e
}

func checkCorpusDoc(t *testing.T, path string) []failure {
	e := loadExpectation(t, path)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if htmldoc.IsHTML(path) {
		if src, err = htmldoc.ToMarkdown(src); err != nil {
			return []failure{{"convert", err.Error()}}
		}
	}
	doc, sm := markdown.Parse(src)
	findings := lint.Source(path, src, nil, lint.Options{Today: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	var fs []failure
	fail := func(id, format string, args ...any) { fs = append(fs, failure{id, fmt.Sprintf(format, args...)}) }
	str := func(id string, want *string, got string) {
		if want != nil && norm(got) != norm(*want) {
			fail(id, "got %q, want %q", got, *want)
		}
	}
	tm := func(id string, want *string, got hindsight.Time) {
		if want == nil {
			return
		}
		if got.IsSet() != (*want != "") || got.String() != *want {
			fail(id, "got %q (read as a time: %v), want %q", got.String(), got.IsSet(), *want)
		}
	}
	du := func(id string, want *string, got hindsight.Duration) {
		if want != nil && (got.String() != *want || got.Valid != (*want != "")) {
			fail(id, "got %q (read as a duration: %v), want %q", got.String(), got.Valid, *want)
		}
	}
	str("title", e.Title, doc.Title)
	str("status", e.Status, doc.Status.Label())
	str("owner", e.Owner, doc.Owner)
	str("incident_id", e.IncidentID, doc.Summary.IncidentID)
	str("severity", e.Severity, string(doc.Summary.Severity))
	tm("start", e.Start, doc.Summary.Start)
	tm("end", e.End, doc.Summary.End)
	du("duration", e.Duration, doc.Summary.Duration)
	tm("detected", e.Detected, doc.Detection.DetectionTime)
	du("tta", e.TTA, doc.Detection.TTA)
	du("ttm", e.TTM, doc.Detection.TTM)
	str("commander", e.Commander, doc.Detection.Commander)
	if e.RootCause != nil && !strings.HasPrefix(norm(doc.RootCause.Primary), norm(*e.RootCause)) {
		fail("root_cause", "got %q, want it to start with %q", doc.RootCause.Primary, *e.RootCause)
	}
	if e.Services != nil {
		if got := doc.ServiceNames(); !equalNorm(got, *e.Services) {
			fail("services", "got %q, want %q", got, *e.Services)
		}
	}
	prefixes := func(id string, want *[]string, got []string) {
		if want == nil {
			return
		}
		if len(got) != len(*want) {
			fail(id, "got %d items %q, want %d", len(got), got, len(*want))
			return
		}
		for i, w := range *want {
			if !strings.HasPrefix(norm(got[i]), norm(w)) {
				fail(fmt.Sprintf("%s[%d]", id, i), "got %q, want it to start with %q", got[i], w)
			}
		}
	}
	prefixes("went_well", e.WentWell, doc.WentWell)
	prefixes("went_poorly", e.WentPoorly, doc.WentPoorly)

	if e.Timeline != nil {
		want := *e.Timeline
		if len(doc.Timeline) != len(want) {
			var got []string
			for _, ev := range doc.Timeline {
				got = append(got, ev.Time.String()+" | "+ev.Event)
			}
			fail("timeline", "got %d rows, want %d:\n\t\t%s", len(doc.Timeline), len(want), strings.Join(got, "\n\t\t"))
		} else {
			for i, w := range want {
				ev := doc.Timeline[i]
				id := fmt.Sprintf("timeline[%d]", i)
				switch {
				case w.Untimed:
					if ev.Time.IsSet() {
						fail(id+".time", "got %q, want no time (the row states none)", ev.Time.String())
					}
				case w.TimeText != "" && w.OrTime != "" && ev.Time.IsSet() && ev.Time.String() == w.OrTime:
				case w.TimeText != "":
					if ev.Time.IsSet() || !strings.Contains(ev.Time.Text+" "+ev.Event, w.TimeText) {
						fail(id+".time", "got %q (read as a time: %v), want %q kept as text", ev.Time.String(), ev.Time.IsSet(), w.TimeText)
					} else if !hasFinding(findings, sm, id) {
						fail(id+".finding", "%q is kept as text but lint reports nothing on line %d", w.TimeText, sm.Line(id))
					}
				case ev.Time.String() != w.Time || !ev.Time.IsSet():
					fail(id+".time", "got %q (read as a time: %v), want %q", ev.Time.String(), ev.Time.IsSet(), w.Time)
				}
				if !strings.HasPrefix(norm(leadingNoteRe.ReplaceAllString(ev.Event, "")), norm(w.Event)) {
					fail(id+".event", "got %q, want it to start with %q", ev.Event, w.Event)
				}
			}
		}
	}
	if e.ActionItems != nil {
		want := *e.ActionItems
		if len(doc.ActionItems) != len(want) {
			var got []string
			for _, a := range doc.ActionItems {
				got = append(got, a.Action)
			}
			fail("action_items", "got %d items, want %d: %q", len(doc.ActionItems), len(want), got)
		} else {
			for i, w := range want {
				a := doc.ActionItems[i]
				id := fmt.Sprintf("action_items[%d]", i)
				if !strings.HasPrefix(norm(a.Action), norm(w.Action)) {
					fail(id+".action", "got %q, want it to start with %q", a.Action, w.Action)
				}
				str(id+".owner", w.Owner, a.Owner)
				str(id+".priority", w.Priority, string(a.Priority))
				str(id+".status", w.Status, string(a.Status))
				if w.Due != nil && (a.TargetDate.String() != *w.Due || a.TargetDate.IsSet() != (*w.Due != "")) {
					fail(id+".due", "got %q (read as a date: %v), want %q", a.TargetDate.String(), a.TargetDate.IsSet(), *w.Due)
				}
				if w.DueText != nil && (a.TargetDate.IsSet() || a.TargetDate.Text != *w.DueText) {
					fail(id+".due", "got %q (read as a date: %v), want %q kept as text", a.TargetDate.String(), a.TargetDate.IsSet(), *w.DueText)
				}
			}
		}
	}
	if e.Sections != nil {
		var got []string
		for _, s := range hindsight.Sections {
			if sm.Lines[s.Key] > 0 {
				got = append(got, s.Key)
			}
		}
		want := append([]string(nil), *e.Sections...)
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			fail("sections", "got %q, want %q", got, want)
		}
	}
	if e.Custom != nil {
		var got []string
		for _, c := range doc.Custom {
			got = append(got, c.Heading)
		}
		if !equalNorm(got, *e.Custom) {
			fail("custom_sections", "got %q, want %q", got, *e.Custom)
		}
	}
	if len(e.TextValues) > 0 {
		js, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var tree any
		if err := json.Unmarshal(js, &tree); err != nil {
			t.Fatal(err)
		}
		for _, tv := range e.TextValues {
			raw := jsonPath(tree, tv.Field)
			if m, isMap := raw.(map[string]any); isMap {
				raw = m["text"] // a Duration: {"minutes", "text"}
			}
			v, ok := raw.(string)
			switch {
			case !ok || !strings.Contains(v, tv.Text):
				fail("text:"+tv.Field, "got %v, want text containing %q", jsonPath(tree, tv.Field), tv.Text)
			case (tv.Finding == nil || *tv.Finding) && !hasFinding(findings, sm, tv.Field):
				fail("text:"+tv.Field+".finding", "%q is kept as text but lint reports nothing about it (line %d)", tv.Text, sm.Line(tv.Field))
			}
		}
	}

	if !lint.IsPostmortem(src) {
		fail("is_postmortem", "not recognised as a postmortem: import, lint and fmt skip it in a folder")
	}

	// fmt keeps every word, and fmt(fmt(x)) == fmt(x)
	out := markdown.Render(doc)
	allowed := map[string]bool{}
	for w := range canonicalRewrites {
		allowed[w] = true
	}
	for _, w := range e.Lost {
		allowed[strings.ToLower(w)] = true
	}
	for _, re := range []*regexp.Regexp{offsetWordRe, durationWordRe} {
		for _, w := range re.FindAllString(strings.ToLower(string(src)), -1) {
			allowed[w] = true // UTC+9, GMT-7, 2h52m: converted times and durations
		}
	}
	if lost := markdown.LostWords(src, out, allowed); len(lost) > 0 {
		fail("fmt.words", "formatting lost words: %q", lost)
	}
	doc2, _ := markdown.Parse(out)
	if twice := markdown.Render(doc2); !bytes.Equal(out, twice) {
		fail("fmt.idempotent", "fmt(fmt(x)) != fmt(x): %s", markdown.LineDiff(string(out), string(twice)))
	}
	return fs
}

var (
	// a note in parentheses after a time ("(JST 18:47) — ..."), kept at
	// the start of the event: the event is compared after it
	leadingNoteRe  = regexp.MustCompile(`^\s*[(（][^)）]*[)）]\s*[—–:-]?\s*`)
	durationWordRe = regexp.MustCompile(`\b\d+[dhm](?:\d+[dhm])+\b`)
	offsetWordRe   = regexp.MustCompile(`\b(?:utc|gmt)[+-]\d{1,2}(?::?\d{2})?\b`)
	spaceRe        = regexp.MustCompile(`[\s\x{00a0}]+`)
	escapeRe       = regexp.MustCompile("\\\\([!-/:-@\\[-`{-~])")
)

// norm folds spacing (NBSP included), Markdown emphasis and backslash
// escapes for comparing text values.
func norm(s string) string {
	s = strings.NewReplacer("**", "", "`", "").Replace(s)
	s = escapeRe.ReplaceAllString(s, "$1")
	return strings.TrimSpace(spaceRe.ReplaceAllString(s, " "))
}

func equalNorm(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if norm(got[i]) != norm(want[i]) {
			return false
		}
	}
	return true
}

// hasFinding reports whether lint reports something about the field at path
// (its path, or the line it stands on).
func hasFinding(fs []lint.Finding, sm *hindsight.SourceMap, path string) bool {
	line := sm.Line(path)
	for _, f := range fs {
		if f.Field == path || strings.HasPrefix(f.Field, path+".") || strings.HasPrefix(f.Field, path+"[") || (line > 0 && f.Line == line) {
			return true
		}
	}
	return false
}

var pathPartRe = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// jsonPath walks a decoded JSON tree along a path like timeline[2].time.
func jsonPath(v any, path string) any {
	for _, m := range pathPartRe.FindAllStringSubmatch(path, -1) {
		switch x := v.(type) {
		case map[string]any:
			v = x[m[1]]
		case []any:
			i, err := strconv.Atoi(m[2])
			if m[2] == "" || err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// knownFailures maps a document to the checks listed as failing for it.
type knownFailures map[string][]knownEntry

type knownEntry struct {
	check string
	line  int
}

// covers reports whether an entry lists the check id: the same id, or a
// prefix of it ("timeline" covers "timeline[3].time").
func (e knownEntry) covers(id string) bool {
	return id == e.check || strings.HasPrefix(id, e.check+".") || strings.HasPrefix(id, e.check+"[")
}

func (e knownEntry) matchesAny(fs []failure) bool {
	for _, f := range fs {
		if e.covers(f.id) {
			return true
		}
	}
	return false
}

func (k knownFailures) covers(doc, id string) bool {
	for _, e := range k[doc] {
		if e.covers(id) {
			return true
		}
	}
	return false
}

// readKnownFailures reads testdata/corpus/known-failures.txt: one
// "<document> <check>  # what fails" a line; blank lines and # comments are
// ignored.
func readKnownFailures(t *testing.T) knownFailures {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "known-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k := knownFailures{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			t.Fatalf("known-failures.txt:%d: want \"<document> <check>  # why\", got %q", n, sc.Text())
		}
		for _, e := range k[fields[0]] {
			if e.check == fields[1] {
				t.Fatalf("known-failures.txt:%d: %s %s is listed twice", n, fields[0], fields[1])
			}
		}
		k[fields[0]] = append(k[fields[0]], knownEntry{check: fields[1], line: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return k
}
