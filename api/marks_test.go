package api

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestSplitMarks checks splitMarks, which copies the text between the
// marks whole, against splitMarksRunes, which reads it rune by rune (what
// splitMarks did before), on snippets of marks, ASCII, multi-byte
// characters, unbalanced and nested marks and invalid UTF-8.
func TestSplitMarks(t *testing.T) {
	cases := []struct {
		in   string
		text string
		hl   [][2]int
	}{
		{"", "", [][2]int{}},
		{"plain", "plain", [][2]int{}},
		{"a \x02database\x03 b", "a database b", [][2]int{{2, 10}}},
		{"…\x02café\x03 \x02naïve\x03…", "…café naïve…", [][2]int{{1, 5}, {6, 11}}},
		{"\x03x\x02y", "xy", [][2]int{}},
		{"\x02a\x02b\x03", "ab", [][2]int{{1, 2}}},
		{"\xffa\x02b\x03", "\ufffdab", [][2]int{{2, 3}}},
	}
	for _, c := range cases {
		text, hl := splitMarks(c.in)
		if text != c.text || !reflect.DeepEqual(hl, c.hl) {
			t.Errorf("splitMarks(%q) = %q, %v; want %q, %v", c.in, text, hl, c.text, c.hl)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	parts := []string{"\x02", "\x03", "a", "database ", "é", "…", "日本", "\xff", "\xe2\x80", " "}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(parts[r.IntN(len(parts))])
		}
		s := b.String()
		text, hl := splitMarks(s)
		wantText, wantHL := splitMarksRunes(s)
		if text != wantText || !reflect.DeepEqual(hl, wantHL) {
			t.Fatalf("splitMarks(%q) = %q, %v; rune by rune %q, %v", s, text, hl, wantText, wantHL)
		}
	}
}
