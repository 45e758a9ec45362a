package markdown

import (
	"os"
	"testing"

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
