package sqlstore

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// generation remembers the database's generation row for a moment
// (Options.VersionTTL, SQLite) in the process's own write generation.
type generation struct {
	mu   sync.Mutex
	last genRead
}

type genRead struct {
	n   int64
	at  time.Time
	gen uint64 // vers.gen when it was read
	ok  bool
	// renewing: past half the TTL, one caller was sent to read it again
	// (as versions.get does)
	renewing bool
}

// Generation implements hindsight.Generations: a token that changes with
// every write transaction committed to the database, by this process or any
// other (the store_generation row, raised last in every transaction). A
// response computed after reading token T is current for as long as
// Generation answers T. With Options.VersionTTL (SQLite) the row is read at
// most once per TTL while this process writes nothing: another process's
// writes are seen within the TTL, this process's at once.
func (s *Store) Generation(ctx context.Context) (string, error) {
	local := s.vers.gen.Load()
	now := s.clock()
	if s.vers.memo() {
		s.gen.mu.Lock()
		g := s.gen.last
		age := now.Sub(g.at)
		fresh := g.ok && g.gen == local && age >= 0 && age < s.vers.ttl
		if fresh && age >= s.vers.ttl/2 && !g.renewing {
			s.gen.last.renewing, fresh = true, false
		}
		s.gen.mu.Unlock()
		if fresh {
			return strconv.FormatInt(g.n, 10), nil
		}
	}
	var n int64
	if err := s.rq.QueryRowContext(ctx, `SELECT n FROM store_generation WHERE id = 1`).Scan(&n); err != nil {
		return "", internal("read the store generation", err)
	}
	if s.vers.memo() {
		s.gen.mu.Lock()
		s.gen.last = genRead{n: n, at: now, gen: local, ok: true}
		s.gen.mu.Unlock()
	}
	return strconv.FormatInt(n, 10), nil
}

// ChangesChannel is the PostgreSQL notification channel every write
// transaction notifies (in the transaction: delivered when it commits).
const ChangesChannel = "hindsight_changes"

// SetChangesPushed tells the store whether every other process's writes
// now arrive as notifications (ExternalChange): with Options.PushedChanges,
// VersionTTL applies only while they do. Turning it on or off forgets what
// the store remembers.
func (s *Store) SetChangesPushed(ok bool) {
	s.pushed.Store(ok)
	s.vers.changed()
}

// ExternalChange is called when another process committed a write: the
// store forgets the versions and the generation it remembers.
func (s *Store) ExternalChange() { s.vers.changed() }
