package web

import (
	"bytes"
	"html/template"

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
	var buf bytes.Buffer
	if err := userMD.Convert([]byte(s), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(s)) // #nosec: escaped
	}
	return markdown.Sanitize(buf.String())
}
