package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/sqlite"
)

var day = time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

func newService(t *testing.T) *app.Service {
	t.Helper()
	clock := func() time.Time { return day }
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hs.db"), sqlite.Options{Render: app.Render, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return app.New(st, app.Options{Now: clock})
}

var alice = app.Actor{ID: "alice", Name: "Alice", Viewer: hindsight.SystemViewer}
var bob = app.Actor{ID: "bob", Name: "Bob", Viewer: hindsight.SystemViewer}

func open(t *testing.T, s *app.Service) *hindsight.Incident {
	t.Helper()
	start, _ := hindsight.ParseTime("2026-11-26 08:02")
	in, err := s.Open(context.Background(), alice, app.NewIncident{Title: "Checkout down", Severity: hindsight.Sev2, Start: start, Services: []string{"checkout, payments"}, Commander: "Dana"})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestOpenAllocatesIDAndDraft(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	if in.ID != "INC-20261126-001" || in.Revision != 1 || in.Doc.Status != hindsight.StatusDraft {
		t.Fatalf("got %s rev %d status %q", in.ID, in.Revision, in.Doc.Status)
	}
	if got := in.Doc.ServiceNames(); strings.Join(got, ",") != "checkout,payments" {
		t.Errorf("services %q", got)
	}
	if !strings.Contains(string(in.Markdown), "- **Incident ID:** INC-20261126-001") {
		t.Errorf("markdown does not carry the ID:\n%s", in.Markdown)
	}
	second := open(t, s)
	if second.ID != "INC-20261126-002" {
		t.Errorf("second ID %s", second.ID)
	}
}

func TestOpenRefusesBadInput(t *testing.T) {
	s := newService(t)
	for _, n := range []app.NewIncident{{Title: ""}, {Title: "x", Severity: "SEV-9"}} {
		_, err := s.Open(context.Background(), alice, n)
		if hindsight.ErrorCode(err) != hindsight.EInvalid {
			t.Errorf("%+v: got %v", n, err)
		}
	}
}

func TestSaveConflictNamesWhoSaved(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	ctx := context.Background()
	a := *in.Doc
	a.ExecutiveSummary = "Alice's summary"
	if _, err := s.Save(ctx, alice, in.ID, in.Revision, &a, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	b := *in.Doc
	b.ExecutiveSummary = "Bob's summary"
	_, err := s.Save(ctx, bob, in.ID, in.Revision, &b, app.SaveOptions{})
	if hindsight.ErrorCode(err) != hindsight.EConflict || !strings.Contains(err.Error(), "Alice") {
		t.Fatalf("want a conflict naming Alice, got %v", err)
	}
	cur, _ := s.Get(ctx, alice, in.ID)
	if cur.Revision != 2 || cur.Doc.ExecutiveSummary != "Alice's summary" {
		t.Errorf("lost update: rev %d %q", cur.Revision, cur.Doc.ExecutiveSummary)
	}
}

func TestParallelSavesOneWinsPerRevision(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := *in.Doc
			d.ExecutiveSummary = strings.Repeat("x", i+1)
			_, err := s.Save(context.Background(), alice, in.ID, in.Revision, &d, app.SaveOptions{})
			mu.Lock()
			defer mu.Unlock()
			switch hindsight.ErrorCode(err) {
			case "":
				wins++
			case hindsight.EConflict:
				conflicts++
			default:
				t.Errorf("unexpected %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || conflicts != 7 {
		t.Errorf("wins %d conflicts %d", wins, conflicts)
	}
}

func TestStatusWorkflow(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	ctx := context.Background()
	if _, err := s.SetStatus(ctx, alice, in.ID, in.Revision, hindsight.StatusPublished); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Fatalf("Draft -> Published must be refused, got %v", err)
	}
	r, err := s.SetStatus(ctx, alice, in.ID, in.Revision, hindsight.StatusInReview)
	if err != nil {
		t.Fatal(err)
	}
	r, err = s.SetStatus(ctx, alice, in.ID, r.Revision, hindsight.StatusPublished)
	if err != nil || r.Doc.Status != hindsight.StatusPublished || r.Revision != 3 {
		t.Fatalf("got %v %+v", err, r)
	}
	if _, err := s.SetStatus(ctx, alice, in.ID, 1, hindsight.StatusInReview); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("stale status change: %v", err)
	}
}

func TestActionItemCloseIsARevision(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	ctx := context.Background()
	d := *in.Doc
	d.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Add alert", Owner: "Dana", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
	if _, err := s.Save(ctx, alice, in.ID, in.Revision, &d, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := s.SetActionItemStatus(ctx, bob, in.ID, 0, "AI-001", hindsight.ItemClosed)
	if err != nil {
		t.Fatal(err)
	}
	if r.Doc.ActionItems[0].Status != hindsight.ItemClosed || r.UpdatedBy != "Bob" || !strings.Contains(string(r.Markdown), "| AI-001 | Add alert | Dana | P1 | | Closed |") {
		t.Errorf("got %+v\n%s", r.Doc.ActionItems, r.Markdown)
	}
	if _, err := s.SetActionItemStatus(ctx, bob, in.ID, 0, "AI-404", hindsight.ItemClosed); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("missing item: %v", err)
	}
	// a stale base is refused even when the item already has the status,
	// naming who saved since
	_, err = s.SetActionItemStatus(ctx, alice, in.ID, r.Revision-1, "AI-001", hindsight.ItemClosed)
	if hindsight.ErrorCode(err) != hindsight.EConflict || !strings.Contains(err.Error(), "Bob") {
		t.Errorf("stale no-op close: %v", err)
	}
	if _, err := s.SetStatus(ctx, alice, in.ID, r.Revision-1, hindsight.StatusDraft); hindsight.ErrorCode(err) != hindsight.EConflict || !strings.Contains(err.Error(), "Bob") {
		t.Errorf("stale no-op status: %v", err)
	}
	if _, err := s.SetActionItemStatus(ctx, alice, in.ID, r.Revision, "AI-001", hindsight.ItemClosed); err != nil {
		t.Errorf("current no-op close: %v", err)
	}
}

func TestSaveMarkdownErrorsNameLines(t *testing.T) {
	s := newService(t)
	in := open(t, s)
	md := strings.Replace(string(in.Markdown), "- **Severity:** SEV-2", "- **Severity:** SEV-9", 1)
	_, err := s.SaveMarkdown(context.Background(), alice, in.ID, in.Revision, []byte(md), app.SaveOptions{})
	e, ok := err.(*hindsight.Error)
	if !ok || e.Code != hindsight.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "summary.severity" || e.Fields[0].Line != 16 {
		t.Fatalf("got %#v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		mod   func(*hindsight.Postmortem)
		field string
	}{
		{"ok", func(*hindsight.Postmortem) {}, ""},
		{"unknown severity is honest", func(p *hindsight.Postmortem) { p.Summary.Severity = "Unknown" }, ""},
		{"bad severity", func(p *hindsight.Postmortem) { p.Summary.Severity = "SEV-0" }, "summary.severity"},
		{"bad status", func(p *hindsight.Postmortem) { p.Status = "Archived" }, "status"},
		{"bad time", func(p *hindsight.Postmortem) { p.Summary.Start = hindsight.Time{Text: "yesterday"} }, "summary.start_time"},
		{"bad duration", func(p *hindsight.Postmortem) { p.Detection.TTA = hindsight.Duration{Text: "soon"} }, "detection.time_to_acknowledge"},
		{"bad priority", func(p *hindsight.Postmortem) {
			p.ActionItems = []hindsight.ActionItem{{Action: "x", Priority: "P7"}}
		}, "action_items[0].priority"},
		{"bad answer", func(p *hindsight.Postmortem) { p.Impact.Data.Exposure = hindsight.Answer{Value: "Maybe"} }, "impact.data.exposure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &hindsight.Postmortem{Status: hindsight.StatusDraft}
			c.mod(p)
			err := app.Validate(p)
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			e, ok := err.(*hindsight.Error)
			if !ok || e.Fields[0].Field != c.field {
				t.Fatalf("want field %s, got %v", c.field, err)
			}
		})
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	files, _ := filepath.Glob("../examples/*.md")
	if len(files) < 3 {
		t.Fatal("examples missing")
	}
	for _, f := range files {
		src, _ := os.ReadFile(f)
		// historical postmortems keep their Published status (--keep-status)
		if r := s.Import(ctx, app.System, f, src, app.ImportOptions{KeepStatus: true}); r.Err != nil || r.Outcome != app.Created {
			t.Fatalf("%s: %v %s", f, r.Err, r.Outcome)
		}
	}
	out1, out2 := t.TempDir(), t.TempDir()
	if _, err := s.Export(ctx, app.System, out1); err != nil {
		t.Fatal(err)
	}
	// the examples are canonical: export gives them back byte for byte
	for _, f := range files {
		src, _ := os.ReadFile(f)
		id := filepath.Base(f)[:len("INC-20260312-001")]
		matches, _ := filepath.Glob(filepath.Join(out1, id+"-*.md"))
		if len(matches) != 1 {
			t.Fatalf("%s: exported as %q", id, matches)
		}
		if got, _ := os.ReadFile(matches[0]); string(got) != string(src) {
			t.Errorf("%s: export differs from the imported file", filepath.Base(f))
		}
	}
	exported, _ := filepath.Glob(filepath.Join(out1, "*.md"))
	for _, f := range exported {
		src, _ := os.ReadFile(f)
		if r := s.Import(ctx, app.System, f, src, app.ImportOptions{}); r.Outcome != app.Unchanged {
			t.Errorf("re-import of %s: %s %v", f, r.Outcome, r.Err)
		}
	}
	if res, err := s.Export(ctx, app.System, out2); err != nil || res.Written != len(files) {
		t.Fatalf("%v %+v", err, res)
	}
	// a second export into the same directory writes nothing
	if res, _ := s.Export(ctx, app.System, out1); res.Written != 0 || res.Unchanged != len(files) {
		t.Errorf("second export rewrote files: %+v", res)
	}
}

func TestImportRejectsLintErrorsUnlessForced(t *testing.T) {
	s := newService(t)
	src, err := os.ReadFile("../testdata/messy/partly-filled-draft.md")
	if err != nil {
		t.Fatal(err)
	}
	r := s.Import(context.Background(), app.System, "draft.md", src, app.ImportOptions{})
	if r.Outcome != app.Rejected || r.Err == nil || !strings.Contains(r.Err.Error(), "draft.md:") {
		t.Fatalf("got %s %v", r.Outcome, r.Err)
	}
	r = s.Import(context.Background(), app.System, "draft.md", src, app.ImportOptions{Force: true})
	if r.Outcome != app.Created || r.Err != nil {
		t.Fatalf("forced: %s %v", r.Outcome, r.Err)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Checkout down!":           "checkout-down",
		"":                         "untitled",
		"../../etc/passwd":         "etc-passwd",
		"Ünïcode & emoji 🔥 title":  "n-code-emoji-title",
		strings.Repeat("abc ", 40): "abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc-abc",
	} {
		if got := app.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}
