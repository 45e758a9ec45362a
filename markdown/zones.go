package markdown

import (
	"regexp"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// docZone is the zone a document states once ("All times are Pacific").
type docZone struct {
	zone *hindsight.Zone // nil when none is stated, or two are
	// abbr is an ambiguous abbreviation the sentence settled with an
	// offset ("IST (UTC+05:30)"): rows naming it read in zone.
	abbr string
	// conflict names the zones when the document states two.
	conflict string
}

var (
	zoneSentenceRe = regexp.MustCompile(`(?i)^(?:all\s+)?times\s+(?:(?:are|were|is|shown|listed|given|written|below|above|here|in\s+this\s+document)\s+)*(?:in\s+|as\s+)?(?:the\s+)?(.+?)$`)
	zoneLabelRe    = regexp.MustCompile(`(?i)^time\s*-?\s*zone\s*:?\s*(.+)$`)
	zoneParenRe    = regexp.MustCompile(`^(.+?)\s*\(([^()]+)\)$`)
	// zoneQualifierRe is the "unless noted" tail of a sentence stating a zone
	zoneQualifierRe = regexp.MustCompile(`(?i),?\s+(?:unless|except)(?:\s+(?:where|when|if|as))?(?:\s+(?:otherwise|explicitly))?\s+(?:noted|marked|stated|specified|indicated|shown|given)$`)
)

// zoneOfSentence reads a sentence stating a zone: "All times are Pacific",
// "Times in CET", "All times UTC", "Timezone: JST". It returns the zone and,
// when an ambiguous abbreviation was settled by an offset after it, that
// abbreviation.
func zoneOfSentence(s string) (*hindsight.Zone, string, bool) {
	s = strings.TrimSpace(s)
	for _, m := range []string{"- ", "* ", "+ ", "> "} {
		s = strings.TrimPrefix(s, m)
	}
	s = strings.Trim(strings.TrimSpace(s), "*_ ")
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.Trim(s[1:len(s)-1], "*_ ")
	}
	s = strings.TrimRight(s, ".:;!")
	s = strings.Trim(s, "*_ ")
	// "... US/Pacific unless marked", "..., except where noted"
	if m := zoneQualifierRe.FindStringIndex(s); m != nil {
		s = strings.TrimRight(s[:m[0]], ", ")
	}
	var rest string
	if m := zoneLabelRe.FindStringSubmatch(s); m != nil {
		rest = m[1]
	} else if m := zoneSentenceRe.FindStringSubmatch(s); m != nil {
		rest = m[1]
	} else {
		return nil, "", false
	}
	return zoneOfText(rest)
}

// zoneOfText reads a zone named on its own, with an optional " time" or
// " time zone" after it and an optional offset in parentheses.
func zoneOfText(s string) (*hindsight.Zone, string, bool) {
	s = strings.Trim(strings.TrimSpace(s), "*_`. ")
	if s == "" {
		return nil, "", false
	}
	if m := zoneParenRe.FindStringSubmatch(s); m != nil {
		main, mok := lookupZoneLoose(m[1])
		inner, iok := lookupZoneLoose(m[2])
		switch {
		case mok && !main.Ambiguous():
			return main, "", true
		case mok && iok && !inner.Ambiguous():
			return inner, main.Name, true
		case !mok && iok:
			return inner, "", true
		}
		return nil, "", false
	}
	z, ok := lookupZoneLoose(s)
	return z, "", ok
}

func lookupZoneLoose(s string) (*hindsight.Zone, bool) {
	s = strings.TrimSpace(s)
	if z, ok := hindsight.LookupZone(s); ok {
		return z, true
	}
	low := strings.ToLower(s)
	for _, suf := range []string{" time zone", " timezone", " time"} {
		if strings.HasSuffix(low, suf) {
			return hindsight.LookupZone(s[:len(s)-len(suf)])
		}
	}
	return nil, false
}

// findDocZone reads the document's sentences stating its zone (outside code
// blocks). Two different zones leave the document without one.
func findDocZone(src *source) docZone {
	var d docZone
	var names []string
	fence := ""
	for i := 0; i < src.lines(); i++ {
		line := strings.TrimSpace(src.line(i))
		if fence != "" {
			if strings.HasPrefix(line, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~") {
			fence = line[:3]
			continue
		}
		if len(line) > 80 || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") || !(strings.Contains(line, "ime") || strings.Contains(line, "IME")) {
			continue // every sentence stating a zone says "time"
		}
		z, abbr, ok := zoneOfSentence(line)
		if !ok {
			continue
		}
		if d.zone == nil && d.conflict == "" {
			d.zone, d.abbr = z, abbr
			names = append(names, z.Name)
			continue
		}
		if d.zone != nil && d.zone.Equal(z) {
			continue
		}
		names = append(names, z.Name)
		d.zone, d.abbr = nil, ""
		d.conflict = strings.Join(names, ", ")
	}
	return d
}

// parenZone reads the zone a label, a column header or a heading names in
// parentheses: "Start Time (UTC)", "Time (PT)", "Timeline (all times PT)".
func parenZone(label string) (*hindsight.Zone, string, bool) {
	i := strings.LastIndex(label, "(")
	j := strings.LastIndex(label, ")")
	if i < 0 || j < i {
		return nil, "", false
	}
	inner := label[i+1 : j]
	if z, abbr, ok := zoneOfText(inner); ok {
		return z, abbr, true
	}
	return zoneOfSentence(inner)
}

// timeContext is the zone a time written without one is read in.
type timeContext struct {
	zone     *hindsight.Zone // nil: UTC
	abbr     string          // an ambiguous abbreviation zone settles
	conflict string          // the document states two zones
}

