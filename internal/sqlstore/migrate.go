package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations applies a backend's embedded goose migrations.
type Migrations struct {
	DB      *sql.DB
	Dialect goose.Dialect
	FS      fs.FS // the migrations at its root
	// Locker, when not nil, returns a fresh session lock (PostgreSQL's
	// advisory lock) taken around every run, so instances starting at once
	// migrate once.
	Locker func() (lock.SessionLocker, error)
}

func (m *Migrations) provider() (*goose.Provider, error) {
	// out of order: migrations are numbered in ranges reserved ahead for
	// work done in parallel (each touching tables of its own), so one with a
	// lower number can land after a higher one was applied to a database
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	if m.Locker != nil {
		l, err := m.Locker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	return goose.NewProvider(m.Dialect, m.DB, m.FS, opts...)
}

// Up applies every pending migration.
func (m *Migrations) Up(ctx context.Context) error {
	p, err := m.provider()
	if err != nil {
		return internal("migrate up", err)
	}
	_, err = p.Up(ctx)
	return internal("migrate up", err)
}

// Down rolls back the latest applied migration.
func (m *Migrations) Down(ctx context.Context) error {
	p, err := m.provider()
	if err != nil {
		return internal("migrate down", err)
	}
	_, err = p.Down(ctx)
	if errors.Is(err, goose.ErrNoNextVersion) {
		return hindsight.Errorf(hindsight.EInvalid, "migrate down: no migration is applied")
	}
	return internal("migrate down", err)
}

// Status lists the migrations and whether each is applied.
func (m *Migrations) Status(ctx context.Context) ([]hindsight.MigrationState, error) {
	p, err := m.provider()
	if err != nil {
		return nil, internal("migration status", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, internal("migration status", err)
	}
	out := make([]hindsight.MigrationState, 0, len(st))
	for _, s := range st {
		ms := hindsight.MigrationState{Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt.UTC()}
		if s.Source != nil {
			ms.Version = s.Source.Version
			ms.Name = strings.TrimSuffix(path.Base(s.Source.Path), ".sql")
		}
		if !ms.Applied {
			ms.AppliedAt = time.Time{}
		}
		out = append(out, ms)
	}
	return out, nil
}
