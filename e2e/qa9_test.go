package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
)

// qa9Rule is the review.due_days of the QA9 servers: SEV-1 5 days, SEV-2
// 10, every other severity 20.
var qa9Rule = hindsight.DueRule{Days: map[hindsight.Severity]int{hindsight.Sev1: 5, hindsight.Sev2: 10}, Default: 20}

// qa9Incident is what the QA9 tests know of an incident they made.
type qa9Incident struct {
	id         string
	sev        hindsight.Severity
	end        time.Time // zero: no End
	status     hindsight.Status
	restricted bool // to dana
	service    string
	owner      string
	tag        string
}

// due is the incident's postmortem due date (zero: none).
func (in qa9Incident) due() time.Time {
	if in.end.IsZero() || in.status == hindsight.StatusPublished {
		return time.Time{}
	}
	return qa9Rule.DueAt(in.sev, in.end)
}

// qa9DueServer starts a server on store with review.due_days set to
// qa9Rule, a team "pay" owning the service payments, and 70 incidents
// whose due dates interleave and tie across severities (due days from 6
// days ago to 9 days ahead, at anchor's time of day): every ninth without
// an End, every seventh Published, every eighth restricted to Dana.
func qa9DueServer(t *testing.T, store string) (*appServer, []qa9Incident, time.Time) {
	t.Helper()
	cfg := lint.DefaultConfig()
	cfg.Review.Due = qa9Rule
	srv := qa7ServerWith(t, store, stack.Config{Getenv: func(string) string { return "" }, Lint: cfg})
	ctx := context.Background()
	if _, err := srv.Svc.CreateTeam(ctx, app.System, app.NewTeam{Slug: "pay", Name: "Pay", Services: []string{"payments"}}); err != nil {
		t.Fatal(err)
	}
	// due dates half a day from now: none becomes overdue during the test
	anchor := time.Now().UTC().Truncate(time.Hour).Add(12 * time.Hour)
	sevs := []hindsight.Severity{hindsight.Sev1, hindsight.Sev2, hindsight.Sev3, hindsight.Sev4}
	var all []qa9Incident
	for i := range 70 {
		in := qa9Incident{sev: sevs[i%4], status: hindsight.StatusDraft, service: "checkout", owner: "bob"}
		// due on one of 16 days: several severities share a day (ties
		// across grace periods), and one severity's Ends tie too
		dueAt := anchor.AddDate(0, 0, (i*7)%16-6)
		in.end = dueAt.AddDate(0, 0, -qa9Rule.DaysFor(in.sev))
		start := in.end.Add(-2 * time.Hour)
		if i%9 == 0 {
			in.end = time.Time{}
		}
		if i%5 == 2 {
			in.status = hindsight.StatusInReview
		}
		if i%7 == 3 {
			in.status = hindsight.StatusPublished
		}
		if i%3 == 0 {
			in.service = "payments"
		}
		if i%2 == 1 {
			in.owner = "alice"
		}
		if i%4 == 1 {
			in.tag = "db"
		}
		p := &hindsight.Postmortem{Title: fmt.Sprintf("QA9 incident %02d", i), Status: in.status, Owner: in.owner}
		p.Summary.Severity = in.sev
		p.Summary.Start = hindsight.TimeOf(start)
		p.Summary.End = hindsight.TimeOf(in.end)
		p.Summary.Services = []hindsight.Service{{Name: in.service}}
		if in.tag != "" {
			p.SetTags([]string{in.tag})
		}
		c, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{Message: "qa9", Force: true})
		if err != nil {
			t.Fatal(err)
		}
		in.id = c.ID
		if i%8 == 5 {
			in.restricted = true
			if _, err := srv.Svc.Restrict(ctx, app.System, in.id, true, []string{dana}, nil); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, in)
	}
	return srv, all, anchor
}

