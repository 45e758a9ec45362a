// Package htmldoc converts postmortems exported as HTML (Confluence "Export
// to HTML", Google Docs "Download as HTML", Notion HTML export) to Markdown,
// which markdown.Parse then reads like any other document.
package htmldoc

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
)

// IsHTML reports whether a file is read as HTML, by its name (.html, .htm).
func IsHTML(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".html", ".htm":
		return true
	}
	return false
}

// ToMarkdown converts an HTML document to Markdown: headings, lists, links,
// emphasis and tables (a table without a header row gets its first row as
// header, as Google Docs writes none; line breaks inside cells are kept as
// <br>). Scripts, styles and the head are dropped. The result ends in a
// newline.
func ToMarkdown(src []byte) ([]byte, error) {
	conv := converter.NewConverter(converter.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(commonmark.WithBulletListMarker("-")),
		strikethrough.NewStrikethroughPlugin(),
		table.NewTablePlugin(
			table.WithHeaderPromotion(true),
			table.WithNewlineBehavior(table.NewlineBehaviorPreserve),
			table.WithSpanCellBehavior(table.SpanBehaviorMirror),
			table.WithCellPaddingBehavior(table.CellPaddingBehaviorMinimal),
			table.WithPresentationTables(true),
		),
	))
	md, err := conv.ConvertReader(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("converting HTML: %w", err)
	}
	md = bytes.TrimSpace(md)
	return append(md, '\n'), nil
}
