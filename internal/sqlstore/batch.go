package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Execer runs a statement: a *sql.Tx, or a batch that sends it later.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// dbtx is what the write path uses of a transaction: a *sql.Tx, or a batch
// (txBatch) that holds its statements back and sends them together.
type dbtx interface {
	Execer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Stmt is one statement of a batch (Batcher): its query, already rebound,
// its arguments, and after the batch has run, the rows it affected.
type Stmt struct {
	Query    string
	Args     []any
	Affected int64
}

// Batcher is implemented by a dialect that can send several statements in
// one round trip (PostgreSQL's pipeline, pgx.Batch).
type Batcher interface {
	// ExecBatch runs stmts in order on conn, inside the transaction open
	// on it, setting each one's Affected. When one fails it returns a
	// *BatchError naming it; the statements after it did not run and the
	// transaction is to be rolled back.
	ExecBatch(ctx context.Context, conn *sql.Conn, stmts []Stmt) error
}

// BatchError is the failure of one statement of a batch.
type BatchError struct {
	Index int // of the statement in the batch
	Err   error
}

func (e *BatchError) Error() string {
	return fmt.Sprintf("statement %d of a batch: %v", e.Index+1, e.Err)
}
func (e *BatchError) Unwrap() error { return e.Err }

// batch is a transaction that holds back its writes: ExecContext queues a
// statement and every read (QueryContext, QueryRowContext, a result's
// RowsAffected) first sends what is queued, so the statements run in the
// order they were given, as on a *sql.Tx. With a Batcher dialect the
// queued statements of a document (or of a hundred) reach PostgreSQL in
// one round trip instead of one each; without one (SQLite, where a
// statement costs no round trip) every statement runs at once.
type batch struct {
	ctx   context.Context
	tx    *sql.Tx
	conn  *sql.Conn // nil: no batching
	b     Batcher
	stmts []Stmt
	owner []int // the owner (setOwner) of each queued statement
	cur   int
	// failedOwner is the owner of the statement that failed, -1 for none.
	failedOwner int
	failed      error   // of a flush; every later read returns it
	affected    []int64 // rows affected by each statement sent
	sent        int     // statements sent so far
}

// setOwner tags the statements queued from now on (the document of an
// import batch being written), so that a failure can say whose it was.
func (b *batch) setOwner(i int) { b.cur = i }

// ExecContext queues a statement (runs it at once without a Batcher).
func (b *batch) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if b.conn == nil {
		res, err := b.tx.ExecContext(ctx, q, args...)
		if err != nil {
			b.failedOwner = b.cur
		}
		return res, err
	}
	b.stmts = append(b.stmts, Stmt{Query: q, Args: args})
	b.owner = append(b.owner, b.cur)
	return &batchResult{b: b, i: b.sent + len(b.stmts) - 1}, nil
}

// QueryContext sends the queued statements, then runs the query.
func (b *batch) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := b.flush(); err != nil {
		return nil, err
	}
	return b.tx.QueryContext(ctx, q, args...)
}

// QueryRowContext sends the queued statements, then runs the query. A
// failure to send them is the row's error: the query is then run on a
// transaction the database has aborted, which refuses it.
func (b *batch) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if err := b.flush(); err != nil {
		// *sql.Row has no constructor for an error: a query on the aborted
		// transaction fails, and the batch keeps the first error (flush)
		return b.tx.QueryRowContext(ctx, `SELECT 1 WHERE 1 = 0`)
	}
	return b.tx.QueryRowContext(ctx, q, args...)
}

// flush sends the queued statements.
func (b *batch) flush() error {
	if b.conn == nil || len(b.stmts) == 0 {
		return b.err()
	}
	if err := b.err(); err != nil {
		return err
	}
	stmts := b.stmts
	err := b.b.ExecBatch(b.ctx, b.conn, stmts)
	var be *BatchError
	if errors.As(err, &be) && be.Index >= 0 && be.Index < len(b.owner) {
		b.failedOwner = b.owner[be.Index]
	} else if err != nil {
		b.failedOwner = b.cur
	}
	for _, st := range stmts {
		b.affected = append(b.affected, st.Affected)
	}
	b.sent += len(stmts)
	b.stmts, b.owner = nil, nil
	if err != nil {
		b.failed = err
		if be != nil {
			return be.Err // the statement's own error, as a *sql.Tx would return it
		}
	}
	return err
}

