package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// qa9SearchDocs are the QA9 search tests' incidents: title and executive
// summary. The fifth is restricted to Dana; the fillers follow.
var qa9SearchDocs = [][2]string{
	{"Zeppelin checkout latency", "Checkout latency rose after the deploy; the cache was cold."},
	{"Zeppelin outage in the north", "The outage took the payments service down."},
	{"Latency graph", "The graph of latency; checkout was fine. Cold cache again."},
	{"Database failover", "A failover of the primary database; replicas lagged."},
	{"Zeppelin secret", "A secret zeppelin incident about the vault."},
}

// qa9SearchServer starts a server on store with qa9SearchDocs and 30
// fillers ("Routine checkout deploy N"): their IDs, by position.
func qa9SearchServer(t *testing.T, store string) (*appServer, []string) {
	t.Helper()
	srv := qa7Server(t, store)
	ctx := context.Background()
	base := time.Now().UTC().Add(-40 * 24 * time.Hour).Truncate(time.Hour)
	docs := slices.Clone(qa9SearchDocs)
	for i := range 30 {
		docs = append(docs, [2]string{fmt.Sprintf("Routine checkout deploy %d", i), fmt.Sprintf("A routine deploy of checkout, number %d.", i)})
	}
	var ids []string
	for i, d := range docs {
		p := qa7Doc{title: d[0], start: base.Add(time.Duration(i) * time.Hour)}.postmortem()
		p.ExecutiveSummary = d[1]
		in, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			if _, err := srv.Svc.Restrict(ctx, app.System, in.ID, true, []string{dana}, nil); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, in.ID)
	}
	return srv, ids
}

// qa9SearchWalk searches q on the list page and follows Next to the last
// page: the hits' IDs, the result count line and the page's problems.
func qa9SearchWalk(b *tab, base, q string) (ids []string, count string, problems []string) {
	b.t.Helper()
	b.run("search "+q, chromedp.Navigate(base+"/incidents?q="+url.QueryEscape(q)), chromedp.WaitVisible(chromedp.CSS("nav.pager")))
	count = text(b, ".result-count")
	for page := 1; ; page++ {
		if page > 10 {
			b.t.Fatalf("search %q: more than 10 pages", q)
		}
		ids = append(ids, value(b, "hits", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("ol.hits li.hit a[href^='/incidents/']")).map(a => a.getAttribute("href").slice("/incidents/".length)).filter((v, i, a) => a.indexOf(v) === i)`))...)
		problems = append(problems, value(b, "problems", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main .alert-error")).map(e => e.innerText)`))...)
		if !value(b, "next?", chromedp.Evaluate[bool](`!!document.querySelector("nav.pager a[rel=next]")`)) {
			return ids, count, problems
		}
		b.run(fmt.Sprintf("search %q page %d", q, page+1),
			void(chromedp.Evaluate[bool](`window.qa9Old = true; document.querySelector("nav.pager a[rel=next]").click(); true`)),
			waitJS(`!window.qa9Old && document.readyState === "complete" && !!document.querySelector("nav.pager")`))
	}
}

