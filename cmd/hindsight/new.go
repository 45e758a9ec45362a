package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newNewCmd) }

func newNewCmd(a *app) *cobra.Command {
	var (
		title, severity, start, commander, output, id, owner string
		template, config                                     string
		services                                             []string
		force                                                bool
	)
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Write a new postmortem from the template",
		Long: `Write a new postmortem from the template, prefilled from the flags, as a Draft.
Unset fields keep the template's placeholders, which the linter reports until
they are filled. The file is never overwritten without --force.

The fields, tags and template variants declared in .hindsight.yaml (found
from the output file's directory up, or --config) are written too: the
declared fields as empty lines in Incident Summary, and with --template the
variant's own fields and sections (docs/configuration.md).`,
		Example: `  hindsight new --title "Checkout outage" --severity SEV-2 --start "2026-11-26 14:02" \
    --service checkout --service payments --commander "Dana Kim" -o checkout-outage.md
  hindsight new --template security --title "Leaked API key" -o leaked-key.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p := &hindsight.Postmortem{Title: strings.TrimSpace(title), Status: hindsight.StatusDraft, Owner: strings.TrimSpace(owner)}
			p.LastUpdated = hindsight.DateOf(time.Now())
			if severity != "" {
				sev, ok := hindsight.ParseSeverity(severity)
				if !ok {
					return hindsight.Errorf(hindsight.EInvalid, "--severity %q: want SEV-1, SEV-2, SEV-3 or SEV-4", severity)
				}
				p.Summary.Severity = sev
			}
			if start != "" {
				t, err := hindsight.ParseTimeIn(start, nil)
				if err != nil {
					return hindsight.Errorf(hindsight.EInvalid, "--start: %v; want a time like 2026-11-26 14:02 (UTC), 2026-11-26 9:41 AM PT or 2026-11-26T14:02+09:00", err)
				}
				p.Summary.Start = t
			}
			if id != "" {
				if _, _, ok := hindsight.ParseIncidentID(id); !ok {
					return hindsight.Errorf(hindsight.EInvalid, "--id %q: want INC-YYYYMMDD-NNN", id)
				}
				p.Summary.IncidentID = id
			}
			for _, s := range services {
				for _, part := range strings.Split(s, ",") {
					if part = strings.TrimSpace(part); part != "" {
						p.Summary.Services = append(p.Summary.Services, hindsight.Service{Name: part})
					}
				}
			}
			if id == "" && p.Summary.Start.IsSet() {
				// numbered as the server numbers a new incident: the Start
				// Time's UTC day, first of the day (import keeps it, or
				// reports a clash)
				p.Summary.IncidentID = hindsight.FormatIncidentID(hindsight.IncidentDay(p.Summary.Start, time.Now()), 1)
			}
			p.Detection.Commander = strings.TrimSpace(commander)
			if p.Owner == "" {
				p.Owner = p.Detection.Commander // as the web form does
			}
			var cfg *lint.Config
			var err error
			if config != "" {
				cfg, err = lint.ReadConfig(config)
			} else {
				dir := "."
				if output != "" && output != "-" {
					dir = filepath.Dir(output)
				}
				cfg, err = lint.LoadConfig(dir)
			}
			if err != nil {
				return err
			}
			v, err := cfg.Shape.Variant(template)
			if err != nil {
				var e *hindsight.Error
				if errors.As(err, &e) {
					e.Message = "--template: " + e.Message
				}
				return err
			}
			v.Apply(p, markdown.SectionHint)
			out := markdown.RenderTemplate(p)
			if output == "" || output == "-" {
				_, err := a.stdout.Write(out)
				return err
			}
			if _, err := os.Stat(output); err == nil && !force {
				return hindsight.Errorf(hindsight.EConflict, "%s: already exists (use --force to overwrite)", output)
			}
			if err := writeFileAtomic(output, out); err != nil {
				return hindsight.Errorf(hindsight.EInvalid, "%s: %v", output, err)
			}
			fmt.Fprintf(a.stderr, "wrote %s\n", output)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&title, "title", "", "title of the incident")
	f.StringVar(&severity, "severity", "", "severity: SEV-1 (worst) to SEV-4")
	f.StringVar(&start, "start", "", "start time, e.g. \"2026-11-26 14:02\" (UTC), \"2026-11-26 9:41 AM PT\", \"2026-11-26T14:02+09:00\"; sets the Incident ID's day")
	f.StringSliceVar(&services, "service", nil, "affected service (repeat or comma-separate)")
	f.StringVar(&commander, "commander", "", "incident commander (also the Owner unless --owner is given)")
	f.StringVar(&owner, "owner", "", "owner of the postmortem document (default: the commander)")
	f.StringVar(&id, "id", "", "incident ID (INC-YYYYMMDD-NNN); default INC-<start day>-001 when --start is given")
	f.StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	f.BoolVar(&force, "force", false, "overwrite an existing file")
	f.StringVar(&template, "template", "", "template variant declared under templates: in .hindsight.yaml (default: default)")
	f.StringVar(&config, "config", "", "configuration file (default: .hindsight.yaml found from the output's directory up)")
	return cmd
}