// err is the error of an earlier flush.
func (b *batch) err() error {
	if b.failed == nil {
		return nil
	}
	var be *BatchError
	if errors.As(b.failed, &be) {
		return be.Err
	}
	return b.failed
}

// batchResult is the sql.Result of a queued statement: RowsAffected sends
// the batch first.
type batchResult struct {
	b *batch
	i int // index among every statement of the batch
}

func (r *batchResult) LastInsertId() (int64, error) {
	return 0, errors.New("sqlstore: LastInsertId of a batched statement")
}

func (r *batchResult) RowsAffected() (int64, error) {
	if err := r.b.flush(); err != nil {
		return 0, err
	}
	if r.i >= len(r.b.affected) {
		return 0, errors.New("sqlstore: a batched statement that was not sent")
	}
	return r.b.affected[r.i], nil
}

// txBatch runs fn in a write transaction, as tx does, with fn's writes
// batched (batch): on a Batcher dialect the transaction runs on one
// connection of its own and the writes between two reads, with the
// generation's and the notification's at the end, go in one round trip.
// failedOwner (when not nil) receives the owner (batch.setOwner) of the
// statement that failed, -1 when none did.
func (s *Store) txBatch(ctx context.Context, failedOwner *int, fn func(tx *batch) error) error {
	if failedOwner != nil {
		*failedOwner = -1
	}
	bd, ok := s.d.(Batcher)
	var conn *sql.Conn
	var tx *sql.Tx
	var err error
	if ok {
		conn, err = s.w.Conn(ctx)
		if err != nil {
			return s.unavailable(err)
		}
		defer conn.Close()
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = s.w.BeginTx(ctx, nil)
	}
	if err != nil {
		return s.unavailable(err)
	}
	b := &batch{ctx: ctx, tx: tx, conn: conn, b: bd, failedOwner: -1}
	fail := func(err error) error {
		if b.failed != nil {
			// a read after a failed send reports the aborted transaction:
			// the statement that failed says why
			err = b.err()
		}
		_ = tx.Rollback()
		if failedOwner != nil {
			*failedOwner = b.failedOwner
		}
		return s.unavailable(err)
	}
	if err := fn(b); err != nil {
		return fail(err)
	}
	b.setOwner(-1)
	// the generation last: its row lock is held only while committing
	if _, err := b.ExecContext(ctx, `UPDATE store_generation SET n = n + 1 WHERE id = 1`); err != nil {
		return fail(err)
	}
	if s.postgres() { // the other instances hear of it when it commits
		if _, err := b.ExecContext(ctx, `SELECT pg_notify('`+ChangesChannel+`', '')`); err != nil {
			return fail(err)
		}
	}
	if err := b.flush(); err != nil {
		return fail(err)
	}
	err = tx.Commit()
	s.vers.changed() // even when the commit's outcome is unknown
	return s.unavailable(err)
}

// Analyze refreshes the planner's statistics of the store's tables on
// PostgreSQL (ANALYZE of every table of the current schema): after a bulk
// import the statistics are those of a far smaller database until
// autovacuum comes round to it, and the planner reads whole tables for
// the list, the tracker and insights meanwhile (100,000 incidents imported
// at once: 144-1,400 ms of database CPU a request). SQLite keeps no such
// statistics here; it does nothing there.
func (s *Store) Analyze(ctx context.Context) error {
	if !s.postgres() {
		return nil
	}
	rows, err := s.w.QueryContext(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return internal("analyze", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return internal("analyze", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(tables) == 0 {
		return internal("analyze", err)
	}
	_, err = s.w.ExecContext(ctx, `ANALYZE `+strings.Join(tables, ", "))
	return internal("analyze", err)
}
