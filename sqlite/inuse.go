//go:build linux || darwin || freebsd

package sqlite

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// shmDMS is the byte of a WAL database's -shm file that every connection
// holds a shared lock on while it has the database open (SQLite's
// "dead man switch", UNIX_SHM_DMS in os_unix.c).
const shmDMS = 128

// InUse reports whether another process has the database at path open: a
// connection in WAL mode keeps a shared lock on a byte of path-shm, so an
// exclusive lock on that byte is refused while any other process (a
// running server, an import) uses the file. A missing -shm file means no
// process uses it. Locks held by this process are not seen (POSIX record
// locks are per process).
func InUse(path string) (bool, error) {
	f, err := os.OpenFile(path+"-shm", os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: shmDMS, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return true, nil
		}
		return false, err
	}
	lk.Type = unix.F_UNLCK
	_ = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
	return false, nil
}
