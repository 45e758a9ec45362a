package insights

import (
	"fmt"
	"html/template"
	"strings"
)

// Bar is one bar of a chart: a label, its value and the text shown beside
// it.
type Bar struct {
	Label string
	Value float64
	Text  string
}

// Chart is a horizontal bar chart.
type Chart struct {
	ID    string
	Title string
	Unit  string
	Bars  []Bar
}

// Chart geometry, in SVG user units (pixels at 100%).
const (
	chartWidth  = 520
	labelWidth  = 150
	valueWidth  = 110
	barHeight   = 20
	barGap      = 6
	chartMargin = 4
)

// SVG renders the chart as an inline SVG element: a <title> and <desc>
// for screen readers, one labelled bar per value, scaled to the largest
// value. It is byte-for-byte deterministic.
func (c *Chart) SVG() template.HTML {
	esc := template.HTMLEscapeString
	n := len(c.Bars)
	h := chartMargin*2 + max(n, 1)*(barHeight+barGap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-%s" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-%s-title chart-%s-desc" shape-rendering="crispEdges" font-family="system-ui, sans-serif" font-size="12">`,
		esc(c.ID), chartWidth, h, chartWidth, h, esc(c.ID), esc(c.ID))
	var desc []string
	for _, bar := range c.Bars {
		desc = append(desc, bar.Label+": "+bar.Text)
	}
	fmt.Fprintf(&b, `<title id="chart-%s-title">%s</title><desc id="chart-%s-desc">%s (%s)</desc>`,
		esc(c.ID), esc(c.Title), esc(c.ID), esc(strings.Join(desc, "; ")), esc(c.Unit))
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">no data</text></svg>`, chartMargin, chartMargin+barHeight-6)
		return template.HTML(b.String())
	}
	top := 0.0
	for _, bar := range c.Bars {
		top = max(top, bar.Value)
	}
	span := float64(chartWidth - labelWidth - valueWidth)
	for i, bar := range c.Bars {
		y := chartMargin + i*(barHeight+barGap)
		w := 0.0
		if top > 0 && bar.Value > 0 {
			w = max(1, bar.Value/top*span)
		}
		label := bar.Label
		if r := []rune(label); len(r) > 22 {
			label = string(r[:21]) + "…"
		}
		fmt.Fprintf(&b, `<g class="bar"><text x="%d" y="%d" text-anchor="end" fill="#222">%s</text>`, labelWidth-6, y+barHeight-6, esc(label))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="#3b6ea8"><title>%s: %s</title></rect>`, labelWidth, y, w, barHeight, esc(bar.Label), esc(bar.Text))
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#222">%s</text></g>`, float64(labelWidth)+w+6, y+barHeight-6, esc(bar.Text))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
