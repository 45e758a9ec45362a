package sqlite_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestBackgroundCheckpoints checks that the WAL reaches the database file
// through the background checkpointer: a few writes, far below SQLite's
// auto-checkpoint threshold (1000 pages), end up in the database file
// without any further write, and Close stops the checkpointer.
func TestBackgroundCheckpoints(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "h.db")
	// the schema first, wholly in the database file (the last connection
	// to close checkpoints it)
	s, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, CheckpointEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	s, err = sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, CheckpointEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		p := &hindsight.Postmortem{Title: fmt.Sprintf("checkpoint %d", i), ExecutiveSummary: "words to fill a page or two"}
		if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes for 10 s after 30 writes: no checkpoint", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_ = s.Close() // a second Close must not hang or panic
	// the file is whole after Close
	s, err = sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, CheckpointEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.FindIncidents(ctx, hindsight.SystemViewer, hindsight.IncidentFilter{})
	if err != nil || len(page.Incidents) != 30 {
		t.Fatalf("reopened: %d incidents, %v", len(page.Incidents), err)
	}
}

// TestWALBound checks that sustained writes under overlapping long
// readers (there is always a read transaction open on the WAL, so it is
// never reset on its own) keep the WAL near Options.WALLimit: the
// checkpointer truncates it once it is past the limit and the readers that
// pinned it are done. It asserts sizes, never times.
func TestWALBound(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "h.db")
	const limit = 4 << 20
	s, err := sqlite.Open(ctx, path, sqlite.Options{Render: markdown.Render, CheckpointEvery: 5 * time.Millisecond, WALLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// four readers on their own connections, each holding a read
	// transaction for 5 ms (a slow page), staggered so that one is nearly
	// always open
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(r) * time.Millisecond)
			for {
				select {
				case <-stop:
					return
				default:
				}
				tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					continue
				}
				var n int
				_ = tx.QueryRow(`SELECT count(*) FROM incidents`).Scan(&n)
				time.Sleep(5 * time.Millisecond)
				_ = tx.Rollback()
			}
		}()
	}
	var peak int64
	wal := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		peak = max(peak, fi.Size())
		return fi.Size()
	}
	body := strings.Repeat("a line of words that fills the body of the document. ", 200) // ~10 KiB
	const writes = 700
	for i := range writes {
		p := &hindsight.Postmortem{Title: fmt.Sprintf("wal %d", i), ExecutiveSummary: body}
		if _, err := s.CreateIncident(ctx, hindsight.IncidentCreate{Doc: p, Author: "t"}); err != nil {
			t.Fatal(err)
		}
		wal()
	}
	close(stop)
	wg.Wait()
	// what the writes put through the WAL in all: far more than the limit
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() < 5*limit {
		t.Fatalf("the database is only %d bytes: the test wrote too little to show a bound", fi.Size())
	}
	peak = max(peak, s.WALPeak())
	t.Logf("database %d bytes, WAL peak %d bytes (limit %d)", fi.Size(), peak, limit)
	// unbounded, this WAL reaches ~30x the limit (each write puts ~140 KiB
	// through it); bounded, it overshoots by what is written between two
	// checkpoints that got through and by the largest transaction (an FTS5
	// segment merge writes megabytes at once)
	if peak > 12*limit {
		t.Errorf("the WAL reached %d bytes, more than 12x its limit of %d", peak, limit)
	}
}