// qa9Expect is the due list of all that viewer sees and keep keeps: the
// unpublished incidents by due date (desc: latest first), ties by ID, those
// without an End last by ID.
func qa9Expect(all []qa9Incident, viewer string, desc bool, keep func(qa9Incident) bool) []string {
	var list []qa9Incident
	for _, in := range all {
		if in.status == hindsight.StatusPublished || (in.restricted && viewer != dana && viewer != admin) || (keep != nil && !keep(in)) {
			continue
		}
		list = append(list, in)
	}
	slices.SortFunc(list, func(a, b qa9Incident) int {
		da, db := a.due(), b.due()
		switch {
		case da.IsZero() != db.IsZero():
			if da.IsZero() {
				return 1
			}
			return -1
		case !da.Equal(db):
			if desc {
				return db.Compare(da)
			}
			return da.Compare(db)
		}
		return strings.Compare(a.id, b.id)
	})
	ids := make([]string, len(list))
	for i, in := range list {
		ids[i] = in.id
	}
	return ids
}

// qa9Row is a row of the list page: its ID and its Postmortem due cell
// (the date shown and the title saying how late).
type qa9Row struct{ ID, Due, Title string }

// qa9Walk opens path and follows the Next page link to the last page, as
// a person would: every row of every page, and the pages' problems. It
// fails the test on a page that is not the list (an error page).
func qa9Walk(b *tab, base, path string) (rows []qa9Row, problems []string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("nav.pager")))
	for page := 1; ; page++ {
		if page > 20 {
			b.t.Fatalf("%s: more than 20 pages", path)
		}
		got := value(b, "rows", chromedp.Evaluate[[]qa9Row](`Array.from(document.querySelectorAll("table.incidents tbody tr")).map(tr => {
  const due = tr.querySelector('td[data-label="Postmortem due"]');
  const span = due.querySelector("span.due");
  return {ID: tr.querySelector("td").innerText.trim(), Due: due.innerText.trim(), Title: span ? span.title : ""};
})`))
		rows = append(rows, got...)
		problems = append(problems, value(b, "problems", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main .alert-error")).map(e => e.innerText)`))...)
		if !value(b, "next?", chromedp.Evaluate[bool](`!!document.querySelector("nav.pager a[rel=next]")`)) {
			return rows, problems
		}
		b.run(fmt.Sprintf("next page %d of %s", page+1, path),
			void(chromedp.Evaluate[bool](`window.qa9Old = true; document.querySelector("nav.pager a[rel=next]").click(); true`)),
			waitJS(`!window.qa9Old && document.readyState === "complete" && !!document.querySelector("nav.pager")`))
	}
}

func qa9IDs(rows []qa9Row) []string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// TestQA9DueWalk: on both stores, with review.due_days naming SEV-1 and
// SEV-2, the list by postmortem due date walked page by page through the
// Next link in both directions lists every unpublished incident the reader
// may see exactly once, in due date order (ties by ID, no End last), a
// restricted one only for its member; each row's due date is the one the
// incident page shows; the filters (status, severity, service, team,
// owner, tag, overdue, this week) combine with it; at 1280 and 390 px,
// light and dark, the page fits and nothing errs.
func TestQA9DueWalk(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv, all, anchor := qa9DueServer(t, store)
			byID := map[string]qa9Incident{}
			for _, in := range all {
				byID[in.id] = in
			}
			for _, who := range []string{dana, sam} {
				b := srv.browser(t, who)
				for _, desc := range []bool{false, true} {
					dir := map[bool]string{false: "asc", true: "desc"}[desc]
					rows, problems := qa9Walk(b, srv.URL, "/incidents?sort=due&dir="+dir)
					if len(problems) > 0 {
						t.Errorf("%s %s %s: problems %q", store, who, dir, problems)
					}
					want := qa9Expect(all, who, desc, nil)
					if got := qa9IDs(rows); !slices.Equal(got, want) {
						t.Errorf("%s: %s walks sort=due&dir=%s:\n got %q\nwant %q", store, who, dir, got, want)
					}
					for _, r := range rows {
						in := byID[r.ID]
						if in.restricted && who == sam {
							t.Errorf("%s: sam sees %s, restricted to dana", store, r.ID)
						}
						want := "—"
						if d := in.due(); !d.IsZero() {
							want = d.Format(hindsight.DateLayout)
							if d.Before(time.Now()) {
								want = "overdue · " + want
							}
						}
						if r.Due != want {
							t.Errorf("%s: %s's Postmortem due reads %q, want %q", store, r.ID, r.Due, want)
						}
					}
					// the column agrees with the incident page, for a few
					if who == dana && !desc {
						for _, r := range []qa9Row{rows[0], rows[len(rows)/2], rows[len(rows)-1]} {
							b.run("open "+r.ID, chromedp.Navigate(srv.URL+"/incidents/"+r.ID), chromedp.WaitVisible(chromedp.CSS("main h1")))
							page := value(b, "due text", chromedp.Evaluate[string](`(function(){ const e = document.querySelector("main span.due"); return e ? e.innerText : ""; })()`))
							switch {
							case r.Title == "" && page != "":
								t.Errorf("%s: %s: the list shows no due date, the page %q", store, r.ID, page)
							case r.Title != "" && page != "Postmortem "+r.Title:
								t.Errorf("%s: %s: the list says %q, the page %q", store, r.ID, r.Title, page)
							}
						}
					}
				}
				b.check()
			}

			// the filters with the due list, as the member sees them
			b := srv.browser(t, dana)
			// sort=due without dir lists soonest first, as the API does
			// (it listed latest first)
			rows, _ := qa9Walk(b, srv.URL, "/incidents?sort=due")
			if got, want := qa9IDs(rows), qa9Expect(all, dana, false, nil); !slices.Equal(got, want) {
				t.Errorf("%s: /incidents?sort=due:\n got %q\nwant %q (soonest first)", store, got, want)
			}
			now := time.Now()
			for _, c := range []struct {
				q    string
				keep func(qa9Incident) bool
			}{
				{"status=Draft", func(in qa9Incident) bool { return in.status == hindsight.StatusDraft }},
				{"status=In+Review", func(in qa9Incident) bool { return in.status == hindsight.StatusInReview }},
				{"status=Published", func(qa9Incident) bool { return false }},
				{"severity=SEV-2", func(in qa9Incident) bool { return in.sev == hindsight.Sev2 }},
				{"severity=SEV-3", func(in qa9Incident) bool { return in.sev == hindsight.Sev3 }},
				{"service=payments", func(in qa9Incident) bool { return in.service == "payments" }},
				{"team=pay", func(in qa9Incident) bool { return in.service == "payments" }},
				{"owner=alice", func(in qa9Incident) bool { return in.owner == "alice" }},
				{"tag=db", func(in qa9Incident) bool { return in.tag == "db" }},
				{"owner=alice&severity=SEV-1&status=Draft", func(in qa9Incident) bool {
					return in.owner == "alice" && in.sev == hindsight.Sev1 && in.status == hindsight.StatusDraft
				}},
				{"due=overdue", func(in qa9Incident) bool { return !in.due().IsZero() && in.due().Before(now) }},
				{"due=this_week", func(in qa9Incident) bool {
					return !in.due().IsZero() && !in.due().Before(now) && in.due().Before(now.AddDate(0, 0, 7))
				}},
				{"due=overdue&service=payments", func(in qa9Incident) bool {
					return in.service == "payments" && !in.due().IsZero() && in.due().Before(now)
				}},
				{"due=this_week&owner=bob&tag=db", func(in qa9Incident) bool {
					return in.owner == "bob" && in.tag == "db" && !in.due().IsZero() && !in.due().Before(now) && in.due().Before(now.AddDate(0, 0, 7))
				}},
			} {
				for _, desc := range []bool{false, true} {
					if strings.HasPrefix(c.q, "due=") && desc {
						continue // the due filters list soonest first
					}
					dir := map[bool]string{false: "asc", true: "desc"}[desc]
					path := "/incidents?sort=due&dir=" + dir + "&" + c.q
					if strings.HasPrefix(c.q, "due=") {
						path = "/incidents?" + c.q
					}
					rows, problems := qa9Walk(b, srv.URL, path)
					if len(problems) > 0 {
						t.Errorf("%s %s: problems %q", store, path, problems)
					}
					want := qa9Expect(all, dana, desc, c.keep)
					if got := qa9IDs(rows); !slices.Equal(got, want) {
						t.Errorf("%s: %s:\n got %q\nwant %q", store, path, got, want)
					}
					// the header says the list's order: by due date, as the
					// due filters list (soonest first)
					if strings.HasPrefix(c.q, "due=") && len(want) > 0 {
						b.run("open "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("table.incidents")))
						sorts := value(b, "aria-sort", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.incidents th[aria-sort]")).filter(th => th.getAttribute("aria-sort") !== "none").map(th => th.textContent.replace(/\s+/g, " ").trim() + " " + th.getAttribute("aria-sort")).concat([document.querySelector("table.incidents caption").innerText])`))
						if !slices.Equal(sorts, []string{"Postmortem due ▲ ascending", "Incidents, sorted by due ascending"}) {
							t.Errorf("%s: %s lists by due date, soonest first; its header and caption say %q", store, path, sorts)
						}
					}
					if len(want) == 0 && text(b, "p.empty") == "<none>" {
						t.Errorf("%s: %s lists nothing and says nothing", store, path)
					}
					// the API lists the same, page by page
					var api []string
					for cur := ""; ; {
						var pg struct {
							Incidents []struct {
								ID string `json:"id"`
							} `json:"incidents"`
							Next string `json:"next"`
						}
						q := strings.TrimPrefix(path, "/incidents?") + "&limit=7"
						if cur != "" {
							q += "&cursor=" + url.QueryEscape(cur)
						}
						fetchJSON(b, "/api/v1/incidents?"+q, &pg)
						for _, in := range pg.Incidents {
							api = append(api, in.ID)
						}
						if cur = pg.Next; cur == "" || len(api) > 100 {
							break
						}
					}
					if !slices.Equal(api, want) {
						t.Errorf("%s: the API of %s:\n got %q\nwant %q", store, path, api, want)
					}
				}
			}
			_ = anchor

			// the CSV export lists published postmortems too: not offered
			// on a list by due date (it was, with sort=due)
			for _, p := range []string{"/incidents?sort=due&dir=asc", "/incidents?due=overdue"} {
				b.run("open "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("table.incidents")))
				if l := text(b, "#csv-link"); l != "<none>" {
					t.Errorf("%s: %s offers %q, which downloads published postmortems too", store, p, l)
				}
			}

			// phone and desktop, light and dark
			b.each(t, srv.URL+"/incidents?sort=due&dir=asc", "table.incidents", "qa9-due-"+store, func(sc string, w int64) {
				for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`("main table.incidents td a, main .due, main nav.pager a, main th a")`)) {
					t.Errorf("%s: the due list at %d px (%s): %s", store, w, sc, m)
				}
				if w == 1280 {
					if got := value(b, "aria-sort", chromedp.Evaluate[string](`document.querySelector('th a[href*="sort=due"]').closest("th").getAttribute("aria-sort")`)); got != "ascending" {
						t.Errorf("%s: the Postmortem due header's aria-sort is %q, want ascending", store, got)
					}
				}
			})
			b.check()
		})
	}
}

