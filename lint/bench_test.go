package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hindsight-pm/hindsight/markdown"
)

func benchInputs(b *testing.B) [][]byte {
	dir := os.Getenv("HINDSIGHT_BENCH_CORPUS")
	var srcs [][]byte
	if dir != "" {
		paths, _ := filepath.Glob(filepath.Join(dir, "*.md"))
		for _, p := range paths[:min(len(paths), 200)] {
			s, _ := os.ReadFile(p)
			srcs = append(srcs, s)
		}
	}
	if len(srcs) == 0 {
		paths, _ := filepath.Glob(filepath.Join("..", "examples", "*.md"))
		paths = append(paths, filepath.Join("testdata", "good.md"))
		for _, p := range paths {
			s, _ := os.ReadFile(p)
			srcs = append(srcs, s)
		}
	}
	return srcs
}

// BenchmarkSource measures parse + lint per document (set
// HINDSIGHT_BENCH_CORPUS to a directory of generated postmortems).
func BenchmarkSource(b *testing.B) {
	srcs := benchInputs(b)
	cfg := DefaultConfig()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		Source("x.md", srcs[i%len(srcs)], cfg, Options{Today: testToday})
	}
}

// BenchmarkParse measures the parser alone, for comparison.
func BenchmarkParse(b *testing.B) {
	srcs := benchInputs(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		markdown.Parse(srcs[i%len(srcs)])
	}
}
