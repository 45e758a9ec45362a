package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the statement cache; queries are built from fixed pieces,
// so their number is small, but the bound keeps it so whatever happens.
const maxStmts = 512

// stmtCache prepares each read query once per pool and reuses it: the
// pages that read one incident spend more time preparing their SQL than
// running it.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: map[string]*sql.Stmt{}} }

func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m) >= maxStmts
	c.mu.Unlock()
	if ok {
		return st
	}
	if full {
		return nil
	}
	// prepared without the lock: preparing waits for one of the pool's
	// connections, and a read transaction holding one may be waiting for
	// the lock in TxQueryContext (a fresh server with searches and insights
	// at once waited for each other until their requests timed out)
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the plain query reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[q]; ok {
		st.Close() // prepared at the same time by another request
		return prev
	}
	if len(c.m) >= maxStmts {
		st.Close()
		return nil
	}
	c.m[q] = st
	return st
}

// QueryContext is database/sql's, through a prepared statement.
func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

// QueryRowContext is database/sql's, through a prepared statement.
func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

// Close closes the prepared statements.
func (c *stmtCache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}

// Prepare prepares q's statement for TxQueryContext, before the
// transaction that uses it begins.
func (c *stmtCache) Prepare(ctx context.Context, q string) { c.stmt(ctx, q) }

// TxQueryContext is tx's QueryContext, through q's statement when Prepare
// prepared it (database/sql reuses it on tx's connection, or prepares it
// there). It never prepares q on the pool: that waits for a second
// connection while tx holds one, and searches that each held one of the
// reader pool's connections waited for each other until their requests
// timed out (a fresh server with 8 clients searching at once).
func (c *stmtCache) TxQueryContext(ctx context.Context, tx *sql.Tx, q string, args ...any) (*sql.Rows, error) {
	c.mu.Lock()
	st := c.m[q]
	c.mu.Unlock()
	if st != nil {
		return tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.QueryContext(ctx, q, args...)
}
