// Command hindsight is the Hindsight postmortem tool: CLI and server.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hindsight-pm/hindsight"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// app carries what every command shares: the streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	db             string // --db / HINDSIGHT_DB
	dbMaxConns     string // --db-max-conns / HINDSIGHT_DB_MAX_CONNS ("" = the default)
}

// commands lists the constructors of the subcommands; each command file
// appends to it from an init function, so commands live in files of their own.
var commands []func(*app) *cobra.Command

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:           "hindsight",
		Short:         "Incident postmortems: write, lint, review, publish and follow through",
		Long:          "Hindsight keeps incident postmortems as canonical Markdown, lints them like code,\nserves a web app and JSON API for writing and reviewing them, and tracks their\naction items to done.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	def := os.Getenv("HINDSIGHT_DB")
	if def == "" {
		def = "hindsight.db"
	}
	root.PersistentFlags().StringVar(&a.db, "db", def, "database: a SQLite file path or a postgres:// URL (env HINDSIGHT_DB)")
	root.PersistentFlags().StringVar(&a.dbMaxConns, "db-max-conns", os.Getenv("HINDSIGHT_DB_MAX_CONNS"),
		"PostgreSQL: connections the pool keeps open at most (default 4 per CPU, at least 8; overrides the URL's pool_max_conns) (env HINDSIGHT_DB_MAX_CONNS)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		dsn, err := withPoolSize(a.db, a.dbMaxConns)
		a.db = dsn
		return err
	}
	for _, c := range commands {
		root.AddCommand(c(a))
	}
	return root
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// exitCode maps an error to the CLI's exit code, in one place:
// 0 ok, 1 findings or check failed, 2 usage, input or config error, 3 other.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	switch hindsight.ErrorCode(err) {
	case hindsight.EInvalid, hindsight.EMalformed, hindsight.ENotFound, hindsight.ETooLarge, hindsight.EUnsupport, hindsight.EConflict:
		return 2
	case hindsight.EInternal:
		// cobra's own usage errors are unclassified errors
		return 2
	}
	return 3
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil && err.Error() != "" {
		fmt.Fprintln(stderr, "hindsight:", err)
	}
	return exitCode(err)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
