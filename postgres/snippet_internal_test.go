package postgres

import (
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestSearchTerms: the words of a websearch query that a snippet marks.
func TestSearchTerms(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"database", []string{"databas"}},
		{"Certificate EXPIRED", []string{"certif", "expir"}},
		{`"database failover"`, []string{"databas", "failov"}},
		{"latency or timeout", []string{"latenc", "timeout"}},
		{"database -replica", []string{"databas"}},
		{"co-worker", []string{"co", "worker"}},
		{"the of and", nil},
		{"café résumé", []string{"cafe", "resum"}},
		{"--", nil},
		{"", nil},
	} {
		if got := searchTerms(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("searchTerms(%q) = %q, want %q", tc.q, got, tc.want)
		}
	}
}

// FuzzSearchTerms: any query makes terms and a snippet of any text
// without panicking, and the snippet without its marks and ellipses is
// text of the title or the body.
func FuzzSearchTerms(f *testing.F) {
	f.Add("Database failover", "The primary database failed over. Replicas: fine.", `"database replica" -dns or latency`)
	f.Add("", "café résumé ＤＥＰＬＯＹ deploying", "deploy -cafe")
	f.Fuzz(func(t *testing.T, title, body, q string) {
		nomarks := strings.NewReplacer(hindsight.MarkStart, " ", hindsight.MarkEnd, " ")
		title, body = nomarks.Replace(title), nomarks.Replace(body)
		got := dialect{}.Snippet(q, title, body, strings.IndexByte(body, '\n')+1) // the first line as a header
		plain := strings.NewReplacer(hindsight.MarkStart, "", hindsight.MarkEnd, "").Replace(got)
		plain = strings.TrimSuffix(strings.TrimPrefix(plain, "…"), "…")
		if !strings.Contains(title, plain) && !strings.Contains(body, plain) {
			t.Fatalf("snippet %q is not text of %q or %q", got, title, body)
		}
	})
}
