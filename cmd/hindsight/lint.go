package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aymanbagabas/go-udiff"
	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/fsutil"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
)

func init() {
	commands = append(commands, newLintCmd)
}

// lintFlags are the flags of hindsight lint.
type lintFlags struct {
	format string
	failOn string
	fix    bool
	diff   bool
	today  string
	config string
	jobs   int
}

func newLintCmd(a *app) *cobra.Command {
	var fl lintFlags
	cmd := &cobra.Command{
		Use:   "lint [FILE|DIR|-]...",
		Short: "Check postmortems for placeholders, bad values, timelines, action items and blameful wording",
		Long: `Lint postmortems: Markdown files, directories (searched recursively for
Markdown files that are postmortems; others are skipped and counted) or - for
standard input. Without arguments, the current directory is linted.

Each file is checked with the .hindsight.yaml found by walking up from its
directory (or --config). Rules are listed with examples in docs/lint-rules.md.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 usage, config or
read errors.`,
		Example: `  hindsight lint postmortems/
  hindsight lint --format sarif . > hindsight.sarif
  hindsight lint --format github --fail-on warning postmortems/
  hindsight lint --fix --today 2026-03-30 INC-20260312-001.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(a, fl, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.format, "format", "text", "output format: text, json, sarif or github")
	f.StringVar(&fl.failOn, "fail-on", "error", "exit 1 when a finding is at this level or above: error, warning or info")
	f.BoolVar(&fl.fix, "fix", false, "apply safe mechanical fixes (Duration, timeline order, missing action item IDs, canonical formatting) and report them")
	f.BoolVar(&fl.diff, "diff", false, "show the fixes as a unified diff without writing them")
	f.StringVar(&fl.today, "today", "", "the date overdue action items are measured against, YYYY-MM-DD (default today)")
	f.StringVar(&fl.config, "config", "", "configuration file to use instead of the .hindsight.yaml found next to each file")
	f.IntVar(&fl.jobs, "jobs", 0, "files linted in parallel (default the number of CPUs)")
	return cmd
}

// lintInput is one file to lint.
type lintInput struct {
	path     string // as shown in output
	stdin    bool
	fromDir  bool // found by walking a directory: skipped unless a postmortem
	data     []byte
	findings []lint.Finding
	changes  []string
	diff     string
	skipped  bool
	note     string // said on stderr
	err      error
}

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func runLint(a *app, fl lintFlags, args []string) error {
	if !slices.Contains(lint.Formats, fl.format) {
		return usageError("--format %q: expected text, json, sarif or github", fl.format)
	}
	failOn, ok := lint.ParseLevel(fl.failOn)
	if !ok || failOn == lint.Off {
		return usageError("--fail-on %q: expected error, warning or info", fl.failOn)
	}
	var opt lint.Options
	if fl.today != "" {
		d, ok := hindsight.ParseDate(fl.today)
		if !ok {
			return usageError("--today %q: expected a date YYYY-MM-DD", fl.today)
		}
		opt.Today = d.T
	}
	if fl.diff && fl.format != "text" {
		return usageError("--diff prints a unified diff; use it with --format text")
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	var fixedCfg *lint.Config
	if fl.config != "" {
		c, err := lint.ReadConfig(fl.config)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		fixedCfg = c
	}

	inputs, readErrs := collectInputs(a, args)
	if fl.fix && !fl.diff && slices.ContainsFunc(inputs, func(in *lintInput) bool { return in.stdin }) {
		return usageError("--fix cannot write back to standard input; use --diff")
	}

	configs := &configCache{m: map[string]*cfgEntry{}}
	jobs := fl.jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	var g errgroup.Group
	g.SetLimit(jobs)
	for _, in := range inputs {
		g.Go(func() error {
			lintOne(in, fl, fixedCfg, configs, opt)
			return nil
		})
	}
	_ = g.Wait()

	report := lint.Report{Version: version}
	errs := readErrs
	seenErr := map[string]bool{}
	for _, in := range inputs {
		switch {
		case in.err != nil:
			// a broken config file is reported once, not once per file
			if !seenErr[in.err.Error()] {
				seenErr[in.err.Error()] = true
				errs = append(errs, in.err)
			}
			continue
		case in.skipped:
			report.Skipped++
			continue
		}
		report.Files++
		report.Findings = append(report.Findings, in.findings...)
		if in.diff != "" {
			io.WriteString(a.stdout, in.diff)
		}
		if in.note != "" {
			fmt.Fprintf(a.stderr, "%s: %s\n", in.path, in.note)
		}
		if len(in.changes) > 0 && !fl.diff {
			fmt.Fprintf(a.stderr, "%s: fixed: %s\n", in.path, strings.Join(in.changes, "; "))
		}
	}
	if err := lint.Write(a.stdout, fl.format, report); err != nil {
		return &exitError{code: 2, err: err}
	}
	if report.Skipped > 0 {
		fmt.Fprintf(a.stderr, "skipped %d non-postmortem file(s)\n", report.Skipped)
	}
	for i, err := range errs {
		if i == len(errs)-1 {
			return &exitError{code: 2, err: err}
		}
		fmt.Fprintln(a.stderr, "hindsight:", err)
	}
	if n := lint.Count(report.Findings, failOn); n > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// collectInputs expands the arguments into files in a stable order:
// standard input first, then paths sorted. Directories are walked
// recursively for .md and .markdown files, skipping hidden directories and
// node_modules.
func collectInputs(a *app, args []string) ([]*lintInput, []error) {
	var out []*lintInput
	var errs []error
	seen := map[string]bool{}
	add := func(in *lintInput) {
		key := filepath.Clean(in.path)
		if in.stdin || !seen[key] {
			seen[key] = true
			out = append(out, in)
		}
	}
	for _, arg := range args {
		if arg == "-" {
			data, err := readDoc(a, "-")
			if err != nil {
				errs = append(errs, err)
				continue
			}
			add(&lintInput{path: "<stdin>", stdin: true, data: data})
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			errs = append(errs, hindsight.Errorf(hindsight.EInvalid, "%s: %v", arg, unwrapPathErr(err)))
			continue
		}
		if !st.IsDir() {
			add(&lintInput{path: arg})
			continue
		}
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, hindsight.Errorf(hindsight.EInvalid, "%s: %v", p, unwrapPathErr(err)))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			name := d.Name()
			if d.IsDir() {
				if p != arg && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor") {
					return fs.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(name))
			doc := ext == ".md" || ext == ".markdown"
			if d.Type()&fs.ModeSymlink != 0 {
				if perr := linkProblem(arg, p, doc); perr != nil {
					errs = append(errs, perr)
					return nil
				}
				if doc && insideDir(arg, p) {
					add(&lintInput{path: p, fromDir: true})
				}
				return nil
			}
			if doc && d.Type().IsRegular() {
				add(&lintInput{path: p, fromDir: true})
			}
			return nil
		})
		if err != nil {
			errs = append(errs, hindsight.Errorf(hindsight.EInvalid, "%s: %v", arg, err))
		}
	}
	slices.SortStableFunc(out, func(x, y *lintInput) int {
		if x.stdin != y.stdin {
			if x.stdin {
				return -1
			}
			return 1
		}
		return strings.Compare(x.path, y.path)
	})
	return out, errs
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// configCache loads each directory's configuration once.
type configCache struct {
	mu sync.Mutex
	m  map[string]*cfgEntry
}

type cfgEntry struct {
	once sync.Once
	cfg  *lint.Config
	err  error
}

func (c *configCache) get(dir string) (*lint.Config, error) {
	c.mu.Lock()
	e, ok := c.m[dir]
	if !ok {
		e = &cfgEntry{}
		c.m[dir] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.cfg, e.err = lint.LoadConfig(dir) })
	return e.cfg, e.err
}

// lintOne reads, lints and (with --fix or --diff) fixes one input.
func lintOne(in *lintInput, fl lintFlags, fixedCfg *lint.Config, configs *configCache, opt lint.Options) {
	if !in.stdin {
		// the same limit and text check as fmt and import: a file larger
		// than the limit is never read whole, and one that is not UTF-8 is
		// refused rather than linted (and fixed) as replacement characters
		data, err := readFileLimited(in.path)
		if err == nil {
			if terr := checkText(data); terr != nil {
				err = hindsight.Errorf(hindsight.EInvalid, "%s:%v", in.path, terr)
			}
		}
		if err != nil {
			in.err = err
			return
		}
		in.data = data
	}
	if in.fromDir && !lint.IsPostmortem(in.data) {
		in.skipped = true
		return
	}
	cfg := fixedCfg
	if cfg == nil {
		dir := "."
		if !in.stdin {
			dir = filepath.Dir(in.path)
		}
		c, err := configs.get(dir)
		if err != nil {
			in.err = err
			return
		}
		cfg = c
	}
	in.findings = lint.Source(in.path, in.data, cfg, opt)
	if !fl.fix && !fl.diff {
		return
	}
	if !lint.IsPostmortem(in.data) {
		// rendering would turn it into a template: never rewrite it
		in.note = "not a postmortem (no \"# Incident Postmortem\" heading or template sections); not fixed"
		return
	}
	doc, _ := markdown.Parse(in.data)
	canonical := markdown.Render(doc)
	in.changes = lint.Apply(doc, in.findings)
	fixed := canonical
	if len(in.changes) > 0 {
		fixed = markdown.Render(doc)
	}
	if bytes.Equal(fixed, in.data) {
		in.changes = nil
		return
	}
	if !bytes.Equal(canonical, in.data) {
		in.changes = append(in.changes, "canonical formatting")
	}
	if fl.diff {
		in.diff = udiff.Unified(in.path, in.path+" (fixed)", string(in.data), string(fixed))
		return
	}
	if err := checkWritable(in.path); err != nil {
		in.err = err
		return
	}
	if err := writeFileAtomic(in.path, fixed); err != nil {
		in.err = err
		return
	}
	in.data = fixed
	in.findings = lint.Source(in.path, fixed, cfg, opt)
}

// writeFileAtomic replaces path with data atomically (fsutil.WriteAtomic),
// with the error naming the file.
func writeFileAtomic(path string, data []byte) error {
	if err := fsutil.WriteAtomic(path, data); err != nil {
		return hindsight.Errorf(hindsight.EInternal, "%s: %v", path, err)
	}
	return nil
}
