package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/internal/mailtest"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// startMailServer is startServerWith's accounts over a stack that mails
// through mp, with its workers running (the mail outbox) and its base URL
// the server's own address, so the links in the emails open here.
func startMailServer(t *testing.T, mp *mailtest.Mailpit) *appServer {
	t.Helper()
	browserPath(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: app.Render})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := map[string]string{"HINDSIGHT_SMTP_URL": mp.SMTPURL, "HINDSIGHT_MAIL_FROM": "Hindsight <hindsight@example.test>"}
	s, err := stack.Build(ctx, st, stack.Config{BaseURL: base, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{dana, sam, admin} {
		name := strings.ToUpper(email[:1]) + email[1:strings.Index(email, "@")]
		role := hindsight.RoleEditor
		if email == admin {
			role = hindsight.RoleAdmin
		}
		if _, err := s.Auth.AddUser(ctx, app.System, auth.NewUser{Email: email, Name: name, Role: role, Password: password}); err != nil {
			t.Fatal(err)
		}
	}
	wctx, stop := context.WithCancel(ctx)
	s.Start(wctx)
	srv := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		stop()
		s.Wait()
	})
	return &appServer{URL: base, Svc: s.Service, Stack: s}
}

// reviewShot saves what the window shows with the element sel at its top
// (below the sticky bar): the screenshots of docs/review.md (copied to
// docs/img/review/ when they change).
func reviewShot(b *tab, name, sel string) {
	b.t.Helper()
	b.run("scroll to "+sel, void(chromedp.Evaluate[bool](fmt.Sprintf(`(function(){
  const el = document.querySelector(%q);
  if (!el) throw new Error("no element " + %q);
  if (document.activeElement) document.activeElement.blur();
  el.scrollIntoView({block: "start"});
  const bar = document.querySelector("header.top");
  window.scrollBy(0, -((bar ? bar.getBoundingClientRect().height : 0) + 16));
  return true;
})()`, sel, sel))))
	b.saveViewport("review-" + name)
}

