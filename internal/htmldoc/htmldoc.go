// Package htmldoc converts postmortems exported as HTML (Confluence "Export
// to HTML", Google Docs "Download as HTML", Notion HTML export) to Markdown,
// which markdown.Parse then reads like any other document.
package htmldoc

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/JohannesKaufmann/dom"
	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// IsHTML reports whether a file is read as HTML, by its name (.html, .htm).
func IsHTML(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return true
	}
	return false
}

// checkTag is the element a to-do checkbox becomes before conversion; it is
// written as "[ ] " or "[x] " unescaped.
const checkTag = "hindsight-check"

// ToMarkdown converts an HTML document to Markdown: headings, lists, links,
// emphasis and tables (a table without a header row gets its first row as
// header, as Google Docs writes none; line breaks inside cells are kept as
// <br>). Scripts, styles and the head are dropped. What the export tools add
// is undone first (see prepare): Confluence's breadcrumbs, page metadata,
// footer and "SPACE : " title prefix; Google Docs' title paragraph, bold and
// italic written as CSS classes and empty anchors; Notion's property table,
// to-do checkboxes and "@" date mentions. A table whose every row is one
// header cell and one data cell (page properties) becomes "**Key:** value"
// paragraphs, the way metadata is written in Markdown. The result ends in a
// newline.
func ToMarkdown(src []byte) ([]byte, error) {
	doc, err := html.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("reading HTML: %w", err)
	}
	prepare(doc)
	conv := converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(commonmark.WithBulletListMarker("-"), commonmark.WithListEndComment(false)),
		strikethrough.NewStrikethroughPlugin(),
		table.NewTablePlugin(
			table.WithHeaderPromotion(true),
			table.WithNewlineBehavior(table.NewlineBehaviorPreserve),
			table.WithSpanCellBehavior(table.SpanBehaviorMirror),
			table.WithCellPaddingBehavior(table.CellPaddingBehaviorMinimal),
			table.WithPresentationTables(true),
		),
	))
	conv.Register.RendererFor(checkTag, converter.TagTypeInline, func(_ converter.Context, w converter.Writer, n *html.Node) converter.RenderStatus {
		if dom.GetAttributeOr(n, "checked", "") != "" {
			w.WriteString("[x] ")
		} else {
			w.WriteString("[ ] ")
		}
		return converter.RenderSuccess
	}, converter.PriorityEarly)
	md, err := conv.ConvertNode(doc)
	if err != nil {
		return nil, fmt.Errorf("converting HTML: %w", err)
	}
	md = bytes.TrimSpace(md)
	return append(md, '\n'), nil
}

var (
	boldClassRe   = regexp.MustCompile(`\.([A-Za-z0-9_-]+)\{[^}]*font-weight:\s*(?:700|bold)`)
	italicClassRe = regexp.MustCompile(`\.([A-Za-z0-9_-]+)\{[^}]*font-style:\s*italic`)
)

