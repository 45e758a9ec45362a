package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// qa8Status GETs path with the tab's session: the status and the body.
func qa8Status(b *tab, path string) (int, string) {
	b.t.Helper()
	got := value(b, "GET "+path, chromedp.Evaluate[string](`fetch(`+jsString(path)+`).then(r => r.text().then(x => r.status + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	s, body, _ := strings.Cut(got, "\n")
	n := 0
	fmt.Sscan(s, &n)
	return n, body
}

// TestQA8SearchOddQueries: on both stores, the search box and the API
// answer odd queries (punctuation only, a quoted phrase, a negated word,
// non-Latin text, a very long query, words in no document) with 200 and
// results or a clear empty state; every highlighted word is one of the
// query's words, a negated word is neither highlighted nor in a hit, and
// the page and the API find the same incidents.
func TestQA8SearchOddQueries(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv := qa7Server(t, store)
			ctx := context.Background()
			base := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Hour)
			docs := []struct{ title, summary string }{
				{"Zeppelin checkout latency", "Checkout latency rose after the deploy; the cache was cold."},
				{"Zeppelin outage in Zürich", "Überlastung des Datenbank-Clusters in Zürich; 数据库 故障 持续 二十 分钟."},
				{"Latency checkout graph", "The graph of latency; checkout was fine."},
			}
			for i, d := range docs {
				p := qa7Doc{title: d.title, start: base.Add(time.Duration(i) * time.Hour)}.postmortem()
				p.ExecutiveSummary = d.summary
				if _, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			b := srv.browser(t, dana)
			long := strings.TrimSpace(strings.Repeat("checkout latency deploy cache ", 40))
			cases := []struct {
				q        string
				hits     int // -1: any
				marks    []string
				notInHit string
			}{
				{q: `!!!`, hits: -1},
				{q: `"-" ... ,,, ;;`, hits: -1},
				{q: `"checkout latency"`, hits: -1, marks: []string{"checkout", "latency"}},
				// -word, "phrases" and or read the same on both stores
				{q: `zeppelin -outage`, hits: 1, marks: []string{"zeppelin"}, notInHit: "outage"},
				{q: `Zürich`, hits: 1, marks: []string{"zürich"}},
				{q: `zürich`, hits: 1, marks: []string{"zürich"}},
				{q: `数据库`, hits: -1, marks: []string{"数据库"}},
				{q: long, hits: -1, marks: []string{"checkout", "latency", "deploy", "cache"}},
				{q: `quixotic flibbertigibbet`, hits: 0},
			}
			for _, c := range cases {
				for _, p := range []string{"/incidents?q=" + url.QueryEscape(c.q), "/api/v1/search?q=" + url.QueryEscape(c.q)} {
					if n, body := qa8Status(b, p); n != 200 {
						t.Errorf("GET %.80s answers %d: %.200s", p, n, body)
					}
				}
				b.run("search "+c.q[:min(len(c.q), 30)], chromedp.Navigate(srv.URL+"/incidents?q="+url.QueryEscape(c.q)), chromedp.WaitVisible(chromedp.CSS(".result-count")))
				n := value(b, "hits", chromedp.Evaluate[int](`document.querySelectorAll("ol.hits li.hit").length`))
				if c.hits >= 0 && n != c.hits {
					t.Errorf("%s: search %q finds %d, want %d: %s", store, c.q, n, c.hits, text(b, "main"))
				}
				if rc := text(b, ".result-count"); len([]rune(rc)) > 160 {
					t.Errorf("%s: search %.40q: the result count line echoes %d characters of the query", store, c.q, len([]rune(rc)))
				}
				if n == 0 && text(b, "p.empty") == "<none>" {
					t.Errorf("%s: search %q finds nothing and says nothing", store, c.q)
				}
				marks := value(b, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("ol.hits mark")).map(m => m.textContent.toLowerCase())`))
				for _, m := range marks {
					ok := false
					for _, w := range c.marks {
						if strings.HasPrefix(m, w) || strings.HasPrefix(w, m) {
							ok = true
						}
					}
					if !ok {
						t.Errorf("%s: search %.40q highlights %q, not a word of the query", store, c.q, m)
					}
				}
				if n > 0 && len(c.marks) > 0 && len(marks) == 0 {
					t.Errorf("%s: search %.40q finds %d but highlights nothing", store, c.q, n)
				}
				if c.notInHit != "" && strings.Contains(strings.ToLower(text(b, "ol.hits")), c.notInHit) {
					t.Errorf("%s: search %q shows a hit with the negated word: %s", store, c.q, text(b, "ol.hits"))
				}
				var api struct {
					Hits []struct {
						ID string `json:"id"`
					} `json:"hits"`
				}
				fetchJSON(b, "/api/v1/search?q="+url.QueryEscape(c.q), &api)
				if len(api.Hits) != n && n < 20 {
					t.Errorf("%s: search %.40q: the page finds %d, the API %d", store, c.q, n, len(api.Hits))
				}
			}
			b.run("phone dark", scheme(390, "dark"), chromedp.Navigate(srv.URL+"/incidents?q="+url.QueryEscape(long)), chromedp.WaitVisible(chromedp.CSS(".result-count")))
			if bad := value(b, "outside", chromedp.Evaluate[[]string](outside+`("main .result-count, main .hit a, main .snippet")`)); len(bad) > 0 {
				t.Errorf("%s: a long query's results at 390 px: %s", store, strings.Join(bad, "; "))
			}
			b.shot("qa8-search-long-" + store + "-dark-390")
			b.check()
		})
	}
}

