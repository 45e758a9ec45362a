package main

import (
	"fmt"

	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newRestoreCmd)
}

func newRestoreCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "restore BACKUP",
		Short: "Replace the SQLite database with a backup, safely",
		Long: `Replace the SQLite database named by --db with a copy of BACKUP (a file
written by hindsight backup), doing the restore steps safely:

  - refuses while another process has the database open (a running server:
    stop it first);
  - checks BACKUP on a copy beside the database (PRAGMA integrity_check, and
    that it is a Hindsight database), so the backup itself is never written;
  - moves the current database (and its -wal) aside as
    DB.replaced-TIMESTAMP, removes a stale -shm, and renames the checked copy
    into place: the database is the old one or the restored one, never half.

Incidents created after the backup was taken are not in it, and their
Incident IDs may be issued again to new incidents: the command says so.
For PostgreSQL it prints how to use pg_restore instead and exits with 2.`,
		Example: `  systemctl stop hindsight
  hindsight --db /var/lib/hindsight/hindsight.db restore /var/backups/hindsight/hindsight-20261206T0315.db
  systemctl start hindsight`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if postgres.IsURL(a.db) {
				fmt.Fprint(a.stderr, pgBackupHelp)
				return &exitError{code: 2, err: fmt.Errorf("restore: --db is a PostgreSQL database; use pg_restore")}
			}
			backup := args[0]
			if same(backup, a.db) {
				return &exitError{code: 2, err: fmt.Errorf("restore: %s is the database itself; name a backup", backup)}
			}
			r, err := sqlite.Restore(cmd.Context(), backup, a.db)
			if err != nil {
				return err
			}
			latest := "none"
			if r.LatestID != "" {
				latest = r.LatestID
			}
			fmt.Fprintf(a.stdout, "restored %s from %s (%d incidents, the latest %s)\n", a.db, backup, r.Incidents, latest)
			if r.Replaced != "" {
				fmt.Fprintf(a.stdout, "the database it replaced is kept as %s (delete it once the restore is checked)\n", r.Replaced)
			}
			fmt.Fprintf(a.stderr, "warning: incidents created after the backup was taken are not in it, and their Incident IDs (after %s on their day) may be issued again to new incidents; check links, tickets and webhooks that name them\n", latest)
			return nil
		},
	}
}
