package lint

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// Word is an entry of the blameless word list: a phrase that blames people
// and a neutral wording to suggest instead. Matching is case-insensitive on
// word boundaries; a trailing "*" matches any word ending ("careless*"
// matches carelessly); a phrase starting with "'s" ("'s fault") takes the
// word before it ("Bob's fault").
type Word struct {
	Phrase     string `yaml:"phrase" json:"phrase"`
	Suggestion string `yaml:"suggestion" json:"suggestion"`
}

const (
	sugSystem   = "describe the conditions in the system or process that made the action possible (e.g. \"the deploy tool accepted an unreviewed change\")"
	sugInfo     = "describe what information was not available at the time, and how it will be surfaced"
	sugCheck    = "describe which check, signal or safeguard was missing"
	sugFactors  = "name the contributing factors instead of a person"
	sugAction   = "describe the action and the conditions that made it likely"
	sugPrompt   = "describe which step, prompt or automation was missing (e.g. \"the runbook had no step for...\")"
	sugAttend   = "describe why the signal did not stand out (noise, routing, fatigue)"
	sugNeutral  = "use neutral, factual wording about what happened"
	sugFatFing  = "describe the input the tool accepted without validation or confirmation"
	sugBlameful = "describe contributing factors; postmortems are blameless"
)

// DefaultWords is the built-in blameless word list.
var DefaultWords = []Word{
	{"human error", sugSystem},
	{"operator error", sugSystem},
	{"user error", sugSystem},
	{"careless*", sugSystem},
	{"negligen*", sugCheck},
	{"should have known", sugInfo},
	{"should've known", sugInfo},
	{"should have caught", sugCheck},
	{"should have noticed", sugCheck},
	{"should have checked", sugCheck},
	{"should have tested", sugCheck},
	{"'s fault", sugFactors},
	{"fault of", sugFactors},
	{"blame", sugBlameful},
	{"blamed", sugBlameful},
	{"blames", sugBlameful},
	{"blaming", sugBlameful},
	{"incompeten*", sugNeutral},
	{"stupid*", sugNeutral},
	{"lazy", sugNeutral},
	{"laziness", sugNeutral},
	{"sloppy", sugNeutral},
	{"reckless*", sugNeutral},
	{"irresponsib*", sugNeutral},
	{"inattentive", sugAttend},
	{"not paying attention", sugAttend},
	{"ignored the alert*", sugAttend},
	{"forgot to", sugPrompt},
	{"failed to notice", sugAttend},
	{"didn't bother", sugPrompt},
	{"did not bother", sugPrompt},
	{"screwed up", sugAction},
	{"messed up", sugAction},
	{"dropped the ball", sugAction},
	{"made a mistake", sugAction},
	{"fat-finger*", sugFatFing},
	{"fat finger*", sugFatFing},
	{"pebkac", sugSystem},
}

// matcher is a compiled word list.
type matcher struct {
	words []compiledWord
}

type compiledWord struct {
	phrase     string // lower case, without the trailing *
	prefix     bool   // trailing * given
	possessive bool   // starts with 's
	suggestion string
	display    string
}

func newMatcher(words []Word, ignore []string) *matcher {
	ign := map[string]bool{}
	for _, w := range ignore {
		ign[strings.ToLower(strings.TrimSpace(w))] = true
	}
	m := &matcher{}
	for _, w := range words {
		p := strings.ToLower(strings.TrimSpace(w.Phrase))
		if p == "" || ign[p] {
			continue
		}
		cw := compiledWord{phrase: p, suggestion: w.Suggestion, display: w.Phrase}
		if strings.HasSuffix(p, "*") {
			cw.phrase, cw.prefix = strings.TrimSuffix(p, "*"), true
		}
		cw.phrase = strings.ReplaceAll(cw.phrase, "’", "'")
		cw.possessive = strings.HasPrefix(cw.phrase, "'s ")
		if cw.suggestion == "" {
			cw.suggestion = sugNeutral
		}
		m.words = append(m.words, cw)
		if strings.Contains(cw.phrase, "'") { // typographic apostrophe too
			cw.phrase = strings.ReplaceAll(cw.phrase, "'", "’")
			cw.possessive = strings.HasPrefix(cw.phrase, "’s ")
			m.words = append(m.words, cw)
		}
	}
	return m
}

// hit is one match of the word list in a text.
type hit struct {
	start, end int // byte offsets in the text
	word       *compiledWord
}

