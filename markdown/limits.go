package markdown

import (
	"bytes"
	"html/template"
)

// MaxNesting is how deep Markdown may nest before goldmark sees it: block
// quotes and list items (counted together, with the indentation that
// continues them), and, for the HTML renderings, the brackets, parentheses
// and emphasis delimiters left open in one paragraph.
//
// goldmark spends time quadratic in the nesting depth (every open
// container re-measures the line from its start, every closing bracket
// looks back over the open ones), so a 100 KiB document of "> > > ..."
// took seconds and one of 1 MiB minutes. With the bound, every accepted
// document parses in time linear in its size. Nothing is lost past the
// bound:
//
//   - Parse (and so lint, fmt, the API and every save) reads the markers
//     past the bound as text of the innermost block: the model's values
//     keep every character of the source, only the structure stops at
//     MaxNesting levels (limitBlocks).
//   - The HTML renderings (HTML, and the web pages through UserHTML) show
//     a text nested deeper than the bound as plain escaped text, line for
//     line (TooDeep, PlainHTML).
const MaxNesting = 32

// maxDeepNotes bounds the lines past the bound that Parse lists in the
// source map (the linter reports each).
const maxDeepNotes = 10

// tabWidth is the widest a tab can be (it moves to the next multiple of 4).
const tabWidth = 4

// limitBlocks returns src, or a copy of it in which every block container
// marker (">", "-", "+", "*", "1.", "1)") that would open a container past
// MaxNesting is replaced, byte for byte, by a letter, so goldmark reads the
// rest of that line as the text of the container it is in. The copy has the
// same length and the same line breaks, so every position goldmark reports
// is a position in src. lines are the 1-based lines changed.
//
// A line's depth is at most the container markers on it plus the
// containers it continues by indentation; a list item is continued only by
// indentation up to its content column, and each nested item's content
// column is at least 2 columns further in. So markers + whitespace
// columns / 2 bounds the depth, and a marker past the bound is the one
// replaced. A line that cannot open a container (no marker) cannot make
// the open containers deeper.
func limitBlocks(src []byte) (out []byte, lines []int) {
	out = src
	line := 0
	for start := 0; start < len(src); {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		line++
		if at := deepMarker(src[start:end]); at >= 0 {
			if len(lines) == 0 {
				out = bytes.Clone(src)
			}
			out[start+at] = 'x'
			lines = append(lines, line)
		}
		start = end + 1
	}
	return out, lines
}

// deepMarker returns the offset in line of the first container marker that
// would nest past MaxNesting, or -1.
func deepMarker(l []byte) int {
	depth, ws := 0, 0
	i := 0
	for i < len(l) {
		switch c := l[i]; {
		case c == ' ':
			ws++
			i++
			continue
		case c == '\t':
			ws += tabWidth
			i++
			continue
		case c == '>':
			if depth+1+ws/2 > MaxNesting {
				return i
			}
			depth++
			i++
			if i < len(l) && (l[i] == ' ' || l[i] == '\t') {
				i++ // the marker's own space
			}
			continue
		}
		n := listMarker(l[i:])
		if n == 0 {
			return -1
		}
		if depth+1+ws/2 > MaxNesting {
			return i + n - 1 // the bullet, or the "." or ")" of a number
		}
		depth++
		i += n
		// up to 4 columns of white space after a marker belong to it
		for k := 0; k < 4 && i < len(l) && (l[i] == ' ' || l[i] == '\t'); k++ {
			i++
		}
	}
	return -1
}

// listMarker returns the length of the list marker ("-", "+", "*", up to
// nine digits and "." or ")") that l starts with when a white space or the
// end of the line follows it, else 0. A thematic break ("- - -", "***") is
// not a marker.
func listMarker(l []byte) int {
	if len(l) == 0 {
		return 0
	}
	n := 0
	switch c := l[0]; {
	case c == '-' || c == '+' || c == '*':
		if c != '+' && thematicBreak(l) {
			return 0
		}
		n = 1
	case c >= '0' && c <= '9':
		for n < len(l) && n < 9 && l[n] >= '0' && l[n] <= '9' {
			n++
		}
		if n >= len(l) || (l[n] != '.' && l[n] != ')') {
			return 0
		}
		n++
	default:
		return 0
	}
	if n < len(l) && l[n] != ' ' && l[n] != '\t' {
		return 0
	}
	return n
}

