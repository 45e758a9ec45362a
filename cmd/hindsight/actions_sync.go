package main

import (
	"fmt"
	"sort"

	"github.com/hindsight-pm/hindsight"
	svc "github.com/hindsight-pm/hindsight/app"
	"github.com/spf13/cobra"
)

// newActionsSyncCmd is "hindsight actions sync [INC...]" (issue 20).
func newActionsSyncCmd(a *app) *cobra.Command {
	var passes int
	cmd := &cobra.Command{
		Use:   "sync [INC-...]",
		Short: "Create issues in the configured tracker for open action items and send pending changes",
		Long: `Create an issue in the incident's tracker (trackers: in .hindsight.yaml, or the
incident's Tracker field) for every open action item that has no Ticket and no
issue yet, of the incidents named (every incident when none), then send what is
pending (creates, closes, reopens, new target dates) and print each item's
issue and state. A tracker that is down or rate-limited leaves the item
"pending" with the reason; the server's worker (or the next run) sends it
later. One issue per item, ever. Tokens come from each tracker's token_env.`,
		Example: `  GITHUB_TOKEN=... hindsight actions sync
  hindsight actions sync INC-20261201-001`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := openService(ctx, a)
			if err != nil {
				return err
			}
			defer s.Close()
			s.UseTrackers(svc.TrackerOptions{BaseURL: envOr("HINDSIGHT_BASE_URL", "")})
			links, err := s.QueueOpenItems(ctx, svc.System, args)
			if err != nil {
				return err
			}
			for range passes {
				n, err := s.SyncTrackers(ctx, 50)
				if err != nil {
					return err
				}
				if n == 0 {
					break
				}
			}
			// the links again, as the passes left them
			byIncident := map[string]bool{}
			for _, l := range links {
				byIncident[l.IncidentID] = true
			}
			var out []hindsight.TrackerLink
			for id := range byIncident {
				ls, err := s.TrackerLinks(ctx, svc.System, id)
				if err != nil {
					return err
				}
				out = append(out, ls...)
			}
			sort.Slice(out, func(i, j int) bool {
				if out[i].IncidentID != out[j].IncidentID {
					return out[i].IncidentID < out[j].IncidentID
				}
				return out[i].ItemKey < out[j].ItemKey
			})
			pending := 0
			for _, l := range out {
				state := l.State()
				if state != "synced" {
					pending++
					state = "sync pending: " + l.Reason
				}
				issue := l.IssueKey
				if issue == "" {
					issue = "-"
				}
				fmt.Fprintf(a.stdout, "%s\t%s\t%s\t%s\t%s\n", l.IncidentID, l.ItemKey, l.Kind, issue, state)
			}
			if len(out) == 0 {
				fmt.Fprintln(a.stdout, "no open action items without a ticket")
			} else if pending > 0 {
				fmt.Fprintf(a.stdout, "%d of %d items still pending (sent later by the server or the next run)\n", pending, len(out))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&passes, "passes", 3, "sync passes to make before printing (0: only queue)")
	return cmd
}