// prepare undoes what the export tools add, in place.
func prepare(doc *html.Node) {
	bold, italic := map[string]bool{}, map[string]bool{}
	for _, st := range dom.FindAllNodes(doc, func(n *html.Node) bool { return n.DataAtom == atom.Style }) {
		css := dom.CollectText(st)
		for _, m := range boldClassRe.FindAllStringSubmatch(css, -1) {
			bold[m[1]] = true
		}
		for _, m := range italicClassRe.FindAllStringSubmatch(css, -1) {
			italic[m[1]] = true
		}
	}
	var remove, tables []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type != html.ElementNode {
			return
		}
		id, classes := dom.GetAttributeOr(n, "id", ""), strings.Fields(dom.GetAttributeOr(n, "class", ""))
		has := func(c string) bool {
			for _, x := range classes {
				if x == c {
					return true
				}
			}
			return false
		}
		switch {
		// Confluence: navigation and page chrome
		case id == "breadcrumb-section" || id == "footer" || has("page-metadata"):
			remove = append(remove, n)
		case id == "title-text":
			if t := n.FirstChild; t != nil && t.Type == html.TextNode && t.NextSibling == nil {
				if i := strings.Index(t.Data, " : "); i > 0 {
					t.Data = t.Data[i+3:]
				}
			}
		// Google Docs: the title is a paragraph; anchors before tables
		case n.DataAtom == atom.P && has("title"):
			n.Data, n.DataAtom = "h1", atom.H1
		case n.DataAtom == atom.A && dom.GetAttributeOr(n, "href", "") == "" && n.FirstChild == nil:
			remove = append(remove, n)
		// Notion: a multi-select property is adjacent spans; keep them apart
		case n.DataAtom == atom.Span && has("selected-value") && n.NextSibling != nil && n.NextSibling.DataAtom == atom.Span &&
			strings.Contains(dom.GetAttributeOr(n.NextSibling, "class", ""), "selected-value"):
			n.Parent.InsertBefore(&html.Node{Type: html.TextNode, Data: ", "}, n.NextSibling)
		case n.DataAtom == atom.Span && len(classes) > 0 && !inTable(n):
			// (a table's header row is bold in Google Docs: noise there)
			for _, c := range classes {
				if bold[c] {
					n.Data, n.DataAtom = "strong", atom.Strong
					break
				}
				if italic[c] {
					n.Data, n.DataAtom = "em", atom.Em
					break
				}
			}
		// Notion: to-do boxes and date mentions
		case n.DataAtom == atom.Div && (has("checkbox-on") || has("checkbox-off")):
			n.Data, n.DataAtom = checkTag, 0
			n.Attr = nil
			if has("checkbox-on") {
				n.Attr = []html.Attribute{{Key: "checked", Val: "checked"}}
			}
		// Confluence tasks: the box, the assignee and the due date
		case n.DataAtom == atom.Li && n.Parent != nil && strings.Contains(dom.GetAttributeOr(n.Parent, "class", ""), "inline-task-list"):
			box := &html.Node{Type: html.ElementNode, Data: checkTag}
			if has("checked") {
				box.Attr = []html.Attribute{{Key: "checked", Val: "checked"}}
			}
			n.InsertBefore(box, n.FirstChild)
		case n.DataAtom == atom.A && has("user-mention") && inTask(n):
			replaceWithText(n, "(owner: "+strings.TrimSpace(dom.CollectText(n))+")")
		case n.DataAtom == atom.Time && dom.GetAttributeOr(n, "datetime", "") != "" && inTask(n):
			replaceWithText(n, "due "+dom.GetAttributeOr(n, "datetime", ""))
		case n.DataAtom == atom.Time:
			if t := n.FirstChild; t != nil && t.Type == html.TextNode {
				t.Data = strings.TrimPrefix(t.Data, "@")
			}
		case n.DataAtom == atom.Div && n.FirstChild == nil:
			// Notion's status dots and empty indents would break the line
			remove = append(remove, n)
		case n.DataAtom == atom.Table:
			tables = append(tables, n)
		}
	}
	walk(doc)
	for _, t := range tables {
		keyValueTable(t)
	}
	for _, n := range remove {
		if n.Parent != nil {
			n.Parent.RemoveChild(n)
		}
	}
}

// inTask reports whether n is inside a Confluence task.
func inTask(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Li && p.Parent != nil && strings.Contains(dom.GetAttributeOr(p.Parent, "class", ""), "inline-task-list") {
			return true
		}
	}
	return false
}

// replaceWithText puts a text node in place of n's children (n becomes a
// span).
func replaceWithText(n *html.Node, text string) {
	for c := n.FirstChild; c != nil; c = n.FirstChild {
		n.RemoveChild(c)
	}
	n.Data, n.DataAtom, n.Attr = "span", atom.Span, nil
	n.AppendChild(&html.Node{Type: html.TextNode, Data: text})
}

func inTable(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == atom.Table {
			return true
		}
	}
	return false
}

// keyValueTable turns a table whose every row is one header cell and one
// data cell (Notion properties, Confluence page properties) into
// "<p><strong>Key:</strong> value</p>" paragraphs in its place.
func keyValueTable(t *html.Node) {
	rows := dom.FindAllNodes(t, func(n *html.Node) bool { return n.DataAtom == atom.Tr })
	if len(rows) == 0 {
		return
	}
	type kv struct{ k, v *html.Node }
	var pairs []kv
	for _, r := range rows {
		var cells []*html.Node
		for c := r.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Th || c.DataAtom == atom.Td {
				cells = append(cells, c)
			}
		}
		if len(cells) != 2 || cells[0].DataAtom != atom.Th || cells[1].DataAtom != atom.Td {
			return
		}
		pairs = append(pairs, kv{cells[0], cells[1]})
	}
	for _, p := range pairs {
		para := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		strong := &html.Node{Type: html.ElementNode, Data: "strong", DataAtom: atom.Strong}
		strong.AppendChild(&html.Node{Type: html.TextNode, Data: strings.TrimSpace(dom.CollectText(p.k)) + ":"})
		para.AppendChild(strong)
		para.AppendChild(&html.Node{Type: html.TextNode, Data: " "})
		for c := p.v.FirstChild; c != nil; {
			next := c.NextSibling
			p.v.RemoveChild(c)
			para.AppendChild(c)
			c = next
		}
		t.Parent.InsertBefore(para, t)
	}
	t.Parent.RemoveChild(t)
}
