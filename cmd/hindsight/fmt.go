package main

import (
	"bytes"
	"fmt"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newFmtCmd) }

func newFmtCmd(a *app) *cobra.Command {
	var write, list, check bool
	cmd := &cobra.Command{
		Use:   "fmt [-w] [-l] [--check] FILE|DIR|- ...",
		Short: "Rewrite postmortems in canonical form",
		Long: `Rewrite postmortems in canonical form, like gofmt: the template's headings,
labels and tables, in its order, with values in their canonical spelling.
Nothing is lost: content the template does not know is kept in place.

Without flags the formatted document is printed. Directories are walked for
Markdown files; files that are not postmortems are skipped.`,
		Example: `  hindsight fmt -w postmortems/
  hindsight fmt --check postmortems/   # in CI: exit 1 and list files that would change`,
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
			// read and format everything first: a bad file stops the run
			// before anything is written
			type result struct {
				path     string
				src, out []byte
			}
			var results []result
			for _, f := range files {
				src, err := readDoc(a, f)
				if err != nil {
					return err
				}
				if !explicit[f] && !lint.IsPostmortem(src) {
					continue
				}
				doc, _ := markdown.Parse(src)
				out := markdown.Render(doc)
				if write && f != "-" && !bytes.Equal(src, out) {
					if err := checkWritable(f); err != nil {
						return err
					}
				}
				results = append(results, result{f, src, out})
			}
			changed := 0
			for _, r := range results {
				f, src, out := r.path, r.src, r.out
				same := bytes.Equal(src, out)
				if !same {
					changed++
				}
				switch {
				case check || list:
					if !same {
						fmt.Fprintln(a.stdout, displayPath(f))
					}
				case write:
					if f == "-" {
						return hindsight.Errorf(hindsight.EInvalid, "-w cannot write to standard input")
					}
					if !same {
						if err := writeFileAtomic(f, out); err != nil {
							return hindsight.Errorf(hindsight.EInvalid, "%s: %v", f, err)
						}
					}
				default:
					a.stdout.Write(out)
				}
			}
			if check && changed > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d file(s) not in canonical form (run hindsight fmt -w)", changed)}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&write, "write", "w", false, "write the result back to each file")
	cmd.Flags().BoolVarP(&list, "list", "l", false, "list files whose formatting differs")
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 and list the files that would change")
	return cmd
}
