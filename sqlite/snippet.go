package sqlite

import (
	"github.com/hindsight-pm/hindsight/internal/snippet"
)

// ellipsis marks where a snippet cuts text.
const ellipsis = snippet.Ellipsis

// makeSnippet is the snippet of a hit for the MatchArg value arg
// (websearch.go), marking the words of its required terms, the same as
// FTS5's snippet(incident_fts, -1, char(2), char(3), '…', 24)
// (internal/snippet).
func makeSnippet(arg, title, body string) string {
	return snippet.Make(snippet.Terms(matchedWords(arg)), title, body)
}
