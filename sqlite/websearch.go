package sqlite

import (
	"strings"
	"unicode"
)

// websearch turns a user's search text into an FTS5 query with the syntax
// PostgreSQL's websearch_to_tsquery gives the same text on the other
// store, so both stores find the same incidents:
//
//   - words are all required: `billing export` is "billing" AND "export";
//   - "quoted text" is a phrase, its words adjacent and in order;
//   - a dash before a word or quoted text (at the start or after a space)
//     excludes incidents holding it: `database -payments`;
//   - or splits the query into alternatives, each its own words and
//     exclusions, as in websearch_to_tsquery: `dns red or expired` is
//     (dns and red) or expired.
//
// Every other character separates words, as before. Words are quoted for
// FTS5, so none of its own operators can come from the text. An
// alternative with no required word ("everything but these", which FTS5
// cannot ask) is left out; the result is false when none is left.
func websearch(text string) (string, bool) {
	type term struct {
		words []string
		neg   bool
		or    bool // joined to the previous term by or
	}
	var terms []term
	rs := []rune(text)
	orNext := false
	// Where a word or quoted text may start (the start, after a space,
	// after a dash or another separator there), each dash negates what
	// follows, as websearch_to_tsquery reads them: `---zeppelin` and
	// `- zeppelin` exclude zeppelin, `--zeppelin` is zeppelin; SQLite
	// searched zeppelin for the first two (found by QA9).
	atOperand, neg := true, false
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			atOperand = true
			i++
			continue
		case atOperand && r == '-':
			neg = !neg
			i++
			continue
		case atOperand && r != '"' && !isWordRune(r):
			i++ // a separator: still where an operand may start
			continue
		}
		atOperand = false
		switch {
		case r == '"':
			end := i + 1
			for end < len(rs) && rs[end] != '"' {
				end++
			}
			if ws := wordsOf(string(rs[i+1 : min(end, len(rs))])); len(ws) > 0 {
				terms = append(terms, term{words: ws, neg: neg, or: orNext})
				orNext = false
			}
			i, neg = end+1, false
		case isWordRune(r):
			end := i
			for end < len(rs) && isWordRune(rs[end]) {
				end++
			}
			w := string(rs[i:end])
			i = end
			if strings.EqualFold(w, "or") {
				// a negated or is PostgreSQL's stop word "or": nothing
				if !neg {
					orNext = len(terms) > 0
				}
				neg = false
				continue
			}
			terms = append(terms, term{words: []string{w}, neg: neg, or: orNext})
			orNext, neg = false, false
		default:
			i++
		}
	}
	phrase := func(t term) string { return `"` + strings.Join(t.words, " ") + `"` }
	// the alternatives, each required phrases and excluded ones
	type alt struct{ req, excl []string }
	var alts []alt
	for i, t := range terms {
		if i == 0 || t.or {
			alts = append(alts, alt{})
		}
		a := &alts[len(alts)-1]
		if t.neg {
			a.excl = append(a.excl, phrase(t))
		} else {
			a.req = append(a.req, phrase(t))
		}
	}
	var out []string
	for _, a := range alts {
		if len(a.req) == 0 {
			continue
		}
		q := strings.Join(a.req, " AND ")
		switch len(a.excl) {
		case 0:
		case 1:
			q = "(" + q + ") NOT " + a.excl[0]
		default:
			// one NOT of their or: FTS5 nests a chain of NOTs (its
			// expression tree is at most 256 deep: 300 exclusions were a
			// 500; found by QA10), an or of any length is one node
			q = "(" + q + ") NOT (" + strings.Join(a.excl, " OR ") + ")"
		}
		out = append(out, q)
	}
	switch len(out) {
	case 0:
		return "", false
	case 1:
		return out[0], true
	}
	return "(" + strings.Join(out, ") OR (") + ")", true
}

// isWordRune: letters and digits make words; everything else separates.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordsOf splits s into its words.
func wordsOf(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) })
}

// matchedWords are the words of a websearch query that a hit holds: those
// of its required terms, not of the excluded ones (the snippet marks them).
func matchedWords(arg string) []string {
	var words []string
	skip := false
	for len(arg) > 0 {
		switch {
		case strings.HasPrefix(arg, `"`):
			end := strings.IndexByte(arg[1:], '"')
			if end < 0 {
				end = len(arg) - 1
			}
			if !skip {
				words = append(words, strings.Fields(arg[1:1+end])...)
			}
			skip = false
			arg = arg[min(end+2, len(arg)):]
		case strings.HasPrefix(arg, "NOT ("):
			// the excluded phrases' or: words hold no parenthesis
			end := strings.IndexByte(arg, ')')
			if end < 0 {
				end = len(arg) - 1
			}
			arg = arg[end+1:]
		case strings.HasPrefix(arg, "NOT "):
			skip = true
			arg = arg[4:]
		default:
			arg = arg[1:]
		}
	}
	return words
}
