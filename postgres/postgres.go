// Package postgres is the PostgreSQL implementation of hindsight.Store,
// through github.com/jackc/pgx/v5: a pgxpool connection pool used via the
// pgx stdlib adapter, so it shares database/sql code and row mapping with
// the SQLite store (internal/sqlstore).
//
// Incident IDs come from a per-day counter row updated with INSERT ... ON
// CONFLICT DO UPDATE ... RETURNING in the creating transaction; updates are
// optimistic (UPDATE ... WHERE revision = base). Migrations are the goose
// migrations embedded from migrations/, run under a session advisory lock so
// several instances starting at once migrate once. Search is a tsvector
// column with a GIN index (English stemming).
package postgres

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/snippet"
	"github.com/hindsight-pm/hindsight/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// MigrationLockID is the advisory lock key taken around migrations
// ("hindsight" in ASCII).
const MigrationLockID int64 = 0x68696e6473696768

// Options configure Open.
type Options struct {
	// Render renders canonical Markdown (markdown.Render); required.
	Render hindsight.RenderFunc
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// MaxDocBytes limits a rendered document (default 1 MiB).
	MaxDocBytes int
	// NoMigrate skips applying pending migrations at Open.
	NoMigrate bool
	// Schema, when set, is the search_path of every connection (the schema
	// must exist). A search_path parameter in the URL works too.
	Schema string
	// NoListen opens no connection listening for other instances' writes:
	// every read of "which revision is latest" and of the list generation
	// then goes to the database. With it (the default), a connection of its
	// own LISTENs on sqlstore.ChangesChannel, which every write transaction
	// notifies, and while it listens those answers come from memory for up
	// to VersionTTL, forgotten at each notification.
	NoListen bool
	// MaxConns caps the pool: the connections open at once. When 0, the
	// URL's pool_max_conns parameter decides, else DefaultMaxConns.
	MaxConns int32
	// SearchWindow overrides the constant of that name (tests).
	SearchWindow int
}

// DefaultMaxConns is the pool size when neither Options.MaxConns nor the
// URL's pool_max_conns sets one: 4 connections per CPU, at least 8, enough
// for the server's HTTP concurrency without crowding a small PostgreSQL.
func DefaultMaxConns() int32 {
	return int32(max(8, 4*runtime.GOMAXPROCS(0)))
}

// urlSetsMaxConns reports whether a postgres:// URL names pool_max_conns.
func urlSetsMaxConns(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Query().Has("pool_max_conns")
}

// Store is a PostgreSQL hindsight.Store; it also implements
// hindsight.Migrator.
type Store struct {
	*sqlstore.Store
	pool   *pgxpool.Pool
	mig    *sqlstore.Migrations
	bounds *searchBounds // the search's statistics of incident_search
	trees  *queryTrees   // the search texts' query trees
	// stopListen ends the listener; listening is closed when it has
	stopListen context.CancelFunc
	listening  chan struct{}
}

// VersionTTL is how long an answer to "which revision is latest" (and the
// list generation) is kept in memory while the listener hears every other
// instance's writes: a bound for a notification lost without the
// connection failing.
const VersionTTL = time.Second

var (
	_ hindsight.Store    = (*Store)(nil)
	_ hindsight.Migrator = (*Store)(nil)
)

