package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newActionsCmd)
}

// actionsFlags are the flags of "hindsight actions".
type actionsFlags struct {
	owner, status, priority, service, severity string
	overdue, pastObjective, dueWeek            bool
	format, today, sort, objectives            string
	desc                                       bool
	limit                                      int
}

func newActionsCmd(a *app) *cobra.Command {
	var f actionsFlags
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "List action items across incidents (the tracker) from the database",
		Long: `List the action items of every incident in the database (--db), with the
due-date objective of each (default P0 14, P1 28, P2 56 days after the
incident's end): a suggested target date for items without one, and
whether an open item is overdue or past its objective.`,
		Example: `  hindsight actions --owner alice --overdue
  hindsight actions --status open --priority P0 --format csv > p0.csv
  hindsight actions --past-objective --today 2026-11-26 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runActions(cmd, a, &f) },
	}
	cmd.AddCommand(newActionsSyncCmd(a))
	fl := cmd.Flags()
	fl.StringVar(&f.owner, "owner", "", "only items of this owner (case-insensitive)")
	fl.StringVar(&f.status, "status", "", "only items with this status: open or closed")
	fl.StringVar(&f.priority, "priority", "", "only items of these priorities, comma-separated (P0,P1)")
	fl.StringVar(&f.service, "service", "", "only items of incidents on this service")
	fl.StringVar(&f.severity, "severity", "", "only items of incidents of these severities, comma-separated (SEV-1,SEV-2)")
	fl.BoolVar(&f.overdue, "overdue", false, "only open items whose target date has passed")
	fl.BoolVar(&f.pastObjective, "past-objective", false, "only open items past their due-date objective")
	fl.BoolVar(&f.dueWeek, "due-this-week", false, "only items due this week (Monday to Sunday, UTC)")
	fl.StringVar(&f.format, "format", "table", "output format: table, json or csv")
	fl.StringVar(&f.today, "today", "", "the date to judge overdue items by (YYYY-MM-DD; default today, UTC)")
	fl.StringVar(&f.sort, "sort", "target", "sort by target, priority, owner, incident or severity")
	fl.BoolVar(&f.desc, "desc", false, "sort descending")
	fl.IntVar(&f.limit, "limit", 5000, "at most this many items (1 to 5000)")
	fl.StringVar(&f.objectives, "objectives", "", "due-date objectives in days after the incident's end (default P0=14,P1=28,P2=56)")
	return cmd
}

func actionsUsage(format string, args ...any) error {
	return hindsight.Errorf(hindsight.EInvalid, format, args...)
}

func runActions(cmd *cobra.Command, a *app, f *actionsFlags) error {
	switch f.format {
	case "table", "json", "csv":
	default:
		return actionsUsage("--format: %q is not table, json or csv", f.format)
	}
	today := time.Now().UTC()
	if f.today != "" {
		t, err := time.Parse(time.DateOnly, f.today)
		if err != nil {
			return actionsUsage("--today: %q is not a date (YYYY-MM-DD)", f.today)
		}
		today = t
	}
	obj, err := insights.ParseObjectives(f.objectives)
	if err != nil {
		return actionsUsage("--objectives: %s", hindsight.ErrorMessage(err))
	}
	if f.limit < 1 || f.limit > 5000 {
		return actionsUsage("--limit: %d is not from 1 to 5000", f.limit)
	}
	q := hindsight.ActionItemQuery{AsOf: today, Objectives: obj, Sort: hindsight.ActionItemSort(f.sort), Desc: f.desc, PastObjective: f.pastObjective}
	q.Owner, q.Service, q.Overdue, q.Limit = f.owner, f.service, f.overdue, f.limit
	switch q.Sort {
	case hindsight.ItemSortTarget, hindsight.ItemSortPriority, hindsight.ItemSortOwner, hindsight.ItemSortIncident, hindsight.ItemSortSeverity:
	default:
		return actionsUsage("--sort: %q is not target, priority, owner, incident or severity", f.sort)
	}
	if f.status != "" {
		st, ok := hindsight.ParseItemStatus(f.status)
		if !ok {
			return actionsUsage("--status: %q is not open or closed", f.status)
		}
		q.Status = []hindsight.ItemStatus{st}
	}
	for p := range strings.SplitSeq(f.priority, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pr, ok := hindsight.ParsePriority(p)
		if !ok {
			return actionsUsage("--priority: %q is not P0, P1 or P2", p)
		}
		q.Priority = append(q.Priority, pr)
	}
	for s := range strings.SplitSeq(f.severity, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		sv, ok := hindsight.ParseSeverity(s)
		if !ok {
			return actionsUsage("--severity: %q is not SEV-1 to SEV-4", s)
		}
		q.Severity = append(q.Severity, sv)
	}
	if f.dueWeek {
		q.DueFrom, q.DueBefore = insights.Week(today)
	}
	if err := existingDB(a.db); err != nil {
		return err
	}
	st, err := openStore(cmd.Context(), a.db)
	if err != nil {
		return err
	}
	defer st.Close()
	is, ok := st.(hindsight.InsightStore)
	if !ok {
		return hindsight.Errorf(hindsight.EUnsupport, "this store cannot list action items across incidents")
	}
	page, err := is.TrackActionItems(cmd.Context(), hindsight.SystemViewer, q)
	if err != nil {
		return err
	}
	switch f.format {
	case "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(page)
	case "csv":
		return insights.WriteItemsCSV(a.stdout, page.Items)
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(a.stdout, "no action items match")
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INCIDENT\tITEM\tPRIORITY\tOWNER\tTARGET\tOBJECTIVE\tSTATUS\tACTION")
	for _, it := range page.Items {
		target := it.TargetDate.String()
		if it.Suggested {
			target = it.Objective.String() + " (suggested)"
		}
		if it.Overdue {
			target += " OVERDUE"
		}
		obj := it.Objective.String()
		if it.PastObjective {
			obj += " PAST"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.IncidentID, it.ID, it.Priority, it.Owner, target, obj, it.Status, actionsOneLine(it.Action, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if page.Total > len(page.Items) {
		fmt.Fprintf(a.stdout, "%d of %d items (raise --limit or narrow the filters)\n", len(page.Items), page.Total)
	} else {
		fmt.Fprintf(a.stdout, "%d items\n", page.Total)
	}
	return nil
}

// actionsOneLine shortens s to n runes on one line.
func actionsOneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
