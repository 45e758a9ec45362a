package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newNewCmd) }

func newNewCmd(a *app) *cobra.Command {
	var (
		title, severity, start, commander, output, id, owner string
		services                                             []string
		force                                                bool
	)
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Write a new postmortem from the template",
		Long: `Write a new postmortem from the template, prefilled from the flags, as a Draft.
Unset fields keep the template's placeholders, which the linter reports until
they are filled. The file is never overwritten without --force.`,
		Example: `  hindsight new --title "Checkout outage" --severity SEV-2 --start "2026-11-26 14:02" \
    --service checkout --service payments --commander "Dana Kim" -o checkout-outage.md`,
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
				t, ok := hindsight.ParseTime(start)
				if !ok {
					return hindsight.Errorf(hindsight.EInvalid, "--start %q: want a UTC time like 2026-11-26 14:02", start)
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
			p.Detection.Commander = strings.TrimSpace(commander)
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
	f.StringVar(&start, "start", "", "start time in UTC, e.g. \"2026-11-26 14:02\"")
	f.StringSliceVar(&services, "service", nil, "affected service (repeat or comma-separate)")
	f.StringVar(&commander, "commander", "", "incident commander")
	f.StringVar(&owner, "owner", "", "owner of the postmortem document")
	f.StringVar(&id, "id", "", "incident ID (INC-YYYYMMDD-NNN); the server allocates one when omitted")
	f.StringVarP(&output, "output", "o", "", "write to FILE instead of standard output")
	f.BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