// TestQA8PagesModes: the tracker, insights, search results and an
// incident with tracked items at 1280 and 390 px, light and dark: no
// sideways scroll, the controls within the window, no script errors.
func TestQA8PagesModes(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 1})
	if err != nil || len(list.Incidents) == 0 {
		t.Fatalf("no incident with items: %v", err)
	}
	id := list.Incidents[0].ID
	b := srv.browser(t, dana)
	b.run("create an issue", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS("#sec-action_items")),
		chromedp.Click(chromedp.CSS(`#sec-action_items tbody tr form[action$="/issue"] button`)),
		waitJS(`document.querySelector("#sec-action_items tbody tr").innerText.includes("sync pending")`))
	for _, p := range []struct{ path, wait, name, sel string }{
		{"/action-items", "#items", "tracker", "#items button, #items a, #items .sync-pending, #owners-table td"},
		// wide breakdown tables scroll inside their box on a phone (by design)
		{"/insights", ".tiles", "insights", "main h1, main figure, main .tiles"},
		{"/incidents?q=checkout", ".result-count", "search", "main .hit a, main .snippet, main button"},
		{"/incidents/" + id, "#sec-action_items", "incident", "#sec-action_items button, #sec-action_items a, #sec-action_items .sync-pending"},
	} {
		b.each(t, srv.URL+p.path, p.wait, "qa8-"+p.name, func(sc string, w int64) {
			for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`(`+jsString(p.sel)+`)`)) {
				t.Errorf("%s at %d px (%s): %s", p.path, w, sc, m)
			}
		})
	}
	b.check()
}

