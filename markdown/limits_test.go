package markdown

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// minCPU is the least CPU time of runs calls of f: the figure least
// disturbed by the other processes of a shared machine.
func minCPU(runs int, f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	for range runs {
		t0 := cpuTime()
		f()
		best = min(best, cpuTime()-t0)
	}
	return max(best, time.Millisecond)
}

// fill repeats unit up to size bytes (whole units only).
func fill(unit string, size int) []byte {
	return []byte(strings.Repeat(unit, max(1, size/len(unit))))
}

// normalDoc is a realistic document of about size bytes: the examples,
// one after the other.
func normalDoc(tb testing.TB, size int) []byte {
	files, _ := filepath.Glob("../examples/*.md")
	var b bytes.Buffer
	for b.Len() < size {
		for _, f := range files {
			x, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			b.Write(x)
			b.WriteString("\n")
		}
	}
	return b.Bytes()[:size]
}

// pathological are inputs of every nesting kind, of about size bytes, with
// the word "deepword" nested as deep as they go.
func pathological(size int) map[string][]byte {
	indent := func(step int, marker string) []byte {
		var b bytes.Buffer
		for i := 0; ; i++ {
			l := strings.Repeat(" ", i*step) + marker + " deepword\n"
			if b.Len()+len(l) > size {
				break
			}
			b.WriteString(l)
		}
		return b.Bytes()
	}
	deep := func(prefix, word, suffix string) []byte {
		n := (size - len(word)) / (len(prefix) + len(suffix))
		return []byte(strings.Repeat(prefix, n) + word + strings.Repeat(suffix, n) + "\n")
	}
	at := func(unit string) []byte { return fill(unit, size) }
	return map[string][]byte{
		"blockquotes":             deep("> ", "deepword", ""),
		"blockquotes no space":    deep(">", " deepword", ""),
		"blockquote lines":        at(strings.Repeat(">", 200) + " deepword\n"),
		"blockquotes at bound":    at(strings.Repeat("> ", MaxNesting) + "deepword and more words\n"),
		"bullets -":               deep("- ", "deepword", ""),
		"bullets *":               deep("* ", "deepword", ""),
		"bullets +":               deep("+ ", "deepword", ""),
		"ordered 1.":              deep("1. ", "deepword", ""),
		"ordered 1)":              deep("1) ", "deepword", ""),
		"mixed containers":        deep("> - 1. * ", "deepword", ""),
		"nested list -":           indent(2, "-"),
		"nested list 1.":          indent(3, "1."),
		"nested list tabs":        bytes.ReplaceAll(indent(4, "*"), []byte("    "), []byte("\t")),
		"nested list at bound":    at(nestedAtBound()),
		"emphasis":                deep("*", "deepword", "*"),
		"strong emphasis":         deep("**", "deepword", "**"),
		"underscores":             deep("_", "deepword", "_"),
		"emphasis mixed":          at("*a_"),
		"emphasis open":           at("*a "),
		"emphasis nested":         at("*a **b _c __d "),
		"strikethrough":           at("~~a "),
		"brackets":                deep("[", "deepword", "]"),
		"brackets open":           at("[[[["),
		"brackets at bound":       at(strings.Repeat("[", MaxNesting) + "deepword" + strings.Repeat("]", MaxNesting) + "\n\n"),
		"links":                   at("[a]("),
		"parentheses":             deep("(", "deepword", ")"),
		"images":                  at("![a]("),
		"indentation":             deep(" ", "deepword", ""),
		"indented lines":          at(strings.Repeat(" ", 2000) + "deepword\n"),
		"indented markers":        at(strings.Repeat(" ", 1000) + "- deepword\n"),
		"div html":                deep("<div>", "deepword", "</div>"),
		"div html lines":          at("<div>\n"),
		"code spans":              at("`a ``b "),
		"autolinks":               at("<http://a www.b.c "),
		"table pipes":             at("|a" + strings.Repeat("|", 100) + "\n"),
		"heading in deep quote":   deep("> ", "# deepword", ""),
		"thematic breaks in list": at("- - - -\n"),
	}
}

// nestedAtBound is a list nested MaxNesting levels deep by indentation,
// each item with a long line.
func nestedAtBound() string {
	var b strings.Builder
	for i := range MaxNesting {
		b.WriteString(strings.Repeat("  ", i) + "- deepword " + strings.Repeat("word ", 40) + "\n")
	}
	return b.String()
}

// maxRatio is the CPU time a pathological input may take, relative to a
// normal document of the same size.
const maxRatio = 20