// TestReviewWorkflow is issue 17's review in Chromium with two accounts:
// Dana (the author) asks Sam for a review; Sam, from the link in the email
// Mailpit received, comments on a timeline row and requests changes; Dana
// adds a row above that row and edits it in the Markdown editor, and the
// comment stays on the row; Sam resolves the thread and approves; the gate
// turns green and Dana publishes. Mailpit received the three emails
// (review requested to Sam, the comment and the review to Dana) with links
// that open the incident. The review panel is also shot at phone width
// and in dark mode; no page logs a script error or a CSP violation.
func TestReviewWorkflow(t *testing.T) {
	mp := mailtest.StartMailpit(t)
	srv := startMailServer(t, mp)
	in := srv.example(t, "INC-20260312-001-checkout-database-failover.md")
	ctx := context.Background()
	// a postmortem under review (the example is Published)
	doc := *in.Doc
	doc.Status = hindsight.StatusInReview
	in, err := srv.Svc.Save(ctx, app.System, in.ID, in.Revision, &doc, app.SaveOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	page := srv.URL + "/incidents/" + in.ID
	samUser, err := srv.Stack.Auth.FindUser(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	const row = 3 // "21:51 Alert CheckoutErrorRateHigh fires … pages the Checkout on-call."

	// Dana asks Sam
	d := srv.browser(t, dana)
	d.run("dana opens the incident", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("review-panel")))
	d.run("dana requests a review from sam",
		chromedp.SetValue(chromedp.ID("reviewer"), samUser.ID),
		chromedp.Click(chromedp.CSS("form.request-review button[type=submit]")),
		waitJS(`document.querySelector("#review-panel .review-waiting") !== null && document.querySelector("#review-panel").textContent.includes("Sam")`))
	reviewShot(d, "requested", "#review-panel")

	// Sam follows the email's link
	msgs := mp.Wait(t, 1, 90*time.Second)
	link := mailLink(t, msgs, sam, "Review requested", in.ID)
	s := srv.browser(t, sam)
	s.run("sam opens the link in the email", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("review-panel")))
	if got := value(s, "sam's page", chromedp.Evaluate[string](`location.pathname`)); got != "/incidents/"+in.ID {
		t.Fatalf("the email's link %s opened %s", link, got)
	}
	// a comment on the timeline row
	s.run("sam comments on the timeline row",
		void(chromedp.Evaluate[bool](`document.querySelector("#comment-timeline").open = true; true`)),
		fill([][2]string{{"#anchor-timeline", "row:3"}, {"#body-timeline", "Who acknowledged the page, and when? The timeline should say."}}),
		chromedp.Click(chromedp.CSS("#comment-timeline button[type=submit]")),
		waitJS(`document.querySelector("#sec-timeline .thread") !== null`))
	if !value(s, "the row is marked", chromedp.Evaluate[bool](`(function(){
  const rows = document.querySelectorAll("#sec-timeline table.timeline tbody tr");
  return rows.length > 3 && rows[3].classList.contains("has-note") && rows[3].querySelector("a.note-mark") !== null;
})()`)) {
		t.Error("the commented timeline row is not marked")
	}
	s.run("sam requests changes",
		fill([][2]string{{"#review-body", "Please name who acknowledged the page before this is published."}}),
		chromedp.Click(chromedp.CSS(`#review-panel button[value=changes_requested]`)),
		waitJS(`document.querySelector("#review-panel .review-changes_requested") !== null`))
	reviewShot(s, "changes-requested", "#sec-timeline")

	// Dana adds a row above the commented one and edits it, as Markdown
	d.run("dana edits the row in the Markdown editor",
		chromedp.Navigate(page+"/markdown"), chromedp.WaitVisible(chromedp.ID("md")),
		void(chromedp.Evaluate[bool](`(function(){
  const ta = document.getElementById("md");
  const lines = ta.value.split("\n");
  const i = lines.findIndex(l => l.includes("Alert CheckoutErrorRateHigh fires"));
  if (i < 0) throw new Error("no row");
  const edited = lines[i].replace("pages the Checkout on-call.", "pages the Checkout on-call; Dana acknowledges at 21:53.");
  lines.splice(i, 1, "| 2026-03-12 21:51 | The synthetic checkout probe fails in us-east-1. |", edited);
  ta.value = lines.join("\n");
  return true;
})()`)),
		chromedp.Click(chromedp.CSS("#raw-editor button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("review-panel")))
	cur, err := srv.Svc.Get(ctx, app.System, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(cur.Doc.Timeline) != len(in.Doc.Timeline)+1 || !strings.Contains(cur.Doc.Timeline[row+1].Event, "Dana acknowledges") {
		t.Fatalf("the saved timeline is not the edited one: %+v", cur.Doc.Timeline[row:row+2])
	}
	// the thread follows the row: now the fifth row, not the new fourth
	if !value(d, "the thread follows the row", chromedp.Evaluate[bool](`(function(){
  const rows = document.querySelectorAll("#sec-timeline table.timeline tbody tr");
  return !rows[3].classList.contains("has-note") && rows[4].classList.contains("has-note") && rows[4].textContent.includes("Dana acknowledges");
})()`)) {
		t.Error("the thread did not follow its row when a row was added above it")
	}
	reviewShot(d, "thread-follows-row", "#sec-timeline")
	// the gate is red: changes requested is no approval, the thread is open
	if txt := value(d, "gate", chromedp.Evaluate[string](`document.querySelector("#review-panel .gate-verdict").textContent`)); !strings.Contains(txt, "blocked") {
		t.Errorf("the gate says %q with an open thread", txt)
	}

	// Sam reads what changed, resolves the thread and approves
	s.run("sam reads the changes since the review",
		chromedp.Navigate(page+"/review/changes"), chromedp.WaitVisible(chromedp.CSS("pre.wdiff")))
	if !value(s, "changed words", chromedp.Evaluate[bool](`Array.from(document.querySelectorAll("pre.wdiff ins")).some(e => e.textContent.includes("Dana acknowledges"))`)) {
		t.Error("the changes page does not mark the words Dana added")
	}
	reviewShot(s, "changes-since-review", "main h1")
	s.run("sam resolves the thread and approves",
		chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("review-panel")),
		chromedp.Click(chromedp.CSS(`#sec-timeline .thread button[value=resolve]`)),
		waitJS(`document.querySelector("#sec-timeline .thread-resolved") !== null`),
		fill([][2]string{{"#review-body", "Thanks, looks good."}}),
		chromedp.Click(chromedp.CSS(`#review-panel button[value=approved]`)),
		waitJS(`document.querySelector("#review-panel .review-approved") !== null`))

	// the gate is green; Dana publishes
	d.run("dana sees the green gate", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#review-panel .gate-verdict.gate-ok")))
	reviewShot(d, "gate-green", "#review-panel")
	// (from the top: the sticky bar would cover a button scrolled under it)
	d.run("dana publishes", void(chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`)), chromedp.Click(chromedp.CSS(`#status-box button[value=Published]`)))
	if _, err := chromedp.Run(d.ctx, waitJS(`document.querySelector("#publish-confirm") !== null || document.querySelector("#head-status").textContent.includes("Published")`)); err != nil {
		t.Fatalf("publishing: %v; the status box says %q", err, value(d, "status box", chromedp.Evaluate[string](`document.querySelector("#status-box").innerText`)))
	}
	if value(d, "lint confirm", chromedp.Evaluate[bool](`document.querySelector("#publish-confirm") !== null`)) {
		d.run("dana confirms past the lint findings", chromedp.Click(chromedp.CSS(`form.confirm-publish button[type=submit]`)),
			waitJS(`document.querySelector("#head-status").textContent.includes("Published")`))
	}
	if got, _ := srv.Svc.Get(ctx, app.System, in.ID); got.Doc.Status != hindsight.StatusPublished {
		t.Fatalf("not published: %s", got.Doc.Status)
	}

	// the three emails, with links that open the incident
	msgs = mp.Wait(t, 3, 90*time.Second)
	for _, m := range []struct{ to, subject string }{{sam, "Review requested"}, {dana, "omment"}, {dana, "requested changes"}} {
		link := mailLink(t, msgs, m.to, m.subject, in.ID)
		d.run("open the link of "+m.subject, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("review-panel")))
	}

	// the review panel on a phone and in dark mode
	s.run("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("review-panel")))
	if w := value(s, "phone width", chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`)); w[0] > w[1] {
		t.Errorf("the incident page with its review is %d px wide on a %d px phone", w[0], w[1])
	}
	reviewShot(s, "panel-phone", "#review-panel")
	reviewShot(s, "thread-phone", "#sec-timeline .notes")
	if _, err := chromedp.Call(s.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatalf("dark mode: %v", err)
	}
	s.run("dark", chromedp.EmulateViewport(1360, 900), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("review-panel")))
	reviewShot(s, "panel-dark", "#review-panel")
	reviewShot(s, "thread-dark", "#sec-timeline")
	s.run("my reviews", chromedp.Navigate(srv.URL+"/reviews"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	reviewShot(s, "my-reviews", "main h1")
	d.check()
	s.check()
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"]+`)

// mailLink returns the incident link of the message to `to` whose subject
// contains subject, failing the test when there is none.
func mailLink(t *testing.T, msgs []mailtest.Message, to, subject, incident string) string {
	t.Helper()
	var seen []string
	for _, m := range msgs {
		if len(m.To) == 0 {
			continue
		}
		seen = append(seen, m.To[0].Address+": "+m.Subject)
		if !strings.EqualFold(m.To[0].Address, to) || !strings.Contains(m.Subject, subject) {
			continue
		}
		for _, l := range linkRe.FindAllString(m.Text, -1) {
			if strings.Contains(l, "/incidents/"+incident) {
				return l
			}
		}
		t.Fatalf("the email %q to %s links no /incidents/%s:\n%s", m.Subject, to, incident, m.Text)
	}
	t.Fatalf("no email to %s about %q; Mailpit has: %q", to, subject, seen)
	return ""
}
