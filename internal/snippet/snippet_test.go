package snippet

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/hindsight-pm/hindsight"
)

const header = "INC-20261201-004\nSEV-2\nPublished\nClaire Dubois\n"

func TestMakeAfter(t *testing.T) {
	m := func(s string) string { return hindsight.MarkStart + s + hindsight.MarkEnd }
	cases := []struct {
		name, title, body, word, want string
		skip                          int
	}{
		{"hit after the header", "Checkout outage", header + "payments-gateway\nelevated 5xx rate\nThe payments database ran out of connections.", "payments", "…" + m("payments") + "-gateway\nelevated 5xx rate\nThe " + m("payments") + " database ran out of connections.", len(header)},
		{"hit in the header only", "Checkout outage", header + "checkout-api\nelevated 5xx rate", "claire", "INC-20261201-004\nSEV-2\nPublished\n" + m("Claire") + " Dubois\ncheckout-api\nelevated 5xx rate", len(header)},
		{"hit in the title and the header", "Claire's pager", header + "checkout-api\nelevated 5xx rate", "claire", m("Claire") + "'s pager", len(header)},
		{"no header", "Checkout outage", header + "payments-gateway", "payments", "INC-20261201-004\nSEV-2\nPublished\nClaire Dubois\n" + m("payments") + "-gateway", 0},
		{"a header and nothing after it", "Checkout outage", header, "sev", "INC-20261201-004\n" + m("SEV") + "-2\nPublished\nClaire Dubois\n", len(header)},
		{"a long text after the header starts at the header's end", "", header + "payments " + strings.Repeat("word ", 40), "payments", "…" + m("payments") + strings.TrimSuffix(strings.Repeat(" word", 23), " ") + "…", len(header)},
		{"the hit's sentence after the header", "", header + "one two three four five six seven eight nine ten eleven twelve. Then the payments database failed and " + strings.Repeat("more ", 30), "payments", "…Then the " + m("payments") + " database failed and" + strings.Repeat(" more", 18) + "…", len(header)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MakeAfter(Terms([]string{c.word}), c.title, c.body, c.skip); got != c.want {
				t.Errorf("MakeAfter:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestMakeAfterProperties: without a header MakeAfter is Make; with one
// the snippet is still text of the title or the body, and it holds none
// of the header when the query's word is found after it.
func TestMakeAfterProperties(t *testing.T) {
	words := []string{"database", "payments", "failover", "claire", "sev", "published", "the"}
	rapid.Check(t, func(t *rapid.T) {
		word := rapid.SampledFrom(words).Draw(t, "word")
		gen := rapid.SliceOfN(rapid.SampledFrom(append(words, "replica", "queue", ".", ":", "\n", "café", "x")), 0, 60)
		title := strings.Join(gen.Draw(t, "title"), " ")
		head := strings.Join(rapid.SliceOfN(rapid.SampledFrom(words), 1, 8).Draw(t, "header"), " ") + "\n"
		rest := strings.Join(gen.Draw(t, "rest"), " ")
		body := head + rest
		terms := Terms([]string{word})
		if a, b := MakeAfter(terms, title, body, 0), Make(terms, title, body); a != b {
			t.Fatalf("MakeAfter(0) %q != Make %q", a, b)
		}
		got := MakeAfter(terms, title, body, len(head))
		plain := strings.NewReplacer(hindsight.MarkStart, "", hindsight.MarkEnd, "").Replace(got)
		plain = strings.TrimSuffix(strings.TrimPrefix(plain, Ellipsis), Ellipsis)
		if !strings.Contains(title, plain) && !strings.Contains(body, plain) {
			t.Fatalf("snippet %q is not text of the title or the body", got)
		}
		if strings.Contains(got, hindsight.MarkStart) && strings.Contains(strings.ToLower(rest), word) && !strings.Contains(strings.ToLower(title), word) &&
			!strings.Contains(body[len(head):], strings.TrimSpace(plain)) {
			t.Fatalf("snippet %q holds the header %q though %q is found after it", got, head, word)
		}
	})
}
