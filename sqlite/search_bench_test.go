package sqlite

import (
	"os"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// BenchmarkSearchDB runs the search benchmark's twelve words (bench/issue16)
// as a viewer without memberships, one after the other on one goroutine,
// on a database of generated incidents (a copy: Open migrates it):
//
//	HINDSIGHT_BENCH_DB=/tmp/copy.db go test ./sqlite -run '^$' -bench SearchDB -benchtime 200x
func BenchmarkSearchDB(b *testing.B) {
	path := os.Getenv("HINDSIGHT_BENCH_DB")
	if path == "" {
		b.Skip("set HINDSIGHT_BENCH_DB to a copy of a database of generated incidents")
	}
	s, err := Open(b.Context(), path, Options{Render: markdown.Render})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	words := []string{"database", "latency", "certificate", "failover", "deploy", "timeout", "queue", "replica", "cache", "rollback", "dns", "memory"}
	v := hindsight.Viewer{UserID: "bench"}
	i := 0
	for b.Loop() {
		if _, err := s.SearchIncidents(b.Context(), v, hindsight.SearchQuery{Text: words[i%len(words)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
