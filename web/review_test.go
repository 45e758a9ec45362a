package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/markdown"
)

// reviewFixture stores the example postmortem with a review request, a
// thread on its second timeline row, a reply, a thread on a field, and a
// thread whose row is gone (outdated).
func reviewFixture(t *testing.T, e *stackEnv) (in *hindsight.Incident, threads map[string]int64) {
	t.Helper()
	ctx := context.Background()
	src, err := os.ReadFile(filepath.Join("..", "examples", "INC-20260312-001-checkout-database-failover.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := markdown.Parse(src)
	doc.Status = hindsight.StatusInReview // a postmortem under review
	in, err = e.s.Service.Create(ctx, app.System, doc, app.CreateOptions{KeepID: true})
	if err != nil {
		t.Fatal(err)
	}
	rs, ok := e.s.Service.Store().(hindsight.ReviewStore)
	if !ok {
		t.Fatal("the SQLite store is no ReviewStore")
	}
	ed, err := e.s.Auth.FindUser(ctx, "ed@example.com")
	if err != nil {
		t.Fatal(err)
	}
	ann, err := e.s.Auth.FindUser(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rs.RequestReviews(ctx, hindsight.ReviewRequestCreate{IncidentID: in.ID, Reviewers: []string{ed.ID}, RequestedBy: ann.ID, Revision: in.Revision, At: followNow}); err != nil {
		t.Fatal(err)
	}
	row := in.Doc.Timeline[1]
	comment := func(author *hindsight.User, parent int64, a hindsight.Anchor, body string) int64 {
		c, err := rs.CreateComment(ctx, hindsight.CommentCreate{Comment: hindsight.Comment{IncidentID: in.ID, ParentID: parent, Author: author.ID,
			AuthorEmail: author.Email, Body: body, Revision: in.Revision, Anchor: a, CreatedAt: followNow}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	threads = map[string]int64{}
	threads["row"] = comment(ed, 0, hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: hindsight.SecTimeline, Time: row.Time.String(), Text: row.Event, Index: 1},
		"Was the page *acknowledged* here? "+payload)
	comment(ann, threads["row"], hindsight.Anchor{}, "Yes, by the secondary.")
	threads["field"] = comment(ed, 0, hindsight.Anchor{Kind: hindsight.AnchorField, Section: hindsight.SecDetection, Field: "detection.incident_commander", Label: "Incident commander"},
		"Name the commander's role.")
	threads["gone"] = comment(ed, 0, hindsight.Anchor{Kind: hindsight.AnchorTimeline, Section: hindsight.SecTimeline, Time: "2001-01-01 00:00", Text: "a row nobody wrote", Index: 40},
		"This row is not in the document.")
	return in, threads
}

// TestReviewOnIncidentPage: the incident page shows the Review panel
// (requested reviewers) and each thread in the margin of the section it is
// anchored to, a timeline row's thread marked on the row, and a thread
// whose place is gone in the Outdated group, never hidden.
func TestReviewOnIncidentPage(t *testing.T) {
	e := newStackEnv(t)
	in, threads := reviewFixture(t, e)
	res, body := e.do(t, http.MethodGet, "/incidents/"+in.ID, e.editor, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET incident: %d\n%s", res.StatusCode, body)
	}
	checkHTML(t, "incident page", body)
	section := func(id string) string {
		i := strings.Index(body, `<section id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no section %s", id)
		}
		end := strings.Index(body[i+1:], `<section id="`)
		if end < 0 {
			return body[i:]
		}
		return body[i : i+1+end]
	}
	thread := func(key string) string { return `id="thread-` + strconv.FormatInt(threads[key], 10) + `"` }
	for _, c := range []struct{ where, want string }{
		{"sec-timeline", thread("row")},
		{"sec-timeline", "Yes, by the secondary."},
		{"sec-timeline", `class="note-mark" href="#thread-` + strconv.FormatInt(threads["row"], 10) + `"`},
		{"sec-timeline", "<em>acknowledged</em>"},
		{"sec-detection", thread("field")},
		{"sec-detection", "Incident commander"},
		{"review-panel", thread("gone")},
		{"review-panel", ">Outdated<"},
		{"review-panel", "ed@example.com"},
		{"review-panel", "review requested"},
		{"review-panel", "3 open threads, 0 resolved"},
	} {
		if s := section(c.where); !strings.Contains(s, c.want) {
			t.Errorf("%s does not contain %q", c.where, c.want)
		}
	}
	if !strings.Contains(section("sec-timeline"), `class="doc-section has-notes"`) {
		t.Error("the timeline section with threads has no margin (has-notes)")
	}
	if strings.Contains(section("sec-root_cause"), `has-notes`) {
		t.Error("a section without threads has a margin")
	}
	// a row's Comment link opens the section's form on that row
	if !strings.Contains(section("sec-timeline"), `href="?comment=timeline:row:0#comment-timeline"`) {
		t.Error("a timeline row without a thread has no Comment link")
	}
	_, body = e.do(t, http.MethodGet, "/incidents/"+in.ID+"?comment=timeline:row:0", e.editor, nil)
	if !strings.Contains(body, `id="comment-timeline" open`) || !strings.Contains(body, `<option value="row:0" selected>`) {
		t.Error("?comment=timeline:row:0 does not open the timeline's form on row 0")
	}
	// the page changes with the review, not only with the revision
	rs := e.s.Service.Store().(hindsight.ReviewStore)
	yes := true
	if _, err := rs.UpdateComment(context.Background(), hindsight.CommentUpdate{ID: threads["field"], Resolved: &yes, By: "x", At: followNow}); err != nil {
		t.Fatal(err)
	}
	_, body = e.do(t, http.MethodGet, "/incidents/"+in.ID, e.editor, nil)
	if !strings.Contains(body, "2 open threads, 1 resolved") {
		t.Error("a resolved thread did not change the (cached) incident page")
	}
}

// TestReviewPages: My reviews lists the reviews asked of the viewer; the
// "changes since your last review" page marks changed words.
func TestReviewPages(t *testing.T) {
	e := newStackEnv(t)
	in, _ := reviewFixture(t, e)
	res, body := e.do(t, http.MethodGet, "/reviews", e.editor, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/incidents/`+in.ID+`#review-panel"`) {
		t.Fatalf("My reviews: %d, no link to %s\n%s", res.StatusCode, in.ID, body)
	}
	if !strings.Contains(body, `aria-current="page">My reviews<`) {
		t.Error("My reviews is not the current nav entry")
	}
	doc := *in.Doc
	doc.Timeline = append([]hindsight.Event(nil), in.Doc.Timeline...)
	doc.Timeline[1].Event = "Secondary on-call " + doc.Timeline[1].Event
	if _, err := e.s.Service.Save(context.Background(), app.System, in.ID, in.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	res, body = e.do(t, http.MethodGet, "/incidents/"+in.ID+"/review/changes", e.editor, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("changes: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(body, "<ins>Secondary on-call </ins>") {
		t.Errorf("the changes page does not mark the inserted words\n%s", body)
	}
	res, _ = e.do(t, http.MethodGet, "/incidents/"+in.ID+"/review/changes?from=99", e.editor, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("from=99: %d, want 422", res.StatusCode)
	}
}

// TestReviewForms walks the review through the incident page's forms: the
// author asks for a review, the reviewer comments on a timeline row and
// requests changes, the author adds a row above it (the thread follows
// the row), publishing is refused while the thread is open, the reviewer
// resolves it and approves, and the author publishes.
func TestReviewForms(t *testing.T) {
	e := newStackEnv(t)
	ctx := context.Background()
	in, _ := reviewFixture(t, e)
	rs := e.s.Service.Store().(hindsight.ReviewStore)
	// start clean: only the threads this test writes
	cs, _ := rs.FindComments(ctx, hindsight.SystemViewer, in.ID)
	for _, c := range cs {
		if c.IsThread() {
			if err := rs.DeleteComment(ctx, c.ID, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	ed, _ := e.s.Auth.FindUser(ctx, "ed@example.com")
	path := "/incidents/" + in.ID
	post := func(who *http.Cookie, to string, form url.Values) string {
		t.Helper()
		res, body := e.do(t, http.MethodPost, to, who, form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d, want 303\n%s", to, res.StatusCode, body)
		}
		return res.Header.Get("Location")
	}
	rev := strconv.Itoa(in.Revision)
	post(e.admin, path+"/review-requests", url.Values{"reviewer": {ed.ID}})
	loc := post(e.editor, path+"/comments", url.Values{"section": {"timeline"}, "anchor": {"row:1"}, "revision": {rev}, "body": {"Who acknowledged this page?"}})
	if !strings.Contains(loc, "#thread-") {
		t.Fatalf("a new thread redirects to %q, want its #thread- anchor", loc)
	}
	thread := strings.TrimPrefix(loc[strings.Index(loc, "#thread-"):], "#thread-")
	post(e.editor, path+"/reviews", url.Values{"state": {"changes_requested"}, "revision": {rev}, "body": {"Name who acknowledged."}})

	// the author adds a row above the commented one and edits it
	cur, err := e.s.Service.Get(ctx, app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	doc := *cur.Doc
	row := doc.Timeline[1]
	row.Event += " (acknowledged by the secondary on-call)"
	doc.Timeline = append([]hindsight.Event{doc.Timeline[0], {Time: row.Time, Event: "Pager fired for checkout errors"}, row}, doc.Timeline[2:]...)
	if cur, err = e.s.Service.Save(ctx, app.System, in.ID, cur.Revision, &doc, app.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	_, body := e.do(t, http.MethodGet, path, e.admin, nil)
	rowHTML := body[strings.Index(body, "acknowledged by the secondary on-call")-600:]
	rowHTML = rowHTML[strings.LastIndex(rowHTML[:600], "<tr"):]
	if !strings.Contains(rowHTML, `href="#thread-`+thread+`"`) {
		t.Errorf("the edited row does not carry the thread's mark; row:\n%s", rowHTML[:min(len(rowHTML), 800)])
	}
	if !strings.Contains(body, "1 unresolved comment thread") || !strings.Contains(body, "gate-fail") {
		t.Error("the gate does not show the open thread as unmet")
	}
	if !strings.Contains(body, "Publish anyway…") {
		t.Error("an admin is not offered Publish anyway on a red gate")
	}

	// publishing is refused while the thread is open
	post(e.admin, path+"/status", url.Values{"to": {"Published"}, "revision": {strconv.Itoa(cur.Revision)}, "confirm": {"1"}})
	if got, _ := e.s.Service.Get(ctx, app.System, in.ID); got.Doc.Status == hindsight.StatusPublished {
		t.Fatal("published past an unresolved thread")
	}
	post(e.editor, path+"/comments/"+thread, url.Values{"action": {"resolve"}})
	post(e.editor, path+"/reviews", url.Values{"state": {"approved"}, "revision": {strconv.Itoa(cur.Revision)}})
	_, body = e.do(t, http.MethodGet, path, e.editor, nil)
	if !strings.Contains(body, "Ready to publish.") {
		t.Error("the gate is not green after the approval and the resolved thread")
	}
	post(e.admin, path+"/status", url.Values{"to": {"Published"}, "revision": {strconv.Itoa(cur.Revision)}, "confirm": {"1"}})
	if got, _ := e.s.Service.Get(ctx, app.System, in.ID); got.Doc.Status != hindsight.StatusPublished {
		t.Fatalf("not published after a green gate: %s", got.Doc.Status)
	}
	// a comment of another incident is not this incident's
	res, _ := e.do(t, http.MethodPost, "/incidents/"+e.incident+"/comments/"+thread, e.editor, url.Values{"action": {"reopen"}})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("a comment through another incident's address: %d, want 404", res.StatusCode)
	}
	// the author edits the comment (the old text kept), another may not;
	// an admin deletes it
	post(e.editor, path+"/comments/"+thread, url.Values{"action": {"edit"}, "body": {"Who acknowledged this page, and when?"}})
	post(e.admin, path+"/comments/"+thread, url.Values{"action": {"edit"}, "body": {"not mine"}})
	id, _ := strconv.ParseInt(thread, 10, 64)
	c, err := rs.FindCommentByID(ctx, hindsight.SystemViewer, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Body != "Who acknowledged this page, and when?" || len(c.History) != 1 || c.History[0].Body != "Who acknowledged this page?" {
		t.Errorf("after the author's edit and another's attempt: body %q, history %+v", c.Body, c.History)
	}
	_, body = e.do(t, http.MethodGet, path, e.editor, nil)
	if !strings.Contains(body, "Earlier version (1)") || !strings.Contains(body, "<p>Who acknowledged this page?</p>") {
		t.Error("the page does not show the comment's earlier version")
	}
	res, _ = e.do(t, http.MethodPost, path+"/comments/"+thread+"/delete", e.editor, nil)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("an editor deletes a comment: %d, want 403", res.StatusCode)
	}
	post(e.admin, path+"/comments/"+thread+"/delete", nil)
	if _, err := rs.FindCommentByID(ctx, hindsight.SystemViewer, id); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("the deleted comment: %v, want not found", err)
	}
}

// TestIncidentListDue: the list shows each postmortem's due date, sorts by
// it, and filters the overdue and those due this week.
func TestIncidentListDue(t *testing.T) {
	e := newStackEnv(t)
	ctx := context.Background()
	mk := func(title string, endDaysAgo int, st hindsight.Status) string {
		t.Helper()
		p := &hindsight.Postmortem{Title: title, Status: st}
		p.Summary.Severity = hindsight.Sev2
		p.Summary.Start = hindsight.TimeOf(followNow.AddDate(0, 0, -endDaysAgo).Add(-time.Hour))
		p.Summary.End = hindsight.TimeOf(followNow.AddDate(0, 0, -endDaysAgo))
		in, err := e.s.Service.Create(ctx, app.System, p, app.CreateOptions{Force: true})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	// due 14 days after End by default
	late := mk("Late postmortem", 20, hindsight.StatusDraft)        // overdue by 6 days
	soon := mk("Due in two days", 12, hindsight.StatusInReview)     // due this week
	later := mk("Due in ten days", 4, hindsight.StatusDraft)        // due later
	done := mk("Published long ago", 40, hindsight.StatusPublished) // no due date
	get := func(q string) string {
		t.Helper()
		res, body := e.do(t, http.MethodGet, "/incidents?"+q, e.editor, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /incidents?%s: %d", q, res.StatusCode)
		}
		return body
	}
	order := func(body string, ids ...string) bool {
		last := -1
		for _, id := range ids {
			i := strings.Index(body, `href="/incidents/`+id+`"`)
			if i < last {
				return false
			}
			last = i
		}
		return true
	}
	body := get("due=overdue")
	if !strings.Contains(body, late) || strings.Contains(body, soon) || strings.Contains(body, later) || strings.Contains(body, done) {
		t.Errorf("due=overdue: want only %s", late)
	}
	if !strings.Contains(body, "overdue · ") {
		t.Error("an overdue postmortem is not marked overdue")
	}
	body = get("due=this_week")
	if !strings.Contains(body, soon) || strings.Contains(body, late) || strings.Contains(body, later) {
		t.Errorf("due=this_week: want only %s", soon)
	}
	body = get("sort=due&dir=asc")
	if !order(body, late, soon, later) || strings.Contains(body, `href="/incidents/`+done+`"`) {
		t.Errorf("sort=due: want %s, %s, %s and no published postmortem", late, soon, later)
	}
	body = get("")
	if i := strings.Index(body, `href="/incidents/`+done+`"`); i < 0 {
		t.Errorf("the list does not show the published %s", done)
	} else if row, _, _ := strings.Cut(body[i:], "</tr>"); !strings.Contains(row, `data-label="Postmortem due">—</td>`) {
		t.Errorf("a published postmortem shows a due date in the list (it is no longer due):\n%s", row)
	}
	// a published postmortem's page says once, in the header, when it was
	// due (not again in the Review panel, and not as a warning)
	_, page := e.do(t, http.MethodGet, "/incidents/"+done, e.editor, nil)
	if n := strings.Count(page, "Postmortem was due"); n != 1 || !strings.Contains(page, `class="due due-"`) {
		t.Errorf("a published postmortem's page says %d times when it was due, want once", n)
	}
	body = get("due=someday")
	if !strings.Contains(body, "due: want this_week or overdue") {
		t.Error("a bad due filter is not reported")
	}
	// pages of 25 by due date: 30 more drafts, walked through the Next
	// links, each unpublished postmortem once
	for i := range 30 {
		mk(fmt.Sprintf("Draft %d", i), 1+i%10, hindsight.StatusDraft)
	}
	seen := map[string]int{}
	q, pages := "sort=due&dir=asc", 0
	for q != "" && pages < 5 {
		pages++
		body = get(q)
		for _, m := range regexp.MustCompile(`href="/incidents/(INC-[0-9-]+)"`).FindAllStringSubmatch(body, -1) {
			seen[m[1]]++
		}
		q = ""
		if m := regexp.MustCompile(`href="/incidents\?([^"]*cursor=[^"]*)"`).FindStringSubmatch(body); m != nil {
			q = html.UnescapeString(m[1])
		}
	}
	twice := 0 // a postmortem on both pages has its links counted twice over
	for _, n := range seen {
		if n > 2 {
			twice++
		}
	}
	if pages != 2 || len(seen) < 33 || twice > 0 || seen[done] != 0 || seen[late] == 0 || seen[later] == 0 {
		t.Errorf("sort=due paged: %d pages, %d postmortems, %d on both pages (want 2 pages, every unpublished one once): %v", pages, len(seen), twice, seen)
	}
	if body = get("sort=due&dir=asc&cursor=25"); !strings.Contains(body, "cursor: not a page of this list") || !strings.Contains(body, late) {
		t.Error("a cursor of another list is not reported, or the first page is not shown")
	}
}

// TestPublishAnyway: past a red gate only an admin publishes, and only
// with a reason, which the incident then shows.
func TestPublishAnyway(t *testing.T) {
	e := newStackEnv(t)
	in, _ := reviewFixture(t, e) // three open threads: the gate is red
	path := "/incidents/" + in.ID
	rev := strconv.Itoa(in.Revision)
	res, _ := e.do(t, http.MethodPost, path+"/publish-anyway", e.editor, url.Values{"revision": {rev}, "reason": {"x"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("an editor publishes anyway: %d, want 403", res.StatusCode)
	}
	res, _ = e.do(t, http.MethodPost, path+"/publish-anyway", e.admin, url.Values{"revision": {rev}, "reason": {"  "}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("no reason: %d, want 303 back with the error", res.StatusCode)
	}
	if got, _ := e.s.Service.Get(context.Background(), app.System, in.ID); got.Doc.Status == hindsight.StatusPublished {
		t.Fatal("published without a reason")
	}
	res, _ = e.do(t, http.MethodPost, path+"/publish-anyway", e.admin, url.Values{"revision": {rev}, "reason": {"The customer report is due today; threads are follow-ups."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publish anyway: %d", res.StatusCode)
	}
	if got, _ := e.s.Service.Get(context.Background(), app.System, in.ID); got.Doc.Status != hindsight.StatusPublished {
		t.Fatalf("not published: %s", got.Doc.Status)
	}
	_, body := e.do(t, http.MethodGet, path, e.editor, nil)
	if !strings.Contains(body, "Published past the review gate by") || !strings.Contains(body, "The customer report is due today") {
		t.Error("the incident does not show the publication past the gate and its reason")
	}
}
