package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	svc "github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/fsutil"
	"github.com/hindsight-pm/hindsight/internal/htmldoc"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newImportCmd, newExportCmd) }

// openService opens the configured store and the application service over it.
func openService(ctx context.Context, a *app) (*appService, error) {
	st, err := openStore(ctx, a.db)
	if err != nil {
		return nil, err
	}
	cfg, err := lint.LoadConfig(".")
	if err != nil {
		st.Close()
		return nil, err
	}
	return &appService{Service: svc.New(st, svc.Options{Lint: cfg}), store: st}, nil
}

type appService struct {
	*svc.Service
	store hindsight.Store
}

func (s *appService) Close() error { return s.store.Close() }

func newImportCmd(a *app) *cobra.Command {
	var o svc.ImportOptions
	var strict bool
	cmd := &cobra.Command{
		Use:   "import [--dry-run] [--strict] [--force] DIR|FILE...",
		Short: "Import Markdown and HTML postmortems into the database",
		Long: `Import postmortems into the database: Markdown files, and HTML files (.html,
.htm: Confluence "Export to HTML", Google Docs "Download as HTML", Notion HTML
export) converted to Markdown first. Each document is linted and its findings
are printed with path and line (for HTML, lines of the converted Markdown).

By default every document that can be read is stored, findings or not, and a
summary is printed: a migration of historical postmortems keeps them all.
Files that cannot be read (binary, invalid UTF-8, larger than the limit) are
reported by name and never stop the others; the exit code is 0. With
--strict (for CI) documents with lint errors are refused, and the exit code is
2 when a document was refused or unreadable.

A document whose Incident ID exists becomes a new revision of that incident
only when its content changed; others are created (with their own Incident ID
when it is valid and free). New incidents are stored 100 documents to a
transaction (on PostgreSQL two transactions at a time, in one round trip
each); when one of them fails, that batch is stored again one document
at a time, so each document is all or nothing, a bad one is reported alone,
and an interrupted import leaves only whole documents.

A Published document arrives In Review, to be published through the review
gate (.hindsight.yaml review:), unless --keep-status keeps it Published (an
admin's migration of historical postmortems, recorded in the audit log).`,
		Example: `  hindsight import postmortems/
  hindsight import --strict --dry-run postmortems/
  hindsight --db postgres://hindsight@db/hindsight import confluence-export/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, problems, err := docFiles(args, true)
			if err != nil {
				return err
			}
			explicit := map[string]bool{}
			for _, x := range args {
				explicit[x] = true
			}
			if o.DryRun {
				if err := existingDB(a.db); err != nil {
					return err
				}
			}
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			if !strict {
				o.Force = true
			}
			bar := newProgress(a.stderr, len(files))
			counts := map[svc.ImportOutcome]int{}
			skipped, unreadable, withFindings := 0, len(problems), 0
			for _, p := range problems {
				fmt.Fprintln(a.stderr, "hindsight: not imported:", p)
			}
			var storeErr error
			// reading, converting, parsing and linting run on every core,
			// ahead of the writes, which go through app.Service in the
			// files' order, the new incidents of svc.ImportBatch documents
			// in one transaction (a failed batch is redone a document at a
			// time, so each document is still all or nothing)
			next := prepareDocs(cmd.Context(), a, s.Service, files, explicit)
			type pending struct {
				file string
				p    preparedDoc
			}
			var batch []pending
			var docs []*svc.ImportDoc
			// A batch is stored while the next ones are prepared and, on
			// PostgreSQL, while the one before it is still being stored
			// (its work then runs on another core of the database); SQLite
			// has one writer. A batch runs alone when it allocates new
			// Incident IDs (their numbers follow the files' order) or holds
			// an Incident ID of a batch still being stored; results are
			// reported in the files' order either way.
			writers := 1
			if postgres.IsURL(a.db) {
				writers = 2
			}
			type inflight struct {
				batch []pending
				ids   map[string]bool
				done  chan []svc.ImportResult
			}
			var queue []*inflight
			report := func() {
				f := queue[0]
				queue = queue[1:]
				rs := <-f.done
				k := 0
				for _, e := range f.batch {
					f, p := e.file, e.p
					if p.err != nil {
						bar.clear()
						fmt.Fprintln(a.stderr, "hindsight: not imported:", p.err)
						unreadable++
						continue
					}
					if p.skip {
						skipped++
						bar.clear()
						fmt.Fprintf(a.stdout, "%s: skipped: not a postmortem (no \"# Incident Postmortem\" title, no timeline with another known section); name the file to import it anyway\n", f)
						continue
					}
					r := rs[k]
					k++
					if fs := p.doc.Findings; len(fs) > 0 {
						bar.clear()
						withFindings++
						if htmldoc.IsHTML(f) {
							fmt.Fprintf(a.stdout, "%s: converted from HTML; the lines below are those of the converted Markdown (hindsight export writes it)\n", f)
						}
						_ = lint.WriteText(a.stdout, fs)
					}
					counts[r.Outcome]++
					bar.clear()
					if r.Err == nil {
						fmt.Fprintln(a.stdout, importLine(f, r, o.DryRun))
						continue
					}
					fmt.Fprintln(a.stderr, "hindsight: not imported:", r.Err)
					if code := hindsight.ErrorCode(r.Err); code != hindsight.EInvalid && code != hindsight.ETooLarge {
						storeErr = cmp(storeErr, r.Err)
					}
				}
			}
			flush := func() {
				if len(batch) == 0 {
					return
				}
				ids := map[string]bool{}
				alone := false
				for _, d := range docs {
					id := d.IncidentID()
					if id == "" {
						alone = true
					}
					for _, f := range queue {
						alone = alone || f.ids[id]
					}
					ids[id] = true
				}
				if alone {
					for len(queue) > 0 {
						report()
					}
				}
				f := &inflight{batch: batch, ids: ids, done: make(chan []svc.ImportResult, 1)}
				go func(docs []*svc.ImportDoc) { f.done <- s.ImportDocs(cmd.Context(), svc.System, docs, o) }(docs)
				queue = append(queue, f)
				for len(queue) >= writers || (alone && len(queue) > 0) {
					report()
				}
				batch, docs = nil, nil
			}
			for i, f := range files {
				bar.step(i, f)
				p := next()
				batch = append(batch, pending{f, p})
				if p.err == nil && !p.skip {
					docs = append(docs, p.doc)
				}
				if len(docs) >= svc.ImportBatch {
					flush()
				}
			}
			flush()
			for len(queue) > 0 {
				report()
			}
			bar.clear()
			// the planner's statistics after a bulk import (PostgreSQL):
			// until autovacuum analyzes the tables, lists and insights read
			// whole tables
			if an, ok := s.store.(interface{ Analyze(context.Context) error }); ok && !o.DryRun && counts[svc.Created]+counts[svc.Updated] >= analyzeAfter {
				if err := an.Analyze(cmd.Context()); err != nil {
					fmt.Fprintln(a.stderr, "hindsight: imported, but refreshing the database's statistics (ANALYZE) failed:", err)
				}
			}
			verb := "imported"
			if o.DryRun {
				verb = "would import (dry run)"
			}
			fmt.Fprintf(a.stdout, "%s %d file(s): %d created, %d updated, %d unchanged, %d rejected, %d unreadable; %d with findings", verb, len(files)+len(problems)-skipped, counts[svc.Created], counts[svc.Updated], counts[svc.Unchanged], counts[svc.Rejected], unreadable, withFindings)
			if skipped > 0 {
				fmt.Fprintf(a.stdout, "; %d non-postmortem file(s) skipped", skipped)
			}
			fmt.Fprintln(a.stdout)
			if storeErr != nil {
				return storeErr
			}
			if strict && counts[svc.Rejected]+unreadable > 0 {
				return &exitError{code: 2, err: fmt.Errorf("%d file(s) refused (--strict)", counts[svc.Rejected]+unreadable)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "lint and report what would change, write nothing")
	cmd.Flags().BoolVar(&strict, "strict", false, "refuse documents with lint errors and exit 2 when any file is refused or unreadable (for CI)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "with --strict: import documents with lint errors all the same")
	cmd.Flags().BoolVar(&o.KeepStatus, "keep-status", false, "keep the Published status of documents (an admin's migration of historical postmortems; recorded in the audit log); without it they arrive In Review and pass the review gate")
	return cmd
}

// analyzeAfter is how many documents an import stores before it refreshes
// the database's planner statistics at its end (PostgreSQL ANALYZE).
const analyzeAfter = 1000

// preparedDoc is one file of an import, read and prepared: its error
// (unreadable), skip (not a postmortem) or document.
type preparedDoc struct {
	err  error
	skip bool
	doc  *svc.ImportDoc
}

// prepareDocs reads, converts (HTML), recognises and prepares (parse and
// lint) files on GOMAXPROCS workers, at most a few hundred documents ahead
// of the caller; next returns them in the files' order.
func prepareDocs(ctx context.Context, a *app, s *svc.Service, files []string, explicit map[string]bool) (next func() preparedDoc) {
	workers := runtime.GOMAXPROCS(0)
	s.LintConfig(ctx) // the effective shape (saved in the database, else the file's) for PrepareImport
	out := make([]preparedDoc, len(files))
	ready := make([]chan struct{}, len(files))
	for i := range ready {
		ready[i] = make(chan struct{})
	}
	ahead := make(chan struct{}, 64*workers)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			jobs <- i
		}
	}()
	for range workers {
		go func() {
			for i := range jobs {
				f := files[i]
				src, err := readDoc(a, f)
				if err == nil && htmldoc.IsHTML(f) {
					if src, err = htmldoc.ToMarkdown(src); err != nil {
						err = hindsight.Errorf(hindsight.EInvalid, "%s: %v", f, err)
					}
				}
				switch {
				case err != nil:
					out[i].err = err
				case !explicit[f] && !lint.IsPostmortem(src):
					out[i].skip = true
				default:
					out[i].doc = s.PrepareImport(f, src)
				}
				close(ready[i])
			}
		}()
	}
	n := 0
	return func() preparedDoc {
		i := n
		n++
		select {
		case <-ready[i]:
		case <-ctx.Done():
			return preparedDoc{err: ctx.Err()}
		}
		<-ahead
		p := out[i]
		out[i] = preparedDoc{} // let it go
		return p
	}
}

// importLine says what became of one document: "path: created INC-…".
func importLine(path string, r svc.ImportResult, dryRun bool) string {
	what := string(r.Outcome)
	if dryRun && r.Outcome != svc.Unchanged {
		what = "would be " + what
	}
	if r.ID == "" {
		return fmt.Sprintf("%s: %s (a new Incident ID)", path, what)
	}
	return fmt.Sprintf("%s: %s %s", path, what, r.ID)
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func newExportCmd(a *app) *cobra.Command {
	var csvFile, tag, factor string
	var fields []string
	cmd := &cobra.Command{
		Use:   "export DIR | export --csv FILE",
		Short: "Export every incident as canonical Markdown into DIR, or as CSV",
		Long: `Export every incident as one canonical Markdown file, <incident-id>-<slug>.md.
Output is deterministic: files are rewritten only when their incident changed,
and files of deleted or renamed incidents are removed, so a directory kept in
git changes only where an incident did. import -> export -> import -> export
gives identical files.

With --csv FILE (- for standard output), write the incidents as CSV instead:
one row per incident, the summary columns, its tags and factor categories,
then one column per field the shape declares (.hindsight.yaml, or the one an
admin saved). --tag, --factor and --field Label=value (repeatable) keep only
the incidents that have them, as the list's filters do.`,
		Example: `  hindsight export postmortems/
  hindsight export --csv incidents.csv --tag dns --field Region=us-east-1`,
		Args: func(cmd *cobra.Command, args []string) error {
			if csvFile != "" {
				return cobra.NoArgs(cmd, args)
			}
			if tag != "" || factor != "" || len(fields) > 0 {
				return hindsight.Errorf(hindsight.EInvalid, "--tag, --factor and --field filter the CSV export: give --csv FILE")
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			var f hindsight.IncidentFilter
			if csvFile != "" {
				f = hindsight.IncidentFilter{Sort: hindsight.SortID, Tag: tag, FactorCategory: factor}
				for _, kv := range fields {
					label, val, ok := strings.Cut(kv, "=")
					if !ok || strings.TrimSpace(label) == "" {
						return &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("--field %q: want Label=value, e.g. Region=us-east-1", kv),
							Fields: []hindsight.FieldError{{Field: "field", Message: "want Label=value"}}}
					}
					if f.Fields == nil {
						f.Fields = map[string]string{}
					}
					f.Fields[strings.TrimSpace(label)] = strings.TrimSpace(val)
				}
			}
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			if csvFile != "" {
				var buf bytes.Buffer
				n, err := s.ExportCSV(cmd.Context(), svc.System, &buf, f)
				if err != nil {
					return err
				}
				if csvFile == "-" {
					_, err := a.stdout.Write(buf.Bytes())
					return err
				}
				if err := fsutil.WriteAtomic(csvFile, buf.Bytes()); err != nil {
					return hindsight.Errorf(hindsight.EInvalid, "%s: %v", csvFile, err)
				}
				fmt.Fprintf(a.stdout, "exported %d incidents to %s\n", n, csvFile)
				return nil
			}
			res, err := s.Export(cmd.Context(), svc.System, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "exported to %s: %d written, %d unchanged, %d removed\n", args[0], res.Written, res.Unchanged, res.Removed)
			return nil
		},
	}
	cmd.Flags().StringVar(&csvFile, "csv", "", "write the incidents as CSV to FILE (- for standard output) instead of Markdown files")
	cmd.Flags().StringVar(&tag, "tag", "", "with --csv: only incidents with this tag")
	cmd.Flags().StringVar(&factor, "factor", "", "with --csv: only incidents with a contributing factor of this category")
	cmd.Flags().StringArrayVar(&fields, "field", nil, "with --csv: only incidents whose field has this value, Label=value (repeatable)")
	return cmd
}

// progress draws a one-line progress bar on a terminal and nothing otherwise.
type progress struct {
	w     io.Writer
	total int
	tty   bool
	last  time.Time
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb" {
			p.tty = true
		}
	}
	return p
}

func (p *progress) step(i int, name string) {
	if !p.tty || p.total == 0 || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	const width = 30
	done := width * i / p.total
	if len(name) > 40 {
		name = "…" + name[len(name)-39:]
	}
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %-40s", strings.Repeat("#", done), strings.Repeat(" ", width-done), i, p.total, name)
}

func (p *progress) clear() {
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 80))
	}
}
