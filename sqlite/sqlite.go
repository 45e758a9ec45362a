// Package sqlite is the SQLite implementation of hindsight.Store, through
// modernc.org/sqlite (pure Go, no cgo).
//
// The database runs in WAL mode with foreign keys on and a busy timeout.
// Writes go through a pool of one connection whose transactions begin
// IMMEDIATE, so they are serialized (Incident IDs are allocated without
// races); reads use a separate pool and never wait for writers. The schema
// is versioned by the goose migrations embedded from migrations/, applied
// at Open.
//
// The writer does not checkpoint the WAL when it commits: a commit that
// crossed SQLite's auto-checkpoint threshold would copy the WAL into the
// database file and fsync it while holding the only writer connection,
// which stalled every write queued behind it for 10-20 ms. A background
// goroutine checkpoints (PASSIVE) on a reader connection instead, every
// Options.CheckpointEvery.
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/hindsight-pm/hindsight/internal/snippet"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/sqlstore"
	"github.com/pressly/goose/v3"
	sqlitedrv "modernc.org/sqlite" // the database/sql driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DefaultPath is the database file used when none is given.
const DefaultPath = "hindsight.db"

// Options configure Open.
type Options struct {
	// Render renders canonical Markdown (markdown.Render); required.
	Render hindsight.RenderFunc
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
	// MaxDocBytes limits a rendered document (default 1 MiB).
	MaxDocBytes int
	// NoMigrate skips applying pending migrations at Open (for
	// "hindsight migrate").
	NoMigrate bool
	// BusyTimeout is how long a writer waits for another process's lock
	// (default 10s).
	BusyTimeout time.Duration
	// CheckpointEvery is how often the background checkpointer copies the
	// WAL into the database file (default 250ms). Negative leaves the
	// checkpoints to the writer's commits (SQLite's auto-checkpoint).
	CheckpointEvery time.Duration
	// CommonMatches overrides the constant of that name (tests).
	CommonMatches int
	// SearchWindow overrides the constant of that name (tests).
	SearchWindow int
	// VersionTTL is how long an incident's revision is answered from
	// memory for the incident page's cache check (default VersionTTL;
	// negative: never). Saves through this process are seen at once, saves
	// by another process on the same file (hindsight import while serve
	// runs) within the TTL.
	VersionTTL time.Duration
	// WALLimit bounds the write-ahead log, in bytes (default WALLimit;
	// negative: unbounded). It is the writer's journal_size_limit (a WAL
	// that was reset is truncated to it), and a WAL that grew past it,
	// because readers kept the passive checkpoints from reaching its end,
	// is checkpointed with TRUNCATE by the background checkpointer as
	// soon as no reader needs it.
	WALLimit int64
	// MaxPageCount bounds the database file, in pages (PRAGMA
	// max_page_count on the writer): writes beyond it fail as on a full
	// disk (503 unavailable, /readyz 503). 0 is SQLite's own limit.
	MaxPageCount int
}

// WALLimit is the default of Options.WALLimit: 64 MiB.
const WALLimit = 64 << 20

// truncateWait is how long a TRUNCATE checkpoint of a WAL past its limit
// waits for readers (and holds back the writes) before it gives up until
// the next tick.
const truncateWait = time.Second

// VersionTTL is the default of Options.VersionTTL.
const VersionTTL = time.Second

func versionTTL(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return VersionTTL
	case d < 0:
		return 0
	}
	return d
}

// Store is a SQLite hindsight.Store. It also implements
// hindsight.Migrator and hindsight.Backuper.
type Store struct {
	*sqlstore.Store
	path   string
	reader *sql.DB
	mig    *sqlstore.Migrations
	// walLimit is Options.WALLimit (0: unbounded)
	walLimit int64
	busy     time.Duration
	writer   *sql.DB
	// walPeak is the largest WAL size the checkpointer saw, in bytes
	walPeak atomic.Int64
	// the background checkpointer: closed to stop it, closed when stopped
	stop, stopped chan struct{}
	stopOnce      sync.Once
	// the sizes of the search index's rows kept for rankFunc (sizes.go)
	store int64
	sizes *sizer
}

