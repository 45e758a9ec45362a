package reliability

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// crashConfig sizes a crash run: the reduced form for go test ./..., the
// long form with HINDSIGHT_RELIABILITY_FULL=1.
type crashConfig struct {
	kills, editors, minAcks int
	maxGap                  time.Duration
}

func crashSize() crashConfig {
	if full() {
		return crashConfig{kills: 200, editors: 8, minAcks: 3000, maxGap: 2 * time.Second}
	}
	return crashConfig{kills: 20, editors: 4, minAcks: 200, maxGap: 700 * time.Millisecond}
}

// TestCrashSQLite kills `hindsight serve` on SQLite with SIGKILL at random
// moments during concurrent saves and creates, restarts it each time, and
// checks that the database passes PRAGMA integrity_check and that every
// save that got a 2xx answer is there, unchanged.
func TestCrashSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crash.db")
	in := startServe(t, "sqlite", db)
	crash(t, in, func() {
		if got := integrityCheck(t, db); got != "ok" {
			t.Fatalf("PRAGMA integrity_check after the last SIGKILL: %s", got)
		}
	})
}

// TestCrashPostgres is TestCrashSQLite on PostgreSQL, the Hindsight process
// killed (PostgreSQL keeps running).
func TestCrashPostgres(t *testing.T) {
	in := startServe(t, "postgres", postgresURL(t))
	crash(t, in, nil)
}

// crash runs the editors, kills and restarts in at random moments, then
// kills it once more, runs check (the database at rest) and verifies the
// acknowledged saves through a fresh process.
func crash(t *testing.T, in *instance, check func()) {
	cfg := crashSize()
	l := newLedger()
	for i := range 3 {
		if _, ok := l.create(t, in.url, "Crash seed "+string(rune('A'+i)), "Seed token "+string(rune('A'+i))+"."); !ok {
			t.Fatalf("seed create failed: %v\n%s", l.problems, in.logs())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	wg := l.editors(t, ctx, "crash", []string{in.url}, cfg.editors, 12)
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	deadline := time.Now().Add(10 * time.Minute)
	kills := 0
	for kills < cfg.kills || (l.acks() < cfg.minAcks && time.Now().Before(deadline)) {
		time.Sleep(time.Duration(r.Int64N(int64(cfg.maxGap))))
		if kills < cfg.kills {
			in.kill()
			kills++
			in.start()
		}
	}
	cancel()
	wg.Wait()
	in.kill()
	if check != nil {
		check()
	}
	in.start()
	t.Logf("%d SIGKILLs; %d saves acknowledged, %d conflicts, %d without an answer, %d errors; %d incidents",
		kills, l.saves.Load(), l.conflicts.Load(), l.unknown.Load(), l.errors.Load(), len(l.incidents()))
	if l.saves.Load() == 0 {
		t.Fatal("no save was acknowledged: the test proved nothing")
	}
	if l.unknown.Load() == 0 {
		t.Error("no request was cut by a kill: the kills missed the saves")
	}
	l.verify(t, in.url, false)
}
