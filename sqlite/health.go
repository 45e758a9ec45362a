package sqlite

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hindsight-pm/hindsight"
)

// Headroom the readiness check wants: below it the database is reported
// unable to write before writes start failing.
const (
	// MinFreePages is the pages the database must still be able to take
	// under its max_page_count (1 MiB at SQLite's 4 KiB pages).
	MinFreePages = 256
	// MinFreeDiskBytes is the free space the file system holding the
	// database must have (the WAL, checkpoints and new pages need it).
	MinFreeDiskBytes = 8 << 20
)

// WriteProbe checks that the database can write now, for /readyz: the
// file system holding it has MinFreeDiskBytes free, the database is at
// least MinFreePages below its max_page_count, and a tiny transaction on
// the health table commits. Each failure is EUnavailable naming the cause.
func (s *Store) WriteProbe(ctx context.Context) error {
	if free, ok := freeDiskBytes(filepath.Dir(s.path)); ok && free < MinFreeDiskBytes {
		return unavailable(fmt.Sprintf("the disk holding %s is full (%d KiB free, want at least %d MiB)", filepath.Base(s.path), free>>10, MinFreeDiskBytes>>20))
	}
	var pages, limit, free int64
	db := s.mig.DB // the writer: max_page_count is a setting of its connection
	if err := db.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT max_page_count FROM pragma_max_page_count), (SELECT freelist_count FROM pragma_freelist_count)`).Scan(&pages, &limit, &free); err != nil {
		return s.Store.WriteProbe(ctx) // the probe itself names the cause
	}
	if left := limit - pages + free; left < MinFreePages {
		return unavailable(fmt.Sprintf("the database or its disk is full (%d pages left under max_page_count %d)", left, limit))
	}
	return s.Store.WriteProbe(ctx)
}

func unavailable(cause string) error {
	return &hindsight.Error{Code: hindsight.EUnavailable, Message: "the database cannot write: " + cause}
}
