package reliability

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestBackupUnderLoad takes `hindsight backup` of the SQLite database while
// editors save and create through `hindsight serve`, restores each copy (a
// file copy to a new place, as an operator would) and checks that it opens
// with a fresh server, passes PRAGMA integrity_check and holds every
// incident and revision acknowledged before the backup began, unchanged.
func TestBackupUnderLoad(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	in := startServe(t, "sqlite", db)
	l := newLedger()
	for i := range 3 {
		if _, ok := l.create(t, in.url, fmt.Sprintf("Backup seed %d", i), fmt.Sprintf("Backup seed %d.", i)); !ok {
			t.Fatalf("create: %v", l.problems)
		}
	}
	backups := 3
	if full() {
		backups = 10
	}
	ctx, cancel := context.WithCancel(context.Background())
	wg := l.editors(t, ctx, "backup", []string{in.url}, 4, 6)
	type taken struct {
		file  string
		acked map[string]map[int][]byte
	}
	var copies []taken
	for i := range backups {
		time.Sleep(700 * time.Millisecond)
		acked := l.snapshot() // acknowledged before the backup began
		file := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		out, code := runCLI(t, dir, "--db", db, "backup", file)
		if code != 0 {
			t.Fatalf("backup %d: exit %d: %s", i, code, out)
		}
		copies = append(copies, taken{file, acked})
	}
	cancel()
	wg.Wait()
	t.Logf("%d saves acknowledged, %d conflicts, %d errors during %d backups", l.saves.Load(), l.conflicts.Load(), l.errors.Load(), backups)
	if l.saves.Load() == 0 {
		t.Fatal("no save was acknowledged: the backups were not taken under write load")
	}
	for i, c := range copies {
		t.Run(fmt.Sprintf("Restore%d", i), func(t *testing.T) {
			restored := filepath.Join(t.TempDir(), "restored.db")
			copyFile(t, c.file, restored)
			if got := integrityCheck(t, restored); got != "ok" {
				t.Fatalf("PRAGMA integrity_check of the backup: %s", got)
			}
			r := startServe(t, "restored", restored)
			n := 0
			for id, revs := range c.acked {
				for rev, want := range revs {
					res, err := do(http.MethodGet, fmt.Sprintf("%s/api/v1/incidents/%s/revisions/%d", r.url, id, rev), map[string]string{"Accept": "text/markdown"}, nil)
					if err != nil || res.status != http.StatusOK {
						t.Errorf("%s revision %d, acknowledged before the backup began, is not in it: %v %d", id, rev, err, res.status)
						continue
					}
					if string(res.body) != string(want) {
						t.Errorf("%s revision %d differs in the backup", id, rev)
					}
					n++
				}
			}
			t.Logf("backup %d: %d incidents, %d acknowledged revisions checked", i, len(c.acked), n)
		})
	}
}

// snapshot copies the acknowledged revisions.
func (l *ledger) snapshot() map[string]map[int][]byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := make(map[string]map[int][]byte, len(l.acked))
	for id, revs := range l.acked {
		c := make(map[int][]byte, len(revs))
		for n, b := range revs {
			c[n] = b
		}
		m[id] = c
	}
	return m
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
