package markdown

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/yuin/goldmark/text"
)

const longExample = "../examples/INC-20260312-001-checkout-database-failover.md"

func loadLong(b *testing.B) []byte {
	src, err := os.ReadFile(longExample)
	if err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkGoldmarkBaseline parses the long example with goldmark alone (the
// same parser and extensions Parse uses): the baseline Parse is held to (2x).
func BenchmarkGoldmarkBaseline(b *testing.B) {
	src := loadLong(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parser().Parse(text.NewReader(src))
	}
}

// BenchmarkParse parses the long example into the model.
func BenchmarkParse(b *testing.B) {
	src := loadLong(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(src)
	}
}

// BenchmarkRender renders the long example's model.
func BenchmarkRender(b *testing.B) {
	doc, _ := Parse(loadLong(b))
	b.ReportAllocs()
	for b.Loop() {
		Render(doc)
	}
}

// BenchmarkParseVsGoldmark alternates Parse and the goldmark-only baseline
// on the same bytes within one loop, so both see the same machine load, and
// reports Parse's time as a multiple of the baseline (goal: at most 2x),
// with documents per second and allocations per document of Parse.
func BenchmarkParseVsGoldmark(b *testing.B) {
	src := loadLong(b)
	var base, ours time.Duration
	var allocs uint64
	var ms runtime.MemStats
	for b.Loop() {
		t0 := time.Now()
		Parser().Parse(text.NewReader(src))
		base += time.Since(t0)
		runtime.ReadMemStats(&ms)
		before := ms.Mallocs
		t1 := time.Now()
		Parse(src)
		ours += time.Since(t1)
		runtime.ReadMemStats(&ms)
		allocs += ms.Mallocs - before
	}
	b.ReportMetric(float64(ours)/float64(base), "x-goldmark")
	b.ReportMetric(float64(b.N)/ours.Seconds(), "docs/s")
	b.ReportMetric(float64(allocs)/float64(b.N), "allocs/doc")
}
