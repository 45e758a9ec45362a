package sqlite

import (
	"strings"

	"github.com/hindsight-pm/hindsight/internal/snippet"
)

// ellipsis marks where a snippet cuts text.
const ellipsis = snippet.Ellipsis

// makeSnippet is the snippet of a hit for the MatchArg value arg (`"w1"
// "w2"`, one phrase a word), the same as FTS5's snippet(incident_fts, -1,
// char(2), char(3), '…', 24) (internal/snippet).
func makeSnippet(arg, title, body string) string {
	var words []string
	for _, w := range strings.Fields(arg) {
		words = append(words, strings.Trim(w, `"`))
	}
	return snippet.Make(snippet.Terms(words), title, body)
}
