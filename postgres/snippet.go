package postgres

import (
	"strings"
	"unicode"

	"github.com/hindsight-pm/hindsight/internal/snippet"
)

// The search results' snippets are made in Go (internal/snippet, as on
// SQLite) from the hits' stored plain text (incident_search's title and
// body), not by ts_headline in the query: ts_headline parsed and stemmed
// each hit's whole text in the database on every search.

// searchTerms are the stemmed words of a websearch_to_tsquery text that a
// match can hold: runs of letters and digits, less negated words ("-word")
// and the english configuration's stop words (which include the OR
// operator).
func searchTerms(text string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		negated := start > 0 && text[start-1] == '-' && (start == 1 || strings.ContainsRune(" \t\n\r\"(", rune(text[start-2])))
		if !negated && !stopWords[strings.ToLower(w)] {
			words = append(words, w)
		}
		start = -1
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return snippet.Terms(words)
}

// stopWords are PostgreSQL's english stop words (tsearch_data/english.stop,
// the Snowball list): websearch_to_tsquery('english', ...) drops them.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which who whom this that these those am is are was were be been being have has had having do does did doing a an the and but if or because as until while of at by for with about against between into through during before after above below to from up down in out on off over under again further then once here there when where why how all any both each few more most other some such no nor not only own same so than too very s t can will just don should now`) {
		stopWords[w] = true
	}
}
