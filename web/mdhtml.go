package web

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// userMD renders the Markdown of user text for the pages. Unlike a plain
// Markdown renderer it shows raw HTML as text (a pasted "<script>" is read,
// not dropped), and the result still passes the sanitizer of
// markdown.Sanitize, so no script, event handler or javascript: link gets
// through.
var userMD = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawAsText{}, 100))),
)

// rawAsText renders raw HTML nodes as escaped text.
type rawAsText struct{}

func (rawAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				s := segs.At(i)
				template.HTMLEscape(w, s.Value(src))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		_, _ = w.WriteString("<p>")
		lines := b.Lines()
		for i := 0; i < lines.Len(); i++ {
			s := lines.At(i)
			template.HTMLEscape(w, s.Value(src))
		}
		if b.HasClosure() {
			template.HTMLEscape(w, b.ClosureLine.Value(src))
		}
		_, _ = w.WriteString("</p>\n")
		return ast.WalkSkipChildren, nil
	})
}

// mdHTML renders user Markdown as sanitized HTML with raw HTML as text.
func mdHTML(s string) template.HTML {
	if plainText(s) {
		// what goldmark makes of a one-line paragraph without Markdown
		if s = strings.TrimSpace(s); s == "" {
			return ""
		}
		return template.HTML("<p>" + template.HTMLEscapeString(s) + "</p>\n") // #nosec: escaped
	}
	return goldmarkHTML(s)
}

// goldmarkHTML is mdHTML without its plain-text shortcut.
func goldmarkHTML(s string) template.HTML {
	if markdown.TooDeep([]byte(s)) > 0 {
		return markdown.PlainHTML([]byte(s)) // nested past markdown.MaxNesting
	}
	var buf bytes.Buffer
	if err := userMD.Convert([]byte(s), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(s)) // #nosec: escaped
	}
	return wrapTables(markdown.Sanitize(buf.String()))
}

// wrapTables puts each table of sanitized Markdown HTML in the page's
// .table-wrap box, as the app's own tables are: a wide table (a pasted
// runbook with ten columns, a long URL in a cell) scrolls sideways inside
// its box instead of widening the whole page on a phone. The sanitizer
// leaves <table> and </table> without attributes, and text that spells
// them is escaped, so a plain replacement finds exactly the elements.
func wrapTables(h template.HTML) template.HTML {
	s := string(h)
	if !strings.Contains(s, "<table>") {
		return h
	}
	s = strings.ReplaceAll(s, "<table>", `<div class="table-wrap"><table>`)
	s = strings.ReplaceAll(s, "</table>", "</table></div>")
	return template.HTML(s) // #nosec: sanitized above, only fixed markup added
}

// plainText reports whether s is one line of text that Markdown leaves as it
// is: no character that starts markup, emphasis, a link (nor what GFM's
// linkify turns into one), an entity or HTML, and no start of a block.
func plainText(s string) bool {
	t := strings.TrimLeft(s, " ")
	if len(s)-len(t) > 3 || t == "" {
		return len(s)-len(t) <= 3 && t == ""
	}
	switch t[0] {
	case '-', '+', '=':
		return false // a list marker, a setext underline
	}
	if d := strings.TrimLeft(t, "0123456789"); len(d) < len(t) && d != "" && (d[0] == '.' || d[0] == ')') {
		return false // an ordered list
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == '\r' || c == '\t':
			return false
		case c < ' ' || c == 0x7f:
			return false
		case strings.IndexByte("*_[]<>&#`\\|~!@{}", c) >= 0:
			return false
		}
	}
	return !strings.Contains(s, "www.") && !strings.Contains(s, "://")
}
