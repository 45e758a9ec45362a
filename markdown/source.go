package markdown

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
)

// source is the document's bytes with a line index.
type source struct {
	b     []byte
	str   string // b as a string, so lines are slices of it, not copies
	start []int  // byte offset of the start of each line (0-based line index)
}

func newSource(b []byte) *source {
	s := &source{b: b, str: string(b)}
	s.start = make([]int, 0, bytes.Count(b, []byte{'\n'})+1)
	s.start = append(s.start, 0)
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			s.start = append(s.start, i+1)
		}
	}
	return s
}

// lines returns the number of lines.
func (s *source) lines() int { return len(s.start) }

// lineOf returns the 0-based line of a byte offset.
func (s *source) lineOf(off int) int {
	lo, hi := 0, len(s.start)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if s.start[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// line returns line i (0-based) without its newline.
func (s *source) line(i int) string {
	if i < 0 || i >= len(s.start) {
		return ""
	}
	end := len(s.b)
	if i+1 < len(s.start) {
		end = s.start[i+1] - 1
	} else if end > 0 && s.b[end-1] == '\n' {
		end--
	}
	st := s.start[i]
	if st > end {
		return ""
	}
	return s.str[st:end]
}

// blank reports whether line i is empty or white space.
func (s *source) blank(i int) bool {
	// CommonMark's blank line: spaces and tabs only (a vertical tab or a
	// form feed is text, as goldmark reads it)
	return strings.Trim(s.line(i), " \t\r") == ""
}

// text returns lines [from, to] (0-based, inclusive) joined, with blank
// lines around them and trailing white space dropped. The first line's
// indentation (up to three spaces) is dropped; with dedentAll, every line
// loses as much (a list or code block keeps its shape), otherwise the other
// lines stay as written (a paragraph's continuation lines, whose indentation
// means nothing but could make them a block of their own if it changed).
func (s *source) text(from, to int, dedentAll bool) string {
	return s.textIndent(from, to, dedentAll, false)
}

// asIs returns lines [from, to] without changing their indentation: content
// that no list precedes when rendered keeps its exact shape.
func (s *source) asIs(from, to int) string { return s.textIndent(from, to, false, true) }

func (s *source) textIndent(from, to int, dedentAll, asIs bool) string {
	for to >= from && s.blank(to) {
		to--
	}
	for from <= to && s.blank(from) {
		from++
	}
	if from > to {
		return ""
	}
	first := s.line(from)
	indent := len(first) - len(strings.TrimLeft(first, " "))
	if indent > 3 || asIs || strings.HasPrefix(first[indent:], "\t") {
		// (spaces then a tab: the tab reaches the same column with fewer
		// spaces before it, so dedenting the first line would not move it
		// while the other lines moved)
		indent = 0
	}
	if dedentAll && indent > 0 {
		// a line indented four or more spaces is never a block of its own;
		// if dedenting would make one of it, the block stays as written
		for i := from + 1; i <= to; i++ {
			l := s.line(i)
			n := len(l) - len(strings.TrimLeft(l, " "))
			// (a blank line is no block, however indented: its spaces are
			// not kept anyway)
			if n >= 4 && n-indent < 4 && strings.Trim(l, " \t") != "" && startsBlock(strings.TrimLeft(l, " ")) {
				indent = 0
				break
			}
		}
	}
	var b strings.Builder
	for i := from; i <= to; i++ {
		l := s.line(i)
		if i == from || dedentAll {
			l = dedent(l, indent)
		}
		if i > from {
			b.WriteByte('\n')
		}
		// trailing spaces go (a kept line break is written anew); a
		// trailing tab stays: "<p" and "<p\t" start different blocks
		b.WriteString(strings.TrimRight(l, " "))
	}
	return b.String()
}

// dedent removes up to n columns of leading white space (tabs to the next
// multiple of 4), as a list item's continuation lines are indented.
func dedent(line string, n int) string {
	col := 0
	i := 0
	for i < len(line) && col < n {
		switch line[i] {
		case ' ':
			col++
		case '\t':
			next := (col/4 + 1) * 4
			if next > n {
				// a tab that reaches past the content column: keep the rest as spaces
				return strings.Repeat(" ", next-n) + line[i+1:]
			}
			col = next
		default:
			return line[i:]
		}
		i++
	}
	return line[i:]
}

// column returns the visual column (tabs to multiples of 4) of byte i in line.
func column(line string, i int) int {
	col := 0
	for j := 0; j < i && j < len(line); j++ {
		if line[j] == '\t' {
			col = (col/4 + 1) * 4
		} else {
			col++
		}
	}
	return col
}

// normLabel folds a label or heading for comparison: lower case, parenthesised
// abbreviations and punctuation dropped, "&" as "and", spaces collapsed.
func normLabel(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	space := false
	for _, r := range s {
		switch {
		case r == '(':
			depth++
		case r == ')':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case r == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = false
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)):
			// (a non-breaking space, a curly apostrophe or an emoji parts words)
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// stripEmphasis removes emphasis or code markers that wrap a whole value
// ("**SEV-1**", "`P0`", "_No_").
func stripEmphasis(s string) string { return stripMarks(unescapeValue(s)) }

// stripMarks removes the emphasis or code markers that wrap a whole value,
// keeping its backslash escapes.
func stripMarks(s string) string {
	s = strings.TrimSpace(s)
	for {
		changed := false
		for _, m := range []string{"**", "__", "*", "_", "`"} {
			if len(s) > 2*len(m) && strings.HasPrefix(s, m) && strings.HasSuffix(s, m) {
				s = strings.TrimSpace(s[len(m) : len(s)-len(m)])
				changed = true
			}
		}
		if !changed {
			return s
		}
	}
}

// unescapeValue reads a typed value as its text: Markdown backslash
// escapes of ASCII punctuation dropped (Google Docs writes "SEV\\-1" and
// "2023\\-03\\-08") and non-breaking spaces as spaces. It allocates only
// when there is something to change.
func unescapeValue(s string) string {
	if !strings.ContainsAny(s, "\\\u00a0\u202f") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			i++
			b.WriteByte(s[i])
			continue
		}
		b.WriteByte(c)
	}
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(b.String())
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

// trimBreak drops a hard line break (two spaces or a backslash) at the end
// of a line. A backslash followed by spaces is text (only one right before
// the line's end is a break).
func trimBreak(s string) string {
	if t := strings.TrimRight(s, " \t"); t != s {
		return t
	}
	if strings.HasSuffix(s, `\`) && !strings.HasSuffix(s, `\\`) {
		t := strings.TrimRight(s[:len(s)-1], " \t")
		if startsBlock(t) {
			return s // "#\" without its backslash could be a heading
		}
		s = t
	}
	return s
}

// splitRow splits a table row's source line into cells: a pipe preceded by
// a backslash is part of the cell; leading and trailing pipes are dropped.
func splitRow(line string) []string {
	t := strings.TrimPrefix(strings.TrimSpace(line), "|")
	if strings.HasSuffix(t, "|") && !strings.HasSuffix(t, `\|`) {
		t = t[:len(t)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(t); i++ {
		if t[i] == '|' && (i == 0 || t[i-1] != '\\') {
			cells = append(cells, t[start:i])
			start = i + 1
		}
	}
	cells = append(cells, t[start:])
	for i, c := range cells {
		cells[i] = unescapeCell(strings.TrimSpace(c))
	}
	return cells
}

// unescapeCell turns a cell's source into the model's text: \| is a pipe,
// <br> a line break.
func unescapeCell(c string) string {
	if strings.Contains(c, `\|`) {
		var b strings.Builder
		for i := 0; i < len(c); i++ {
			if c[i] == '\\' && i+1 < len(c) && c[i+1] == '|' {
				b.WriteByte('|')
				i++
				continue
			}
			b.WriteByte(c[i])
		}
		c = b.String()
	}
	if strings.Contains(c, "<br") {
		for _, br := range []string{"<br>", "<br/>", "<br />", "<BR>"} {
			c = strings.ReplaceAll(c, br, "\n")
		}
	}
	return c
}

// indexPath is the source map path of element i of a list field: "timeline[3]".
func indexPath(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
