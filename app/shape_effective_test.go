package app_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// TestEffectiveShape: the file's shape holds until an admin saves one;
// the saved one wins, in lint too; a save names the version it started
// from; non-admins, bad YAML and stale versions are refused and change
// nothing; a second service over the same database (another instance)
// sees the save without being told.
func TestEffectiveShape(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hs.db")
	cfg, err := lint.ParseConfig(".hindsight.yaml", []byte("fields:\n  - name: Region\n    type: enum\n    values: [us-east-1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	mk := func() *app.Service {
		st, err := sqlite.Open(ctx, path, sqlite.Options{Render: app.Render, VersionTTL: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return app.New(st, app.Options{Lint: cfg})
	}
	s1, s2 := mk(), mk()
	set, err := s1.ShapeSetting(ctx)
	if err != nil || set.Source != app.ShapeFromFile || set.Version != 0 || field(s1.Shape(ctx), "Region") == nil || !strings.Contains(string(set.YAML), "Region") {
		t.Fatalf("before any save: %+v, %v", set, err)
	}
	editor := app.Actor{ID: "ed", Name: "Ed", Viewer: hindsight.Viewer{UserID: "ed"}}
	adminA := app.Actor{ID: "ad", Name: "Ada", Viewer: hindsight.Viewer{UserID: "ad", Admin: true}}
	saved := "fields:\n  - name: Tier\n    type: enum\n    values: [free, pro]\n"
	refusals := []struct {
		name string
		a    app.Actor
		yaml string
		base int
		code hindsight.Code
	}{
		{"Editor", editor, saved, 0, hindsight.EForbidden},
		{"BadYAML", adminA, "fields:\n  - name: Tier\n    type: colour\n", 0, hindsight.EInvalid},
		{"NotYAML", adminA, "fields: [", 0, hindsight.EInvalid},
		{"StaleBase", adminA, saved, 3, hindsight.EConflict},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			_, err := s1.SaveShapeAt(ctx, r.a, []byte(r.yaml), r.base)
			if hindsight.ErrorCode(err) != r.code {
				t.Fatalf("err = %v, want %s", err, r.code)
			}
			if got, _ := s1.ShapeSetting(ctx); got.Source != app.ShapeFromFile {
				t.Errorf("a refused save changed the shape: %+v", got)
			}
		})
	}
	if _, err := s1.SaveShapeAt(ctx, adminA, []byte(saved), 0); err != nil {
		t.Fatal(err)
	}
	for i, s := range []*app.Service{s1, s2} {
		set, err := s.ShapeSetting(ctx)
		if err != nil || set.Source != app.ShapeFromDatabase || set.Version != 1 || set.UpdatedBy != "Ada" || field(s.Shape(ctx), "Tier") == nil || field(s.Shape(ctx), "Region") != nil {
			t.Errorf("service %d after the save: %+v, %v", i+1, set, err)
		}
	}
	// lint uses the saved shape (its configuration; the shape's rules are
	// lint's)
	if c := s2.LintConfig(ctx); field(c.Shape, "Tier") == nil || field(c.Shape, "Region") != nil || c.Path != cfg.Path {
		t.Errorf("service 2 lints with %+v", c.Shape)
	}
	if _, err := s2.SaveShapeAt(ctx, adminA, []byte(saved), 0); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("a second save on version 0: %v, want conflict", err)
	}
	if err := s2.SaveShape(ctx, adminA, []byte("taxonomy:\n  factors: [capacity]\n")); err != nil {
		t.Fatal(err)
	}
	if got := s1.Shape(ctx); len(got.Factors) != 1 || len(got.Fields) != 0 {
		t.Errorf("service 1 after service 2's save: %+v", got)
	}
}

func field(sh hindsight.Shape, name string) *hindsight.FieldDef { return sh.Field(name) }