// thematicBreak reports whether l is three or more of one of "-", "*", "_"
// with only white space between.
func thematicBreak(l []byte) bool {
	var ch byte
	n := 0
	for _, c := range l {
		switch {
		case c == ' ' || c == '\t' || c == '\r':
		case ch == 0 && (c == '-' || c == '*' || c == '_'):
			ch = c
			n++
		case c == ch:
			n++
		default:
			return false
		}
	}
	return n >= 3
}

// TooDeep returns the first line (1-based) of src nested deeper than
// MaxNesting, or 0: a container marker past the bound (limitBlocks), or a
// paragraph that leaves more than MaxNesting brackets, parentheses or
// emphasis delimiters of one kind open. The HTML renderings show such a
// text as plain text (PlainHTML) rather than hand it to goldmark.
func TooDeep(src []byte) int {
	if _, lines := limitBlocks(src); len(lines) > 0 {
		return lines[0]
	}
	var open [5]int // [ ( * _ ~ left open
	line := 1
	blank := true // the current line is blank so far
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '\n':
			if blank {
				open = [5]int{} // a paragraph ends at a blank line
			}
			line++
			blank = true
			continue
		case ' ', '\t', '\r':
			continue
		}
		blank = false
		k := -1
		switch c {
		case '\\':
			i++ // an escaped character is text
			continue
		case '[':
			open[0]++
			k = 0
		case ']':
			open[0] = max(0, open[0]-1)
		case '(':
			open[1]++
			k = 1
		case ')':
			open[1] = max(0, open[1]-1)
		case '*', '_', '~':
			k = 2
			if c == '_' {
				k = 3
			} else if c == '~' {
				k = 4
			}
			j := i
			for j < len(src) && src[j] == c {
				j++
			}
			var prev, next byte = '\n', '\n'
			if i > 0 {
				prev = src[i-1]
			}
			if j < len(src) {
				next = src[j]
			}
			canOpen, canClose := flanking(c, prev, next)
			switch {
			case canClose && open[k] > 0:
				open[k]--
				k = -1
			case canOpen:
				open[k]++
			default:
				k = -1
			}
			i = j - 1
		}
		if k >= 0 && open[k] > MaxNesting {
			return line
		}
	}
	return 0
}

// flanking says whether a run of the delimiter c between the bytes prev
// and next may open and may close emphasis, by CommonMark's rules (ASCII
// punctuation; other bytes count as letters).
func flanking(c, prev, next byte) (canOpen, canClose bool) {
	ws := func(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f' }
	punct := func(b byte) bool {
		return b < 0x80 && !ws(b) && !(b >= '0' && b <= '9') && !(b >= 'a' && b <= 'z') && !(b >= 'A' && b <= 'Z')
	}
	left := !ws(next) && (!punct(next) || ws(prev) || punct(prev))
	right := !ws(prev) && (!punct(prev) || ws(next) || punct(next))
	if c == '_' {
		return left && (!right || punct(prev)), right && (!left || punct(next))
	}
	return left, right
}

// PlainHTML is src as escaped text in a paragraph with its line breaks
// kept: what the HTML renderings show for a text nested deeper than
// MaxNesting, every character of it readable.
func PlainHTML(src []byte) template.HTML {
	var b bytes.Buffer
	b.WriteString(`<p class="too-deep">`)
	for i, l := range bytes.Split(bytes.TrimRight(src, "\n"), []byte{'\n'}) {
		if i > 0 {
			b.WriteString("<br>\n")
		}
		template.HTMLEscape(&b, l)
	}
	b.WriteString("</p>\n")
	return template.HTML(b.String()) // #nosec: escaped
}
