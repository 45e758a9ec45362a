package markdown

import (
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML tables inside Markdown, as Confluence ("storage format"), Notion and
// Google Docs exports write timelines, action items and metadata: rows read
// with golang.org/x/net/html, cells as Markdown text (<br> and paragraphs as
// line breaks, <strong> as **, links kept, entities decoded). A table that
// cannot be read exactly (cells spanning rows or columns, a table inside a
// cell, other content in the same HTML block) is kept verbatim instead.

// htmlRows is an HTML table read: its rows of cells, which of them are
// header rows (<th> cells only, or in <thead>), and the line of each row.
type htmlRows struct {
	rows   [][]string
	header []bool
	lines  []int
}

// htmlTableOf reads the HTML block b when it is one table and nothing else.
func (p *parse) htmlTableOf(b block) (htmlRows, bool) {
	if _, ok := b.node.(*ast.HTMLBlock); !ok {
		return htmlRows{}, false
	}
	src := p.src.asIs(b.from, b.to)
	if !strings.Contains(strings.ToLower(src), "<table") {
		return htmlRows{}, false
	}
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return htmlRows{}, false
	}
	var table *html.Node
	for _, n := range nodes {
		switch {
		case n.Type == html.ElementNode && n.DataAtom == atom.Table && table == nil:
			table = n
		case n.Type == html.TextNode && strings.TrimSpace(n.Data) == "":
		default:
			return htmlRows{}, false // more than the table: kept as written
		}
	}
	if table == nil {
		return htmlRows{}, false
	}
	var out htmlRows
	ok := true
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		for c := n.FirstChild; c != nil && ok; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Thead:
				walk(c, true)
			case atom.Tbody, atom.Tfoot:
				walk(c, false)
			case atom.Tr:
				var cells []string
				allTH := true
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type != html.ElementNode || td.DataAtom != atom.Td && td.DataAtom != atom.Th {
						continue
					}
					if spans(td) || hasTable(td) {
						ok = false
						return
					}
					allTH = allTH && td.DataAtom == atom.Th
					cells = append(cells, cellMarkdown(td))
				}
				if len(cells) == 0 {
					continue
				}
				out.rows = append(out.rows, cells)
				out.header = append(out.header, inHead || allTH)
			case atom.Caption, atom.Colgroup, atom.Col:
				// captions and column widths carry no cell
				if c.DataAtom == atom.Caption && strings.TrimSpace(cellMarkdown(c)) != "" {
					ok = false
				}
			default:
				ok = false
			}
		}
	}
	walk(table, false)
	if !ok || len(out.rows) == 0 {
		return htmlRows{}, false
	}
	// the line of each row: the k-th "<tr" of the block
	lower := strings.ToLower(src)
	off := 0
	for range out.rows {
		i := strings.Index(lower[off:], "<tr")
		if i < 0 {
			out.lines = append(out.lines, b.from)
			continue
		}
		off += i + 3
		out.lines = append(out.lines, b.from+strings.Count(src[:off], "\n"))
	}
	return out, true
}

func spans(n *html.Node) bool {
	for _, a := range n.Attr {
		if (a.Key == "colspan" || a.Key == "rowspan") && strings.TrimSpace(a.Val) != "1" && strings.TrimSpace(a.Val) != "" {
			return true
		}
	}
	return false
}

func hasTable(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Table || hasTable(c) {
			return true
		}
	}
	return false
}

