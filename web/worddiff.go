package web

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/aymanbagabas/go-udiff/lcs"
)

// The "changes since your last review" diff: go-udiff finds the changed
// lines, and within each pair of a removed and an added line the words that
// changed are marked (<del>/<ins>), as a pull request's review diff does.

// wordSeg is a run of text in a diff line; Op is "" (unchanged), "ins" or
// "del".
type wordSeg struct {
	Op   string
	Text string
}

// wordLine is one line of a word-level diff. Kind is "ctx", "add", "del"
// or "hunk" (a "@@ -a,b +c,d @@" separator between distant changes).
type wordLine struct {
	Kind string
	// Old and New are the line's numbers in the old and the new text (0:
	// not in that side).
	Old, New int
	Segs     []wordSeg
}

// wordDiffContext is the number of unchanged lines shown around a change.
const wordDiffContext = 3

// minShared is the smallest share of a changed line pair's characters that
// must be unchanged for the pair to be refined by words: below it the two
// lines are different text, and marking every other word helps nobody.
const minShared = 0.3

// wordDiff returns the changes from old to new line by line, with the
// changed words of paired removed and added lines marked. Equal texts give
// no lines.
func wordDiff(old, new string) []wordLine {
	if old == new {
		return nil
	}
	u, err := udiff.ToUnifiedDiff("old", "new", old, udiff.Lines(old, new), wordDiffContext)
	if err != nil {
		// the edits come from the same text: an error is a defect of the
		// library; show the whole change line by line rather than nothing
		return wholeLines(old, new)
	}
	var out []wordLine
	for _, h := range u.Hunks {
		oldN, newN := h.FromLine, h.ToLine
		nOld, nNew := 0, 0
		for _, l := range h.Lines {
			if l.Kind != udiff.Insert {
				nOld++
			}
			if l.Kind != udiff.Delete {
				nNew++
			}
		}
		out = append(out, wordLine{Kind: "hunk", Segs: []wordSeg{{Text: fmt.Sprintf("@@ -%d,%d +%d,%d @@", oldN, nOld, newN, nNew)}}})
		lines := h.Lines
		for i := 0; i < len(lines); {
			if lines[i].Kind == udiff.Equal {
				out = append(out, wordLine{Kind: "ctx", Old: oldN, New: newN, Segs: []wordSeg{{Text: trimEOL(lines[i].Content)}}})
				oldN++
				newN++
				i++
				continue
			}
			// a run of removed lines followed by a run of added ones
			var dels, adds []string
			for i < len(lines) && lines[i].Kind == udiff.Delete {
				dels = append(dels, trimEOL(lines[i].Content))
				i++
			}
			for i < len(lines) && lines[i].Kind == udiff.Insert {
				adds = append(adds, trimEOL(lines[i].Content))
				i++
			}
			delSegs := make([][]wordSeg, len(dels))
			addSegs := make([][]wordSeg, len(adds))
			for k := range dels {
				delSegs[k] = []wordSeg{{Text: dels[k]}}
			}
			for k := range adds {
				addSegs[k] = []wordSeg{{Text: adds[k]}}
			}
			for _, pr := range pairLines(dels, adds) {
				if d, a, ok := refineWords(dels[pr[0]], adds[pr[1]]); ok {
					delSegs[pr[0]], addSegs[pr[1]] = d, a
				}
			}
			for k := range dels {
				out = append(out, wordLine{Kind: "del", Old: oldN, Segs: delSegs[k]})
				oldN++
			}
			for k := range adds {
				out = append(out, wordLine{Kind: "add", New: newN, Segs: addSegs[k]})
				newN++
			}
		}
	}
	return out
}

// maxPairing bounds the removed × added lines compared to pair them; a
// larger block is paired in order.
const maxPairing = 400

// pairLines pairs each removed line with the added line that replaced it:
// in order, each removed line with the first later added line sharing
// most of its words, so a row added above an edited row does not hide the
// edit. Unpaired lines are shown whole.
func pairLines(dels, adds []string) [][2]int {
	var out [][2]int
	if len(dels)*len(adds) > maxPairing {
		for k := 0; k < len(dels) && k < len(adds); k++ {
			out = append(out, [2]int{k, k})
		}
		return out
	}
	next := 0
	for i, d := range dels {
		best, score := -1, minShared
		for j := next; j < len(adds); j++ {
			if s := lineSimilarity(d, adds[j]); s >= score {
				if s > score || best < 0 {
					best, score = j, s
				}
			}
		}
		if best >= 0 {
			out = append(out, [2]int{i, best})
			next = best + 1
		}
	}
	return out
}

