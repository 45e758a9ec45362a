package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// openStore opens the store named by dsn (--db / HINDSIGHT_DB): a postgres://
// or postgresql:// URL, or else a SQLite file path ("hindsight.db" when
// empty). Pending migrations are applied. Every command that needs the
// database opens it here.
func openStore(ctx context.Context, dsn string) (hindsight.Store, error) {
	return openStoreWith(ctx, dsn, false)
}

// openStoreWith is openStore; noMigrate leaves the schema as it is (for
// "hindsight migrate" and "hindsight backup").
func openStoreWith(ctx context.Context, dsn string, noMigrate bool) (hindsight.Store, error) {
	if postgres.IsURL(dsn) {
		s, err := postgres.Open(ctx, dsn, postgres.Options{Render: markdown.Render, NoMigrate: noMigrate})
		if err != nil {
			return nil, cannotOpen(err)
		}
		return s, nil
	}
	if dsn == "" {
		dsn = sqlite.DefaultPath
	}
	s, err := sqlite.Open(ctx, dsn, sqlite.Options{Render: markdown.Render, NoMigrate: noMigrate})
	if err != nil {
		return nil, cannotOpen(err)
	}
	return s, nil
}

// withPoolSize applies --db-max-conns / HINDSIGHT_DB_MAX_CONNS (v, "" for
// the default) to the database named by dsn: a PostgreSQL URL gets it as its
// pool_max_conns parameter (replacing one the URL had); a SQLite path, whose
// pool is fixed, is left as it is. A value that is not a positive whole
// number is refused, whatever the database.
func withPoolSize(dsn, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return dsn, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil || n < 1 {
		return "", &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("--db-max-conns (or HINDSIGHT_DB_MAX_CONNS) %q: want a positive whole number of connections, e.g. 16", v),
			Fields: []hindsight.FieldError{{Field: "db-max-conns", Message: "want a positive whole number"}}}
	}
	if !postgres.IsURL(dsn) {
		return dsn, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn, nil // malformed: opening it says so
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.FormatInt(n, 10))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// cannotOpen is a database that cannot be opened: exit 3 (README), unless
// the --db value itself is malformed (exit 2). A file that is not a
// database, a directory that cannot be written, an unreachable server all
// are 3.
func cannotOpen(err error) error {
	switch hindsight.ErrorCode(err) {
	case hindsight.EInvalid, hindsight.EMalformed:
		return err
	}
	return &exitError{code: 3, err: err}
}

// existingDB refuses a SQLite database file that does not exist, for the
// commands that only read (actions, export, import --dry-run, migrate
// status, user list, token list, webhook list and deliveries): opening it
// would create an empty database, and the command would answer "nothing"
// about a --db that is most likely mistyped. Exit 2 (README).
func existingDB(dsn string) error {
	if postgres.IsURL(dsn) {
		return nil
	}
	if dsn == "" {
		dsn = sqlite.DefaultPath
	}
	if dsn == ":memory:" || strings.HasPrefix(dsn, "file:") || strings.ContainsAny(dsn, "?#") {
		return nil // special or malformed: the store says so (exit 2)
	}
	if st, err := os.Stat(filepath.Dir(dsn)); err != nil || !st.IsDir() {
		return nil // no folder to create it in: cannot be opened (exit 3)
	}
	if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
		return hindsight.Errorf(hindsight.ENotFound, "%s: no database here (reading commands never create one): pass --db or set HINDSIGHT_DB, or create it with hindsight import or hindsight serve", dsn)
	}
	return nil
}