var (
	_ hindsight.Store    = (*Store)(nil)
	_ hindsight.Migrator = (*Store)(nil)
	_ hindsight.Backuper = (*Store)(nil)
)

// Open opens (creating if needed) the database file at path and applies
// pending migrations.
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if strings.ContainsAny(path, "?#") {
		return nil, hindsight.Errorf(hindsight.EInvalid, "database path %q: must not contain ? or #", path)
	}
	if o.Render == nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "sqlite: Options.Render is required")
	}
	busy := o.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	// A 4 MiB page cache per connection (5 of them): the operating
	// system's file cache holds the rest. With 8 MiB the server reached
	// 150 MiB resident serving 1,000 incidents in turn at 32 connections;
	// with 4 MiB 117 MiB, and list and search times at 100,000 incidents
	// did not change measurably (docs/benchmarks.md).
	params := "?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-4096)&_pragma=mmap_size(0)"
	every := o.CheckpointEvery
	if every == 0 {
		every = 250 * time.Millisecond
	}
	walLimit := o.WALLimit
	if walLimit == 0 {
		walLimit = WALLimit
	}
	wparams := params + "&_txlock=immediate"
	if walLimit > 0 {
		wparams += "&_pragma=journal_size_limit(" + strconv.FormatInt(walLimit, 10) + ")"
	}
	if o.MaxPageCount > 0 {
		wparams += "&_pragma=max_page_count(" + strconv.Itoa(o.MaxPageCount) + ")"
	}
	if every > 0 {
		wparams += "&_pragma=wal_autocheckpoint(0)"
	}
	w, err := sql.Open("sqlite", path+wparams)
	if err != nil {
		return nil, &hindsight.Error{Code: hindsight.EUnavailable, Message: fmt.Sprintf("open %s: %v", path, err), Err: err}
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, &hindsight.Error{Code: hindsight.EUnavailable, Message: fmt.Sprintf("open %s: %v", path, err), Err: err}
	}
	r, err := sql.Open("sqlite", path+params)
	if err != nil {
		w.Close()
		return nil, &hindsight.Error{Code: hindsight.EUnavailable, Message: fmt.Sprintf("open %s: %v", path, err), Err: err}
	}
	r.SetMaxOpenConns(max(4, 2*runtime.NumCPU()))
	r.SetMaxIdleConns(max(4, 2*runtime.NumCPU()))
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return nil, err
	}
	s := &Store{path: path, reader: r, writer: w, walLimit: walLimit, busy: busy, mig: &sqlstore.Migrations{DB: w, Dialect: goose.DialectSQLite3, FS: sub}, store: stores.Add(1)}
	s.Store, err = sqlstore.New(w, r, dialect{common: o.CommonMatches, window: o.SearchWindow, store: s.store}, sqlstore.Options{Render: o.Render, Clock: o.Clock, MaxDocBytes: o.MaxDocBytes, VersionTTL: versionTTL(o.VersionTTL)})
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	s.sizes = newSizer(s.store, r)
	if !o.NoMigrate {
		if err := s.MigrateUp(ctx); err != nil {
			s.sizes.close(s.store)
			s.Store.Close()
			return nil, err
		}
	}
	if every > 0 {
		s.stop, s.stopped = make(chan struct{}), make(chan struct{})
		go s.checkpoints(every)
	}
	return s, nil
}

// checkpoints checkpoints the WAL every d until Close.
func (s *Store) checkpoints(d time.Duration) {
	defer close(s.stopped)
	t := time.NewTicker(d)
	defer t.Stop()
	wait := truncateWait
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.walLimit > 0 && s.walSize() > s.walLimit {
			// a truncation the readers kept from completing is tried
			// again with twice the wait (up to the busy timeout), so
			// readers that keep overlapping, or a loaded machine that
			// keeps them slow, cannot starve it for good
			if s.truncateWAL(wait) {
				wait = truncateWait
			} else {
				wait = min(2*wait, max(s.busy, truncateWait))
			}
			continue
		}
		// PASSIVE: copies what no reader still needs, waits for nobody;
		// an error (a busy database) is tried again at the next tick
		_, _ = s.reader.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
	}
}