// IsURL reports whether dsn names a PostgreSQL database.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to the database at url and applies pending migrations.
func Open(ctx context.Context, url string, o Options) (*Store, error) {
	if o.Render == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "postgres: Options.Render is required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "database URL: %v", redact(err))
	}
	if o.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = o.Schema
	}
	switch {
	case o.MaxConns > 0:
		cfg.MaxConns = o.MaxConns
	case o.MaxConns < 0:
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "database pool size " + strconv.Itoa(int(o.MaxConns)) + ": want a positive number of connections",
			Fields: []hindsight.FieldError{{Field: "db-max-conns", Message: "want a positive number"}}}
	case !urlSetsMaxConns(url):
		cfg.MaxConns = DefaultMaxConns()
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "database URL: %v", redact(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &hindsight.Error{Code: hindsight.EUnavailable, Message: "cannot connect to PostgreSQL at " + cfg.ConnConfig.Host + ": " + redact(err).Error(), Err: err}
	}
	// database/sql borrows its connections from the pool. OpenDBFromPool
	// keeps none idle, so every query took a connection from the pool and
	// gave it back, and the statements database/sql had prepared on it were
	// prepared again and deallocated each time (two more round trips a
	// query). Keeping the pool's connections idle in database/sql keeps them
	// prepared; nothing else in this package takes connections from the pool
	// directly (a future direct user must keep one spare).
	db := stdlib.OpenDBFromPool(pool)
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	db.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	db.SetConnMaxLifetime(cfg.MaxConnLifetime)
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, bounds: &searchBounds{db: db}, trees: &queryTrees{db: db}, mig: &sqlstore.Migrations{DB: db, Dialect: goose.DialectPostgres, FS: sub, Locker: func() (lock.SessionLocker, error) {
		return lock.NewPostgresSessionLocker(lock.WithLockID(MigrationLockID), lock.WithLockTimeout(1, 600))
	}}}
	so := sqlstore.Options{Render: o.Render, Clock: o.Clock, MaxDocBytes: o.MaxDocBytes}
	if !o.NoListen && !o.NoMigrate {
		so.VersionTTL, so.PushedChanges = VersionTTL, true
	}
	s.Store, err = sqlstore.New(db, db, dialect{window: o.SearchWindow, bounds: s.bounds, trees: s.trees}, so)
	if err != nil {
		db.Close()
		pool.Close()
		return nil, err
	}
	if !o.NoMigrate {
		if err := s.MigrateUp(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if so.PushedChanges {
		lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.stopListen, s.listening = cancel, make(chan struct{})
		go s.listen(lctx, cfg.ConnConfig.Copy())
	}
	return s, nil
}

// listen keeps a connection of its own listening on sqlstore.ChangesChannel
// until ctx ends: every notification (another instance's commit, or this
// one's) makes the store forget what it remembers; while it is not
// listening (connecting, or after the connection failed) the store answers
// from the database only. It reconnects after a second.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer close(s.listening)
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN "+sqlstore.ChangesChannel); err == nil {
				s.SetChangesPushed(true)
				for err == nil {
					_, err = conn.WaitForNotification(ctx)
					s.ExternalChange()
				}
				s.SetChangesPushed(false)
			}
			_ = conn.Close(context.WithoutCancel(ctx))
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// redact keeps a password out of an error message.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "://"); i >= 0 {
		if j := strings.Index(msg[i+3:], "@"); j >= 0 {
			if k := strings.Index(msg[i+3:i+3+j], ":"); k >= 0 {
				msg = msg[:i+3+k+1] + "xxxxx" + msg[i+3+j:]
			}
		}
	}
	return errors.New(msg)
}

// Close closes the database handle and the pool.
func (s *Store) Close() error {
	if s.stopListen != nil {
		s.stopListen()
		<-s.listening
	}
	err := s.Store.Close()
	s.pool.Close()
	return err
}

// MigrateUp applies pending migrations under the advisory lock.
func (s *Store) MigrateUp(ctx context.Context) error {
	if err := s.mig.Up(ctx); err != nil {
		return err
	}
	// the rows of migration 00160 that a migration cannot write
	_, err := s.Store.BackfillShape(ctx)
	return err
}

// MigrateDown rolls back the latest applied migration.
func (s *Store) MigrateDown(ctx context.Context) error { return s.mig.Down(ctx) }

// MigrationStatus lists the migrations.
func (s *Store) MigrationStatus(ctx context.Context) ([]hindsight.MigrationState, error) {
	return s.mig.Status(ctx)
}

// dialect is PostgreSQL's part of the SQL.
type dialect struct {
	window int           // Options.SearchWindow
	bounds *searchBounds // incident_search's statistics (nil in tests of SQL text)
	trees  *queryTrees   // search texts' query trees (nil in tests of SQL text)
}

// searchWindow is d.window, or SearchWindow.
func (d dialect) searchWindow() int {
	if d.window > 0 {
		return d.window
	}
	return SearchWindow
}

// uniqueViolation is PostgreSQL's SQLSTATE for a unique (or primary key)
// violation.
const uniqueViolation = "23505"

// IsUniqueViolation reports a unique or primary key violation by its
// SQLSTATE.
func (dialect) IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}

