package web

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

func TestPageCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newPageCache(100)
	page := func(n int) []byte { return make([]byte, n) }
	c.put("a", page(20))
	c.put("b", page(20))
	c.put("c", page(20))
	if _, ok := c.get("a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.put("d", page(25))
	c.put("e", page(25)) // 110 bytes: b, the least recently used, goes
	if _, ok := c.get("b"); ok {
		t.Error("b kept past the byte bound")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.size != 90 || c.lru.Len() != 4 || len(c.m) != 4 {
		t.Errorf("size %d, %d entries, %d keys", c.size, c.lru.Len(), len(c.m))
	}
	c.put("a", page(5)) // replacing a page counts its new size only
	if c.size != 75 {
		t.Errorf("size after replace %d", c.size)
	}
	c.put("huge", page(26)) // over a quarter of the bound: not cached
	if _, ok := c.get("huge"); ok {
		t.Error("a page over a quarter of the bound was cached")
	}
	for i := range 50 {
		c.put(fmt.Sprint(i), page(10))
	}
	if c.size > 100 || c.lru.Len() != 10 {
		t.Errorf("after many puts: size %d, %d entries", c.size, c.lru.Len())
	}
}

// The plain-text shortcut of mdHTML writes what goldmark and the sanitizer
// write for the same text.
func TestPlainTextShortcutMatchesGoldmark(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[ a-zA-Z0-9.,;:()'"?%/=+\-$^é€ ]{0,40}`).Draw(t, "s")
		if !plainText(s) {
			return
		}
		if got, want := mdHTML(s), goldmarkHTML(s); got != want {
			t.Fatalf("mdHTML(%q) = %q, goldmark %q", s, got, want)
		}
	})
	for _, s := range []string{"Name", "  checkout-api  ", "p99 latency 2.3s (was 180ms)", `He said "roll back" and it's done`, "14:02 paged", "", "   "} {
		if !plainText(s) {
			t.Errorf("plainText(%q) = false", s)
		}
		if got, want := mdHTML(s), goldmarkHTML(s); got != want {
			t.Errorf("mdHTML(%q) = %q, goldmark %q", s, got, want)
		}
	}
	for _, s := range []string{"- item", "1. first", "12) x", "3.", "**bold**", "see www.example.com", "https://x.test", "a@b.test", "<b>", "a & b", "x\ny", "    code", "# h", "=== ", "a\\b", "~~gone~~", "\tx"} {
		if plainText(s) {
			t.Errorf("plainText(%q) = true", s)
		}
	}
}