// cellMarkdown is the text of an HTML cell as Markdown: <br>, paragraphs
// and list items as line breaks, <strong>/<b> as **, <em>/<i> as *,
// <code> as `, links as [text](href), white space collapsed as HTML does.
func cellMarkdown(n *html.Node) string {
	b := &strings.Builder{}
	var walk func(n *html.Node)
	block := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	// inner is the text of c's children
	inner := func(c *html.Node) string {
		saved := b
		b = &strings.Builder{}
		walk(c)
		text := b.String()
		b = saved
		return text
	}
	wrap := func(c *html.Node, m string) {
		text := inner(c)
		t := strings.TrimSpace(text)
		if t == "" || strings.Contains(t, "\n") {
			b.WriteString(text)
			return
		}
		lead := text[:len(text)-len(strings.TrimLeft(text, " "))]
		trail := text[len(strings.TrimRight(text, " ")):]
		b.WriteString(lead + m + t + m + trail)
	}
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				// runs of white space are one space, as a browser shows them
				space := false
				for _, r := range c.Data {
					if isHTMLSpace(r) {
						space = true
						continue
					}
					if space {
						b.WriteByte(' ')
						space = false
					}
					b.WriteRune(r)
				}
				if space {
					b.WriteByte(' ')
				}
			case html.ElementNode:
				switch c.DataAtom {
				case atom.Br:
					b.WriteByte('\n')
				case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Pre, atom.Blockquote, atom.Tr:
					block()
					walk(c)
					block()
				case atom.Strong, atom.B:
					wrap(c, "**")
				case atom.Em, atom.I:
					wrap(c, "*")
				case atom.Code:
					wrap(c, "`")
				case atom.S, atom.Del, atom.Strike:
					wrap(c, "~~")
				case atom.A:
					href := ""
					for _, a := range c.Attr {
						if a.Key == "href" {
							href = strings.TrimSpace(a.Val)
						}
					}
					text := strings.TrimSpace(inner(c))
					if href == "" || href == text || strings.Contains(text, "\n") {
						b.WriteString(or(text, href))
					} else {
						b.WriteString("[" + text + "](" + href + ")")
					}
				case atom.Img:
					for _, a := range c.Attr {
						if a.Key == "alt" {
							b.WriteString(a.Val)
						}
					}
				case atom.Script, atom.Style:
					// no text of a cell
				default:
					walk(c)
				}
			}
		}
	}
	walk(n)
	var lines []string
	for l := range strings.SplitSeq(b.String(), "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

func isHTMLSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' }

// anyTable reads a Markdown table or an HTML table block as a header and
// rows of cells. An HTML table without header cells takes its first row as
// the header when that row names columns (known reports a column role),
// else the default header.
func (p *parse) anyTable(b block, known func(string) int, defaults []string) (header []string, rows [][]string, lines []int, ok bool) {
	if t, isTable := b.node.(*east.Table); isTable {
		header, rows, lines = p.tableRows(t)
		return header, rows, lines, true
	}
	h, isHTML := p.htmlTableOf(b)
	if !isHTML {
		return nil, nil, nil, false
	}
	first := 0
	switch {
	case h.header[0]:
		header, first = h.rows[0], 1
	case namesColumns(h.rows[0], known):
		header, first = h.rows[0], 1
	case len(defaults) > 0 && len(h.rows[0]) <= len(defaults):
		header = defaults[:len(h.rows[0])]
	default:
		return nil, nil, nil, false // columns unnamed: kept as written
	}
	for i := first; i < len(h.rows); i++ {
		if h.header[i] && i > first {
			continue // a repeated header row
		}
		rows = append(rows, h.rows[i])
		lines = append(lines, h.lines[i])
	}
	return header, rows, lines, true
}

// namesColumns reports whether a row reads as a header: two of its cells
// name known columns.
func namesColumns(cells []string, known func(string) int) bool {
	n := 0
	for _, c := range cells {
		if known(stripEmphasis(c)) != colExtra {
			n++
		}
	}
	return n >= 2
}

// boldLabel is a table's key cell as the metadata line it is written as
// ("**Severity:** x"), so that it is read the same now and after fmt.
func boldLabel(key string) string {
	return "**" + strings.TrimSuffix(strings.TrimSpace(stripMarks(key)), ":") + ":** x"
}

// keyValueTable reads an HTML table of two-cell rows ("<th>Severity</th>
// <td>SEV-1</td>") as "Key: value" fields, like a labelled paragraph; false
// when the block is no such table or names no known field.
func (p *parse) keyValueTable(s *section, match labelMatcher, b block, seen map[*fieldSpec]bool, e *extra) bool {
	h, ok := p.htmlTableOf(b)
	if !ok {
		return false
	}
	known := false
	for _, r := range h.rows {
		if len(r) != 2 || strings.Contains(r[0], "\n") || strings.TrimSpace(r[0]) == "" {
			return false
		}
		if _, _, ok := match(boldLabel(r[0])); ok {
			known = true
		}
	}
	if !known {
		return false
	}
	for i, r := range h.rows {
		key, value := strings.TrimSpace(r[0]), strings.TrimSpace(r[1])
		// a value of several lines is a list ("github.com<br>webhooks")
		value = strings.Join(strings.Split(value, "\n"), ", ")
		if f, _, ok := match(boldLabel(key)); ok && !seen[f] {
			seen[f] = true
			f.set(p, fieldVal{text: value, line: h.lines[i]})
			continue
		}
		p.unknown("field", s.key, key, h.lines[i])
		label := strings.TrimSuffix(stripEmphasis(key), ":")
		if l, _, canonical, ok := splitLabel("**" + label + ":** x"); ok && canonical && l == label {
			e.fields = append(e.fields, hindsight.Field{Label: label, Value: value})
		} else {
			// a key that would not read back as a label stays text
			e.fields = append(e.fields, hindsight.Field{Value: strings.TrimSpace(key + " " + value)})
		}
	}
	e.mapped = true
	return true
}
