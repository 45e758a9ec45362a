package sqlite_test

import (
	"fmt"
	"os"
	"path/filepath"
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
