package sqlstore

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestSearchHeaderLen(t *testing.T) {
	x := hindsight.IncidentSummary{ID: "INC-20261201-004", Severity: "SEV-2", Status: "Published", Owner: "Claire Dubois"}
	noOwner := x
	noOwner.Owner = ""
	cases := []struct {
		name string
		x    hindsight.IncidentSummary
		body string
		want int
	}{
		{"every line", x, "INC-20261201-004\nSEV-2\nPublished\nClaire Dubois\npayments\n", 47},
		{"no owner", noOwner, "INC-20261201-004\nSEV-2\nPublished\npayments\n", 33},
		{"the document's ID is not the key", x, "SEV-2\nPublished\nClaire Dubois\npayments\n", 30},
		{"a stale row", x, "INC-20261201-004\nSEV-1\nDraft\nBob\npayments\n", 17},
		{"nothing else", x, "INC-20261201-004\nSEV-2\nPublished\nClaire Dubois", 33},
		{"a prefix of a longer line", x, "INC-20261201-0045\nSEV-2\n", 0},
		{"empty", x, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := searchHeaderLen(&c.x, c.body); got != c.want {
				t.Errorf("searchHeaderLen = %d, want %d", got, c.want)
			}
		})
	}
}