// lineSimilarity is the share of the longer line's bytes that are in
// unchanged words.
func lineSimilarity(a, b string) float64 {
	longest := max(len(a), len(b))
	if longest == 0 {
		return 1
	}
	ta, tb := wordTokens(a), wordTokens(b)
	ca, cb := 0, 0
	for _, d := range lcs.DiffLines(ta, tb) {
		for _, t := range ta[d.Start:d.End] {
			ca += len(t)
		}
		for _, t := range tb[d.ReplStart:d.ReplEnd] {
			cb += len(t)
		}
	}
	return float64(longest-max(ca, cb)) / float64(longest)
}

// wholeLines is the fallback diff: every old line removed, every new one
// added.
func wholeLines(old, new string) []wordLine {
	var out []wordLine
	for i, l := range splitKeep(old) {
		out = append(out, wordLine{Kind: "del", Old: i + 1, Segs: []wordSeg{{Text: l}}})
	}
	for i, l := range splitKeep(new) {
		out = append(out, wordLine{Kind: "add", New: i + 1, Segs: []wordSeg{{Text: l}}})
	}
	return out
}

func splitKeep(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func trimEOL(s string) string { return strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r") }

// refineWords marks the words that differ between a removed line a and the
// added line b that replaces it. ok is false when the lines share too
// little to be worth marking (they are shown as whole lines).
func refineWords(a, b string) (del, ins []wordSeg, ok bool) {
	ta, tb := wordTokens(a), wordTokens(b)
	diffs := lcs.DiffLines(ta, tb)
	slideToWords(diffs, ta, tb)
	changedA, changedB := 0, 0
	ia, ib := 0, 0
	for _, d := range diffs {
		if d.Start > ia {
			eq := strings.Join(ta[ia:d.Start], "")
			del = appendSeg(del, "", eq)
			ins = appendSeg(ins, "", strings.Join(tb[ib:d.ReplStart], ""))
		}
		rm := strings.Join(ta[d.Start:d.End], "")
		ad := strings.Join(tb[d.ReplStart:d.ReplEnd], "")
		changedA += len(rm)
		changedB += len(ad)
		del = appendSeg(del, "del", rm)
		ins = appendSeg(ins, "ins", ad)
		ia, ib = d.End, d.ReplEnd
	}
	del = appendSeg(del, "", strings.Join(ta[ia:], ""))
	ins = appendSeg(ins, "", strings.Join(tb[ib:], ""))
	longest := max(len(a), len(b))
	shared := longest - max(changedA, changedB)
	if longest == 0 || float64(shared) < minShared*float64(longest) {
		return nil, nil, false
	}
	return del, ins, true
}

// slideToWords moves a pure insertion or deletion that starts with spaces
// one token to the right when the same spaces follow it, so "a b" -> "a x
// b" marks "x " rather than " x": the change then starts at a word.
func slideToWords(diffs []lcs.Diff, ta, tb []string) {
	isSpace := func(s string) bool { return strings.TrimSpace(s) == "" }
	for i := range diffs {
		d := &diffs[i]
		limitA, limitB := len(ta), len(tb)
		if i+1 < len(diffs) {
			limitA, limitB = diffs[i+1].Start, diffs[i+1].ReplStart
		}
		switch {
		case d.Start == d.End && d.ReplStart < d.ReplEnd:
			for d.ReplEnd < limitB && d.End < limitA && isSpace(tb[d.ReplStart]) && tb[d.ReplStart] == tb[d.ReplEnd] && ta[d.End] == tb[d.ReplEnd] {
				d.Start++
				d.End++
				d.ReplStart++
				d.ReplEnd++
			}
		case d.ReplStart == d.ReplEnd && d.Start < d.End:
			for d.End < limitA && d.ReplEnd < limitB && isSpace(ta[d.Start]) && ta[d.Start] == ta[d.End] && tb[d.ReplEnd] == ta[d.End] {
				d.Start++
				d.End++
				d.ReplStart++
				d.ReplEnd++
			}
		}
	}
}

// appendSeg adds text to segs, merging it into the last segment of the
// same kind; empty text adds nothing.
func appendSeg(segs []wordSeg, op, text string) []wordSeg {
	if text == "" {
		return segs
	}
	if n := len(segs); n > 0 && segs[n-1].Op == op {
		segs[n-1].Text += text
		return segs
	}
	return append(segs, wordSeg{Op: op, Text: text})
}

// wordTokens splits s into words (runs of letters and digits), runs of
// spaces, and single other characters (punctuation, Markdown marks), so
// "14:02 deploy" changes as "14", ":", "02", " ", "deploy". The tokens
// joined give s back.
func wordTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		j := i + n
		switch {
		case isWordRune(r):
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) {
					break
				}
				j += n2
			}
		case unicode.IsSpace(r):
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsSpace(r2) {
					break
				}
				j += n2
			}
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}