// walSize returns the size of the WAL file (0 when there is none) and
// records the peak.
func (s *Store) walSize() int64 {
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		return 0
	}
	n := fi.Size()
	for {
		p := s.walPeak.Load()
		if n <= p || s.walPeak.CompareAndSwap(p, n) {
			return n
		}
	}
}

// WALPeak returns the largest size of the WAL file the background
// checkpointer saw since Open, in bytes (for benchmarks).
func (s *Store) WALPeak() int64 {
	s.walSize()
	return s.walPeak.Load()
}

// truncateWAL checkpoints the whole WAL and truncates it to zero bytes
// (TRUNCATE) on the writer connection: the writes queued behind it wait
// (the only back pressure there is on a WAL past its limit) while it waits
// up to wait for the readers still on the WAL, which the
// passive checkpoints could not reach past; readers that start meanwhile
// read the database file. After wait it gives up until the next tick. It
// reports whether the checkpoint completed.
func (s *Store) truncateWAL(wait time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), wait+2*s.busy)
	defer cancel()
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return false
	}
	defer c.Close()
	// wait for readers at most wait, then the writes go on
	if _, err := c.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(wait.Milliseconds(), 10)); err != nil {
		return false
	}
	// one row: busy (1 when readers kept it from completing), the WAL's
	// frames, the frames checkpointed
	var busy, frames, done int64
	err = c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
	ok := err == nil && busy == 0
	if _, err := c.ExecContext(ctx, `PRAGMA busy_timeout = `+strconv.FormatInt(s.busy.Milliseconds(), 10)); err != nil {
		// not back to the writer's busy timeout: the pool opens another
		_ = c.Raw(func(any) error { return driver.ErrBadConn })
	}
	return ok
}

// Close stops the checkpointer and closes the database (the last
// connection to close checkpoints what is left).
func (s *Store) Close() error {
	if s.stop != nil {
		s.stopOnce.Do(func() { close(s.stop) })
		<-s.stopped
	}
	s.sizes.close(s.store)
	return s.Store.Close()
}

// Path returns the database file.
func (s *Store) Path() string { return s.path }

// MigrateUp applies pending migrations.
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

// Backup writes an online, consistent copy of the database to path: VACUUM
// INTO a temporary file beside it, then rename. Writers are not blocked; the
// copy is a snapshot of one moment and opens as a normal database.
func (s *Store) Backup(ctx context.Context, path string) error {
	dir := filepath.Dir(path)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp-"+hex.EncodeToString(rnd[:]))
	// on failure nothing is left: not the partial copy, not a journal
	removeTmp := func() {
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
	}
	if _, err := s.reader.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		removeTmp()
		return hindsight.Errorf(hindsight.EInternal, "backup to %s: %v", path, err)
	}
	// durable before it takes the name
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		removeTmp()
		return hindsight.Errorf(hindsight.EInternal, "backup to %s: %v", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		removeTmp()
		return hindsight.Errorf(hindsight.EInternal, "backup to %s: %v", path, err)
	}
	syncDir(dir)
	return nil
}

// dialect is SQLite's part of the SQL.
type dialect struct {
	common int   // Options.CommonMatches
	window int   // Options.SearchWindow
	store  int64 // names the Store to rankFunc (rank.go)
}

// stores numbers the Stores opened, for rankFunc.
var stores atomic.Int64

// searchWindow is d.window, or SearchWindow.
func (d dialect) searchWindow() int {
	if d.window > 0 {
		return d.window
	}
	return SearchWindow
}

// IsUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure by
// the driver's extended result code.
func (dialect) IsUniqueViolation(err error) bool {
	var se *sqlitedrv.Error
	if !errors.As(err, &se) {
		return false
	}
	c := se.Code()
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// Unavailable names the cause of a write that failed because the database
// cannot write now, by the driver's primary result code.
func (dialect) Unavailable(err error) string {
	var se *sqlitedrv.Error
	if !errors.As(err, &se) {
		return ""
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL:
		return "the database or its disk is full (SQLITE_FULL)"
	case sqlite3.SQLITE_READONLY:
		return "the database file is read-only (SQLITE_READONLY)"
	case sqlite3.SQLITE_IOERR:
		return "a disk I/O error (SQLITE_IOERR)"
	case sqlite3.SQLITE_CANTOPEN:
		return "the database file cannot be opened (SQLITE_CANTOPEN)"
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return "the database is locked by another process (SQLITE_BUSY)"
	}
	return ""
}

func (dialect) Rebind(q string) string { return q }
func (dialect) Time(t time.Time) any   { return sqlstore.TextTime(t) }
func (dialect) Date(t time.Time) any   { return sqlstore.TextDate(t) }

// MatchCond: with a common word, "+" keeps SQLite from driving the query
// by the matches' primary keys (a lookup and a sort of each of tens of
// thousands); it walks the list's sort order and checks each incident
// against the matches, built once. A rare word is cheaper the other way.
func (dialect) MatchCond(common bool) string {
	if common {
		return `+i.pk IN (SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?)`
	}
	return `i.pk IN (SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?)`
}

// MatchCountSQL counts matches up to d.common (default CommonMatches), the
// point from which walking the sort order is the cheaper plan: at 100,000
// incidents a word in 80% of them lists in 19 ms this way against 67 ms,
// and one in none in 0.2 ms against 13 ms the other way.
func (d dialect) MatchCountSQL() (string, int) {
	n := d.common
	if n <= 0 {
		n = CommonMatches
	}
	return `SELECT count(*) FROM (SELECT 1 FROM incident_fts WHERE incident_fts MATCH ? LIMIT ?)`, n
}

// CommonMatches is how many incidents a full-text list filter matches
// before a list walks its sort order instead of sorting the matches.
const CommonMatches = 2000

// MatchArg reads the search text with websearch_to_tsquery's syntax
// (websearch.go): required words, "phrases", or, and -excluded terms.
func (dialect) MatchArg(text string) (string, bool) { return websearch(text) }

// SearchWindow is how many of the most recently created matching incidents
// a search ranks. Ranking every match of a common word costs time in
// proportion to the matches (bm25 reads each one's sizes); the window keeps
// a search fast at any size, and recent incidents are what people look for.
// Rarer words rank every match.
const SearchWindow = 1000

// SearchRanksSQL ranks the window's matches in one walk of FTS5, newest
// first, stopping at the window (by rankFunc: bm25 with the counts of rows
// per word and the rows' sizes kept in memory, rank.go and sizes.go), keeps
// those that cond keeps and gathers them into one value (ranksFunc,
// ranks.go): sqlstore.searchRanked orders them and reads the page's rows by
// pk (SearchPageSQL), title and body from FTS5's content table for their
// snippets (Snippet; FTS5's snippet() here re-ran the match for each row
// and tokenized its whole text: a quarter of a search's CPU). ?1 is the
// match expression, used twice; cond is used twice, its arguments numbered
// ?2 on.
func (d dialect) SearchRanksSQL(cond string) string {
	return `SELECT ` + ranksFunc + `(pk, r) FROM ` + d.windowSQL(cond)
}

// windowSQL is the window's matches that cond keeps, w (pk, r), for
// SearchRanksSQL and SearchSQL. The window is the most recent matches
// before cond, as it was when a first walk found its lowest rowid and a
// second ranked the matches from there. cond is checked the other way
// round: a match is kept unless it is one of the incidents cond refuses,
// which are among the deleted and restricted ones only (the partial index
// incidents_hidden, migration 00210), so a match costs no read of its
// incident. When cond refuses none of them (no incident deleted or
// restricted, or none hidden from this reader), one look at them keeps
// every match; otherwise each match is looked up in incidents_hidden and
// cond checked for the few found there. (A list of every incident cond
// refuses, built for each search, checked cond on each hidden incident of
// the whole database: with 2.7% of 51,687 incidents restricted or deleted,
// a search cost 12 ms instead of 2.9.) ?1 is the match expression, cond's
// arguments are numbered ?2 on.
func (d dialect) windowSQL(cond string) string {
	cond = numbered(cond, 2)
	return `(
        SELECT incident_fts.rowid AS pk, ` + rankFunc + `(incident_fts, ` + strconv.FormatInt(d.store, 10) + `, (SELECT n FROM store_generation WHERE id = 1), ?1) AS r
        FROM incident_fts WHERE incident_fts MATCH ?1 ORDER BY incident_fts.rowid DESC LIMIT ` + strconv.Itoa(d.searchWindow()) + `) w
    WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE (i.deleted_at IS NOT NULL OR i.restricted <> 0) AND NOT (` + cond + `))
        OR NOT EXISTS (SELECT 1 FROM incidents i INDEXED BY incidents_hidden
            WHERE i.pk = w.pk AND (i.deleted_at IS NOT NULL OR i.restricted <> 0) AND NOT (` + cond + `))`
}

// SearchRanks decodes SearchRanksSQL's value (ranks.go).
func (dialect) SearchRanks(v []byte, dst []sqlstore.RankedPK) ([]sqlstore.RankedPK, error) {
	return decodeRanks(v, dst)
}

// SearchPageSQL reads cols, the title and body from FTS5's content table,
// and the pk of the incidents whose pks ?1 lists (a JSON array).
func (dialect) SearchPageSQL(cols string) string {
	return `SELECT ` + cols + `, c.c0, c.c1, i.pk
FROM json_each(?1) j JOIN incidents i ON i.pk = j.value JOIN incident_fts_content c ON c.id = i.pk`
}

// SearchSQL is the search in one statement: SearchIncidents uses
// SearchRanksSQL and SearchPageSQL instead (the dialect is a
// sqlstore.SearchRanker), which answer the same; TestSearchRanksAsSQL
// compares them. It materializes the window (m), counts it (the page's
// total), finds the rank of the page's end (edge: the order, rank then
// Incident ID, needs the IDs of the matches ranked up to there only, ties
// included), then orders those and reads the page's rows. cond is used
// twice, its arguments numbered ?2 on; limit and offset are used twice
// too, by number after cond's arguments.
func (d dialect) SearchSQL(cols, cond string) string {
	n := 1 + strings.Count(cond, "?")
	limit, offset := "?"+strconv.Itoa(n+1), "?"+strconv.Itoa(n+2)
	return `WITH m AS MATERIALIZED (SELECT pk, r FROM ` + d.windowSQL(cond) + `),
edge AS (SELECT max(r) AS r FROM (SELECT r FROM m ORDER BY r LIMIT ` + limit + ` + ` + offset + `)),
top AS (
    SELECT m.pk, m.r, (SELECT count(*) FROM m) AS n FROM m JOIN incidents i ON i.pk = m.pk
    WHERE m.r <= (SELECT r FROM edge)
    ORDER BY m.r, i.id LIMIT ` + limit + ` OFFSET ` + offset + `)
SELECT ` + cols + `, c.c0, c.c1, -top.r, top.n
FROM top JOIN incident_fts_content c ON c.id = top.pk JOIN incidents i ON i.pk = top.pk
ORDER BY top.r, i.id`
}

// numbered numbers the placeholders ? of q from n on (?n, ?n+1...), so q
// can be used twice with the same arguments.
func numbered(q string, n int) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		b.WriteString(q[:i+1])
		b.WriteString(strconv.Itoa(n))
		n++
		q = q[i+1:]
	}
}

// Snippet makes the snippet of a hit in Go from its title and body, as
// FTS5's snippet() did (snippet.go).
func (dialect) Snippet(arg, title, body string, skip int) string {
	return snippet.MakeAfter(snippet.Terms(matchedWords(arg)), title, body, skip)
}

func (dialect) PutSearch(ctx context.Context, tx sqlstore.Execer, id, title, body string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM incident_fts WHERE rowid = (SELECT pk FROM incidents WHERE id = ?)`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO incident_fts (rowid, title, body) SELECT pk, ?, ? FROM incidents WHERE id = ?`, title, body, id)
	return err
}

func (dialect) DeleteSearch(ctx context.Context, tx sqlstore.Execer, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM incident_fts WHERE rowid = (SELECT pk FROM incidents WHERE id = ?)`, id)
	return err
}
