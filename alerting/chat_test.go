package alerting_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/alerting"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/chat"
	"github.com/hindsight-pm/hindsight/markdown"
)

func chatMessages(t *testing.T, file string) []chat.Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "chat", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := chat.Parse(file, b, chat.Options{Date: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := chat.Select(tr.Messages, chat.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func TestImportChat(t *testing.T) { importChat(t, newEnv(t)) }

// importChat imports a Slack answer and a paste into an incident under
// review: one revision each, by the importer, rows with Source and Author
// columns that survive the Markdown; the same import again adds nothing.
func importChat(t *testing.T, e *env) {
	ctx := t.Context()
	ann := app.Actor{ID: "7", Name: "Ann Lee", Viewer: hindsight.Viewer{UserID: "7"}}
	doc := &hindsight.Postmortem{Title: "Checkout latency", Status: hindsight.StatusDraft,
		Timeline: []hindsight.Event{{Time: hindsight.TimeOf(time.Date(2026, 11, 3, 14, 1, 0, 0, time.UTC)), Event: "Alert fired"}}}
	inc, err := e.svc.Create(ctx, ann, doc, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if inc, err = e.svc.SetStatus(ctx, ann, inc.ID, inc.Revision, hindsight.StatusInReview); err != nil {
		t.Fatal(err)
	}
	msgs := chatMessages(t, "slack-history.json")
	msgs[0].Text = "Deploy 813 | finished\nfine" // a pipe and a line break in a cell
	res, err := e.r.ImportChat(ctx, ann, inc.ID, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 3 || res.Duplicates != 0 || res.Revision != inc.Revision+1 || res.Queued {
		t.Fatalf("first import: %+v (revision before %d)", res, inc.Revision)
	}
	got, err := e.svc.Get(ctx, ann, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Doc.Status != hindsight.StatusInReview {
		t.Errorf("status %s: an import leaves the status", got.Doc.Status)
	}
	cols := got.Doc.Extras[hindsight.SecTimeline].Columns
	if strings.Join(cols, ",") != "Source,Author" {
		t.Fatalf("columns %v", cols)
	}
	want := []string{
		"2026-11-03 14:01|Alert fired||",
		"2026-11-03 14:07|Deploy 813 | finished fine|slack|deploy-bot",
		"2026-11-03 14:08|Pool size raised to 200 @U01ANN|slack|U02TARO",
		"2026-11-03 14:10|Error rate back to baseline|slack|U01ANN",
	}
	check := func(p *hindsight.Postmortem, what string) {
		t.Helper()
		var rows []string
		for _, ev := range p.Timeline {
			cells := append(append([]string{}, ev.Cells...), "", "")
			rows = append(rows, ev.Time.String()+"|"+ev.Event+"|"+cells[0]+"|"+cells[1])
		}
		if strings.Join(rows, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", what, strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
	}
	check(got.Doc, "timeline")
	// the rows survive the Markdown: source and author read back
	md := markdown.Render(got.Doc)
	back, _ := markdown.Parse(md)
	check(back, "timeline read back from the Markdown")
	if !strings.Contains(string(md), "| Time (UTC) | Event | Source | Author |") {
		t.Errorf("Markdown has no Source and Author columns:\n%s", md)
	}
	revs, err := e.store.FindRevisions(ctx, hindsight.SystemViewer, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := revs[len(revs)-1]
	if last.Author != "Ann Lee" || !strings.Contains(last.Message, "chat: 3 message(s) imported by Ann Lee [batch ") {
		t.Errorf("last revision by %q: %q", last.Author, last.Message)
	}

	// again: nothing new, no revision
	res, err = e.r.ImportChat(ctx, ann, inc.ID, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 0 || res.Duplicates != 3 || res.Revision != inc.Revision+1 {
		t.Fatalf("second import: %+v", res)
	}
	known, err := e.r.KnownChat(ctx, inc.ID, msgs)
	if err != nil || len(known) != 3 {
		t.Fatalf("known %v, %v", known, err)
	}

	// an incident that does not exist, or that the importer cannot see
	if _, err := e.r.ImportChat(ctx, ann, "INC-20261103-999", msgs); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("unknown incident: %v", err)
	}
	if _, err := e.svc.SetRestriction(ctx, app.System, inc.ID, true, nil); err != nil {
		t.Fatal(err)
	}
	bob := app.Actor{ID: "8", Name: "Bob", Viewer: hindsight.Viewer{UserID: "8"}}
	if _, err := e.r.ImportChat(ctx, bob, inc.ID, chatMessages(t, "paste-bracket.txt")); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("restricted incident: %v", err)
	}
}

// TestImportChatCrash stops the applier after the import's save, before
// its inbox entry is finished (a crash): the import reports the failure,
// the next applier finds the saved revision and finishes the entry without
// saving again, and importing again adds nothing. The rows are in the
// timeline once.
func TestImportChatCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		open opener
	}{{"SQLite", openSQLite}, {"PostgreSQL", openPostgres}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, tc.open)
			ctx := t.Context()
			inc, err := e.svc.Create(ctx, app.System, &hindsight.Postmortem{Title: "Crash", Status: hindsight.StatusDraft}, app.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			msgs := chatMessages(t, "paste-bracket.txt")
			alerting.SetCrashPoint(e.r, "saved")
			if _, err := e.r.ImportChat(ctx, app.System, inc.ID, msgs); err == nil {
				t.Fatal("the import did not report the applier's stop")
			}
			b := e.another()
			b.clock.Add(time.Minute + time.Second) // the dead applier's lease ends
			b.drain()
			res, err := b.r.ImportChat(ctx, app.System, inc.ID, msgs)
			if err != nil || res.Added != 0 || res.Duplicates != len(msgs) {
				t.Fatalf("import after the crash: %+v, %v", res, err)
			}
			got, err := b.svc.Get(ctx, app.System, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Doc.Timeline) != len(msgs) || got.Revision != 2 || len(b.inbox()) != 0 {
				t.Fatalf("%d rows (want %d) in revision %d (want 2), inbox %d", len(got.Doc.Timeline), len(msgs), got.Revision, len(b.inbox()))
			}
		})
	}
}

// An import the document cannot hold is refused before anything is
// recorded: a narrower import afterwards still adds its rows.
func TestImportChatTooLarge(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	inc, err := e.svc.Create(ctx, app.System, &hindsight.Postmortem{Title: "Big", Status: hindsight.StatusDraft}, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []chat.Message
	start := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	for i := range 4000 {
		msgs = append(msgs, chat.Message{Source: chat.SourceText, ID: fmt.Sprint(i), At: start.Add(time.Duration(i) * time.Minute), Author: "Ann", Text: strings.Repeat("x", 400)})
	}
	if _, err := e.r.ImportChat(ctx, app.System, inc.ID, msgs); hindsight.ErrorCode(err) != hindsight.ETooLarge || !strings.Contains(err.Error(), "narrow the window") {
		t.Fatalf("error %v", err)
	}
	res, err := e.r.ImportChat(ctx, app.System, inc.ID, msgs[:10])
	if err != nil || res.Added != 10 {
		t.Fatalf("%+v %v", res, err)
	}
}
