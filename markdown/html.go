package markdown

import (
	"bytes"
	"html/template"
	"sync"

	"github.com/hindsight-pm/hindsight"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

var (
	// raw HTML (a Confluence table kept in an unknown section, a <details>)
	// is rendered and then sanitized like the rest, never dropped
	htmlMD = goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(gmhtml.WithUnsafe()),
	)
	policyOnce sync.Once
	policy     *bluemonday.Policy
)

func sanitizer() *bluemonday.Policy {
	policyOnce.Do(func() {
		policy = bluemonday.UGCPolicy()
		policy.AllowAttrs("id").Matching(bluemonday.Paragraph).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
		policy.AllowAttrs("class").Matching(bluemonday.SpaceSeparatedTokens).OnElements("code", "pre")
		policy.AllowAttrs("checked", "disabled", "type").OnElements("input")
		policy.RequireNoFollowOnLinks(true)
		policy.AddTargetBlankToFullyQualifiedLinks(false)
	})
	return policy
}

// HTML renders Markdown as sanitized HTML: user text can hold no script,
// event handler or javascript: link. Raw HTML in the Markdown is rendered
// through the same sanitizer (tables, lists, emphasis shown; scripts, styles
// and event handlers removed), never dropped.
func HTML(md []byte) template.HTML {
	if TooDeep(md) > 0 {
		return PlainHTML(md)
	}
	var buf bytes.Buffer
	if err := htmlMD.Convert(md, &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(string(md)))
	}
	return template.HTML(sanitizer().SanitizeBytes(buf.Bytes())) // #nosec: sanitized
}

// Sanitize cleans an HTML fragment with the same policy as HTML.
func Sanitize(h string) template.HTML {
	return template.HTML(sanitizer().Sanitize(h))
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Hindsight">
<title>{{.Title}}</title>
<style>
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #59636e; --line: #d1d9e0; --accent: #0b5cad; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --accent: #4493f8; } }
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.8rem; line-height: 1.25; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
a { color: var(--accent); } code { font-size: .9em; } pre { overflow-x: auto; padding: .75rem; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; font-size: .95em; } th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: color-mix(in srgb, var(--line) 35%, transparent); } hr { border: 0; border-top: 1px solid var(--line); }
footer { margin-top: 3rem; color: var(--muted); font-size: .85em; }
@media print {
  :root { color-scheme: light; --fg: #000; --bg: #fff; --line: #999; --accent: #000; }
  body { max-width: none; margin: 0; font-size: 11pt; }
  h2 { break-after: avoid; } table, tr, li { break-inside: avoid; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .8em; color: #444; }
  footer { position: fixed; bottom: 0; }
  @page { margin: 18mm 15mm; }
}
</style>
</head>
<body>
<main>
{{.Body}}
</main>
<footer>Rendered by Hindsight from canonical Markdown{{if .ID}} · {{.ID}}{{end}}</footer>
</body>
</html>
`))

// Page renders p as a standalone, sanitized HTML page with a print
// stylesheet, fit to save or to print to PDF.
func Page(p *hindsight.Postmortem) []byte {
	title := p.Title
	if title == "" {
		title = "Incident Postmortem"
	}
	var buf bytes.Buffer
	_ = pageTmpl.Execute(&buf, struct {
		Title, ID string
		Body      template.HTML
	}{title, p.Summary.IncidentID, HTML(Render(p))})
	return buf.Bytes()
}