// TestNestingLinearTime: at the document size limit, no nesting kind costs
// more than maxRatio times a normal document of the same size, to parse
// (what lint, fmt, the API and every save do) or to render as HTML (issue
// 15: 50,000 nested block quotes took 6 s to lint, 93% in goldmark's
// text.(*reader).LineOffset). The figure is CPU time measured in this test
// against the baseline measured in this test, not a wall-clock budget.
func TestNestingLinearTime(t *testing.T) {
	if testing.Short() {
		t.Skip("parses several MiB")
	}
	size := hindsight.DefaultMaxDocBytes
	normal := normalDoc(t, size)
	baseParse := minCPU(3, func() { Parse(normal) })
	baseHTML := minCPU(3, func() { HTML(normal) })
	t.Logf("normal document of %d bytes: Parse %v, HTML %v (CPU)", len(normal), baseParse, baseHTML)
	for name, src := range pathological(size) {
		t.Run(name, func(t *testing.T) {
			if len(src) > size+64 {
				t.Fatalf("input of %d bytes, over the limit", len(src))
			}
			var doc *hindsight.Postmortem
			p := minCPU(2, func() { doc, _ = Parse(src) })
			var h []byte
			r := minCPU(2, func() { h = []byte(HTML(src)) })
			t.Logf("%d bytes: Parse %v (%.1fx), HTML %v (%.1fx)", len(src), p, float64(p)/float64(baseParse), r, float64(r)/float64(baseHTML))
			if p > maxRatio*baseParse {
				t.Errorf("Parse took %v CPU, over %dx the %v of a normal document", p, maxRatio, baseParse)
			}
			if r > maxRatio*baseHTML {
				t.Errorf("HTML took %v CPU, over %dx the %v of a normal document", r, maxRatio, baseHTML)
			}
			// nothing is lost: the deepest word is in the model and the page
			if bytes.Contains(src, []byte("deepword")) {
				if !bytes.Contains(Render(doc), []byte("deepword")) {
					t.Error("the model lost the deepest text")
				}
				// (HTML drops raw HTML blocks, at any depth)
				if !bytes.Contains(h, []byte("deepword")) && !strings.HasPrefix(name, "div") {
					t.Error("the HTML lost the deepest text")
				}
			}
		})
	}
}

// TestLimitBlocks: markers past MaxNesting are read as text, byte for byte
// in place; what is within the bound, and what only looks like a marker,
// is left alone.
func TestLimitBlocks(t *testing.T) {
	q := func(n int) string { return strings.Repeat("> ", n) }
	for _, tc := range []struct {
		name, in string
		changed  []int
	}{
		{"at the bound", q(MaxNesting) + "x\n", nil},
		{"past the bound", q(MaxNesting+1) + "x\n", []int{1}},
		{"second line", "a\n" + q(100) + "x\n", []int{2}},
		{"thematic break", strings.Repeat("- ", 100) + "\n", nil},
		{"stars break", strings.Repeat("* ", 100) + "\n", nil},
		{"deep indentation, no marker", strings.Repeat(" ", 500) + "x\n", nil},
		{"deep indentation, a marker", strings.Repeat(" ", 500) + "- x\n", []int{1}},
		{"ordered", strings.Repeat("1. ", MaxNesting+1) + "x\n", []int{1}},
		{"emphasis is not a marker", strings.Repeat("*a* ", 100) + "\n", nil},
		{"numbers are not markers", strings.Repeat("1.5 ", 100) + "\n", nil},
		{"fenced code with quotes", "```\n" + q(100) + "\n```\n", []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, lines := limitBlocks([]byte(tc.in))
			if fmt.Sprint(lines) != fmt.Sprint(tc.changed) {
				t.Errorf("changed lines %v, want %v", lines, tc.changed)
			}
			if len(out) != len(tc.in) || bytes.Count(out, []byte("\n")) != strings.Count(tc.in, "\n") {
				t.Errorf("length or lines changed: %q", out)
			}
			if len(tc.changed) == 0 && string(out) != tc.in {
				t.Errorf("changed: %q", out)
			}
		})
	}
	// the source is never written to
	src := []byte(q(100) + "x\n")
	orig := string(src)
	limitBlocks(src)
	if string(src) != orig {
		t.Error("limitBlocks wrote to its input")
	}
}

// TestDeepQuoteKeepsText: a document whose quote nests past the bound
// keeps every character of it in the model (the values are read from the
// source), and parses to the same model twice.
func TestDeepQuoteKeepsText(t *testing.T) {
	body := strings.Repeat("> ", 40) + "the deepest words"
	src := []byte("# Incident Postmortem: deep\n\n## Summary\n\n" + body + "\n")
	doc, _ := Parse(src)
	out := Render(doc)
	if !bytes.Contains(out, []byte(body)) {
		t.Errorf("the quote's text changed:\n%s", out)
	}
	doc2, _ := Parse(out)
	if string(Render(doc2)) != string(out) {
		t.Error("not a fixed point")
	}
	if line := TooDeep(src); line != 5 {
		t.Errorf("TooDeep = %d, want line 5", line)
	}
	if h := HTML(src); !strings.Contains(string(h), "the deepest words") || strings.Contains(string(h), "<blockquote") {
		t.Errorf("HTML of a too-deep document: %s", h)
	}
}

// FuzzNesting: any seed repeated to 64 KiB parses and renders within a CPU
// budget relative to a normal document of the same size (a generous ratio:
// fuzzing runs beside other work), and TooDeep and PlainHTML never panic.
func FuzzNesting(f *testing.F) {
	for _, s := range []string{"> ", "- ", "1. ", "* ", "[", "[a](", "*a_", "_a ", "~~a ", "(", "<div>", " ", "\t- ", "> - ", "`"} {
		f.Add([]byte(s))
	}
	const size = 64 << 10
	normal := normalDoc(f, size)
	var baseParse, baseHTML time.Duration
	f.Fuzz(func(t *testing.T, seed []byte) {
		if len(seed) == 0 || len(seed) > 256 {
			return
		}
		if baseParse == 0 {
			baseParse = minCPU(3, func() { Parse(normal) })
			baseHTML = minCPU(3, func() { HTML(normal) })
		}
		src := fill(string(seed), size)
		_ = TooDeep(src)
		p := minCPU(2, func() { Parse(src) })
		r := minCPU(2, func() { HTML(src) })
		if p > 5*maxRatio*baseParse || r > 5*maxRatio*baseHTML {
			t.Errorf("seed %q repeated to %d bytes: Parse %v, HTML %v CPU; a normal document %v, %v", seed, len(src), p, r, baseParse, baseHTML)
		}
	})
}