// contextFor returns the context of a time under a label, column header or
// heading (own), else the document's.
func (p *parse) contextFor(own string) timeContext {
	if z, abbr, ok := parenZone(own); ok {
		return timeContext{zone: z, abbr: abbr}
	}
	return timeContext{zone: p.zone.zone, abbr: p.zone.abbr, conflict: p.zone.conflict}
}

// clockZone applies the context to a time as read: an ambiguous
// abbreviation the context settles, or a time with no zone in a document
// with two.
func (c timeContext) resolve(cl hindsight.Clock) (hindsight.Clock, *hindsight.Zone, error) {
	if cl.Zone.Ambiguous() && c.abbr != "" && strings.EqualFold(cl.Zone.Name, c.abbr) {
		cl.Zone = c.zone
	}
	if cl.Zone == nil && c.conflict != "" {
		return cl, nil, &hindsight.TimeError{Kind: hindsight.TimeZoneConflict, Text: cl.Text, Zone: c.conflict}
	}
	return cl, c.zone, nil
}

// readTime reads a single-value time field in its context.
func (p *parse) readTime(s, path string, line int, ctx timeContext) hindsight.Time {
	c, rest, ok := hindsight.ScanTime(s)
	if !ok || strings.TrimSpace(rest) != "" {
		return hindsight.Time{Text: s}
	}
	c2, def, err := ctx.resolve(c)
	var t time.Time
	if err == nil {
		t, err = c2.In(def)
	}
	if err != nil {
		p.timeIssue(path, line, s, err)
		return hindsight.Time{Text: ctx.keep(c, s)}
	}
	return hindsight.TimeOf(t)
}

// keep returns the text of a time kept as text. A time written without a
// zone keeps the zone it was read in, in parentheses ("10:00 (IST)"): fmt
// writes it under a "Time (UTC)" header, where it must not turn into UTC.
func (c timeContext) keep(cl hindsight.Clock, text string) string {
	if cl.Zone != nil {
		return text
	}
	switch {
	case c.conflict != "":
		return text + " (" + c.conflict + ")"
	case c.zone != nil && !c.zone.Equal(hindsight.UTCZone):
		return text + " (" + c.zone.Name + ")"
	}
	return text
}

func (p *parse) timeIssue(path string, line int, text string, err error) {
	te, ok := err.(*hindsight.TimeError)
	if !ok || te.Kind == hindsight.TimeNotTime {
		return
	}
	te.Text = text
	p.sm.TimeIssues = append(p.sm.TimeIssues, hindsight.TimeIssue{Field: path, Line: line + 1, Err: te})
}

// labelOf returns the label part of a field's line: the text before the
// first colon ("- **Start Time (UTC):** ..." -> "- **Start Time (UTC)").
func (p *parse) labelOf(line int) string {
	l := p.src.line(line)
	if i := strings.Index(l, ":"); i > 0 {
		return l[:i]
	}
	return ""
}

// pendingTime is a timeline time placed once the whole document is read.
type pendingTime struct {
	idx   int
	clock hindsight.Clock
	ctx   timeContext
	text  string
	line  int
}

// splitTimeNote splits "2021-02-10 03:15 (JST 12:15)" into the time and the
// note in parentheses after it (also full-width).
func splitTimeNote(s string) (string, string, bool) {
	c, rest, ok := hindsight.ScanTime(s)
	if !ok {
		return "", "", false
	}
	note := strings.TrimSpace(rest)
	if zoneList(note) {
		return "", "", false // "10:00 (Pacific, CET)": written so by fmt, not a note
	}
	if (strings.HasPrefix(note, "(") && strings.HasSuffix(note, ")") && strings.Count(note, "(") == 1) ||
		(strings.HasPrefix(note, "（") && strings.HasSuffix(note, "）") && strings.Count(note, "（") == 1) {
		return c.Text, note, true
	}
	return "", "", false
}

// resolveTimes places the timeline times once the Start Time is known: a
// time of day takes the date of the row above it (or of the Start Time),
// see hindsight.Clock.Place. A time that cannot be placed or converted
// exactly is kept as text and listed for the linter.
func (p *parse) resolveTimes() {
	if len(p.pending) == 0 {
		return
	}
	var prev time.Time
	if p.doc.Summary.Start.IsSet() {
		prev = p.doc.Summary.Start.T
	}
	pi := 0
	for i := range p.doc.Timeline {
		ev := &p.doc.Timeline[i]
		if pi < len(p.pending) && p.pending[pi].idx == i {
			pt := p.pending[pi]
			pi++
			c, def, err := pt.ctx.resolve(pt.clock)
			var t time.Time
			if err == nil {
				t, err = c.Place(prev, def)
			}
			if err != nil {
				ev.Time.Text = pt.ctx.keep(pt.clock, pt.text)
				p.timeIssue(indexPath("timeline", i)+".time", pt.line, ev.Time.Text, err)
				continue
			}
			ev.Time = hindsight.TimeOf(t)
			prev = ev.Time.T
			continue
		}
		if ev.Time.IsSet() {
			prev = ev.Time.T
		}
	}
}

// zoneList reports whether s is "(Z1, Z2...)", the zones of a document
// stating two, written after a time kept as text.
func zoneList(s string) bool {
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") || !strings.Contains(s, ",") {
		return false
	}
	for _, part := range strings.Split(s[1:len(s)-1], ",") {
		if _, ok := lookupZoneLoose(part); !ok {
			return false
		}
	}
	return true
}
