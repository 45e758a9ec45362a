package lint

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Source parses a Markdown postmortem and lints it. path is recorded in the
// findings (it may be ""). Lines and columns point into src; a finding
// without a more precise position points at line 1.
func Source(path string, src []byte, cfg *Config, opt Options) []Finding {
	doc, sm := markdown.Parse(src)
	fs := Lint(doc, sm, cfg, opt)
	locate(src, fs)
	for i := range fs {
		fs[i].Path = path
	}
	return fs
}

// locate refines lines and columns: a finding about a piece of text (a
// placeholder, a bad value, a blameful phrase) points at that text, searched
// from the field's line onwards.
func locate(src []byte, fs []Finding) {
	var lines [][]byte
	for i := range fs {
		f := &fs[i]
		if f.needle != "" {
			if lines == nil {
				lines = bytes.Split(src, []byte("\n"))
			}
			if l, c := findText(lines, f.Line, f.needle); l > 0 {
				f.Line, f.Col = l, c
			}
		}
		if f.Line < 1 {
			f.Line = 1
		}
		if f.Col < 1 {
			f.Col = 1
		}
	}
	sortFindings(fs)
}

// findText finds needle (case-insensitively) on line from or in the next
// lines, and returns its 1-based line and column in runes.
func findText(lines [][]byte, from int, needle string) (int, int) {
	n := []byte(strings.ToLower(firstLine(needle)))
	if len(n) == 0 {
		return 0, 0
	}
	if from < 1 {
		from = 1
	}
	for l := from; l <= len(lines) && l < from+400; l++ {
		line := lines[l-1]
		if i := indexFold(line, n); i >= 0 {
			return l, utf8.RuneCount(line[:i]) + 1
		}
	}
	return 0, 0
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// indexFold is bytes.Index on the ASCII-lowered line (needle already lower).
func indexFold(line, lowNeedle []byte) int {
	if i := bytes.Index(line, lowNeedle); i >= 0 {
		return i
	}
	low := bytes.ToLower(line)
	if len(low) != len(line) {
		return -1
	}
	return bytes.Index(low, lowNeedle)
}

// IsPostmortem reports whether Markdown src looks like a postmortem: it has
// the H1 "Incident Postmortem..." or at least two of the template's section
// headings; or, as exports and hand-written documents name them (Timeline,
// Root Causes, Follow-ups, bold headings...), a timeline section and at
// least one other section the parser knows. It reads headings first, so it
// is cheap for the template's own documents.
func IsPostmortem(src []byte) bool {
	if templateHeadings(src) {
		return true
	}
	_, sm := markdown.Parse(src)
	if sm.Lines[hindsight.SecTimeline] == 0 {
		return false
	}
	n := 0
	for _, s := range hindsight.Sections {
		if sm.Lines[s.Key] > 0 {
			n++
		}
	}
	return n >= 2
}

// templateHeadings is the cheap test of IsPostmortem: the template's title
// or two of its section headings, spelled as the template spells them.
func templateHeadings(src []byte) bool {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	n := 0
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		line = bytes.TrimRight(line, " \t\r")
		if !bytes.HasPrefix(line, []byte("#")) {
			continue
		}
		level := 0
		for level < len(line) && line[level] == '#' {
			level++
		}
		text := strings.TrimSpace(string(line[level:]))
		if level == 1 && strings.HasPrefix(strings.ToLower(text), "incident postmortem") {
			return true
		}
		if level == 2 {
			for _, s := range hindsight.Sections {
				if strings.EqualFold(text, s.Heading) {
					n++
					break
				}
			}
			if n >= 2 {
				return true
			}
		}
	}
	return false
}
