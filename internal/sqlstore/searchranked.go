package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"

	"github.com/hindsight-pm/hindsight"
)

// RankedPK is a match of a search window: its incident's pk and its rank
// (the better, the smaller; a hit's Rank is its negation).
type RankedPK struct {
	PK   int64
	Rank float64
}

// SearchRanker is a Dialect that reads a search's whole window, the matches
// and their ranks, as one value, and leaves the page to Go (SQLite,
// sqlite/ranks.go): searchRanked orders the window by rank, then reads the
// page's rows by pk. The order is SearchSQL's, rank then Incident ID; only
// the matches whose rank ties with the page's first or last are read with
// it, for their IDs.
type SearchRanker interface {
	// SearchRanksSQL selects one row of one column, the window's matches
	// that cond keeps (SearchRanks decodes it), in no order; its
	// parameters are the MatchArg value and cond's arguments.
	SearchRanksSQL(cond string) string
	// SearchRanks appends the matches of SearchRanksSQL's value to dst.
	SearchRanks(v []byte, dst []RankedPK) ([]RankedPK, error)
	// SearchPageSQL reads cols, the two snippet columns and the pk of the
	// incidents whose pks its one parameter lists (a JSON array), in no
	// order.
	SearchPageSQL(cols string) string
}

// searchRanked fills page with the hits of arg for cond from offset, up to
// limit, as SearchSQL would: the window's matches from SearchRanksSQL, the
// page's rows from SearchPageSQL, both in one read transaction (one
// snapshot, as SearchSQL's one statement). As with SearchSQL, a page past
// the last hit is empty with a total of 0.
func (s *Store) searchRanked(ctx context.Context, r SearchRanker, page *hindsight.SearchPage, arg string, c cond, limit, offset int) error {
	ranksQ, pageQ := r.SearchRanksSQL(c.String()), r.SearchPageSQL(summaryCols)
	s.rq.Prepare(ctx, ranksQ)
	s.rq.Prepare(ctx, pageQ)
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := s.rq.TxQueryContext(ctx, tx, ranksQ, append([]any{arg}, c.args...)...)
	if err != nil {
		return err
	}
	var ranks []RankedPK
	for rows.Next() {
		var v sql.RawBytes
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return err
		}
		if ranks, err = r.SearchRanks(v, ranks); err != nil {
			rows.Close()
			return err
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	n := len(ranks)
	if offset >= n {
		return nil
	}
	end := min(offset+limit, n)
	// the matches ranked from the page's first rank to its last: the page,
	// and the matches that tie with its first or last and may come before
	// or after it by Incident ID; lo of them rank before the page's first
	first, last := rankAt(ranks, offset, end)
	rank := make(map[int64]float64, end-offset)
	pks := make([]byte, 0, 8*(end-offset)+2)
	pks = append(pks, '[')
	lo := 0
	for _, x := range ranks {
		switch {
		case x.Rank < first:
			lo++
			continue
		case x.Rank > last:
			continue
		}
		if len(rank) > 0 {
			pks = append(pks, ',')
		}
		pks = strconv.AppendInt(pks, x.PK, 10)
		rank[x.PK] = x.Rank
	}
	pks = append(pks, ']')
	type row struct {
		h    hindsight.SearchHit
		rank float64
		a, b string
	}
	found := make([]row, 0, len(rank))
	rows, err = s.rq.TxQueryContext(ctx, tx, pageQ, string(pks))
	if err != nil {
		return err
	}
	defer rows.Close()
	// one row scanned into, then copied: every destination is set by
	// each Scan (NULL included)
	var x row
	var services string
	var pk int64
	dest := append(summaryDest(&x.h.IncidentSummary, &services), &x.a, &x.b, &pk)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		x.h.Services = splitServices(services)
		x.rank = rank[pk]
		found = append(found, x)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b row) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.h.ID, b.h.ID)
	})
	found = found[min(offset-lo, len(found)):]
	if len(found) > limit {
		found = found[:limit]
	}
	page.Hits = slices.Grow(page.Hits, len(found))
	for _, x := range found {
		x.h.Rank = -x.rank
		x.h.Snippet = s.d.Snippet(arg, x.a, x.b, searchHeaderLen(&x.h.IncidentSummary, x.b))
		page.Hits = append(page.Hits, x.h)
	}
	if len(page.Hits) > 0 {
		page.Total = n
	}
	if offset+limit < n {
		page.Next = encodeCursor(searchCursor{Offset: offset + limit})
	}
	return nil
}

// rankAt returns the ranks at positions i and j-1 (i < j <= len(ranks)) of
// ranks ordered by rank: the (j-1)-th is the largest of the j smallest,
// kept in a max-heap (a search's page is a few dozen of a window of 1,000:
// sorting the window was 7% of a search's CPU).
func rankAt(ranks []RankedPK, i, j int) (float64, float64) {
	h := make([]float64, 0, j)
	for _, x := range ranks {
		switch {
		case len(h) < j:
			h = append(h, x.Rank)
			for c := len(h) - 1; c > 0; {
				p := (c - 1) / 2
				if h[p] >= h[c] {
					break
				}
				h[p], h[c] = h[c], h[p]
				c = p
			}
		case x.Rank < h[0]:
			h[0] = x.Rank
			down(h, 0)
		}
	}
	// the heap's root is the j-th smallest; popping j-1-i more leaves the
	// i-th at the root
	last := h[0]
	for range j - 1 - i {
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		down(h, 0)
	}
	return h[0], last
}

// down restores max-heap order below h[p].
func down(h []float64, p int) {
	for {
		c := 2*p + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1] > h[c] {
			c++
		}
		if h[p] >= h[c] {
			return
		}
		h[p], h[c] = h[c], h[p]
		p = c
	}
}
