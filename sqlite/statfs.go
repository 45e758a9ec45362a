//go:build linux || darwin || freebsd

package sqlite

import "golang.org/x/sys/unix"

// freeDiskBytes returns the bytes an unprivileged process may still write
// on the file system holding dir.
func freeDiskBytes(dir string) (uint64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
