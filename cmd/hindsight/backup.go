package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newBackupCmd)
}

// pgBackupHelp is printed when backup is asked of a PostgreSQL database.
const pgBackupHelp = `hindsight backup copies SQLite databases only.
For PostgreSQL, use the database's own tools, which take a consistent
snapshot while the server keeps running, for example:

  pg_dump --format=custom --file=hindsight.dump "$HINDSIGHT_DB"
  pg_restore --clean --if-exists --dbname="$HINDSIGHT_DB" hindsight.dump

or continuous archiving (pg_basebackup and WAL archiving) for point-in-time
recovery.
`

func newBackupCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write an online, consistent copy of the SQLite database to FILE",
		Long: `Write a consistent copy of the SQLite database named by --db to FILE while
the server keeps running and writing (VACUUM INTO a temporary file beside
FILE, then rename, so FILE is complete or untouched). The copy is an
ordinary database: open it with --db FILE.

For PostgreSQL this prints how to use pg_dump instead and exits with 2.`,
		Example: `  hindsight backup backups/hindsight-$(date +%F).db`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if postgres.IsURL(a.db) {
				fmt.Fprint(a.stderr, pgBackupHelp)
				return &exitError{code: 2, err: fmt.Errorf("backup: --db is a PostgreSQL database; use pg_dump")}
			}
			dst := args[0]
			if same(dst, a.db) {
				return hindsight.Errorf(hindsight.EInvalid, "backup: %s is the database itself; name another file", dst)
			}
			if _, err := os.Stat(a.db); err != nil {
				return hindsight.Errorf(hindsight.EInvalid, "backup: database %s: %v", a.db, err)
			}
			s, err := openStoreWith(cmd.Context(), a.db, true)
			if err != nil {
				return err
			}
			defer s.Close()
			b, ok := s.(hindsight.Backuper)
			if !ok {
				return hindsight.Errorf(hindsight.EUnsupport, "backup: this database cannot be copied by hindsight")
			}
			if err := b.Backup(cmd.Context(), dst); err != nil {
				return err
			}
			fi, err := os.Stat(dst)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "backed up %s to %s (%d bytes)\n", a.db, dst, fi.Size())
			return nil
		},
	}
}

// same reports whether two paths name the same file.
func same(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}
