package main

import (
	"encoding/json"
	"fmt"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newRenderCmd) }

func newRenderCmd(a *app) *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "render [--format md|json|html] FILE|-",
		Short: "Render a postmortem as canonical Markdown, JSON or a standalone HTML page",
		Long: `Render a postmortem as canonical Markdown (md), as the JSON form of the model
(json, described by schema/postmortem.schema.json), or as a standalone,
sanitized HTML page with a print stylesheet (html) for sharing or printing to PDF.`,
		Example: `  hindsight render --format html examples/INC-20260312-001-checkout-database-failover.md -o report.html`,
		Args:    cobra.ExactArgs(1),
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"md", "markdown"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := readDoc(a, args[0])
			if err != nil {
				return err
			}
			doc, _ := markdown.Parse(src)
			var out []byte
			switch format {
			case "md", "markdown":
				out = markdown.Render(doc)
			case "json":
				out, err = json.MarshalIndent(doc, "", "  ")
				if err != nil {
					return err
				}
				out = append(out, '\n')
			case "html":
				out = markdown.Page(doc)
			default:
				return hindsight.Errorf(hindsight.EInvalid, "--format %q: want md, json or html", format)
			}
			if output == "" || output == "-" {
				_, err = a.stdout.Write(out)
				return err
			}
			if err := writeFileAtomic(output, out); err != nil {
				return hindsight.Errorf(hindsight.EInvalid, "%s: %v", output, err)
			}
			fmt.Fprintf(a.stderr, "wrote %s\n", output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "md", "output format: md, json or html")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"md", "json", "html"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