// TestQA9SearchBothStores: on both stores the search page finds the same
// incidents for several words, phrases, -word (with one dash, several, a
// dash and a space), or, and odd input; walked through Next, a search with
// more hits than a page lists each once, and the count line says how many;
// the API's pages agree; a restricted incident is found by its member
// only. Known differences between the stores (stop words, an alternative
// with only exclusions, docs/storage.md) are logged, not held.
func TestQA9SearchBothStores(t *testing.T) {
	all := func(from, to int, but ...int) []int {
		var ps []int
		for i := from; i <= to; i++ {
			if !slices.Contains(but, i) {
				ps = append(ps, i)
			}
		}
		return ps
	}
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv, ids := qa9SearchServer(t, store)
			pos := map[string]int{}
			for i, id := range ids {
				pos[id] = i
			}
			for _, who := range []string{dana, sam} {
				b := srv.browser(t, who)
				for _, c := range []struct {
					q    string
					want []int // by position in qa9SearchServer, as Dana finds them; nil: a known difference
				}{
					{`zeppelin`, []int{0, 1, 4}},
					{`checkout latency`, []int{0, 2}},
					{`"cold cache"`, []int{2}},
					{`zeppelin -outage`, []int{0, 4}},
					{`zeppelin or failover`, []int{0, 1, 3, 4}},
					{`zeppelin OR outage`, []int{0, 1, 4}},
					{`checkout`, all(0, 34)},
					{`checkout -routine`, all(0, 4)},
					{`checkout ---zeppelin`, all(2, 34, 4)},
					{`checkout - zeppelin`, all(2, 34, 4)},
					{`checkout --zeppelin`, []int{0, 1, 4}},
					{`checkout (-zeppelin)`, all(2, 34, 4)},
					{`zeppelin - or outage`, []int{1}},
					{`zeppelin -"payments service"`, []int{0, 4}},
					{`or or checkout`, all(0, 34)},
					{`(zeppelin)`, []int{0, 1, 4}},
					{`zeppelin*`, []int{0, 1, 4}},
					{`zeppelins`, []int{0, 1, 4}},
					{`"unbalanced`, []int{}},
					{`or`, []int{}},
					{`-`, []int{}},
					{`NEAR(zeppelin checkout)`, []int{}},
					{`-zeppelin`, nil},
					{`zeppelin AND checkout`, nil},
					{`the`, nil},
					{`Zeppelin's`, nil},
				} {
					got, count, problems := qa9SearchWalk(b, srv.URL, c.q)
					var ps []int
					for _, id := range got {
						ps = append(ps, pos[id])
					}
					slices.Sort(ps)
					if len(problems) > 0 {
						t.Errorf("%s: %s searches %q: problems %q", store, who, c.q, problems)
					}
					if len(slices.Compact(slices.Clone(ps))) != len(ps) {
						t.Errorf("%s: %s searches %q: an incident twice in the walk: %v", store, who, c.q, ps)
					}
					if n := len(got); n == 0 && text(b, "p.empty") == "<none>" {
						t.Errorf("%s: %s searches %q: nothing found and nothing said", store, who, c.q)
					} else if n > 0 && !strings.HasPrefix(count, fmt.Sprintf("%d result", n)) {
						t.Errorf("%s: %s searches %q: walked %d hits, the count line says %q", store, who, c.q, n, count)
					}
					if c.want == nil {
						t.Logf("%s: %q finds %v (a known difference between the stores)", store, c.q, ps)
						continue
					}
					want := slices.Clone(c.want)
					if who == sam {
						want = slices.DeleteFunc(want, func(p int) bool { return p == 4 })
					}
					if want == nil {
						want = []int{}
					}
					if ps == nil {
						ps = []int{}
					}
					if !slices.Equal(ps, want) {
						t.Errorf("%s: %s searches %q: finds %v, want %v", store, who, c.q, ps, want)
					}
					// the API's pages find the same
					var api []string
					for cur := ""; ; {
						var pg struct {
							Hits []struct {
								ID string `json:"id"`
							} `json:"hits"`
							Next string `json:"next"`
						}
						p := "/api/v1/search?limit=10&q=" + url.QueryEscape(c.q)
						if cur != "" {
							p += "&cursor=" + url.QueryEscape(cur)
						}
						fetchJSON(b, p, &pg)
						for _, h := range pg.Hits {
							api = append(api, h.ID)
						}
						if cur = pg.Next; cur == "" || len(api) > 100 {
							break
						}
					}
					if !slices.Equal(api, got) {
						t.Errorf("%s: %s searches %q: the API finds %v, the page %v", store, who, c.q, api, got)
					}
				}
				if who == sam && strings.Contains(strings.ToLower(text(b, "main")), "secret") {
					t.Errorf("%s: sam's search shows the restricted incident's text", store)
				}
				b.run("phone dark", scheme(390, "dark"), chromedp.Navigate(srv.URL+"/incidents?q=checkout"), chromedp.WaitVisible(chromedp.CSS(".result-count")))
				if bad := value(b, "outside", chromedp.Evaluate[[]string](outside+`("main .result-count, main .hit a, main .snippet, main nav.pager a")`)); len(bad) > 0 {
					t.Errorf("%s: the search page at 390 px: %s", store, strings.Join(bad, "; "))
				}
				b.shot("qa9-search-" + store + "-dark-390")
				b.check()
			}
			_ = hindsight.Sev1
		})
	}
}

// qa9Diff is the first difference between two decoded JSON values, as a
// path and the two values ("" when they are equal).
func qa9Diff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %.120v vs %.120v", path, a, b)
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		for _, k := range sorted {
			if d := qa9Diff(path+"."+k, x[k], y[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %.200v vs %.200v", path, a, b)
		}
		for i := range x {
			if d := qa9Diff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return fmt.Sprintf("%s: %.120v vs %.120v", path, a, b)
	}
	return ""
}

// TestQA9InsightsBothStores: the same incidents (severities, services, a
// team owning one, restricted ones, published and not, with and without
// End) on both stores give the same /api/v1/insights figures for a member
// of the restricted incidents and a non-member, for the filters team,
// severity, service and their combination; /insights with the team filter
// fits 1280 and 390 px, light and dark, without script errors.
func TestQA9InsightsBothStores(t *testing.T) {
	stores := qa7Stores(t)
	if len(stores) < 2 {
		t.Skip("needs HINDSIGHT_TEST_POSTGRES_URL: compares the stores")
	}
	queries := []string{"", "team=pay", "severity=SEV-2", "service=payments", "team=pay&severity=SEV-1", "service=checkout&severity=SEV-3"}
	got := map[string]map[string]any{}
	for _, store := range stores {
		srv, _, _ := qa9DueServer(t, store)
		got[store] = map[string]any{}
		for _, who := range []string{dana, sam} {
			b := srv.browser(t, who)
			for _, q := range queries {
				var v any
				fetchJSON(b, "/api/v1/insights?"+q, &v)
				got[store][who+" "+q] = v
			}
			if who == sam {
				b.each(t, srv.URL+"/insights?team=pay", ".tiles", "qa9-insights-"+store, func(sc string, w int64) {
					for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`("main h1, main .tiles, main form button, main form select")`)) {
						t.Errorf("%s: /insights?team=pay at %d px (%s): %s", store, w, sc, m)
					}
				})
			}
			b.check()
		}
	}
	if b, _ := json.Marshal(got["sqlite"][dana+" team=pay"]); !strings.Contains(string(b), `"incidents":`) {
		t.Errorf("/api/v1/insights?team=pay has no incident count: %.300s", b)
	} else {
		t.Logf("dana, team=pay: %.400s", b)
	}
	for k, v := range got["sqlite"] {
		if d := qa9Diff("", v, got["postgres"][k]); d != "" {
			t.Errorf("/api/v1/insights for %s: SQLite and PostgreSQL differ at %s", k, d)
		}
	}
	if d := qa9Diff("", got["sqlite"][dana+" "], got["sqlite"][sam+" "]); d == "" {
		t.Errorf("dana and sam see the same insights; dana sees %d restricted incidents more", 9)
	}
}