// TestQA8TrackerStale: two editors on the tracker; the first creates an
// issue for an item, the second, whose page still offers Create issue for
// it, clicks it too (with htmx, then without JavaScript): one issue is
// queued, the second is told the state, never an error page, and the row
// shows sync pending.
func TestQA8TrackerStale(t *testing.T) {
	gh := &fakeGitHub{}
	srv := startShapeServer(t, gh)
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 1})
	if err != nil || len(list.Incidents) == 0 {
		t.Fatalf("no incident with items: %v", err)
	}
	page := srv.URL + "/action-items?status=open&incident=" + list.Incidents[0].ID
	d := srv.browser(t, dana)
	s := srv.browser(t, sam)
	for _, b := range []*tab{d, s} {
		b.run("tracker", scheme(390, "dark"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)))
	}
	first := `document.querySelector("#items tbody tr:first-child")`
	d.run("dana creates", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(first+`.innerText.includes("sync pending")`))
	s.run("sam creates from a stale page", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(first+` && (`+first+`.innerText.includes("sync pending") || !!document.querySelector(".alert"))`))
	row := text(s, "#items tbody tr:first-child")
	t.Logf("sam's row: %s", row)
	if !strings.Contains(row, "sync pending") {
		t.Errorf("after a stale Create issue sam's row reads %q; want sync pending", row)
	}
	if strings.Contains(text(s, "main"), "Internal") || strings.Contains(text(s, "body"), "500") {
		t.Errorf("sam's stale Create issue shows an error: %.300s", text(s, "main"))
	}
	s.shot("qa8-tracker-stale-dark-390")
	for range 3 {
		if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
			t.Fatal(err)
		}
	}
	if gh.created != 1 {
		t.Errorf("two Create issue clicks for one item made %d issues, want 1", gh.created)
	}
	for _, b := range []*tab{d, s} {
		b.run("after sync", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
		if link := value(b, "ticket", chromedp.Evaluate[string](`(document.querySelector("#items tbody tr:first-child td.item-ticket a") || {}).href || ""`)); !strings.HasPrefix(link, "https://github.example/org/repo/issues/") {
			t.Errorf("after the sync the first item's ticket links %q", link)
		}
		b.check()
	}
	d.shot("qa8-tracker-synced-dark-390")
}

// TestQA8InsightsRestrictedOnly: a tag, a factor category and a field
// value spelled one way only by a restricted incident are not shown to a
// non-member, in any spelling (the breakdown keys come from the store);
// the member sees them.
func TestQA8InsightsRestrictedOnly(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	base := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Hour)
	secret := qa7Create(t, srv, qa7Doc{title: "Secret", start: base, tags: []string{"ProjectNightjar"}, factor: "Espionage", region: "Area-51"})
	if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
		t.Fatal(err)
	}
	// a restricted incident, the oldest, spells shared keys its own way
	secret2 := qa7Create(t, srv, qa7Doc{title: "Secret two", start: base.Add(-time.Hour), tags: []string{"SharedTag"}, factor: "SharedCat", region: "Mars-Base"})
	if _, err := srv.Svc.SetRestriction(ctx, app.System, secret2, true, []string{dana}); err != nil {
		t.Fatal(err)
	}
	// an unrestricted later one spells them differently
	qa7Create(t, srv, qa7Doc{title: "Public", start: base.Add(time.Hour), tags: []string{"sharedtag"}, factor: "sharedcat", region: "mars-base"})
	d := srv.browser(t, dana)
	s := srv.browser(t, sam)
	for _, b := range []*tab{d, s} {
		b.run("insights", scheme(390, "dark"), chromedp.Navigate(srv.URL+"/insights"), chromedp.WaitVisible(chromedp.CSS(".tiles")))
	}
	as := text(s, "main")
	// (an undeclared field, Region here, has no breakdown)
	for _, w := range []string{"SharedTag", "SharedCat", "Mars-Base"} {
		if strings.Contains(as, w) || (w != "Mars-Base" && !strings.Contains(as, strings.ToLower(w))) {
			t.Errorf("sam, not a member, reads the restricted spelling %q (or not the public one) on insights: %.600s", w, as)
		}
	}
	all := strings.ToLower(as)
	for _, w := range []string{"nightjar", "espionage", "area-51"} {
		if strings.Contains(all, w) {
			t.Errorf("sam, not a member, reads %q on insights: %.400s", w, text(s, "main"))
		}
	}
	if n, body := qa8Status(s, "/api/v1/insights"); n == 200 && strings.Contains(strings.ToLower(body), "nightjar") {
		t.Errorf("GET /api/v1/insights shows sam the restricted tag: %.300s", body)
	}
	// nor in any page's filter choices, suggestions or API answer
	for _, path := range []string{"/insights", "/action-items", "/incidents", "/incidents/new", "/api/v1/insights", "/api/v1/action-items"} {
		n, body := qa8Status(s, path)
		if n != 200 {
			t.Errorf("GET %s answers %d to sam", path, n)
		}
		for _, w := range []string{"SharedTag", "SharedCat", "Mars-Base"} {
			if strings.Contains(body, w) {
				t.Errorf("GET %s shows sam the restricted spelling %q", path, w)
			}
		}
		low := strings.ToLower(body)
		for _, w := range []string{"nightjar", "espionage", "area-51"} {
			if strings.Contains(low, w) {
				i := strings.Index(low, w)
				t.Errorf("GET %s (%d) shows sam %q: …%s…", path, n, w, body[max(0, i-150):min(len(body), i+60)])
			}
		}
	}
	mine := strings.ToLower(text(d, "main"))
	if !strings.Contains(mine, "projectnightjar") {
		t.Errorf("dana, a member, does not see the restricted incident's tag: %.400s", text(d, "main"))
	}
	s.shot("qa8-insights-sam-dark-390")
	d.shot("qa8-insights-dana-dark-390")
	d.check()
	s.check()
}

