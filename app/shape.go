package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
)

// The effective shape (issue 19, contract C): the fields, factor taxonomy,
// tag policy and templates an administrator saved in the database (Admin >
// Fields & taxonomy) when there are any, else those of .hindsight.yaml.
// Saving a shape never rewrites a stored document: lint reports the values
// that no longer fit, and the pages show them as they are.

// Where the effective shape comes from.
const (
	ShapeFromFile     = "file"
	ShapeFromDatabase = "database"
)

// ShapeSetting is the effective shape with where it comes from.
type ShapeSetting struct {
	Shape hindsight.Shape
	// YAML is the saved YAML (database) or the file's shape written as
	// YAML (lint.MarshalShape).
	YAML []byte
	// Source is ShapeFromDatabase or ShapeFromFile.
	Source string
	// Version is the saved setting's version, which a save names to be
	// sure nobody saved in between; 0 while the file's shape holds.
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// shapeCache keeps the effective shape and the lint configuration using
// it for one store generation: every write transaction raises the
// generation, so several instances over one PostgreSQL database agree
// as soon as a save commits.
type shapeCache struct {
	mu  sync.Mutex
	gen string
	set *ShapeSetting
	cfg *lint.Config
}

// fileShape is the shape of the service's configuration file.
func (s *Service) fileShape() (*ShapeSetting, error) {
	y, err := lint.MarshalShape(s.lint.Shape)
	if err != nil {
		return nil, err
	}
	return &ShapeSetting{Shape: s.lint.Shape, YAML: y, Source: ShapeFromFile}, nil
}

// ShapeSetting returns the effective shape and where it comes from.
func (s *Service) ShapeSetting(ctx context.Context) (*ShapeSetting, error) {
	set, _, err := s.effective(ctx)
	return set, err
}

// effective returns the effective shape and the lint configuration using
// it, from the cache while the store's generation is unchanged.
func (s *Service) effective(ctx context.Context) (*ShapeSetting, *lint.Config, error) {
	st, ok := s.store.(hindsight.SettingStore)
	if !ok {
		set, err := s.fileShape()
		return set, s.lint, err
	}
	gen := ""
	if g, ok := s.store.(generations); ok {
		v, err := g.Generation(ctx)
		if err != nil {
			return nil, nil, err
		}
		gen = v
	}
	s.shape.mu.Lock()
	if gen != "" && s.shape.gen == gen && s.shape.set != nil {
		set, cfg := s.shape.set, s.shape.cfg
		s.shape.mu.Unlock()
		return set, cfg, nil
	}
	s.shape.mu.Unlock()
	set, cfg, err := s.readShape(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	if gen != "" {
		s.shape.mu.Lock()
		s.shape.gen, s.shape.set, s.shape.cfg = gen, set, cfg
		s.shape.mu.Unlock()
	}
	return set, cfg, nil
}

func (s *Service) readShape(ctx context.Context, st hindsight.SettingStore) (*ShapeSetting, *lint.Config, error) {
	row, err := st.FindSetting(ctx, hindsight.SettingShape)
	if hindsight.ErrorCode(err) == hindsight.ENotFound {
		set, err := s.fileShape()
		return set, s.lint, err
	}
	if err != nil {
		return nil, nil, err
	}
	sh, err := lint.ParseShape([]byte(row.Value))
	if err != nil {
		// saved after validation, so only a newer or older Hindsight
		// reads it differently: say so rather than fall back silently
		return nil, nil, hindsight.Errorf(hindsight.EInternal, "the shape saved in the database (version %d) cannot be read: %v", row.Version, err)
	}
	set := &ShapeSetting{Shape: sh, YAML: []byte(row.Value), Source: ShapeFromDatabase,
		Version: row.Version, UpdatedAt: row.UpdatedAt, UpdatedBy: row.UpdatedBy}
	return set, s.lint.WithShape(sh), nil
}

// Shape returns the effective shape: the one saved in the database when
// there is one, else the configuration file's. When the database cannot
// be read it is the file's (the error is for ShapeSetting to report).
func (s *Service) Shape(ctx context.Context) hindsight.Shape {
	if set, err := s.ShapeSetting(ctx); err == nil {
		return set.Shape
	}
	return s.lint.Shape
}

// LintConfig returns the lint configuration with the effective shape.
func (s *Service) LintConfig(ctx context.Context) *lint.Config {
	if _, cfg, err := s.effective(ctx); err == nil {
		return cfg
	}
	return s.lint
}

// lastLint returns the lint configuration with the effective shape as
// last read (LintConfig), without reading the store: the file's before
// the first read.
func (s *Service) lastLint() *lint.Config {
	s.shape.mu.Lock()
	defer s.shape.mu.Unlock()
	if s.shape.cfg != nil {
		return s.shape.cfg
	}
	return s.lint
}

// SaveShape saves the YAML of a shape (the keys fields, taxonomy, tags and
// templates) as the effective shape, whatever was saved before.
func (s *Service) SaveShape(ctx context.Context, a Actor, yaml []byte) error {
	_, err := s.SaveShapeAt(ctx, a, yaml, -1)
	return err
}

// SaveShapeAt saves the YAML of a shape on top of version base (as
// ShapeSetting.Version said; 0 while the file's shape holds): when someone
// saved in between it is EConflict naming them, and nothing is saved. A
// negative base saves on top of whatever is there. Admins (and the system)
// only; the YAML is validated by lint.ParseShape (EInvalid naming the
// line), recorded in the audit log, and no stored document is rewritten.
func (s *Service) SaveShapeAt(ctx context.Context, a Actor, yaml []byte, base int) (*ShapeSetting, error) {
	if !a.Viewer.SeesAll() {
		return nil, hindsight.Errorf(hindsight.EForbidden, "only an administrator may change the fields and taxonomy")
	}
	st, ok := s.store.(hindsight.SettingStore)
	if !ok {
		return nil, hindsight.Errorf(hindsight.EInvalid, "this store keeps no settings; change .hindsight.yaml instead")
	}
	sh, err := lint.ParseShape(yaml)
	if err != nil {
		if hindsight.ErrorCode(err) != hindsight.EInternal {
			return nil, err
		}
		return nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "shape: " + err.Error(), Fields: []hindsight.FieldError{{Field: "yaml", Message: err.Error()}}, Err: err}
	}
	if base < 0 {
		row, err := st.FindSetting(ctx, hindsight.SettingShape)
		switch {
		case err == nil:
			base = row.Version
		case hindsight.ErrorCode(err) == hindsight.ENotFound:
			base = 0
		default:
			return nil, err
		}
	}
	actor := a.ID
	if actor == "" {
		actor = a.author()
	}
	detail := fmt.Sprintf("version %d: %d fields, %d factor categories, %d suggested tags, %d templates",
		base+1, len(sh.Fields), len(sh.Factors), len(sh.Tags.Suggested), len(sh.Templates))
	row, err := st.PutSetting(ctx, hindsight.SettingPut{Key: hindsight.SettingShape, Value: string(yaml), By: a.author(), Base: base,
		Audit: []hindsight.AuditEntry{{At: s.Now(), Actor: actor, Action: "settings.shape", Target: hindsight.SettingShape, Address: a.Address, Detail: detail}}})
	if err != nil {
		return nil, err
	}
	s.wrote("") // list pages; incident pages name the shape version in their key
	return &ShapeSetting{Shape: sh, YAML: []byte(row.Value), Source: ShapeFromDatabase, Version: row.Version,
		UpdatedAt: row.UpdatedAt, UpdatedBy: row.UpdatedBy}, nil
}

// LastShape returns the effective shape as last read (LintConfig, Shape),
// without reading the store: for encoding a document's JSON on read paths
// that must not query (the file's before the first read).
func (s *Service) LastShape() hindsight.Shape { return s.lastLint().Shape }
