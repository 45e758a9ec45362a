package sqlite

import (
	"database/sql"
	"math"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// TestRankMatchesBM25 checks that rankFunc's value is the table's rank,
// bm25(10.0, 1.0), bit for bit, for every match of generated incidents and
// the benchmark's queries (one word, several, a word twice, a common word
// whose IDF is floored, phrases, or, negations), before and after writes change the counts (the
// generation, hence the counts it keeps, moves with them), and that the
// counts are kept; each time with the rows' sizes read as bm25 reads them
// (no sizes kept), kept for the generation (sizes.go), and kept for an
// earlier generation (not used).
func TestRankMatchesBM25(t *testing.T) {
	ctx := t.Context()
	s, path, add := generatedStore(t, 11)
	ids := add(200)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := []string{"database", "certificate expired", "connection pool exhausted", "latency", "rollback deploy",
		"kafka consumer lag", "dns", "customer data exposure", "memory leak", "rate limit", "deploying",
		"the", "latency latency", "incident", "zzzunknown database", "unknown",
		`"connection pool"`, `"pool connection"`, "deploy or rollback", "database -latency", `kafka -"consumer lag"`}
	// any number names the database to rankFunc's counts: -1 keeps no
	// sizes, -2 keeps them
	const bare, kept = -1, -2
	z := newSizer(kept, db)
	defer z.close(kept)
	check := func(stage string, store int64) {
		t.Helper()
		var gen int64
		if err := db.QueryRowContext(ctx, `SELECT n FROM store_generation WHERE id = 1`).Scan(&gen); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, q := range queries {
			arg, _ := dialect{}.MatchArg(q)
			before := n
			for pass := range 2 { // the second from the counts kept
				rows, err := db.QueryContext(ctx, `SELECT incident_fts.rowid, rank, `+rankFunc+`(incident_fts, ?2, (SELECT n FROM store_generation WHERE id = 1), ?1)
					FROM incident_fts WHERE incident_fts MATCH ?1`, arg, store)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id int64
					var want, got float64
					if err := rows.Scan(&id, &want, &got); err != nil {
						t.Fatal(err)
					}
					n++
					if math.Float64bits(got) != math.Float64bits(want) {
						t.Errorf("%s, store %d, %q pass %d, row %d: %s %v, bm25 %v", stage, store, q, pass, id, rankFunc, got, want)
					}
				}
				if err := rows.Err(); err != nil {
					t.Fatal(err)
				}
				rows.Close()
			}
			hits.Lock()
			found := false
			for k := range hits.m {
				found = found || (k.store == store && k.gen == gen && k.match == arg)
			}
			hits.Unlock()
			if !found && n > before { // a query without matches never calls it
				t.Errorf("%s, %q: no counts kept for generation %d", stage, q, gen)
			}
		}
		if n < 500 {
			t.Fatalf("%s: only %d matches compared", stage, n)
		}
	}
	// load reads the sizes now, as the search's background read does
	load := func() *sizeCache {
		t.Helper()
		c, err := z.load(ctx)
		if err != nil || c == nil {
			t.Fatalf("sizes not read: %v", err)
		}
		z.cur.Store(c)
		return c
	}
	check("created", bare)
	c := load()
	check("created, sizes kept", kept)
	// the kept sizes are what rankFunc uses: wrong ones change the ranks
	right := c.sz
	c.sz = make([]int32, len(right))
	for i := range c.sz {
		c.sz[i] = 7
	}
	var want, got float64
	if err := db.QueryRowContext(ctx, `SELECT rank, `+rankFunc+`(incident_fts, ?2, (SELECT n FROM store_generation WHERE id = 1), ?1)
		FROM incident_fts WHERE incident_fts MATCH ?1 ORDER BY rowid DESC LIMIT 1`, `"database"`, kept).Scan(&want, &got); err != nil {
		t.Fatal(err)
	}
	if want == got {
		t.Errorf("with every size kept as 7, %s = bm25 = %v: the kept sizes are not used", rankFunc, got)
	}
	c.sz = right
	ids = append(ids, add(40)...)
	for _, id := range ids[:10] {
		if err := s.DeleteIncident(ctx, hindsight.IncidentDelete{ID: id, Author: "t", Purge: true}); err != nil {
			t.Fatal(err)
		}
	}
	check("after writes", bare)
	z.building.Store(true) // as if a read were under way: the sizes stay those of before the writes
	check("after writes, sizes of before kept", kept)
	if z.cur.Load() != c {
		t.Fatal("the sizes kept changed")
	}
	z.building.Store(false)
	load()
	check("after writes, sizes read again", kept)
}

// putVarint is SQLite's varint encoding (sqlite3PutVarint).
func putVarint(v uint64) []byte {
	if v>>56 != 0 {
		b := make([]byte, 9)
		b[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			b[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return b
	}
	var rev []byte
	for {
		rev = append(rev, byte(v&0x7f)|0x80)
		v >>= 7
		if v == 0 {
			break
		}
	}
	rev[0] &= 0x7f
	b := make([]byte, len(rev))
	for i := range rev {
		b[i] = rev[len(rev)-1-i]
	}
	return b
}

func TestDocSize(t *testing.T) {
	for _, c := range []struct {
		name string
		blob []byte
		want int32
		ok   bool
	}{
		{"small", []byte{3, 120}, 123, true},
		{"two bytes", append(putVarint(300), putVarint(5)...), 305, true},
		{"three bytes", append(putVarint(70000), 0), 70000, true},
		{"four bytes", append(putVarint(3_000_000), putVarint(1)...), 3_000_001, true},
		{"nine bytes, 31 bits kept", append(putVarint(1<<63|5), 0), 5, true},
		{"empty", nil, 0, false},
		{"one column", []byte{3}, 0, false},
		{"three columns", []byte{3, 4, 5}, 0, false},
		{"cut varint", []byte{3, 0x81}, 0, false},
		{"cut nine bytes", []byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := docSize(c.blob, 2)
			if got != c.want || ok != c.ok {
				t.Errorf("docSize(% x) = %d, %v; want %d, %v", c.blob, got, ok, c.want, c.ok)
			}
		})
	}
}

// FuzzDocSize: docSize never panics, and reads back any two column sizes
// written as FTS5 writes them.
func FuzzDocSize(f *testing.F) {
	f.Add([]byte{3, 120}, uint32(7), uint32(900))
	f.Add([]byte{0x81}, uint32(1<<31-1), uint32(0))
	f.Fuzz(func(t *testing.T, blob []byte, a, b uint32) {
		docSize(blob, 2)
		a, b = a&0x3fffffff, b&0x3fffffff
		got, ok := docSize(append(putVarint(uint64(a)), putVarint(uint64(b))...), 2)
		if !ok || got != int32(a+b) {
			t.Fatalf("sizes %d, %d: docSize = %d, %v", a, b, got, ok)
		}
	})
}