func isWordByte(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// find returns the matches in text, at most one per position.
func (m *matcher) find(text string) []hit {
	if text == "" || len(m.words) == 0 {
		return nil
	}
	lower := lowerSameLen(maskCode(text))
	var hits []hit
	taken := map[int]bool{}
	for i := range m.words {
		w := &m.words[i]
		from := 0
		for from < len(lower) {
			j := strings.Index(lower[from:], w.phrase)
			if j < 0 {
				break
			}
			start := from + j
			end := start + len(w.phrase)
			from = start + 1
			if w.possessive {
				// extend to the word before the 's
				s := start
				for s > 0 {
					r, size := utf8.DecodeLastRuneInString(lower[:s])
					if !isWordByte(r) {
						break
					}
					s -= size
				}
				if s == start {
					continue
				}
				start = s
			} else if start > 0 {
				r, _ := utf8.DecodeLastRuneInString(lower[:start])
				if isWordByte(r) {
					continue
				}
			}
			if w.prefix {
				for end < len(lower) {
					r, size := utf8.DecodeRuneInString(lower[end:])
					if !isWordByte(r) {
						break
					}
					end += size
				}
			} else if end < len(lower) {
				r, _ := utf8.DecodeRuneInString(lower[end:])
				if isWordByte(r) {
					continue
				}
			}
			if taken[start] {
				continue
			}
			taken[start] = true
			hits = append(hits, hit{start: start, end: end, word: w})
		}
	}
	return hits
}

// lowerSameLen lower-cases s keeping every byte offset: runes whose lower
// case has another length, and invalid UTF-8, are kept as they are.
func lowerSameLen(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if l := unicode.ToLower(r); r != utf8.RuneError && utf8.RuneLen(l) == size {
			b = utf8.AppendRune(b, l)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// maskCode replaces code spans and fenced code blocks with spaces (keeping
// newlines and byte offsets), so the blameless rule does not read code.
func maskCode(s string) string {
	if !strings.ContainsRune(s, '`') && !strings.Contains(s, "~~~") {
		return s
	}
	b := []byte(s)
	// fenced blocks, line by line
	inFence := false
	fence := ""
	lineStart := 0
	for lineStart <= len(b) {
		lineEnd := lineStart
		for lineEnd < len(b) && b[lineEnd] != '\n' {
			lineEnd++
		}
		line := strings.TrimLeft(string(b[lineStart:lineEnd]), " ")
		isFence := strings.HasPrefix(line, "```") || strings.HasPrefix(line, "~~~")
		if isFence && !inFence {
			inFence, fence = true, line[:3]
		} else if isFence && inFence && strings.HasPrefix(line, fence) {
			inFence = false
			blank(b[lineStart:lineEnd])
		}
		if inFence || isFence {
			blank(b[lineStart:lineEnd])
		}
		lineStart = lineEnd + 1
	}
	// code spans: a run of n backticks up to the next run of n backticks
	for i := 0; i < len(b); {
		if b[i] != '`' {
			i++
			continue
		}
		n := 0
		for i+n < len(b) && b[i+n] == '`' {
			n++
		}
		closeAt := -1
		for j := i + n; j < len(b); {
			if b[j] != '`' {
				j++
				continue
			}
			m := 0
			for j+m < len(b) && b[j+m] == '`' {
				m++
			}
			if m == n {
				closeAt = j + m
				break
			}
			j += m
		}
		if closeAt < 0 {
			i += n
			continue
		}
		blank(b[i:closeAt])
		i = closeAt
	}
	return string(b)
}

func blank(b []byte) {
	for i := range b {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// freeText lists the free-text fields of a document with their paths.
func freeText(p *hindsight.Postmortem, sm *hindsight.SourceMap) []struct {
	field string
	line  int
	text  string
} {
	type ft = struct {
		field string
		line  int
		text  string
	}
	var out []ft
	add := func(field, text string) {
		if strings.TrimSpace(text) != "" {
			out = append(out, ft{field, sm.Line(field), text})
		}
	}
	add("title", p.Title)
	add("executive_summary", p.ExecutiveSummary)
	add("summary.customer_impact.symptoms", p.Summary.CustomerImpact.Symptoms)
	for i, n := range p.Summary.CustomerImpact.Notes {
		add(fmt.Sprintf("summary.customer_impact.notes[%d]", i), n)
	}
	add("detection.detected_by", p.Detection.DetectedBy)
	add("impact.customer", p.Impact.Customer)
	add("impact.internal", p.Impact.Internal)
	for i, e := range p.Timeline {
		add(fmt.Sprintf("timeline[%d].event", i), e.Event)
	}
	add("root_cause.primary", p.RootCause.Primary)
	for i, s := range p.RootCause.Factors {
		add(fmt.Sprintf("root_cause.contributing_factors[%d]", i), s)
	}
	add("resolution.immediate_fix", p.Resolution.Immediate)
	add("resolution.long_term_fix", p.Resolution.LongTerm)
	add("communication.status_page_updates", p.Communication.StatusPage)
	add("communication.direct_notifications", p.Communication.Direct)
	add("communication.post_incident_follow_up", p.Communication.FollowUp)
	for i, s := range p.WentWell {
		add(fmt.Sprintf("went_well[%d]", i), s)
	}
	for i, s := range p.WentPoorly {
		add(fmt.Sprintf("went_poorly[%d]", i), s)
	}
	for i, a := range p.ActionItems {
		add(fmt.Sprintf("action_items[%d].action", i), a.Action)
	}
	add("prevention.monitoring_improvements", p.Prevention.Monitoring)
	add("prevention.process_improvements", p.Prevention.Process)
	add("prevention.documentation_updates", p.Prevention.Documentation)
	add("prevention.training_needs", p.Prevention.Training)
	for _, s := range hindsight.Sections {
		x, ok := p.Extras[s.Key]
		if !ok {
			continue
		}
		add(s.Key, x.Before)
		for _, f := range x.Fields {
			add(s.Key, f.Value)
		}
		add(s.Key, x.After)
	}
	for i, cs := range p.Custom {
		field := fmt.Sprintf("custom_sections[%d]", i)
		line := 0
		for _, u := range sm.Unknown {
			if u.Kind == "section" && u.Name == cs.Heading {
				line = u.Line
				break
			}
		}
		if strings.TrimSpace(cs.Body) != "" {
			out = append(out, ft{field, line, cs.Body})
		}
	}
	return out
}

func checkBlameless(c *checker) {
	m := c.cfg.matcher()
	for _, t := range freeText(c.doc, c.sm) {
		for _, h := range m.find(t.text) {
			quote := t.text[h.start:h.end]
			line := t.line
			if line > 0 {
				line += strings.Count(t.text[:h.start], "\n")
			}
			f := c.reportAt(t.field, line, "%s: %q blames people rather than systems; %s", t.field, quote, h.word.suggestion)
			f.needle = quote
		}
	}
}
