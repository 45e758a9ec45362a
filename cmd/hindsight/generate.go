package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newGenerateCmd)
}

// generateFlags are the flags of hindsight generate.
type generateFlags struct {
	count int
	seed  int64
	out   string
	force bool
	messy float64
	now   string
}

// maxGenerate bounds --count so a typo cannot fill a disk.
const maxGenerate = 1_000_000

func newGenerateCmd(a *app) *cobra.Command {
	var fl generateFlags
	cmd := &cobra.Command{
		Use:   "generate --out DIR [--count N] [--seed S]",
		Short: "Write realistic generated postmortems (for benchmarks and tests)",
		Long: `Write N generated postmortems as canonical Markdown files named
<incident-id>-<slug>.md into DIR. The same seed (and --now) always gives the
same files. Documents are valid and lint-clean as of --now unless --messy asks
for a share of documents with flaws (placeholders, wrong durations, TBD).

DIR is created if missing; a DIR that is not empty is refused unless --force.`,
		Example: `  hindsight generate --count 1000 --seed 1 --out /tmp/corpus
  hindsight generate --count 200 --messy 0.3 --out bench/messy --force`,
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGenerate(a.stdout, fl)
		},
	}
	f := cmd.Flags()
	f.IntVar(&fl.count, "count", 100, "number of postmortems to write")
	f.Int64Var(&fl.seed, "seed", 1, "seed of the generator")
	f.StringVar(&fl.out, "out", "", "directory to write into (required)")
	f.BoolVar(&fl.force, "force", false, "write into a directory that is not empty (files of the same name are replaced)")
	f.Float64Var(&fl.messy, "messy", 0, "share of documents (0..1) given flaws a linter reports")
	f.StringVar(&fl.now, "now", gen.DefaultNow.Format(hindsight.DateLayout), "reference date YYYY-MM-DD: incidents fall in the three years before it")
	return cmd
}

func runGenerate(stdout io.Writer, fl generateFlags) error {
	if fl.out == "" {
		return hindsight.Errorf(hindsight.EInvalid, "--out: a directory is required")
	}
	if fl.count < 0 || fl.count > maxGenerate {
		return hindsight.Errorf(hindsight.EInvalid, "--count: %d is not between 0 and %d", fl.count, maxGenerate)
	}
	if fl.messy < 0 || fl.messy > 1 {
		return hindsight.Errorf(hindsight.EInvalid, "--messy: %v is not between 0 and 1", fl.messy)
	}
	now, ok := hindsight.ParseDate(fl.now)
	if !ok {
		return hindsight.Errorf(hindsight.EInvalid, "--now: %q is not a date YYYY-MM-DD", fl.now)
	}
	if err := prepareOutDir(fl.out, fl.force); err != nil {
		return err
	}
	g := gen.NewWithOptions(fl.seed, gen.Options{Now: now.T, Messy: fl.messy})
	for range fl.count {
		p := g.Postmortem()
		if err := writeFileAtomic(filepath.Join(fl.out, gen.FileName(p)), markdown.Render(p)); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %d postmortems to %s\n", fl.count, fl.out)
	return nil
}

// prepareOutDir creates dir if missing and refuses a non-empty one unless
// force.
func prepareOutDir(dir string, force bool) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return hindsight.Errorf(hindsight.EInvalid, "--out %s: %v", dir, err)
		}
		return nil
	case err != nil:
		return hindsight.Errorf(hindsight.EInvalid, "--out %s: %v", dir, err)
	case !st.IsDir():
		return hindsight.Errorf(hindsight.EInvalid, "--out %s: not a directory", dir)
	}
	if force {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return hindsight.Errorf(hindsight.EInvalid, "--out %s: %v", dir, err)
	}
	if len(entries) > 0 {
		return hindsight.Errorf(hindsight.EInvalid, "--out %s: directory is not empty (%d entries); use --force to write into it", dir, len(entries))
	}
	return nil
}