// qa9Cursor is a store cursor of the list, made by hand (a tampered one).
func qa9Cursor(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }

// TestQA9DueBadInput: on both stores, the due list's bad input (a tampered
// cursor, a cursor of the list by start, an old due:N cursor, cursors made
// by hand with keys out of range or among the incidents without an End on
// a list that has none, due=someday, dir=sideways, sort=sideways) is
// answered by the page with its first page and a message naming what was
// wrong, and by the API with 400 naming the parameter: never a 500.
func TestQA9DueBadInput(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv, all, _ := qa9DueServer(t, store)
			b := srv.browser(t, dana)
			b.run("start list", chromedp.Navigate(srv.URL+"/incidents?sort=start&dir=desc"), chromedp.WaitVisible(chromedp.CSS("nav.pager a[rel=next]")))
			next := value(b, "next", chromedp.Evaluate[string](`document.querySelector("nav.pager a[rel=next]").href`))
			u, err := url.Parse(next)
			if err != nil {
				t.Fatal(err)
			}
			startCursor := u.Query().Get("cursor")
			first := qa9Expect(all, dana, false, nil)[:25]
			for _, c := range []struct {
				query string // of the list page and the API
				param string // the parameter the message names; "": a cursor made by hand that is read as its place in the order
			}{
				{"sort=due&dir=asc&cursor=" + url.QueryEscape("garbage!!"), "cursor"},
				{"sort=due&dir=asc&cursor=" + url.QueryEscape(startCursor), "cursor"},
				{"sort=due&dir=asc&cursor=due:25", "cursor"},
				{"due=someday", "due"},
				{"sort=due&dir=sideways", "dir"},
				{"sort=sideways&dir=asc", "sort"},
				{"sort=due&dir=asc&cursor=" + qa9Cursor(`{"s":"due","k":4000000000000000000,"i":"INC-1"}`), ""},
				{"sort=due&dir=asc&cursor=" + qa9Cursor(`{"s":"due","k":-4000000000000000000,"i":"INC-1"}`), ""},
				{"sort=due&dir=desc&cursor=" + qa9Cursor(`{"s":"due","d":true,"k":-9223372036854775808,"i":"INC-1"}`), ""},
				{"sort=due&dir=desc&cursor=" + qa9Cursor(`{"s":"due","d":true,"k":4000000000000000000,"i":"INC-1"}`), ""},
				{"due=overdue&cursor=" + qa9Cursor(`{"s":"due","k":4611686018427387904,"i":"INC-1"}`), ""},
			} {
				n, body := qa8Status(b, "/incidents?"+c.query)
				if n != 200 {
					t.Errorf("%s: /incidents?%s answers %d: %.300s", store, c.query, n, body)
					continue
				}
				b.run("open "+c.query, chromedp.Navigate(srv.URL+"/incidents?"+c.query), chromedp.WaitVisible(chromedp.CSS("nav.pager")))
				problems := value(b, "problems", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main .alert-error")).map(e => e.innerText)`))
				n, body = qa8Status(b, "/api/v1/incidents?"+c.query)
				if c.param == "" {
					if len(problems) > 0 || n != 200 {
						t.Errorf("%s: a cursor made by hand, /incidents?%s: problems %q; the API answers %d: %.300s", store, c.query, problems, n, body)
					}
					continue
				}
				if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, c.param+":") }) {
					t.Errorf("%s: /incidents?%s says %q, nothing about %s", store, c.query, problems, c.param)
				}
				if strings.HasPrefix(c.query, "sort=due&dir=asc") {
					rows := qa9IDs(value(b, "rows", chromedp.Evaluate[[]qa9Row](`Array.from(document.querySelectorAll("table.incidents tbody tr")).map(tr => ({ID: tr.querySelector("td").innerText.trim()}))`)))
					if !slices.Equal(rows, first) {
						t.Errorf("%s: /incidents?%s shows\n %q, not the first page\n %q", store, c.query, rows, first)
					}
				}
				// a cursor of another sort is refused as any bad cursor is
				// (400 naming it), as storetest
				// ListSortAndPages/CursorOfOtherSort holds
				if n != 400 || !strings.Contains(body, c.param) {
					t.Errorf("%s: /api/v1/incidents?%s answers %d: %.300s; want 400 naming %s", store, c.query, n, body, c.param)
				}
			}
			b.check()
		})
	}
}

