package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Restored describes a restore.
type Restored struct {
	// Incidents is the number of incidents in the backup (deleted ones
	// included); LatestID the highest Incident ID in it.
	Incidents int
	LatestID  string
	// Replaced is where the database that was replaced was moved ("" when
	// there was none).
	Replaced string
}

// Restore replaces the database at target with a copy of backup, safely:
// it refuses while another process has target open (a running server);
// checks that backup is a sound Hindsight database (PRAGMA
// integrity_check, the incidents table and the migrations' version table)
// on a copy beside target, so the backup itself is never written; moves
// the current database and its -wal aside (Restored.Replaced), removes a
// stale -shm, and renames the verified copy into place. Nothing is left
// half-written: on any failure target is as it was and the copy is gone.
func Restore(ctx context.Context, backup, target string) (*Restored, error) {
	if err := notInUse(target); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(backup); err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "restore: backup %s: %v", backup, err)
	} else if !fi.Mode().IsRegular() {
		return nil, hindsight.Errorf(hindsight.EInvalid, "restore: backup %s is not a file", backup)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(target)+".restore-"+hex.EncodeToString(rnd[:]))
	removeTmp := func() {
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
	}
	if err := copyFile(backup, tmp); err != nil {
		removeTmp()
		return nil, &hindsight.Error{Code: hindsight.EUnavailable, Message: fmt.Sprintf("restore: copying %s beside %s: %v", backup, target, err), Err: err}
	}
	r, err := verify(ctx, backup, tmp)
	if err != nil {
		removeTmp()
		return nil, err
	}
	// again: a server may have started meanwhile
	if err := notInUse(target); err != nil {
		removeTmp()
		return nil, err
	}
	if _, err := os.Stat(target); err == nil {
		r.Replaced = target + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(target, r.Replaced); err != nil {
			removeTmp()
			return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: moving %s aside: %v", target, err)
		}
		// the replaced database's committed-but-not-checkpointed
		// transactions stay with it
		if err := os.Rename(target+"-wal", r.Replaced+"-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
			_ = os.Rename(r.Replaced, target)
			removeTmp()
			return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: moving %s-wal aside: %v", target, err)
		}
	}
	os.Remove(target + "-shm")
	os.Remove(target + "-journal")
	if err := os.Rename(tmp, target); err != nil {
		removeTmp()
		if r.Replaced != "" {
			_ = os.Rename(r.Replaced, target)
			_ = os.Rename(r.Replaced+"-wal", target+"-wal")
		}
		return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: %v", err)
	}
	syncDir(filepath.Dir(target))
	return r, nil
}

func notInUse(target string) error {
	busy, err := InUse(target)
	if err != nil {
		return hindsight.Errorf(hindsight.EUnavailable, "restore: checking whether %s is in use: %v", target, err)
	}
	if busy {
		return hindsight.Errorf(hindsight.EUnavailable, "restore: %s is in use by another process (a running server?): stop it first", target)
	}
	return nil
}

// verify checks the copy at tmp of backup and leaves it a single file (its
// journal mode DELETE, no -wal).
func verify(ctx context.Context, backup, tmp string) (*Restored, error) {
	notOurs := func(why string) error {
		return hindsight.Errorf(hindsight.EInvalid, "restore: %s is not a Hindsight database: %s", backup, why)
	}
	db, err := sql.Open("sqlite", tmp+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, notOurs(err.Error())
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&check); err != nil {
		return nil, notOurs(err.Error())
	}
	if check != "ok" {
		return nil, hindsight.Errorf(hindsight.EInvalid, "restore: %s fails PRAGMA integrity_check: %s", backup, check)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('incidents', 'goose_db_version')`).Scan(&n); err != nil || n != 2 {
		return nil, notOurs("it has no incidents table or no migration version")
	}
	r := &Restored{}
	var latest sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT count(*), max(id) FROM incidents`).Scan(&r.Incidents, &latest); err != nil {
		return nil, notOurs(err.Error())
	}
	r.LatestID = latest.String
	// one self-contained file: a backup copied from a live WAL database
	// holds its pages in the main file once checkpointed
	if _, err := db.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: preparing the copy: %v", err)
	}
	if err := db.Close(); err != nil {
		return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: preparing the copy: %v", err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EUnavailable, "restore: syncing the copy: %v", err)
	}
	return r, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
