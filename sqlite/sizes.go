package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// The sizes of the rows of incident_fts in tokens, kept in memory per
// store generation for rankFunc (rank.go). bm25 needs the size of each
// row it ranks; FTS5 keeps them in incident_fts_docsize, and reading them
// there, by a seek per ranked row joined in the search query, was a fifth
// of a search's CPU at 100,000 incidents (a thousand seeks a search). The
// sizes change only when the index does, which raises the store
// generation, so a Store reads all of them once per generation, in one
// read transaction with the generation they are of (the same snapshot),
// and rankFunc uses them only for a statement that read the same
// generation and whose FTS5 row and token counts they agree with. While
// they are of another generation, rankFunc reads each size as bm25 does
// (xColumnSize), and the first search to see the new generation starts
// reading them again in the background: a write costs one read of the
// whole table (4 bytes a row in memory), never a search's wait.

// sizeCache is every row's size in tokens, by rowid (-1: no row), as of
// generation gen of store, with their count and sum.
type sizeCache struct {
	store, gen, rows, tokens int64
	sz                       []int32
}

// lastSizes is the sizeCache read last, by any Store: a process serves one
// Store, and one atomic load per ranked row is cheaper than finding its
// sizer (sizeOf).
var lastSizes atomic.Pointer[sizeCache]

// sizer keeps the sizes of one Store.
type sizer struct {
	store int64
	db    *sql.DB
	cur   atomic.Pointer[sizeCache]
	// read is the generation last read (or tried), so a generation whose
	// sizes disagree with FTS5's counts is not read again and again
	read     atomic.Int64
	building atomic.Bool
	mu       sync.Mutex // guards closed and wg.Add
	closed   bool
	wg       sync.WaitGroup
	ctx      context.Context
	cancel   context.CancelFunc
}

// sizers are the sizers of the open Stores, by store number (dialect.store).
var sizers sync.Map

// newSizer keeps the sizes of store's incident_fts, read through db.
func newSizer(store int64, db *sql.DB) *sizer {
	z := &sizer{store: store, db: db}
	z.read.Store(-1)
	z.ctx, z.cancel = context.WithCancel(context.Background())
	sizers.Store(store, z)
	return z
}

// close stops a read under way and forgets the sizes.
func (z *sizer) close(store int64) {
	sizers.Delete(store)
	if c := lastSizes.Load(); c != nil && c.store == store {
		lastSizes.CompareAndSwap(c, nil)
	}
	z.mu.Lock()
	z.closed = true
	z.mu.Unlock()
	z.cancel()
	z.wg.Wait()
}

// sizesFor reports whether the sizes kept for store are those of
// generation gen, with rows rows and tokens tokens in all (FTS5's
// counts); when they are not, it starts reading them.
func sizesFor(store, gen, rows, tokens int64) bool {
	v, ok := sizers.Load(store)
	if !ok {
		return false
	}
	z := v.(*sizer)
	if c := z.cur.Load(); c != nil && c.gen == gen {
		return c.rows == rows && c.tokens == tokens
	}
	z.refresh(gen)
	return false
}

// sizeOf is the size in tokens of rowid as kept for store at generation
// gen; false when none is kept.
func sizeOf(store, gen, rowid int64) (int32, bool) {
	c := lastSizes.Load()
	if c == nil || c.store != store {
		v, ok := sizers.Load(store)
		if !ok {
			return 0, false
		}
		c = v.(*sizer).cur.Load()
	}
	if c == nil || c.gen != gen || rowid < 0 || rowid >= int64(len(c.sz)) || c.sz[rowid] < 0 {
		return 0, false
	}
	return c.sz[rowid], true
}

// refresh starts reading the sizes in the background, unless a read is
// under way or generation gen was read already.
func (z *sizer) refresh(gen int64) {
	if z.read.Load() == gen || !z.building.CompareAndSwap(false, true) {
		return
	}
	z.mu.Lock()
	if z.closed {
		z.mu.Unlock()
		z.building.Store(false)
		return
	}
	z.wg.Add(1)
	z.mu.Unlock()
	go func() {
		defer z.wg.Done()
		defer z.building.Store(false)
		// an error (a busy or closing database) leaves the sizes as they
		// were: the next search tries again
		if c, err := z.load(z.ctx); err == nil && c != nil {
			z.cur.Store(c)
			lastSizes.Store(c)
		}
	}()
}

// sizeReadTimeout bounds a read of the sizes (about 30 ms at 100,000
// incidents).
const sizeReadTimeout = time.Minute

// load reads the generation and every row's size in one read transaction;
// nil when that generation was read already.
func (z *sizer) load(ctx context.Context) (*sizeCache, error) {
	ctx, cancel := context.WithTimeout(ctx, sizeReadTimeout)
	defer cancel()
	tx, err := z.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	// read only: nothing to undo, the rollback ends the snapshot
	defer func() { _ = tx.Rollback() }()
	c := &sizeCache{store: z.store}
	if err := tx.QueryRowContext(ctx, `SELECT n FROM store_generation WHERE id = 1`).Scan(&c.gen); err != nil {
		return nil, err
	}
	if z.read.Load() == c.gen {
		return nil, nil
	}
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), -1), count(*) FROM incident_fts_docsize`).Scan(&maxID, &c.rows); err != nil {
		return nil, err
	}
	if maxID >= 4*c.rows+1024 {
		// rowids too sparse for an array: keep none (rankFunc reads them)
		z.read.Store(c.gen)
		return nil, nil
	}
	c.sz = make([]int32, maxID+1)
	for i := range c.sz {
		c.sz[i] = -1
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, sz FROM incident_fts_docsize`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var n int64
	for rows.Next() {
		var id int64
		var blob sql.RawBytes
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		sz, ok := docSize(blob, len(rankWeights))
		if !ok || id < 0 || id > maxID {
			// a size FTS5 would refuse: rankFunc reads it and fails as
			// bm25 does
			continue
		}
		c.sz[id] = sz
		c.tokens += int64(sz)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != c.rows {
		// the sum would not be FTS5's: sizesFor then refuses the sizes
		c.rows = n
	}
	z.read.Store(c.gen)
	return c, nil
}
