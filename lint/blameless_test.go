package lint

import (
	"strings"
	"testing"
)

func TestBlamelessMatcher(t *testing.T) {
	m := newMatcher(DefaultWords, nil)
	for _, tc := range []struct {
		text string
		want []string // matched text, in order found
	}{
		{"It was human error.", []string{"human error"}},
		{"HUMAN ERROR", []string{"HUMAN ERROR"}},
		{"humane errors", nil},
		{"a carelessly written script", []string{"carelessly"}},
		{"It was Bob's fault", []string{"Bob's fault"}},
		{"It was Bob’s fault", []string{"Bob’s fault"}},
		{"no one to blame; a blameless review", []string{"blame"}},
		{"the team should have known", []string{"should have known"}},
		{"see `human error` in the log", nil},
		{"```\nhuman error\n```\nfine", nil},
		{"\xff\xfe human error", []string{"human error"}},
		{"İİ blame İ", []string{"blame"}},
		{"", nil},
	} {
		var got []string
		for _, h := range m.find(tc.text) {
			got = append(got, tc.text[h.start:h.end])
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("find(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// FuzzBlameless checks the matcher's offsets on arbitrary text.
func FuzzBlameless(f *testing.F) {
	f.Add("It was Bob's fault, human error")
	f.Add("`code` careless\xff")
	m := newMatcher(DefaultWords, nil)
	f.Fuzz(func(t *testing.T, s string) {
		for _, h := range m.find(s) {
			if h.start < 0 || h.end > len(s) || h.start >= h.end {
				t.Fatalf("bad hit %d..%d in %q", h.start, h.end, s)
			}
		}
		if len(maskCode(s)) != len(s) || len(lowerSameLen(s)) != len(s) {
			t.Fatalf("length changed for %q", s)
		}
	})
}