// Unavailable names the cause of a write that failed because the database
// cannot write now, by SQLSTATE: insufficient resources (class 53: disk
// full, out of memory), a read-only transaction (a standby), the server
// shutting down or the connection lost (class 08).
func (dialect) Unavailable(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	switch {
	case pe.Code == "53100":
		return "the database server's disk is full (SQLSTATE 53100)"
	case strings.HasPrefix(pe.Code, "53"):
		return "the database server is out of resources (SQLSTATE " + pe.Code + ")"
	case pe.Code == "25006":
		return "the database is read-only (SQLSTATE 25006)"
	case strings.HasPrefix(pe.Code, "57P"), strings.HasPrefix(pe.Code, "08"):
		return "the database server is shutting down or unreachable (SQLSTATE " + pe.Code + ")"
	}
	return ""
}

func (dialect) Rebind(q string) string { return sqlstore.DollarRebind(q) }
func (dialect) Time(t time.Time) any   { return sqlstore.NativeTime(t) }
func (dialect) Date(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

func (dialect) MatchArg(text string) (string, bool) {
	text = strings.ToValidUTF8(strings.ReplaceAll(text, "\x00", " "), " ")
	if !strings.ContainsFunc(text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return "", false
	}
	return text, true
}

// MatchCountSQL: PostgreSQL's planner estimates a tsquery's matches from
// the GIN index's statistics and picks the plan itself.
func (dialect) MatchCountSQL() (string, int) { return "", 0 }

func (dialect) MatchCond(bool) string {
	return `i.id IN (SELECT incident_id FROM incident_search WHERE tsv @@ websearch_to_tsquery('english', ?))`
}

// SearchWindow is how many matching incidents a search ranks: those with
// the highest Incident IDs, the most recent days. ts_rank_cd reads each
// match's whole tsvector, so ranking every match of a common word costs time
// in proportion to the matches; rarer words rank every match.
const SearchWindow = 1000

// SearchWindow is d.window, or the constant SearchWindow.
func (d dialect) SearchWindow() int { return d.searchWindow() }

// hiddenCond keeps the matches of incident_search s whose incident cond
// keeps, without reading each match's incident: cond refuses only deleted
// and restricted incidents, which the partial index incidents_hidden
// (migration 00250) lists, so a match is kept unless its incident is one of
// those that cond refuses (a hashed subplan over a few rows). Reading the
// incident of every match was 40 to 60 % of a search's database CPU at
// 10,000 incidents.
func hiddenCond(cond string) string {
	return `s.incident_id NOT IN (SELECT i.id FROM incidents i WHERE (i.deleted_at IS NOT NULL OR i.restricted) AND NOT (` + cond + `))`
}

// SearchSQL is the search of every incident: SearchIncidents uses
// SearchWindowSQL instead (the dialect is a sqlstore.SearchWindower), whose
// unbounded query ranks the same window with the same rows.
func (d dialect) SearchSQL(cols, cond string) string {
	return `WITH q AS MATERIALIZED (SELECT websearch_to_tsquery('english', ?) AS q),
win AS MATERIALIZED (
    SELECT s.incident_id, s.ctid AS t FROM incident_search s
    WHERE s.tsv @@ (SELECT q FROM q) AND ` + hiddenCond(cond) + `
    ORDER BY s.incident_id DESC LIMIT ` + strconv.Itoa(d.searchWindow()) + `),
hits AS (
    SELECT w.incident_id, ts_rank_cd(s.tsv, (SELECT q FROM q)) AS rank FROM win w JOIN incident_search s ON s.ctid = w.t
    ORDER BY rank DESC, w.incident_id LIMIT ? OFFSET ?)
SELECT ` + cols + `, s.title, s.body, hits.rank, (SELECT count(*) FROM win)
FROM hits JOIN incidents i ON i.id = hits.incident_id JOIN incident_search s ON s.incident_id = hits.incident_id
ORDER BY hits.rank DESC, i.id`
}

// SearchWindowSQL computes the query once (q) and uses it as a scalar
// subquery, which PostgreSQL evaluates first (an InitPlan). When bounded,
// the range is the incidents from the (k+1)-th highest incident ID up (lo;
// all when there are fewer). The window (win) is found and ranked in one
// pass over the rows of the range that may match, by one of four ways (r,
// the others' branches are not run):
//
//   - keys: hindsight_search_keys_query (migration 00290) turns the query
//     into one over the words of the incidents in the buckets (month and
//     tens of days of the ID) from lo's up, and incident_search_keys reads
//     those rows only: about the window and a quarter, not one index key per
//     incident in the range as incident_search_tsv_id did;
//   - scan: the query has no word a match must hold (only negations): the
//     range's rows in ID order (the primary key);
//   - all: every match of tsv (incident_search_tsv) from lo up: no range
//     (the first k incidents are all), IDs of another form, or a range over
//     48 months;
//   - none: the query has no word at all (only stop words): nothing matches,
//     and the range is reported as every incident so the caller stops.
//
// Each row kept is checked against the query itself (keys are a superset:
// no positions, no negations) and ranked then, so the window's rows are
// read once: the tsvector is stored in the row (migration 00250). The
// filters in the keys branch are function calls (text_ge, ts_match_vq), not
// operators, so the planner does not AND the keys with another index's
// bitmap of the whole range or of every match. The window is ranked unless
// it is short of SearchWindow and the range was not every incident (the
// caller widens the range; hits then holds nothing).
//
// The range starts where the window should fill by the statistics
// (hindsight_search_share, migration 00290: a word in 8 % of incidents
// starts at 15,625 instead of counting among 2,000 first, a word in 82 % at
// 1,525 instead of ranking the 1,650 matches among 2,000); the row reports
// the k used. Only the caller's first guess (2 × SearchWindow) is replaced
// by a smaller one: a later k, widened after a count, is only ever widened
// further, so the caller's widening always makes progress.
func (d dialect) SearchWindowSQL(cond string, bounded bool) string {
	window := strconv.Itoa(d.searchWindow())
	k, bounds := `NULL::bigint`, `NULL::text[]`
	if bounded {
		k, bounds = `?::bigint`, `?::text[]`
	}
	return `WITH x AS MATERIALIZED (SELECT ` + bounds + ` AS bounds, ` + k + ` AS k, websearch_to_tsquery('english', ?) AS q),
e AS MATERIALIZED (
    SELECT ceil(` + window + ` * 1.25 / nullif(CASE WHEN x.k IS NOT NULL THEN hindsight_search_share(x.q) END, 0))::bigint AS k FROM x),
kk AS MATERIALIZED (
    SELECT CASE WHEN x.k = ` + strconv.Itoa(2*d.searchWindow()) + ` AND e.k IS NOT NULL THEN e.k ELSE greatest(x.k, e.k) END AS k FROM x, e),
b AS MATERIALIZED (
    SELECT kk.k, CASE WHEN kk.k IS NOT NULL THEN coalesce(
            (SELECT x.bounds[floor((1 - kk.k / c.reltuples) * (cardinality(x.bounds) - 1))::int + 1] FROM x, pg_class c
            WHERE c.oid = 'incident_search'::regclass AND kk.k < c.reltuples),
            (SELECT incident_id FROM incident_search ORDER BY incident_id DESC OFFSET kk.k LIMIT 1)) END AS lo,
        (SELECT incident_id FROM incident_search ORDER BY incident_id DESC LIMIT 1) AS hi FROM kk),
q AS MATERIALIZED (SELECT x.q FROM x),
hid AS MATERIALIZED (SELECT i.id FROM incidents i WHERE (i.deleted_at IS NOT NULL OR i.restricted) AND NOT (` + cond + `)),
k AS MATERIALIZED (SELECT b.lo, q.q, hindsight_search_keys_query(q.q, b.lo, b.hi) AS kq FROM b, q),
r AS MATERIALIZED (
    SELECT k.lo, k.q, k.kq, CASE WHEN numnode(k.q) = 0 THEN 'none' WHEN k.lo IS NULL THEN 'all' WHEN k.kq IS NOT NULL THEN 'keys'
        WHEN querytree(k.q) = 'T' THEN 'scan' ELSE 'all' END AS way FROM k),
win AS MATERIALIZED (
    SELECT u.incident_id, ts_rank_cd(u.tsv, (SELECT q FROM r)) AS rank FROM (
        SELECT s.incident_id, s.tsv FROM incident_search s
        WHERE (SELECT way FROM r) = 'keys' AND hindsight_search_keys(s.tsv, s.incident_id) @@ (SELECT kq FROM r)
            AND text_ge(s.incident_id, (SELECT lo FROM r)) AND ts_match_vq(s.tsv, (SELECT q FROM r))
        UNION ALL
        SELECT s.incident_id, s.tsv FROM incident_search s
        WHERE (SELECT way FROM r) = 'scan' AND s.incident_id >= (SELECT lo FROM r) AND ts_match_vq(s.tsv, (SELECT q FROM r))
        UNION ALL
        SELECT s.incident_id, s.tsv FROM incident_search s
        WHERE (SELECT way FROM r) = 'all' AND s.tsv @@ (SELECT q FROM r) AND s.incident_id >= coalesce((SELECT lo FROM r), '')
    ) u
    WHERE u.incident_id NOT IN (SELECT id FROM hid)
    ORDER BY u.incident_id DESC LIMIT ` + window + `),
m AS MATERIALIZED (
    SELECT count(*) AS n, (SELECT lo IS NULL OR way = 'none' FROM r) AS all_, (SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'incident_search'::regclass) AS est FROM win),
hits AS (
    SELECT w.incident_id, w.rank FROM win w
    WHERE (SELECT n >= ` + window + ` OR all_ FROM m)
    ORDER BY w.rank DESC, w.incident_id LIMIT ? OFFSET ?)
SELECT m.n, m.all_, m.est, (SELECT k FROM b), hits.incident_id, hits.rank FROM m LEFT JOIN hits ON true
ORDER BY hits.rank DESC, hits.incident_id`
}

// SearchHint is what the search plans in Go (searchPlan): the statistics
// of incident_search (searchBounds) and the query's tree (queryTrees).
func (d dialect) SearchHint(ctx context.Context, arg string) any {
	p := &searchPlan{st: d.bounds.get(ctx), bounds: d.bounds}
	if p.st != nil {
		p.qt, p.qtOK = d.trees.get(ctx, arg)
	}
	return p
}

// SearchWindowQuery is keysWindowSQL with the range and the keys query
// worked out in Go (keysArgs) when they can be, else SearchWindowSQL,
// which works them out itself (plain, or when keysWindowSQL's row said its
// keys query no longer covers the highest incident ID: the statistics are
// then read again by the next search).
func (d dialect) SearchWindowQuery(hint any, k int64, arg, cond string, plain bool) (string, []any) {
	p, _ := hint.(*searchPlan)
	if !plain {
		if kq, lo, cover, used, est, ok := d.keysArgs(p, k); ok {
			return d.keysWindowSQL(cond, p.qt.exact, p.st.byteOrder), []any{arg, kq, lo, cover, used, est}
		}
	} else if p != nil && p.qtOK {
		p.bounds.expire()
	}
	if k <= 0 {
		return d.SearchWindowSQL(cond, false), []any{arg}
	}
	var bounds any
	if p != nil && p.st != nil && p.st.bounds != nil {
		bounds = p.st.bounds
	}
	return d.SearchWindowSQL(cond, true), []any{bounds, k, arg}
}

// SearchRowsSQL reads the page's incidents by ID, with the stored plain
// text of each for its snippet (Snippet).
func (dialect) SearchRowsSQL(cols string) string {
	return `SELECT ` + cols + `, s.title, s.body FROM incidents i JOIN incident_search s ON s.incident_id = i.id WHERE i.id = ANY(?)`
}

// Snippet makes the snippet of a hit in Go from its title and body
// (snippet.go).
func (dialect) Snippet(arg, title, body string, skip int) string {
	return snippet.MakeAfter(searchTerms(arg), title, body, skip)
}

func (dialect) PutSearch(ctx context.Context, tx sqlstore.Execer, id, title, body string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_search (incident_id, title, body) VALUES ($1, $2, $3)
ON CONFLICT (incident_id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body`, id, title, body)
	return err
}

func (dialect) DeleteSearch(ctx context.Context, tx sqlstore.Execer, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM incident_search WHERE incident_id = $1`, id)
	return err
}
