package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/fsutil"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

// ImportOutcome says what importing one document did.
type ImportOutcome string

// The import outcomes.
const (
	Created   ImportOutcome = "created"
	Updated   ImportOutcome = "updated"
	Unchanged ImportOutcome = "unchanged"
	Rejected  ImportOutcome = "rejected"
)

// ImportResult is the result of importing one document.
type ImportResult struct {
	Path     string
	ID       string
	Outcome  ImportOutcome
	Findings []lint.Finding // the lint errors that rejected it (or were overridden by Force)
	Err      error
}

// ImportOptions are the options of Import.
type ImportOptions struct {
	DryRun bool // report what would happen, write nothing
	Force  bool // import documents with lint errors
	// KeepStatus keeps a Published status (admins and the CLI only,
	// recorded in the audit log); without it a Published document that is
	// not Published in the database arrives In Review, to pass the review
	// gate like any other.
	KeepStatus bool
}

// ImportDoc is a document read for Import, parsed and linted: the part of
// an import that needs no store, so that an importer can prepare several
// documents at once (PrepareImport) and store them in turn (ImportDoc).
type ImportDoc struct {
	Path string
	Src  []byte
	// Findings are every lint finding of the document (Import refuses
	// one with errors unless Force).
	Findings []lint.Finding
	doc      *hindsight.Postmortem
	sm       *hindsight.SourceMap
	tooLarge bool
}

// IncidentID is the document's own Incident ID when it is a valid one,
// else "" (the import then allocates a new one, or rejects the document).
func (d *ImportDoc) IncidentID() string {
	if d.doc == nil {
		return ""
	}
	if _, _, ok := hindsight.ParseIncidentID(d.doc.Summary.IncidentID); !ok {
		return ""
	}
	return d.doc.Summary.IncidentID
}

// PrepareImport parses and lints one Markdown postmortem for ImportDoc. It
// reads no store and may run concurrently: the effective shape is the one
// the service last read (LintConfig reads it).
func (s *Service) PrepareImport(path string, src []byte) *ImportDoc {
	d := &ImportDoc{Path: path, Src: src}
	if len(src) > s.maxDoc {
		d.tooLarge = true
		return d
	}
	d.doc, d.sm = markdown.Parse(src)
	d.Findings = lint.Source(path, src, s.lastLint(), lint.Options{Today: s.Now()})
	return d
}

// Import stores one Markdown postmortem: it is linted first, and a document
// with errors is rejected (unless Force). A document whose Incident ID exists
// becomes a new revision when its content changed; one without a valid ID,
// or with an unknown one, is created. Each document is one transaction.
func (s *Service) Import(ctx context.Context, a Actor, path string, src []byte, o ImportOptions) ImportResult {
	s.LintConfig(ctx) // the effective shape, for PrepareImport
	return s.ImportDoc(ctx, a, s.PrepareImport(path, src), o)
}

// ImportDoc stores one document prepared by PrepareImport, as Import.
func (s *Service) ImportDoc(ctx context.Context, a Actor, d *ImportDoc, o ImportOptions) ImportResult {
	r, c := s.importDoc(ctx, a, d, o)
	if c == nil {
		return r
	}
	in, err := s.createImported(ctx, []hindsight.IncidentCreate{*c})
	if err != nil {
		r.Outcome, r.Err = Rejected, fmt.Errorf("%s: %w", d.Path, err)
		return r
	}
	r.ID = in[0].ID
	return r
}

// ImportBatch is how many documents ImportDocs is meant to be given at a
// time (hindsight import): the new incidents among them share one store
// transaction, which costs far less than a commit each.
const ImportBatch = 100

// ImportDocs stores documents prepared by PrepareImport as ImportDoc does,
// in their order, with the new incidents among them created in one store
// transaction. When that transaction fails, they are imported again one
// document at a time, so each document stays all or nothing on its own: a
// bad one is rejected with its own error and the others of its batch are
// stored.
func (s *Service) ImportDocs(ctx context.Context, a Actor, ds []*ImportDoc, o ImportOptions) []ImportResult {
	rs := make([]ImportResult, len(ds))
	var at []int
	var cs []hindsight.IncidentCreate
	for i, d := range ds {
		r, c := s.importDoc(ctx, a, d, o)
		rs[i] = r
		if c != nil {
			at = append(at, i)
			cs = append(cs, *c)
		}
	}
	if len(cs) == 0 {
		return rs
	}
	ins, err := s.createImported(ctx, cs)
	if err != nil {
		for _, i := range at {
			rs[i] = s.ImportDoc(ctx, a, ds[i], o)
		}
		return rs
	}
	for k, i := range at {
		rs[i].ID = ins[k].ID
	}
	return rs
}

// createImported creates the new incidents of an import in one transaction.
func (s *Service) createImported(ctx context.Context, cs []hindsight.IncidentCreate) ([]*hindsight.Incident, error) {
	if err := Alive(ctx); err != nil {
		return nil, err
	}
	ins, err := s.store.CreateIncidents(ctx, cs)
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		s.wrote(in.ID)
	}
	return ins, nil
}

