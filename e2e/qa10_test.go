package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/gen"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/postgres"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// qa10Words are the words the QA10 tests search: most are in many
// generated incidents, a few in none.
var qa10Words = []string{"database", "latency", "certificate", "failover", "deploy", "timeout", "queue", "replica", "cache", "rollback", "dns", "memory", "disk", "network", "config", "checkout"}

// qa10Open opens a store of kind store on a database of its own (a SQLite
// file, or a PostgreSQL schema dropped when the test ends), the same one
// each time open is called: a second call is the server started again.
func qa10Open(t *testing.T, store string) (open func() hindsight.Store) {
	t.Helper()
	browserPath(t)
	ctx := context.Background()
	if store == "sqlite" {
		path := filepath.Join(t.TempDir(), "hindsight.db")
		return func() hindsight.Store {
			st, err := sqlite.Open(ctx, path, sqlite.Options{Render: app.Render})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
	}
	pg, schema := e2eSchema(t)
	return func() hindsight.Store {
		st, err := postgres.Open(ctx, pg, postgres.Options{Render: app.Render, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

// qa10Seed writes n generated incidents (seed 10) into st.
func qa10Seed(t *testing.T, st hindsight.Store, n int) {
	t.Helper()
	g := gen.New(10)
	for range n {
		p := g.Postmortem()
		p.Summary.IncidentID = ""
		if _, err := st.CreateIncident(context.Background(), hindsight.IncidentCreate{Doc: p, Author: "qa10"}); err != nil {
			t.Fatal(err)
		}
	}
}

// qa10Token is a read API token of email on srv.
func qa10Token(t *testing.T, srv *appServer, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := srv.Stack.Auth.FindUser(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := srv.Stack.Auth.CreateToken(ctx, app.System, u.ID, "qa10", hindsight.ScopeRead, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// qa10Get GETs path on srv with the token: the status and the body.
func qa10Get(ctx context.Context, srv *appServer, tok, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestQA10ConcurrentFirst: on both stores, a server started again on a
// database of 120 incidents answers 16 searches (different words) and 4
// insights asked at once, before anything else: every one 200, each body
// the one the same request gets alone. On SQLite none answered before
// the fix (the statement cache prepared under its lock while searches
// held the reader connections; the requests timed out).
func TestQA10ConcurrentFirst(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			open := qa10Open(t, store)
			first := open()
			qa10Seed(t, first, 120)
			first.Close()
			srv := serveStore(t, open(), stack.Config{Getenv: func(string) string { return "" }}, true)
			tok := qa10Token(t, srv, dana)
			var paths []string
			for _, w := range qa10Words {
				paths = append(paths, "/api/v1/search?q="+w)
			}
			paths = append(paths, "/api/v1/insights?from=2023-01-01&to=2026-12-31", "/api/v1/insights?severity=SEV-1&from=2023-01-01&to=2026-12-31",
				"/api/v1/insights?service=checkout-api&from=2024-02-15&to=2025-07-10", "/api/v1/insights")
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a deadlock fails, not hangs
			defer cancel()
			type answer struct {
				status int
				body   string
				err    error
			}
			got := make([]answer, len(paths))
			var wg sync.WaitGroup
			for i, p := range paths {
				wg.Go(func() {
					s, b, err := qa10Get(ctx, srv, tok, p)
					got[i] = answer{s, b, err}
				})
			}
			wg.Wait()
			hits := 0
			for i, p := range paths {
				if got[i].err != nil || got[i].status != 200 {
					t.Errorf("%s: %s at once: %d %v %.200s", store, p, got[i].status, got[i].err, got[i].body)
					continue
				}
				s, alone, err := qa10Get(context.Background(), srv, tok, p)
				if err != nil || s != 200 {
					t.Fatalf("%s: %s alone: %d %v", store, p, s, err)
				}
				if got[i].body != alone {
					t.Errorf("%s: %s at once:\n%.400s\nalone:\n%.400s", store, p, got[i].body, alone)
				}
				hits += strings.Count(alone, `"id":`)
			}
			if hits == 0 {
				t.Errorf("%s: no search found anything", store)
			}
		})
	}
}

// TestQA10BadInput: on both stores, the search and insights API and pages
// answer bad and odd input with 400 naming the parameter (limit, cursor,
// q, from, to, severity, status, format), or 200 for odd search text
// (quotes, dashes, operators, other scripts, invalid UTF-8, a NUL, very
// long text), never a 500; a tampered search cursor past the end is an
// empty page; the last date (9999-12-31) as to is no end (it was a 500).
func TestQA10BadInput(t *testing.T) {
	b64 := func(s string) string { return qa9Cursor(s) }
	long := strings.Repeat("database -", 1000)
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			open := qa10Open(t, store)
			st := open()
			qa10Seed(t, st, 40)
			srv := serveStore(t, st, stack.Config{Getenv: func(string) string { return "" }}, true)
			tok := qa10Token(t, srv, dana)
			ctx := context.Background()
			for _, c := range []struct {
				path  string
				param string // "": 200
			}{
				{"/api/v1/search", "q"},
				{"/api/v1/search?q=", "q"},
				{"/api/v1/search?q=%20%20", "q"},
				{"/api/v1/search?q=database&limit=0", "limit"},
				{"/api/v1/search?q=database&limit=-1", "limit"},
				{"/api/v1/search?q=database&limit=abc", "limit"},
				{"/api/v1/search?q=database&limit=201", "limit"},
				{"/api/v1/search?q=database&limit=1e3", "limit"},
				{"/api/v1/search?q=database&cursor=garbage", "cursor"},
				{"/api/v1/search?q=database&cursor=" + b64(`{"o":-1}`), "cursor"},
				{"/api/v1/search?q=database&cursor=" + b64(`{"o":"5"}`), "cursor"},
				{"/api/v1/search?q=database&cursor=" + b64(`{"o":1e30}`), "cursor"},
				{"/api/v1/search?q=database&cursor=" + b64(`{"s":"start","d":true,"k":1,"i":"INC-1"}`), "cursor"},
				{"/api/v1/search?q=database&cursor=%00%ff", "cursor"},
				{"/api/v1/search?q=database&cursor=" + b64(`{"o":9223372036854775807}`), ""},
				{"/api/v1/search?q=database&limit=200&cursor=" + b64(`{"o":9223372036854775800}`), ""},
				{"/api/v1/search?q=database&cursor=" + b64(`{"o":1000000}`), ""},
				{"/api/v1/search?q=" + url.QueryEscape(`"unterminated`), ""},
				{"/api/v1/search?q=%22%22", ""},
				{"/api/v1/search?q=---", ""},
				{"/api/v1/search?q=-database", ""},
				{"/api/v1/search?q=" + url.QueryEscape("café 日本 🔥"), ""},
				{"/api/v1/search?q=%ff%fe", ""},
				{"/api/v1/search?q=a%00b", ""},
				{"/api/v1/search?q=" + url.QueryEscape("NEAR(a b) * ^ : \\ & | !"), ""},
				{"/api/v1/search?q=database%3A*", ""},
				{"/api/v1/search?q=" + url.QueryEscape(long), ""},
				{"/api/v1/search?q=" + strings.Repeat("x", 20000), ""},
				{"/api/v1/incidents?q=database&cursor=garbage", "cursor"},
				{"/api/v1/incidents?q=database&limit=0", "limit"},
				{"/api/v1/incidents?cursor=" + b64(`{"o":5}`), "cursor"},
				{"/api/v1/incidents?to=9999-12-31", ""},
				{"/api/v1/incidents?to=2024-13-01", "to"},
				{"/api/v1/insights?from=bad", "from"},
				{"/api/v1/insights?to=2024-13-01", "to"},
				{"/api/v1/insights?from=2025-01-01&to=2024-01-01", "from"},
				{"/api/v1/insights?severity=SEV-9", "severity"},
				{"/api/v1/insights?status=Bogus", "status"},
				{"/api/v1/insights?format=xml", "format"},
				{"/api/v1/insights?unpublished_days=0", "unpublished_days"},
				{"/api/v1/insights?to=9999-12-31", ""},
				{"/api/v1/insights?from=2024-01-01&to=9999-12-31", ""},
				{"/api/v1/insights?from=0001-01-01&to=9999-12-30", ""},
				{"/api/v1/insights?from=0000-01-01", ""},
				{"/api/v1/insights?tag=%ff&service=%00&team=nope", ""},
				{"/api/v1/insights?format=csv&to=9999-12-31", ""},
			} {
				s, body, err := qa10Get(ctx, srv, tok, c.path)
				if err != nil {
					t.Fatal(err)
				}
				p := c.path
				if len(p) > 120 {
					p = p[:120] + "…"
				}
				switch {
				case c.param == "" && s != 200:
					t.Errorf("%s: %s answers %d: %.300s; want 200", store, p, s, body)
				case c.param != "" && (s != 400 || !strings.Contains(body, `"field":"`+c.param+`"`)):
					t.Errorf("%s: %s answers %d: %.300s; want 400 naming %s", store, p, s, body, c.param)
				}
			}
			// the pages: the list's search box and the insights page
			b := srv.browser(t, dana)
			for _, c := range []struct {
				path   string
				status int
			}{
				{"/incidents?q=" + url.QueryEscape(long), 200},
				{"/incidents?q=%ff%fe", 200},
				{"/incidents?q=" + url.QueryEscape(`"a-b" -c --d`), 200},
				{"/incidents?q=database&cursor=garbage", 200}, // the first page, and why (it was a 400 error page)
				{"/incidents?cursor=garbage", 200},
				{"/incidents?to=9999-12-31", 200},
				{"/insights?to=9999-12-31", 200},
				{"/insights?from=0001-01-01&to=9999-12-30", 200},
				{"/insights?from=bad", 400},
				{"/insights?severity=SEV-9", 400},
			} {
				n, body := qa8Status(b, c.path)
				if n != c.status {
					t.Errorf("%s: the page %.100s answers %d: %.200s; want %d", store, c.path, n, body, c.status)
				}
			}
			for _, p := range []string{"/incidents?q=database&cursor=garbage", "/incidents?cursor=garbage"} {
				b.run("open "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
				problems := value(b, "problems", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main .alert-error")).map(e => e.innerText)`))
				rows := value(b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("ol.hits li.hit, table.incidents tbody tr").length`))
				if !slices.ContainsFunc(problems, func(m string) bool { return strings.HasPrefix(m, "cursor:") }) || rows == 0 {
					t.Errorf("%s: %s says %q and shows %d rows; want the first page and a message naming cursor", store, p, problems, rows)
				}
			}
			b.check()
		})
	}
}

// qa10Tile is the value of the insights page's tile id ("<none>": none).
func qa10Tile(b *tab, id string) string { return text(b, "#tile-"+id+" .tile-value") }

// TestQA10SearchInsightsPages: on both stores, the search (the list's
// search box) and the insights page at 1280 and 390 px, light and dark:
// nothing outside the window, no script error or CSP violation; a search
// with several pages walked through Next lists each hit once, as many as
// the count line says and as the API's pages; the insights figures change
// after a write (a new SEV-1 incident, then its deletion), on the page
// and in the API: no stale page.
func TestQA10SearchInsightsPages(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			open := qa10Open(t, store)
			st := open()
			qa10Seed(t, st, 90)
			srv := serveStore(t, st, stack.Config{Getenv: func(string) string { return "" }}, true)
			b := srv.browser(t, dana)
			walked := 0
			for _, q := range []string{"database", "checkout -database", `"connection pool"`, "failover or latency"} {
				ids, count, problems := qa9SearchWalk(b, srv.URL, q)
				if len(problems) > 0 {
					t.Errorf("%s: %q: problems %q", store, q, problems)
				}
				if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
					t.Errorf("%s: %q: a hit twice in the walk: %v", store, q, ids)
				}
				if len(ids) > 0 && !strings.HasPrefix(count, fmt.Sprintf("%d result", len(ids))) {
					t.Errorf("%s: %q: walked %d hits, the count line says %q", store, q, len(ids), count)
				}
				if api := apiSearch(b, q, 7); !slices.Equal(api, ids) {
					t.Errorf("%s: %q: the API's pages of 7 find %v, the page %v", store, q, api, ids)
				}
				walked = max(walked, len(ids))
			}
			if walked <= 25 {
				t.Errorf("%s: no search has more than one page (%d hits at most)", store, walked)
			}
			b.each(t, srv.URL+"/incidents?q=database", ".result-count", "qa10-search-"+store, func(sc string, w int64) {
				for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`("main .result-count, main .hit a, main .snippet, main nav.pager a, main form input, main form button")`)) {
					t.Errorf("%s: the search page at %d px (%s): %s", store, w, sc, m)
				}
				if n := value(b, "hits", chromedp.Evaluate[int](`document.querySelectorAll("ol.hits li.hit").length`)); n == 0 {
					t.Errorf("%s: the search page at %d px (%s) shows no hit", store, w, sc)
				}
			})
			period := "/insights?from=2023-01-01&to=2026-12-31"
			b.each(t, srv.URL+period, ".tiles", "qa10-insights-"+store, func(sc string, w int64) {
				for _, m := range value(b, "outside", chromedp.Evaluate[[]string](outside+`("main h1, main .tiles, main form button, main form select, main form input")`)) {
					t.Errorf("%s: /insights at %d px (%s): %s", store, w, sc, m)
				}
			})

			// a write changes the figures at once
			figures := func() (page, sev1 string, api hindsight.Insights) {
				b.run("insights", chromedp.Navigate(srv.URL+period), chromedp.WaitVisible(chromedp.CSS(".tiles")))
				fetchJSON(b, "/api/v1/insights?from=2023-01-01&to=2026-12-31", &api)
				var bySev hindsight.Insights
				fetchJSON(b, "/api/v1/insights?from=2023-01-01&to=2026-12-31&severity=SEV-1", &bySev)
				return qa10Tile(b, "incidents"), strconv.Itoa(bySev.Incidents), api
			}
			page0, sev0, api0 := figures()
			if page0 != strconv.Itoa(api0.Incidents) {
				t.Errorf("%s: the page counts %s incidents, the API %d", store, page0, api0.Incidents)
			}
			p := qa7Doc{title: "QA10 new SEV-1", start: time.Date(2025, 6, 10, 8, 0, 0, 0, time.UTC)}.postmortem()
			p.Summary.Severity = hindsight.Sev1
			p.Summary.End = hindsight.TimeOf(time.Date(2025, 6, 10, 9, 30, 0, 0, time.UTC))
			in, err := srv.Svc.Create(context.Background(), app.System, p, app.CreateOptions{Force: true})
			if err != nil {
				t.Fatal(err)
			}
			page1, sev1, api1 := figures()
			want := strconv.Itoa(api0.Incidents + 1)
			if page1 != want || api1.Incidents != api0.Incidents+1 {
				t.Errorf("%s: after a new incident the page counts %s, the API %d; want %s", store, page1, api1.Incidents, want)
			}
			if n, _ := strconv.Atoi(sev0); sev1 != strconv.Itoa(n+1) {
				t.Errorf("%s: after a new SEV-1 the API counts %s SEV-1, want %d", store, sev1, n+1)
			}
			if err := srv.Svc.Delete(context.Background(), app.System, in.ID, 0); err != nil {
				t.Fatal(err)
			}
			page2, sev2, api2 := figures()
			if page2 != page0 || sev2 != sev0 {
				t.Errorf("%s: after the deletion the page counts %s (SEV-1 %s), want %s (%s)", store, page2, sev2, page0, sev0)
			}
			a, _ := json.Marshal(api0)
			c, _ := json.Marshal(api2)
			if d := qa9Diff("", jsonValue(a), jsonValue(c)); d != "" {
				t.Errorf("%s: the figures after adding and deleting an incident differ from before at %s", store, d)
			}
			b.check()
		})
	}
}

// jsonValue decodes b into a generic value.
func jsonValue(b []byte) any {
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}