// TestQA9DueTwoPeople: on both stores, while Dana pages through the list
// by due date, another editor moves an incident of her second page before
// her first page (its End), one of her first page to the end of the list
// (its End), changes the severity of one of her second page and publishes
// one of her last page. Her walk never shows an error page; every
// incident nobody touched appears exactly once, in order; the published
// one is gone from the pages she reads after; the moved ones appear at
// most once (the one moved behind her) or twice (the one moved ahead of
// her: seen before and after the move, as keyset pages do); each row's due
// date is the one of its incident at the time. A walk after the edits
// lists the new order exactly.
func TestQA9DueTwoPeople(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv, all, anchor := qa9DueServer(t, store)
			ctx := context.Background()
			exp := qa9Expect(all, dana, false, nil)
			if len(exp) <= 52 {
				t.Fatalf("only %d incidents in the list", len(exp))
			}
			behind, ahead, resev, publish := exp[40], exp[3], exp[30], exp[52]
			b := srv.browser(t, dana)
			b.run("first page", chromedp.Navigate(srv.URL+"/incidents?sort=due&dir=asc"), chromedp.WaitVisible(chromedp.CSS("nav.pager a[rel=next]")))
			rowsJS := `Array.from(document.querySelectorAll("table.incidents tbody tr")).map(tr => ({ID: tr.querySelector("td").innerText.trim(), Due: tr.querySelector('td[data-label="Postmortem due"]').innerText.trim()}))`
			seen := value(b, "rows", chromedp.Evaluate[[]qa9Row](rowsJS))

			edit := func(id string, f func(p *hindsight.Postmortem)) {
				t.Helper()
				in, err := srv.Svc.Get(ctx, app.System, id)
				if err != nil {
					t.Fatal(err)
				}
				f(in.Doc)
				if _, err := srv.Svc.Save(ctx, app.System, id, in.Revision, in.Doc, app.SaveOptions{Message: "qa9 other editor"}); err != nil {
					t.Fatalf("save %s: %v", id, err)
				}
			}
			for i := range all {
				in := &all[i]
				switch in.id {
				case behind:
					in.end = anchor.AddDate(0, 0, -60)
					edit(in.id, func(p *hindsight.Postmortem) {
						p.Summary.Start, p.Summary.End = hindsight.TimeOf(in.end.Add(-time.Hour)), hindsight.TimeOf(in.end)
					})
				case ahead:
					in.end = anchor.AddDate(0, 0, 60)
					edit(in.id, func(p *hindsight.Postmortem) {
						p.Summary.Start, p.Summary.End = hindsight.TimeOf(in.end.Add(-time.Hour)), hindsight.TimeOf(in.end)
					})
				case resev:
					in.sev = map[bool]hindsight.Severity{true: hindsight.Sev4, false: hindsight.Sev1}[in.sev == hindsight.Sev1]
					edit(in.id, func(p *hindsight.Postmortem) { p.Summary.Severity = in.sev })
				case publish:
					in.status = hindsight.StatusPublished
					cur, err := srv.Svc.Get(ctx, app.System, in.id)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := srv.Svc.Publish(ctx, app.System, in.id, cur.Revision, ""); err != nil {
						t.Fatalf("publish %s: %v", in.id, err)
					}
				}
			}
			byID := map[string]qa9Incident{}
			for _, in := range all {
				byID[in.id] = in
			}

			// on to the last page through the Next links
			for page := 2; ; page++ {
				if !value(b, "next?", chromedp.Evaluate[bool](`!!document.querySelector("nav.pager a[rel=next]")`)) {
					break
				}
				b.run(fmt.Sprintf("page %d", page),
					void(chromedp.Evaluate[bool](`window.qa9Old = true; document.querySelector("nav.pager a[rel=next]").click(); true`)),
					waitJS(`!window.qa9Old && document.readyState === "complete" && !!document.querySelector("nav.pager")`))
				if p := text(b, "main .alert-error"); p != "<none>" {
					t.Errorf("%s: page %d says %q", store, page, p)
				}
				rows := value(b, "rows", chromedp.Evaluate[[]qa9Row](rowsJS))
				if len(rows) == 0 {
					t.Errorf("%s: page %d lists nothing: %s", store, page, text(b, "main"))
				}
				for _, r := range rows {
					want := "—"
					if d := byID[r.ID].due(); !d.IsZero() {
						want = d.Format(hindsight.DateLayout)
						if d.Before(time.Now()) {
							want = "overdue · " + want
						}
					}
					if r.Due != want {
						t.Errorf("%s: page %d: %s's Postmortem due reads %q, want %q", store, page, r.ID, r.Due, want)
					}
				}
				seen = append(seen, rows...)
				if page > 10 {
					t.Fatal("more than 10 pages")
				}
			}
			count := map[string]int{}
			for _, r := range seen {
				count[r.ID]++
			}
			for _, id := range exp {
				switch id {
				case behind, ahead, resev:
					t.Logf("%s: %s, moved while Dana paged, appears %d times", store, id, count[id])
					if count[id] > 2 || (id == behind && count[id] > 1) {
						t.Errorf("%s: %s appears %d times", store, id, count[id])
					}
				case publish:
					if count[id] != 0 {
						t.Errorf("%s: %s, published after Dana's first page, is listed on a later one", store, id)
					}
				default:
					if count[id] != 1 {
						t.Errorf("%s: %s, untouched, appears %d times in Dana's walk", store, id, count[id])
					}
				}
			}
			// the walk after the edits is the new order exactly
			rows, problems := qa9Walk(b, srv.URL, "/incidents?sort=due&dir=asc")
			if want := qa9Expect(all, dana, false, nil); !slices.Equal(qa9IDs(rows), want) || len(problems) > 0 {
				t.Errorf("%s: after the edits (problems %q):\n got %q\nwant %q", store, problems, qa9IDs(rows), want)
			}
			b.check()
		})
	}
}