// TestQA8IncidentStaleNoJS: without JavaScript, an editor whose incident
// page still offers Create issue for an item the other editor has just
// created an issue for clicks it: the page comes back (no error page),
// the item reads sync pending, and one issue is made.
func TestQA8IncidentStaleNoJS(t *testing.T) {
	gh := &fakeGitHub{}
	srv := startShapeServer(t, gh)
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 1})
	if err != nil || len(list.Incidents) == 0 {
		t.Fatalf("no incident with items: %v", err)
	}
	id := list.Incidents[0].ID
	btn := `#sec-action_items tbody tr form[action$="/issue"] button`
	s := srv.browser(t, sam)
	if _, err := chromedp.Call(s.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	s.run("sam's page", scheme(390, "dark"), chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.CSS(btn)))
	action := value(s, "first form", chromedp.Evaluate[string](`document.querySelector(`+jsString(btn)+`).form.getAttribute("action")`))
	d := srv.browser(t, dana)
	d.run("dana creates on the tracker", chromedp.Navigate(srv.URL+"/action-items?status=open&incident="+id), chromedp.WaitVisible(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(`document.querySelector("#items tbody tr:first-child").innerText.includes("sync pending")`))
	s.run("sam creates from the stale page", void(chromedp.Evaluate[bool](`window.qa8Stale = true; document.querySelector(`+jsString(btn)+`).click(); true`)),
		waitJS(`!window.qa8Stale && document.readyState === "complete"`), chromedp.WaitVisible(chromedp.CSS("main h1")))
	loc := value(s, "location", chromedp.Location())
	body := text(s, "main")
	t.Logf("sam at %s after posting %s: %.300s", loc, action, body)
	if !strings.Contains(loc, "/incidents/"+id) || strings.Contains(body, "Internal") || strings.Contains(body, "went wrong") {
		t.Errorf("sam's stale Create issue without JavaScript went to %s: %.300s", loc, body)
	}
	if sec := text(s, "#sec-action_items"); !strings.Contains(sec, "sync pending") {
		t.Errorf("after the stale Create issue the items read: %.400s", sec)
	}
	// the reason is in view where the page lands, not above it
	if in := value(s, "message in view", chromedp.Evaluate[bool](`(a => !!a && a.innerText.includes("has an issue already") && a.getBoundingClientRect().top >= document.querySelector(".top").getBoundingClientRect().bottom - 1 && a.getBoundingClientRect().bottom < innerHeight)(document.querySelector("main .alert-error"))`)); !in {
		t.Errorf("after the stale Create issue the reason is not in view (under the top bar or below the fold) at %s", loc)
	}
	s.saveViewport("qa8-incident-stale-nojs")
	for range 3 {
		if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
			t.Fatal(err)
		}
	}
	if gh.created != 1 {
		t.Errorf("two Create issue posts for one item made %d issues, want 1", gh.created)
	}
	s.check()
	d.check()
}
