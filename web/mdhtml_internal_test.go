package web

import (
	"testing"

	"pgregory.net/rapid"
)

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

func TestSizeText(t *testing.T) {
	for n, want := range map[int64]string{2 << 20: "2 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", 3<<20 + 1: "3145729 bytes"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q, want %q", n, got, want)
		}
	}
}
