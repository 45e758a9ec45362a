package snippet

import (
	"testing"

	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
)

// BenchmarkMake makes the snippets of generated postmortems (their
// canonical Markdown as the body) for the search benchmark's words.
func BenchmarkMake(b *testing.B) {
	g := gen.New(3)
	type doc struct{ title, body string }
	var docs []doc
	for range 50 {
		p := g.Postmortem()
		docs = append(docs, doc{p.Title, string(markdown.Render(p))})
	}
	words := []string{"database", "latency", "certificate", "failover", "deploy", "timeout", "queue", "replica", "cache", "rollback", "dns", "memory"}
	i := 0
	for b.Loop() {
		d := docs[i%len(docs)]
		Make(Terms([]string{words[i%len(words)]}), d.title, d.body)
		i++
	}
}
