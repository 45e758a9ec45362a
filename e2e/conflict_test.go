package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight/app"
)

// TestConflictMergeHistory: two people edit the same revision in two tabs;
// the second save shows what changed and lets the person merge, never
// overwriting; the history lists every revision and diffs any two. Then
// the raw Markdown editor shows findings against line numbers, and the
// print stylesheet hides the controls.
func TestConflictMergeHistory(t *testing.T) {
	srv := startServer(t, 0)
	in := srv.example(t, "INC-20260704-001-nightly-billing-export-delay.md")
	id := in.ID
	a := srv.browser(t, dana)
	// a second browser for the other person
	b := srv.browser(t, sam)

	edit := srv.URL + "/incidents/" + id + "/edit"
	a.run("A opens the editor", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("editor")))
	b.run("B opens the editor", chromedp.Navigate(edit), chromedp.WaitVisible(chromedp.ID("editor")))
	b.run("B renames and saves",
		fill([][2]string{{"#title", "Nightly billing export delayed by a stuck partition lock"}}),
		chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("status-box")))
	a.run("A edits the summary and saves",
		fill([][2]string{{"#executive_summary", "Merged summary: the billing export ran 3 hours late; invoices went out the next morning."}}),
		chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("md")))
	head := value(a, "conflict page", chromedp.Text(chromedp.CSS("main h1")))
	if head != "Merge your edit" {
		t.Fatalf("after a stale save: %q, want the merge page", head)
	}
	theirs := value(a, "their diff", chromedp.Text(chromedp.CSS(".conflict .panel:first-child .diff")))
	if !strings.Contains(theirs, "stuck partition lock") {
		t.Errorf("the merge page does not show the other person's change:\n%s", theirs)
	}
	a.shot("conflict")
	got, _ := srv.Svc.Get(context.Background(), app.System, id)
	if got.Revision != 2 || !strings.Contains(got.Doc.Title, "stuck partition lock") {
		t.Fatalf("the stale save changed the incident: revision %d, title %q", got.Revision, got.Doc.Title)
	}
	// merge: take the other person's title into my text, and save on top
	a.run("A merges and saves",
		void(chromedp.Evaluate[bool](`(function(){
  const md = document.getElementById("md");
  md.value = md.value.replace(/^# Incident Postmortem: .*$/m, "# Incident Postmortem: Nightly billing export delayed by a stuck partition lock");
  return true;
})()`)),
		chromedp.Click(chromedp.CSS(`form.editor button.btn-primary`)), chromedp.WaitVisible(chromedp.ID("status-box")))
	got, _ = srv.Svc.Get(context.Background(), app.System, id)
	if got.Revision != 3 || !strings.Contains(got.Doc.Title, "stuck partition lock") || !strings.HasPrefix(got.Doc.ExecutiveSummary, "Merged summary") {
		t.Fatalf("merged save: revision %d, title %q, summary %q", got.Revision, got.Doc.Title, got.Doc.ExecutiveSummary)
	}

	// history and a diff between any two revisions
	a.run("history", chromedp.Navigate(srv.URL+"/incidents/"+id+"/history"), chromedp.WaitVisible(chromedp.CSS("table.revisions")),
		chromedp.Click(chromedp.CSS(`input[name="from"][value="1"]`)), chromedp.Click(chromedp.CSS(`input[name="to"][value="3"]`)))
	rows := value(a, "revisions", chromedp.Evaluate[int](`document.querySelectorAll("table.revisions tbody tr").length`))
	if rows != 3 {
		t.Errorf("history lists %d revisions, want 3", rows)
	}
	a.shot("history")
	a.run("compare", chromedp.Click(chromedp.CSS(`form.history button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("pre.diff")))
	adds := value(a, "diff lines", chromedp.Evaluate[int](`document.querySelectorAll(".dl-add").length`))
	dels := value(a, "diff lines", chromedp.Evaluate[int](`document.querySelectorAll(".dl-del").length`))
	if adds == 0 || dels == 0 {
		t.Errorf("diff 1 -> 3 has %d added and %d removed lines", adds, dels)
	}
	a.shot("diff")

	// raw Markdown: a finding names its line; following it selects that line
	a.run("raw editor", chromedp.Navigate(srv.URL+"/incidents/"+id+"/markdown"), chromedp.WaitVisible(chromedp.ID("md")),
		fill([][2]string{{"#md", strings.Replace(string(got.Markdown), "**Duration:** ", "**Duration:** 9:9", 1)}}),
		chromedp.WaitVisible(chromedp.CSS(`#lint-panel li[data-rule="HS004"] a[data-line]`)),
	)
	line := value(a, "finding line", chromedp.AttributeValue(chromedp.CSS(`#lint-panel li[data-rule="HS004"] a[data-line]`), "data-line")).Value
	a.run("follow the finding", chromedp.Click(chromedp.CSS(`#lint-panel li[data-rule="HS004"] a[data-line]`)))
	selected := value(a, "selected line", chromedp.Evaluate[string](`(function(){ const m = document.getElementById("md"); return m.value.slice(m.selectionStart, m.selectionEnd); })()`))
	want := strings.Split(strings.Replace(string(got.Markdown), "**Duration:** ", "**Duration:** 9:9", 1), "\n")
	if n := atoi(line); n < 1 || n > len(want) || selected != want[n-1] || !strings.Contains(selected, "Duration") {
		t.Errorf("finding at line %s selected %q", line, selected)
	}
	a.shotViewport("markdown-editor")

	// print: a clean report without controls
	if _, err := chromedp.Call(a.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	a.run("print view", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("sec-summary")))
	hidden := value(a, "print hides controls", chromedp.Evaluate[bool](`["header.top", ".doc-actions", ".status-box form", "#lint-wrap .lint"].every(s => { const e = document.querySelector(s); return !e || getComputedStyle(e).display === "none"; })`))
	if !hidden {
		t.Error("the print stylesheet shows navigation or controls")
	}
	a.shot("incident-print")
	a.check()
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}
