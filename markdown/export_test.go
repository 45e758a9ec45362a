package markdown

import (
	"html"
	"regexp"
	"strconv"
	"strings"
)

// Helpers of the internal tests, for the corpus test of package markdown_test
// (which imports lint, and lint imports markdown).

// htmlTagRe matches an HTML tag, not an autolink (<https://…>, <a@b.c>).
// LineDiff shows the first differing line of two texts.
var LineDiff = lineDiff

var htmlTagRe = regexp.MustCompile(`</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>`)

// LostWords compares the words of src and of its formatted form out as
// multisets (case-folded): a word written three times in src must be written
// three times in out. Words formatting may respell (labels, section headings,
// statuses, spelled times and durations: see canonicalised, isLabelWord and
// isTimeLike), words in allowed and the tag names of raw HTML (turned into
// Markdown) are not counted. It returns the words out has fewer of, with how
// many are missing, in order of first appearance.
func LostWords(src, out []byte, allowed map[string]bool) []string {
	count := func(b []byte) (map[string]int, []string) {
		// a backslash escape ("INC\\-2023") is Markdown, not a word break
		s := html.UnescapeString(htmlTagRe.ReplaceAllString(strings.ToLower(unescapeValue(string(b))), " "))
		m := map[string]int{}
		var order []string
		for _, w := range wordRe.FindAllString(s, -1) {
			if m[w] == 0 {
				order = append(order, w)
			}
			m[w]++
		}
		return m, order
	}
	have, _ := count(out)
	want, order := count(src)
	var lost []string
	for _, w := range order {
		if want[w] <= have[w] || canonicalised[w] || allowed[w] || isLabelWord(w) || isTimeLike(w) {
			continue
		}
		if n := want[w] - have[w]; n > 1 {
			lost = append(lost, w+"×"+strconv.Itoa(n))
		} else {
			lost = append(lost, w)
		}
	}
	return lost
}
