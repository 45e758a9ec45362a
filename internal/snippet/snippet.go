// Package snippet makes the search results' snippets in Go, for both
// stores: the text around a hit's matched words, each marked. Its tests
// are the stores': sqlite's TestSnippetsAsFTS5 and FuzzSnippet (the same
// snippets as FTS5's snippet()), postgres's TestSearchSnippetsInGo and
// FuzzSearchTerms.
package snippet

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	porter "github.com/blevesearch/go-porterstemmer"
	"golang.org/x/text/unicode/norm"

	"github.com/hindsight-pm/hindsight"
)

// The search results' snippets are made here, in Go, from the title and
// body of each hit, instead of by FTS5's snippet() (SQLite) or
// ts_headline() (PostgreSQL) in the query. snippet()
// tokenized each hit's whole text twice in SQLite's (transpiled) C: over a
// quarter of a search request's CPU. This does what snippet(incident_fts,
// -1, char(2), char(3), '…', 24) does, with the same tokens (unicode61
// with diacritics removed, then the Porter stemmer of FTS5's porter
// tokenizer), so the snippets are the same: the best window of
// snippetTokens tokens of the title or the body (a query word not seen yet
// in the window scores 1000, a repeat 1, a window starting a sentence 100
// more and the start of the text 120 more; the title wins a tie), centred
// on its hits, with an ellipsis where text was cut and each hit marked.
// Only tokens that can stem to a query word are stemmed (mayStemTo), and
// nothing is allocated per token.

// snippetTokens is the snippet's length in tokens (snippet()'s last
// argument before).
const snippetTokens = 24

// Ellipsis marks where a snippet cuts text.
const Ellipsis = "…"

// Terms are the stemmed forms of a query's words, in order (at most 64):
// a token is a hit of a term when it folds and stems to it.
func Terms(words []string) []string {
	var terms []string
	for _, w := range words {
		if w == "" || len(terms) == 64 {
			continue
		}
		terms = append(terms, stem(fold(w)))
	}
	return terms
}

// isTokenRune is unicode61's default token character classes (L*, N*,
// Co), with the combining marks that remove_diacritics folds away.
func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

// fold lower-cases w and removes its diacritics (remove_diacritics 2).
func fold(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			var b strings.Builder
			for _, r := range norm.NFD.String(w) {
				if !unicode.Is(unicode.Mn, r) {
					b.WriteRune(unicode.ToLower(r))
				}
			}
			return b.String()
		}
	}
	return strings.ToLower(w)
}

// stem is FTS5's porter tokenizer on one folded token: tokens of fewer
// than 3 or more than 64 bytes are left as they are.
func stem(w string) string {
	if len(w) < 3 || len(w) > 64 {
		return w
	}
	return string(porter.StemWithoutLowerCasing([]rune(w)))
}

