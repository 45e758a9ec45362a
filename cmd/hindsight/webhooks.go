package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/webhook"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newWebhookCmd)
}

// withWebhooks opens the store named by --db and runs fn with its webhooks.
func withWebhooks(ctx context.Context, a *app, fn func(w *webhook.Webhooks) error) error {
	s, err := openStore(ctx, a.db)
	if err != nil {
		return err
	}
	defer s.Close()
	cfg, err := webhook.ConfigFromEnv(nil) // HINDSIGHT_WEBHOOK_ALLOW_PRIVATE decides which URLs add accepts, as under serve
	if err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := webhook.New(s, cfg)
	if err != nil {
		return err
	}
	return fn(w)
}

func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, hindsight.Errorf(hindsight.EInvalid, "%s: %q is not an ID (a positive number)", what, s)
	}
	return id, nil
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newWebhookCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "webhook",
		Short: "Manage outbound webhooks and their deliveries",
		Long: `Manage the outbound webhooks of the database named by --db: the subscriptions
(URL, events, secret, format json, slack or teams) and the delivery log. The server
(hindsight serve) sends the deliveries; these commands change what it sends.

Events: ` + strings.Join(hindsight.WebhookEvents, ", ") + ` (or * for all).`,
	}
	var events []string
	var format, secret, desc string
	var disabled bool
	add := &cobra.Command{
		Use:     "add URL",
		Short:   "Add a webhook subscription and print its signing secret",
		Example: "  hindsight webhook add https://hooks.example.com/hindsight --event incident.created --event incident.published\n  hindsight webhook add https://hooks.slack.com/services/T/B/X --format slack --event '*'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
				active := !disabled
				in := webhook.Input{URL: &args[0], Events: &events, Format: &format, Description: &desc, Active: &active}
				if secret != "" {
					in.Secret = &secret
				}
				s, err := w.Create(cmd.Context(), in)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "webhook %d: %s (%s; %s)\nsecret: %s\n", s.ID, s.URL, s.Format, strings.Join(s.Events, ", "), s.Secret)
				fmt.Fprintln(a.stderr, "The secret is shown once: receivers verify X-Hindsight-Signature (sha256=HMAC of \"<X-Hindsight-Timestamp>.<body>\") with it.")
				return nil
			})
		},
	}
	add.Flags().StringArrayVarP(&events, "event", "e", []string{"*"}, "an event to send (repeat, or comma-separated; * for all)")
	add.Flags().StringVar(&format, "format", "json", "json (signed Hindsight JSON), slack (incoming-webhook message with blocks) or teams (Adaptive Card for a Teams Workflows webhook)")
	add.Flags().StringVar(&secret, "secret", "", "signing secret (default: a random one)")
	add.Flags().StringVar(&desc, "description", "", "a note for admins")
	add.Flags().BoolVar(&disabled, "disabled", false, "add it disabled")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List webhook subscriptions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
				subs, err := w.List(cmd.Context())
				if err != nil {
					return err
				}
				for i := range subs {
					subs[i].Secret = ""
				}
				if asJSON {
					return printJSON(a.stdout, subs)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tURL\tFORMAT\tACTIVE\tPENDING\tEVENTS\tDESCRIPTION")
				for _, s := range subs {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%v\t%d\t%s\t%s\n", s.ID, s.URL, s.Format, s.Active, s.Pending, strings.Join(s.Events, ","), s.Description)
				}
				return tw.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var yes bool
	remove := &cobra.Command{
		Use:     "remove ID",
		Aliases: []string{"rm"},
		Short:   "Remove a webhook subscription, its delivery log and its pending deliveries",
		Long: `Remove a webhook subscription and its delivery log. Its pending deliveries
(queued, retrying or paused) are discarded: when it has any, the command says
how many and removes nothing unless --yes is given. To stop deliveries for a
while without losing them, disable the subscription instead (hindsight webhook
disable ID, PATCH /api/v1/webhooks/ID {"active": false}, or the admin page):
it is paused, and enabling it again resumes them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("webhook", args[0])
			if err != nil {
				return err
			}
			return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
				s, err := w.Get(cmd.Context(), id)
				if err != nil {
					return err
				}
				if s.Pending > 0 && !yes {
					return hindsight.Errorf(hindsight.EConflict, "webhook %d has %d pending deliveries that removing it discards: run again with --yes to remove it anyway, or pause it with hindsight webhook disable %d", id, s.Pending, id)
				}
				n, err := w.Remove(cmd.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "webhook %d removed; %d pending deliveries discarded\n", id, n)
				return nil
			})
		},
	}
	remove.Flags().BoolVarP(&yes, "yes", "y", false, "remove it even when deliveries are pending (they are discarded)")

	var status string
	var sub int64
	var limit int
	deliveries := &cobra.Command{
		Use:   "deliveries",
		Short: "Show the delivery log, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := existingDB(a.db); err != nil {
				return err
			}
			return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
				ds, err := w.Deliveries(cmd.Context(), hindsight.DeliveryFilter{SubscriptionID: sub, Status: status, Limit: limit})
				if err != nil {
					return err
				}
				if asJSON {
					return printJSON(a.stdout, ds)
				}
				tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tWEBHOOK\tEVENT\tINCIDENT\tSTATUS\tATTEMPTS\tLAST\tNEXT/DONE")
				for _, d := range ds {
					when := ""
					switch d.Status {
					case hindsight.DeliveryDelivered:
						when = d.DeliveredAt.UTC().Format(time.DateTime)
					case hindsight.DeliveryPending:
						when = d.NextAttempt.UTC().Format(time.DateTime)
					}
					last := d.LastError
					if d.LastStatus != 0 && last == "" {
						last = strconv.Itoa(d.LastStatus)
					}
					if len(last) > 60 {
						last = last[:57] + "..."
					}
					fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.SubscriptionID, d.Event, d.IncidentID, d.Status, d.Attempts, last, when)
				}
				return tw.Flush()
			})
		},
	}
	deliveries.Flags().StringVar(&status, "status", "", "only pending, delivered or failed deliveries")
	deliveries.Flags().Int64Var(&sub, "webhook", 0, "only the deliveries of this webhook ID")
	deliveries.Flags().IntVar(&limit, "limit", 50, "at most this many (1 to 1000)")
	deliveries.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	redeliver := &cobra.Command{
		Use:   "redeliver ID",
		Short: "Queue a delivery again (the server sends it on its next pass)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("delivery", args[0])
			if err != nil {
				return err
			}
			return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
				d, err := w.Redeliver(cmd.Context(), id)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "delivery %d (%s for %s) queued again\n", d.ID, d.Event, d.IncidentID)
				return nil
			})
		},
	}
	toggle := func(use, short string, active bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := parseID("webhook", args[0])
				if err != nil {
					return err
				}
				return withWebhooks(cmd.Context(), a, func(w *webhook.Webhooks) error {
					s, err := w.SetActive(cmd.Context(), id, active)
					if err != nil {
						return err
					}
					if active {
						fmt.Fprintf(a.stdout, "webhook %d enabled; %d pending deliveries resume\n", id, s.Pending)
					} else {
						fmt.Fprintf(a.stdout, "webhook %d disabled; its %d pending deliveries (and new events) wait until it is enabled\n", id, s.Pending)
					}
					return nil
				})
			},
		}
	}
	disable := toggle("disable", "Pause a webhook: its deliveries wait (new events too) until it is enabled", false)
	enable := toggle("enable", "Resume a paused webhook: its waiting deliveries are sent", true)
	root.AddCommand(add, list, remove, disable, enable, deliveries, redeliver)
	return root
}
