package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// editForm is the editor's form for an incident with a start time, with
// the timeline rows given (time, event) and op.
func editForm(rev string, op string, rows ...[2]string) url.Values {
	v := url.Values{"revision": {rev}, "start": {"2026-11-26 13:50"}, "tl_rows": {"0"}, "tl_sort_field": {"1"}, "op": {op}}
	for _, r := range rows {
		v.Add("tl_time", r[0])
		v.Add("tl_event", r[1])
		v.Add("tl_cells", "")
	}
	return v
}

func timeline(t *testing.T, e *env, id string) []string {
	t.Helper()
	in, err := e.svc.Get(context.Background(), app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range in.Doc.Timeline {
		out = append(out, ev.Time.String()+" "+ev.Event)
	}
	return out
}

func newIncident(t *testing.T, e *env) string {
	t.Helper()
	r := e.do("POST", "/incidents", url.Values{"title": {"Checkout outage"}, "severity": {"SEV-2"}, "start": {"2026-11-26T13:50"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(r.hdr.Get("Location"), "/incidents/"), "/edit")
}

// TestEditorTypedTimes: time inputs are text inputs that take every form
// the time reader takes, a time of day after the row above, stored in
// UTC; the live lint answers with each input's check.
func TestEditorTypedTimes(t *testing.T) {
	e := newEnv(t)
	id := newIncident(t, e)
	edit := "/incidents/" + id + "/edit"
	page := e.do("GET", edit, nil, nil)
	if strings.Contains(page.body, `type="datetime-local"`) || strings.Contains(page.body, `type="date"`) || strings.Contains(page.body, `type="time"`) {
		t.Error("the editor still uses a browser date/time picker")
	}
	if !strings.Contains(page.body, `id="start" name="start" value="2026-11-26 13:50"`) {
		t.Error("the start time is not shown as typed text in UTC")
	}
	v := editForm("1", "save",
		[2]string{"14:02", "deploy started"},
		[2]string{"2:05 PM", "error rate alert fires"},
		[2]string{"2026-11-26 14:10", "rollback started"},
		[2]string{"6:20 AM PST", "rollback complete"},
		[2]string{"2026-11-26T14:40Z", "all clear"},
		[2]string{"00:05", "overnight check"},
	)
	v.Set("end", "2:45 pm")
	v.Set("tl_keep_sorted", "1")
	if r := e.do("POST", edit, v, nil); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	want := []string{
		"2026-11-26 14:02 deploy started",
		"2026-11-26 14:05 error rate alert fires",
		"2026-11-26 14:10 rollback started",
		"2026-11-26 14:20 rollback complete",
		"2026-11-26 14:40 all clear",
		"2026-11-27 00:05 overnight check",
	}
	if got := timeline(t, e, id); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("timeline:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if in, _ := e.svc.Get(context.Background(), app.System, id); in.Doc.Summary.End.String() != "2026-11-26 14:45" {
		t.Errorf("end %q", in.Doc.Summary.End)
	}

	// live lint: the check beside each time input, out of band
	lv := editForm("2", "", [2]string{"2:02 PM", "a"}, [2]string{"half past two", "b"}, [2]string{"10:30 IST", "c"})
	r := e.do("POST", "/incidents/"+id+"/lint", lv, map[string]string{"HX-Request": "true"})
	if r.code != 200 {
		t.Fatalf("lint: %d", r.code)
	}
	for _, want := range []string{
		`<span id="tc-tl-time-0" class="time-check" aria-live="polite" hx-swap-oob="true">= 2026-11-26 14:02 UTC</span>`,
		`id="tc-tl-time-1" class="time-check time-bad"`, `is not a time: write 14:02`,
		`id="tc-tl-time-2" class="time-check time-bad"`, `names several time zones`,
		`id="lint-panel"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("live lint answer lacks %q:\n%s", want, r.body)
		}
	}
	// a save with a bad time is refused, the check says why, nothing saved
	bad := editForm("2", "save", [2]string{"half past two", "b"})
	r = e.do("POST", edit, bad, nil)
	if r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, `class="time-check time-bad"`) || strings.Count(r.body, "is not a time: write") != 1 {
		t.Errorf("bad time save: %d, %d messages", r.code, strings.Count(r.body, "is not a time"))
	}
}

// TestEditorTimelineTools: sort by time, keep sorted on save (and its
// opt-out), pasted lines, insert below, and moving a row far by its
// number, with and without htmx.
func TestEditorTimelineTools(t *testing.T) {
	e := newEnv(t)
	id := newIncident(t, e)
	edit := "/incidents/" + id + "/edit"
	rows := [][2]string{{"14:30", "c"}, {"14:02", "a"}, {"", "no time"}, {"14:10", "b"}}

	// Sort by time: timed rows in order, the row without a time stays put
	r := e.do("POST", edit, editForm("1", "tl-sort", rows...), map[string]string{"HX-Request": "true"})
	if r.code != 200 || !inOrder(r.body, ">a</textarea>", ">b</textarea>", ">no time</textarea>", ">c</textarea>") {
		t.Errorf("sort: %d", r.code)
	}
	// opt out of keep-sorted: the order is kept on save
	v := editForm("1", "save", rows...)
	if r := e.do("POST", edit, v, nil); r.code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.code, r.body)
	}
	if got := timeline(t, e, id); got[0] != "2026-11-26 14:30 c" {
		t.Errorf("unsorted save changed the order: %q", got)
	}
	// keep sorted (the default box is checked)
	v = editForm("2", "save", rows...)
	v.Set("tl_keep_sorted", "1")
	e.do("POST", edit, v, nil)
	if got := timeline(t, e, id); strings.Join(got, "|") != "2026-11-26 14:02 a|2026-11-26 14:10 b| no time|2026-11-26 14:30 c" {
		t.Errorf("keep-sorted save: %q", got)
	}
	page := e.do("GET", edit, nil, nil)
	if !strings.Contains(page.body, `id="tl-keep-sorted" type="checkbox" name="tl_keep_sorted" value="1" checked`) {
		t.Error("keep sorted is not checked by default")
	}

	// paste a block of chat lines: rows added, times placed after the last row
	v = editForm("3", "tl-paste", [2]string{"2026-11-26 23:40", "late"})
	v.Set("tl_paste", "23:50 deploy started\r\n- 23:58: paged Dana\r\n[12:05 AM] rollback\r\n\r\nnote without a time\r\n")
	r = e.do("POST", edit, v, map[string]string{"HX-Request": "true"})
	for _, want := range []string{`value="2026-11-26 23:50"`, `>deploy started</textarea>`, `value="2026-11-26 23:58"`, `>paged Dana</textarea>`, `value="2026-11-27 00:05"`, `>rollback</textarea>`, `>note without a time</textarea>`, `id="tl-time-1" name="tl_time" value="2026-11-26 23:50"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("paste: no %q", want)
		}
	}
	if !strings.Contains(r.body, `id="tl-time-1" name="tl_time" value="2026-11-26 23:50" class="mono time-input" placeholder="14:02" autocomplete="off" spellcheck="false" aria-describedby="tc-tl-time-1" autofocus`) {
		t.Error("paste: the first pasted row is not focused")
	}

	// insert below row 0 (Alt+Enter presses this button)
	r = e.do("POST", edit, editForm("3", "tl-ins-0", [2]string{"14:00", "first"}, [2]string{"14:20", "second"}), nil)
	if !strings.Contains(r.body, `id="tl-event-1" name="tl_event" rows="2"></textarea>`) || !inOrder(r.body, ">first</textarea>", `id="tl-event-1" name="tl_event" rows="2"></textarea>`, ">second</textarea>") {
		t.Error("insert below: no empty row between")
	}

	// move row 20 to the top by its number: one edit
	var many [][2]string
	for i := range 20 {
		many = append(many, [2]string{"", "event " + string(rune('A'+i))})
	}
	v = editForm("3", "tl-order", many...)
	for i := range 20 {
		v.Add("tl_pos", strconv.Itoa(i+1))
	}
	v["tl_pos"][19] = "1"
	v["tl_pos"][0] = "5"
	r = e.do("POST", edit, v, nil)
	if !inOrder(r.body, ">event T</textarea>", ">event B</textarea>", ">event C</textarea>", ">event D</textarea>", ">event A</textarea>", ">event E</textarea>") {
		t.Error("row numbers: T did not move to 1 and A to 5")
	}
}

// TestPublishWithLintErrorsAsks: publishing a document with lint errors
// asks first, on the server (a second post with confirm=1 publishes),
// with htmx and without.
func TestPublishWithLintErrorsAsks(t *testing.T) {
	e := newEnv(t)
	id := newIncident(t, e) // a fresh draft: lint errors (placeholders, no summary...)
	in, _ := e.svc.Get(context.Background(), app.System, id)
	if _, err := e.svc.SetStatus(context.Background(), app.System, id, in.Revision, hindsight.StatusInReview); err != nil {
		t.Fatal(err)
	}
	status := "/incidents/" + id + "/status"
	for _, hx := range []map[string]string{{"HX-Request": "true"}, nil} {
		in, _ := e.svc.Get(context.Background(), app.System, id)
		rev := strconv.Itoa(in.Revision)
		r := e.do("POST", status, url.Values{"revision": {rev}, "to": {"Published"}}, hx)
		if r.code != 200 || !strings.Contains(r.body, "Publish anyway?") || !strings.Contains(r.body, `name="confirm" value="1"`) {
			t.Fatalf("htmx=%v: no confirmation: %d", hx != nil, r.code)
		}
		if hx == nil && !strings.Contains(r.body, "<nav") {
			t.Error("without htmx the confirmation is not a whole page")
		}
		if got, _ := e.svc.Get(context.Background(), app.System, id); got.Doc.Status != hindsight.StatusInReview {
			t.Fatal("published without confirmation")
		}
		if hx == nil {
			r = e.do("POST", status, url.Values{"revision": {rev}, "to": {"Published"}, "confirm": {"1"}}, hx)
			if got, _ := e.svc.Get(context.Background(), app.System, id); got.Doc.Status != hindsight.StatusPublished {
				t.Fatalf("confirmed publish did not publish: %d", r.code)
			}
		}
	}
}

func inOrder(s string, parts ...string) bool {
	at := 0
	for _, p := range parts {
		i := strings.Index(s[at:], p)
		if i < 0 {
			return false
		}
		at += i + len(p)
	}
	return true
}

// TestNewIncidentTypedStart: the new incident form's start is typed text
// (no browser picker) read by the same time reader: a 12-hour clock or a
// zone is stored in UTC.
func TestNewIncidentTypedStart(t *testing.T) {
	e := newEnv(t)
	if page := e.do("GET", "/incidents/new", nil, nil); strings.Contains(page.body, `type="datetime-local"`) {
		t.Error("the new incident form uses a browser date/time picker")
	}
	r := e.do("POST", "/incidents", url.Values{"title": {"Queue backlog"}, "start": {"2026-11-26 9:02 AM EST"}}, nil)
	if r.code != http.StatusSeeOther {
		t.Fatalf("create: %d %s", r.code, r.body)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r.hdr.Get("Location"), "/incidents/"), "/edit")
	in, err := e.svc.Get(context.Background(), app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Doc.Summary.Start.String(); got != "2026-11-26 14:02" {
		t.Errorf("start %q, want 2026-11-26 14:02 (UTC)", got)
	}
}
