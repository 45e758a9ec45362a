package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	appsvc "github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
	"github.com/spf13/cobra"
)

func init() {
	commands = append(commands, newTimelineCmd)
}

// timelineFlags are the flags of "hindsight timeline import".
type timelineFlags struct {
	since, until, only, date, zone string
	dryRun, noBots                 bool
}

func newTimelineCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "timeline",
		Short: "Work on an incident's timeline in the database",
		Args:  cobra.NoArgs,
	}
	var f timelineFlags
	imp := &cobra.Command{
		Use:   "import INCIDENT-ID FILE",
		Short: "Import chat messages into an incident's timeline",
		Long: `Import chat messages into the timeline of an incident in the database (--db),
as one revision: a Slack export (its zip, or the unpacked folder), a Slack
conversations.history answer, a Microsoft Teams chatMessage export (Graph
JSON), or text pasted from a chat window ([14:02] Ann: text, or "Ann  2:02 PM"
followed by the message, or Slack's "Today at 2:02 PM"). FILE - reads stdin.

Each row records the message's source and channel (the Source column) and its
author (the Author column). Importing the same messages again adds nothing.
Times of pasted text have no date or zone: --date and --zone give them
(default: the incident's start date, UTC). --dry-run prints the rows.`,
		Example: `  hindsight timeline import INC-20261103-001 slack-export.zip --only reaction:timeline --dry-run
  hindsight timeline import INC-20261103-001 history.json --since "2026-11-03 14:00" --until "2026-11-03 18:00"
  pbpaste | hindsight timeline import INC-20261103-001 - --zone PT --date 2026-11-03`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return runTimelineImport(cmd, a, &f, args[0], args[1]) },
	}
	fl := imp.Flags()
	fl.StringVar(&f.since, "since", "", "only messages at or after this time (2026-11-03 14:00, a zone allowed; default UTC)")
	fl.StringVar(&f.until, "until", "", "only messages at or before this time")
	fl.StringVar(&f.only, "only", "all", "which messages: all, pinned, or reaction:NAME (those with that emoji reaction)")
	fl.StringVar(&f.date, "date", "", "the day of pasted times without a date (YYYY-MM-DD; default the incident's start date)")
	fl.StringVar(&f.zone, "zone", "", "the zone of pasted times and of --since/--until without one (PT, Europe/Berlin, +02:00; default UTC)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the rows that would be added; change nothing")
	fl.BoolVar(&f.noBots, "no-bots", false, "leave out messages of bots and integrations")
	cmd.AddCommand(imp)
	return cmd
}

func runTimelineImport(cmd *cobra.Command, a *app, f *timelineFlags, id, file string) error {
	ctx := cmd.Context()
	usage := func(format string, args ...any) error { return hindsight.Errorf(hindsight.EInvalid, format, args...) }
	var zone *hindsight.Zone
	if f.zone != "" {
		z, ok := hindsight.LookupZone(f.zone)
		if !ok || z.Ambiguous() {
			return usage("--zone: %q is not a zone this version knows unambiguously (PT, UTC, Europe/Berlin, +02:00)", f.zone)
		}
		zone = z
	}
	choice := chat.Choice{Only: f.only, DropBots: f.noBots}
	if _, err := chat.ParseChoice(f.only); err != nil {
		return usage("--only: %q: want all, pinned or reaction:NAME", f.only)
	}
	for _, b := range []struct {
		flag, v string
		to      *time.Time
	}{{"--since", f.since, &choice.Since}, {"--until", f.until, &choice.Until}} {
		if b.v == "" {
			continue
		}
		t, err := hindsight.ParseTimeIn(b.v, zone)
		if err != nil {
			return usage("%s: %q is not a time (2026-11-03 14:00, 2026-11-03T14:00Z)", b.flag, b.v)
		}
		*b.to = t.T
		if b.flag == "--until" {
			*b.to = t.T.Add(time.Minute - time.Nanosecond) // the whole minute
		}
	}
	var day time.Time
	if f.date != "" {
		d, err := time.Parse(time.DateOnly, f.date)
		if err != nil {
			return usage("--date: %q is not a date (YYYY-MM-DD)", f.date)
		}
		day = d
	}

	if err := existingDB(a.db); err != nil {
		return err
	}
	st, err := openStore(ctx, a.db)
	if err != nil {
		return err
	}
	defer st.Close()
	as, ok := st.(hindsight.AlertStore)
	if !ok {
		return hindsight.Errorf(hindsight.EUnsupport, "this database keeps no inbox for imports")
	}
	svc := appsvc.New(st, appsvc.Options{})
	actor := cliActor()
	inc, err := svc.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if day.IsZero() && inc.Doc.Summary.Start.IsSet() {
		day = inc.Doc.Summary.Start.T
	}

	tr, err := readTranscript(a, file, chat.Options{Date: day, Zone: zone})
	if err != nil {
		return err
	}
	msgs, err := chat.Select(tr.Messages, choice)
	if err != nil {
		return err
	}
	r := alerting.New(svc, as, alerting.Config{})
	out := cmd.OutOrStdout()
	if f.dryRun {
		known, err := r.KnownChat(ctx, inc.ID, msgs)
		if err != nil {
			return err
		}
		return printPreview(out, tr, msgs, known, inc.ID)
	}
	res, err := r.ImportChat(ctx, actor, inc.ID, msgs)
	if err != nil {
		return err
	}
	switch {
	case res.Added == 0:
		fmt.Fprintf(out, "%s: nothing to add (%d message(s) selected, %d imported before)\n", inc.ID, len(msgs), res.Duplicates)
	case res.Queued:
		fmt.Fprintf(out, "%s: %d message(s) queued for the timeline (another process is applying them), %d imported before\n", inc.ID, res.Added, res.Duplicates)
	default:
		fmt.Fprintf(out, "%s: added %d row(s) to the timeline in revision %d, %d imported before\n", inc.ID, res.Added, res.Revision, res.Duplicates)
	}
	return nil
}

// readTranscript reads FILE: a Slack export folder, "-" for stdin, or a
// file.
func readTranscript(a *app, file string, opt chat.Options) (*chat.Transcript, error) {
	if file == "-" {
		b, err := io.ReadAll(io.LimitReader(a.stdin, chat.MaxBytes+1))
		if err != nil {
			return nil, err
		}
		return chat.Parse("stdin", b, opt)
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", file, unwrapPath(err))
	}
	if fi.IsDir() {
		return chat.ParseExport(filepath.Base(file), os.DirFS(file))
	}
	if fi.Size() > chat.MaxBytes {
		return nil, hindsight.Errorf(hindsight.ETooLarge, "%s: %d bytes: at most %d", file, fi.Size(), chat.MaxBytes)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", file, unwrapPath(err))
	}
	return chat.Parse(file, b, opt)
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// printPreview writes the rows an import would add.
func printPreview(w io.Writer, tr *chat.Transcript, msgs []chat.Message, known map[string]bool, id string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tSOURCE\tAUTHOR\tEVENT")
	fresh := 0
	rows := alerting.ChatRows(msgs)
	for i, m := range msgs {
		mark := ""
		if known[m.Key()] {
			mark = "  (imported before)"
		} else {
			fresh++
		}
		text := rows[i].Event
		if len(text) > 100 {
			text = strings.ToValidUTF8(text[:97], "") + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", rows[i].Time, rows[i].Cells[0], rows[i].Cells[1], text, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s: %d message(s) read as %s, %d selected, %d would be added (dry run: nothing changed)\n", id, len(tr.Messages), tr.Format, len(msgs), fresh)
	return err
}
