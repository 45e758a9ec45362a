package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/hindsight-pm/hindsight"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newMigrateCmd)
}

func newMigrateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate [status|up|down]",
		Short: "Show, apply or roll back the database schema migrations",
		Long: `Manage the schema of the database named by --db (a SQLite file or a
postgres:// URL). Migrations are embedded in the binary and are also applied
automatically whenever a command opens the database.

  status  list every migration and whether it is applied
  up      apply pending migrations (the default)
  down    roll back the latest applied migration (data in the tables it
          created is lost)

On PostgreSQL, migrations run under an advisory lock, so several instances
starting at once migrate once.`,
		Example: `  hindsight migrate status
  hindsight --db postgres://hindsight@db/hindsight migrate up`,
		Args:      cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"status", "up", "down"},
		RunE: func(cmd *cobra.Command, args []string) error {
			action := "up"
			if len(args) == 1 {
				action = args[0]
			}
			if action == "status" {
				if err := existingDB(a.db); err != nil {
					return err
				}
			}
			s, err := openStoreWith(cmd.Context(), a.db, true)
			if err != nil {
				return err
			}
			defer s.Close()
			m, ok := s.(hindsight.Migrator)
			if !ok {
				return hindsight.Errorf(hindsight.EUnsupport, "this database has no versioned schema")
			}
			switch action {
			case "up":
				if err := m.MigrateUp(cmd.Context()); err != nil {
					return err
				}
			case "down":
				if err := m.MigrateDown(cmd.Context()); err != nil {
					return err
				}
			}
			st, err := m.MigrationStatus(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT (UTC)\tNAME")
			for _, x := range st {
				state, at := "pending", "-"
				if x.Applied {
					state, at = "applied", x.AppliedAt.Format("2006-01-02 15:04:05")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", x.Version, state, at, x.Name)
			}
			return tw.Flush()
		},
	}
}