// importDoc does what ImportDoc does but store a new incident: it returns
// what the store is to save for it instead (with r's Outcome Created). It
// changes a copy of the prepared document, never d itself, so that a
// document can be imported again after its batch failed.
func (s *Service) importDoc(ctx context.Context, a Actor, d *ImportDoc, o ImportOptions) (ImportResult, *hindsight.IncidentCreate) {
	path := d.Path
	r := ImportResult{Path: path}
	if d.tooLarge {
		r.Outcome, r.Err = Rejected, hindsight.Errorf(hindsight.ETooLarge, "%s: %d bytes; the limit is %d", path, len(d.Src), s.maxDoc)
		return r, nil
	}
	cp := *d.doc
	doc, sm := &cp, d.sm
	for _, f := range d.Findings {
		if f.Level == lint.Error {
			r.Findings = append(r.Findings, f)
		}
	}
	if len(r.Findings) > 0 && !o.Force {
		f := r.Findings[0]
		r.Outcome = Rejected
		r.Err = hindsight.Errorf(hindsight.EInvalid, "%s:%d: %s %s (%d lint error(s); --force imports anyway)", path, f.Line, f.Rule, f.Message, len(r.Findings))
		return r, nil
	}
	if !o.Force {
		if err := Validate(doc); err != nil {
			r.Outcome, r.Err = Rejected, fmt.Errorf("%s: %w", path, WithLines(err, sm))
			return r, nil
		}
	}
	if o.KeepStatus && !a.Viewer.SeesAll() {
		r.Outcome, r.Err = Rejected, hindsight.Errorf(hindsight.EForbidden, "%s: only an admin may keep a Published status (--keep-status)", path)
		return r, nil
	}
	id := doc.Summary.IncidentID
	var cur *hindsight.Incident
	if _, _, ok := hindsight.ParseIncidentID(id); ok {
		in, err := s.store.FindIncidentByID(ctx, a.Viewer, id, hindsight.IncludeDeleted)
		switch {
		case err == nil:
			cur = in
		case hindsight.ErrorCode(err) != hindsight.ENotFound:
			r.Outcome, r.Err = Rejected, fmt.Errorf("%s: %w", path, err)
			return r, nil
		}
	} else {
		id = ""
	}
	r.ID = id
	if doc.Status == hindsight.StatusPublished && !o.KeepStatus && (cur == nil || cur.Doc.Status != hindsight.StatusPublished) {
		// the review gate decides when it is published
		doc.Status = hindsight.StatusInReview
	}
	if cur != nil {
		next := *doc
		next.Summary.IncidentID = cur.ID
		if !next.LastUpdated.IsSet() {
			next.LastUpdated = cur.Doc.LastUpdated
		}
		if Equal(&next, cur.Doc) {
			r.Outcome = Unchanged
			return r, nil
		}
		r.Outcome = Updated
		if o.DryRun {
			return r, nil
		}
		if _, err := s.Save(ctx, a, cur.ID, cur.Revision, &next, SaveOptions{Message: "imported from " + filepath.Base(path), Force: o.Force, Import: true, KeepStatus: o.KeepStatus}); err != nil {
			r.Outcome, r.Err = Rejected, fmt.Errorf("%s: %w", path, err)
		}
		return r, nil
	}
	r.Outcome = Created
	if o.DryRun {
		return r, nil
	}
	c, err := s.newIncident(ctx, a, doc, CreateOptions{Message: "imported from " + filepath.Base(path), KeepID: id != "", Force: o.Force, Import: true, KeepStatus: o.KeepStatus})
	if err != nil {
		r.Outcome, r.Err = Rejected, fmt.Errorf("%s: %w", path, err)
		return r, nil
	}
	return r, &c
}

// ExportResult counts what Export did.
type ExportResult struct {
	Written, Unchanged, Removed int
	Files                       []string
}

var exportName = regexp.MustCompile(`^INC-\d{8}-\d{3,}-[a-z0-9-]*\.md$`)

// Export writes one canonical Markdown file per incident the actor may see,
// named <incident-id>-<slug>.md. Files are written only when their bytes
// change, and files of incidents no longer exported (deleted, renamed) are
// removed, so a directory kept in git changes only where an incident did.
func (s *Service) Export(ctx context.Context, a Actor, dir string) (ExportResult, error) {
	var res ExportResult
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, hindsight.Errorf(hindsight.EInvalid, "%s: %v", dir, err)
	}
	want := map[string]bool{}
	cursor := ""
	for {
		page, err := s.store.FindIncidents(ctx, a.Viewer, hindsight.IncidentFilter{Sort: hindsight.SortID, Limit: 500, Cursor: cursor})
		if err != nil {
			return res, err
		}
		for _, sum := range page.Incidents {
			in, err := s.store.FindIncidentByID(ctx, a.Viewer, sum.ID)
			if err != nil {
				if hindsight.ErrorCode(err) == hindsight.ENotFound {
					continue // deleted meanwhile
				}
				return res, err
			}
			name := ExportFileName(in.ID, in.Doc.Title)
			want[name] = true
			path := filepath.Join(dir, name)
			if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, in.Markdown) {
				res.Unchanged++
				continue
			}
			if err := fsutil.WriteAtomic(path, in.Markdown); err != nil {
				return res, hindsight.Errorf(hindsight.EInternal, "%s: %v", path, err)
			}
			res.Written++
			res.Files = append(res.Files, name)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return res, err
	}
	for _, e := range entries {
		if e.Type().IsRegular() && exportName.MatchString(e.Name()) && !want[e.Name()] {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return res, err
			}
			res.Removed++
		}
	}
	sort.Strings(res.Files)
	return res, nil
}

// ExportFileName is <incident-id>-<slug>.md, the slug made of the title's
// lower-case letters and digits.
func ExportFileName(id, title string) string {
	return id + "-" + Slug(title) + ".md"
}

// Slug makes a file-name-safe slug of a title (at most 60 characters).
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		s = "untitled"
	}
	return s
}
