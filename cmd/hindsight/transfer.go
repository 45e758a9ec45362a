package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	svc "github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/lint"
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
	cmd := &cobra.Command{
		Use:   "import [--dry-run] [--force] DIR|FILE...",
		Short: "Import Markdown postmortems into the database",
		Long: `Import Markdown postmortems into the database. Each document is linted first:
documents with lint errors are reported with path and line and not imported
unless --force. A document whose Incident ID exists becomes a new revision of
that incident only when its content changed; others are created (with their
own Incident ID when it is valid and free). Each document is imported in its
own transaction, so an interrupted import leaves only whole documents.`,
		Example: `  hindsight import postmortems/
  hindsight --db postgres://hindsight@db/hindsight import --dry-run old-docs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			files, err := markdownFiles(args)
			if err != nil {
				return err
			}
			explicit := map[string]bool{}
			for _, x := range args {
				explicit[x] = true
			}
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			bar := newProgress(a.stderr, len(files))
			counts := map[svc.ImportOutcome]int{}
			skipped := 0
			var firstErr error
			for i, f := range files {
				bar.step(i, f)
				src, err := readDoc(a, f)
				if err != nil {
					bar.clear()
					fmt.Fprintln(a.stderr, "hindsight:", err)
					counts[svc.Rejected]++
					firstErr = cmp(firstErr, err)
					continue
				}
				if !explicit[f] && !lint.IsPostmortem(src) {
					skipped++
					continue
				}
				r := s.Import(cmd.Context(), svc.System, f, src, o)
				counts[r.Outcome]++
				if r.Err != nil {
					bar.clear()
					fmt.Fprintln(a.stderr, "hindsight:", r.Err)
					firstErr = cmp(firstErr, r.Err)
				}
			}
			bar.clear()
			verb := "imported"
			if o.DryRun {
				verb = "would import (dry run)"
			}
			fmt.Fprintf(a.stdout, "%s %d file(s): %d created, %d updated, %d unchanged, %d rejected", verb, len(files)-skipped, counts[svc.Created], counts[svc.Updated], counts[svc.Unchanged], counts[svc.Rejected])
			if skipped > 0 {
				fmt.Fprintf(a.stdout, "; %d non-postmortem file(s) skipped", skipped)
			}
			fmt.Fprintln(a.stdout)
			if counts[svc.Rejected] > 0 {
				return &exitError{code: 2, err: fmt.Errorf("%d file(s) rejected", counts[svc.Rejected])}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "lint and report what would change, write nothing")
	cmd.Flags().BoolVar(&o.Force, "force", false, "import documents with lint errors")
	return cmd
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func newExportCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "export DIR",
		Short: "Export every incident as canonical Markdown into DIR",
		Long: `Export every incident as one canonical Markdown file, <incident-id>-<slug>.md.
Output is deterministic: files are rewritten only when their incident changed,
and files of deleted or renamed incidents are removed, so a directory kept in
git changes only where an incident did. import -> export -> import -> export
gives identical files.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openService(cmd.Context(), a)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := s.Export(cmd.Context(), svc.System, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "exported to %s: %d written, %d unchanged, %d removed\n", args[0], res.Written, res.Unchanged, res.Removed)
			return nil
		},
	}
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
