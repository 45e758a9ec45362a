package sqlstore

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRankAt checks rankAt against a sort of the ranks, for every page
// (i, j) of windows with and without ties, of sizes 1 to 40.
func TestRankAt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := 0
	for _, distinct := range []int{1, 3, 1000} {
		for n := 1; n <= 40; n++ {
			ranks := make([]RankedPK, n)
			for k := range ranks {
				ranks[k] = RankedPK{PK: int64(k), Rank: -float64(r.IntN(distinct)) / 7}
			}
			sorted := make([]float64, n)
			for k, x := range ranks {
				sorted[k] = x.Rank
			}
			slices.Sort(sorted)
			for i := range n {
				for j := i + 1; j <= n; j++ {
					first, last := rankAt(ranks, i, j)
					if first != sorted[i] || last != sorted[j-1] {
						t.Fatalf("%d ranks %v, page [%d, %d): %v, %v; want %v, %v", n, sorted, i, j, first, last, sorted[i], sorted[j-1])
					}
					cases++
				}
			}
		}
	}
	if cases < 2000 {
		t.Fatalf("only %d pages checked", cases)
	}
}