// mayStemTo reports whether token w can stem to term, before stemming it:
// a Porter stem is never longer than its word and is the word's folded
// start with at most its last two letters changed ("sensibiliti" ->
// "sensibl" -> "sensible"), so an ASCII token must start with the term
// but for its last two letters. Other tokens are always stemmed.
func mayStemTo(w, term string) bool {
	if len(w) < len(term) {
		return false
	}
	k := len(term) - 2
	if k < 1 {
		k = 1
	}
	if k > len(term) {
		return true
	}
	for i := 0; i < k; i++ {
		c := w[i]
		if c >= utf8.RuneSelf || term[i] >= utf8.RuneSelf {
			return true
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != term[i] {
			return false
		}
	}
	return true
}

// hit is a token that matches query words (bit i: word i; a token that
// stems like two query words is a hit of both, as in FTS5), with the
// last sentence start at or before it.
type hit struct {
	pos, start, end int
	phrases         uint64
	sentence        int
}

// column is one searched text (title or body): its size in tokens, its
// hits, and the byte offset of every markEvery-th token (highlight starts
// there instead of at the text's start).
type column struct {
	text  string
	size  int
	hits  []hit
	marks []int
	// skip: the tokens starting before this byte offset are the text's
	// header (MakeAfter); base is the first token after them (size when
	// there is none)
	skip, base int
}

// markEvery: column.marks holds the start of tokens 0, markEvery,
// 2×markEvery...
const markEvery = 16

// stemmed is the terms a token is a hit of (bit i: term i), once
// stemmed: a text repeats the words that can stem to a query word
// ("database", "databases"), and stemming each one again was a sixth of
// the scan.
type stemmed struct {
	word  string
	terms uint64
}

// stemsKept bounds the words whose stems a snippet keeps.
const stemsKept = 16

// scan tokenizes c.text (unicode61 tokens) and finds its hits of terms;
// sentence starts are the first token and each one after a '.' or ':'
// followed by white space (seen in the separators before the token). ASCII
// bytes are classified by a table, in the loop: a call per byte was a
// third of the scan. stems keeps the words stemmed (shared by the title
// and the body).
func (c *column) scan(terms []string, stems *[]stemmed) {
	text := c.text
	pos, sentence := 0, 0
	c.base = -1
	for i := 0; i < len(text); {
		// the next token's start; last is the separators' last byte other
		// than white space (0 for none or a character past ASCII), space
		// whether white space followed it
		start := -1
		last, space := byte(0), false
		for i < len(text) {
			if b := text[i]; b < utf8.RuneSelf {
				if asciiToken[b] {
					start = i
					break
				}
				if b == ' ' || b == '\t' || b == '\n' || b == '\r' {
					space = true
				} else {
					last, space = b, false
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			if isTokenRune(r) {
				start = i
				break
			}
			last, space = 0, false
			i += n
		}
		if start < 0 {
			break
		}
		// its end
		for i < len(text) {
			if b := text[i]; b < utf8.RuneSelf {
				if !asciiToken[b] {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			if !isTokenRune(r) {
				break
			}
			i += n
		}
		if pos > 0 && space && (last == '.' || last == ':') {
			sentence = pos
		}
		if c.base < 0 && start >= c.skip {
			c.base = pos
		}
		if pos%markEvery == 0 {
			c.marks = append(c.marks, start)
		}
		w := text[start:i]
		var m uint64
		for _, term := range terms {
			if mayStemTo(w, term) {
				m = hitsOf(w, terms, stems)
				break
			}
		}
		if m != 0 {
			c.hits = append(c.hits, hit{pos: pos, start: start, end: i, phrases: m, sentence: sentence})
		}
		pos++
	}
	c.size = pos
	if c.base < 0 {
		c.base = pos
	}
}

// hitsOf is the terms token w is a hit of (bit i: terms[i]: w can stem
// to it and does), from stems when w was stemmed already.
func hitsOf(w string, terms []string, stems *[]stemmed) uint64 {
	for _, s := range *stems {
		if s.word == w {
			return s.terms
		}
	}
	var m uint64
	st := stem(fold(w))
	for k, term := range terms {
		if mayStemTo(w, term) && st == term {
			m |= 1 << k
		}
	}
	if len(*stems) < stemsKept {
		*stems = append(*stems, stemmed{w, m})
	}
	return m
}

// asciiToken is isTokenRune for the ASCII bytes.
var asciiToken = func() (t [utf8.RuneSelf]bool) {
	for b := range t {
		t[b] = isTokenRune(rune(b))
	}
	return t
}()

// score scores the window of n tokens from pos: 1000 for each term's
// first hit in it, 1 for each further hit; adj is the window moved to
// centre its hits, within the text.
func (c *column) score(pos, n int) (score, adj int) {
	var seen uint64
	first, last := -1, 0
	for _, h := range c.hits {
		if h.pos < pos || h.pos >= pos+n {
			continue
		}
		for m := h.phrases; m != 0; m &= m - 1 {
			p := m & -m
			if seen&p != 0 {
				score++
			} else {
				score += 1000
				seen |= p
			}
		}
		if first < 0 {
			first = h.pos
		}
		last = h.pos + 1
	}
	adj = first - (n-(last-first))/2
	if adj+n > c.size {
		adj = c.size - n
	}
	return score, max(adj, 0)
}

// scratch is Make's working memory, reused through scratchPool: declared
// in Make it moved to the heap (the columns append to it), 2.4 KB a
// snippet, a sixth of a search request's allocations.
type scratch struct {
	hits  [32]hit
	marks [64]int
	stems [stemsKept]stemmed
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Make is the snippet of a hit with title and body for terms (Terms).
func Make(terms []string, title, body string) string {
	return MakeAfter(terms, title, body, 0)
}

// MakeAfter is Make for a body whose first skip bytes are a header (the
// search text's Incident ID, severity, status and owner lines, which a
// result shows beside its snippet already): the snippet is a window of
// the rest, the best by Make's scores with the rest's first token counted
// as the start of the text, unless the query's words are found only in
// the header (a search for an owner or an ID), when it is Make's.
func MakeAfter(terms []string, title, body string, skip int) string {
	sc := scratchPool.Get().(*scratch)
	defer func() {
		clear(sc.stems[:]) // no reference to the texts kept
		scratchPool.Put(sc)
	}()
	kept := sc.stems[:0]
	cols := [2]*column{{text: title, hits: sc.hits[:0:8], marks: sc.marks[:0:8]}, {text: body, hits: sc.hits[8:8], marks: sc.marks[8:8], skip: skip}}
	for _, c := range cols {
		c.scan(terms, &kept)
	}
	// the header is left out when a hit is found elsewhere
	base := 0
	if b := cols[1]; b.base > 0 && (len(cols[0].hits) > 0 || len(b.hits) > 0 && b.hits[len(b.hits)-1].pos >= b.base) {
		base = b.base
	}
	best, bestStart, bestScore := 0, 0, 0
	n := snippetTokens
	for ci, c := range cols {
		first := 0 // the first token a window may start at
		if ci == 1 {
			first = base
		}
		for _, h := range c.hits {
			if h.pos < first {
				continue
			}
			if s, adj := c.score(h.pos, n); s > bestScore {
				best, bestStart, bestScore = ci, max(adj, first), s
			}
			sentence := max(h.sentence, first)
			if c.size-first <= n || sentence >= h.pos {
				continue
			}
			s, _ := c.score(sentence, n)
			if sentence == first {
				s += 120
			} else {
				s += 100
			}
			if s > bestScore {
				best, bestStart, bestScore = ci, sentence, s
			}
		}
	}
	return cols[best].highlight(bestStart, n)
}

// highlight writes the window of n tokens from start, each hit between
// MarkStart and MarkEnd, with an ellipsis before unless it starts the
// text and after unless it ends it.
func (c *column) highlight(start, n int) string {
	end := start + n - 1 // the last token of the window
	// the byte offsets where the window starts (its first token, or the
	// text's start) and ends (its last token's end)
	from, to := 0, len(c.text)
	if start > 0 || end < c.size-1 {
		// from the last token marked at or before start (scan)
		text, pos, tok, i := c.text, 0, -1, 0
		if k := start / markEvery; k < len(c.marks) {
			pos, i = k*markEvery, c.marks[k]
		}
		for i <= len(text) {
			in := false
			sz := 1
			if i < len(text) {
				if b := text[i]; b < utf8.RuneSelf {
					in = asciiToken[b]
				} else {
					var r rune
					r, sz = utf8.DecodeRuneInString(text[i:])
					in = isTokenRune(r)
				}
			}
			switch {
			case in && tok < 0:
				tok = i
				if pos == start && start > 0 {
					from = i
				}
			case !in && tok >= 0:
				if pos == end && end < c.size-1 {
					to = i
				}
				pos++
				tok = -1
			}
			if pos > end {
				break
			}
			i += sz
		}
	}
	var b strings.Builder
	b.Grow(to - from + 16)
	if start > 0 {
		b.WriteString(Ellipsis)
	}
	off := from
	for _, h := range c.hits {
		if h.pos < start || h.pos > end {
			continue
		}
		b.WriteString(c.text[off:h.start])
		b.WriteString(hindsight.MarkStart)
		b.WriteString(c.text[h.start:h.end])
		b.WriteString(hindsight.MarkEnd)
		off = h.end
	}
	b.WriteString(c.text[off:to])
	if end < c.size-1 {
		b.WriteString(Ellipsis)
	}
	return b.String()
}
