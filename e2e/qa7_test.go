package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/stack"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/postgres"
)

// qa7Stores are the stores the QA7 list and search tests run on: SQLite
// always, PostgreSQL when HINDSIGHT_TEST_POSTGRES_URL is set.
func qa7Stores(t *testing.T) []string {
	stores := []string{"sqlite"}
	if os.Getenv("HINDSIGHT_TEST_POSTGRES_URL") != "" {
		stores = append(stores, "postgres")
	} else {
		t.Log("HINDSIGHT_TEST_POSTGRES_URL is not set: SQLite only")
	}
	return stores
}

// qa7Server starts the served stack with the accounts on store: a new
// SQLite file, or a schema of its own in the test PostgreSQL database.
func qa7Server(t *testing.T, store string) *appServer {
	t.Helper()
	return qa7ServerWith(t, store, stack.Config{Getenv: func(string) string { return "" }})
}

// e2eSchema creates a schema of its own in the test PostgreSQL database
// (HINDSIGHT_TEST_POSTGRES_URL), dropped when the test ends: the URL and
// the schema's name.
func e2eSchema(t *testing.T) (pg, schema string) {
	t.Helper()
	pg = os.Getenv("HINDSIGHT_TEST_POSTGRES_URL")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatalf("HINDSIGHT_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema = "hs_e2e_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), pg)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	return pg, schema
}

// qa7ServerWith is qa7Server with the stack's configuration cfg.
func qa7ServerWith(t *testing.T, store string, cfg stack.Config) *appServer {
	t.Helper()
	if store == "sqlite" {
		return serveStack(t, cfg, true)
	}
	browserPath(t)
	pg, schema := e2eSchema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, pg, postgres.Options{Render: app.Render, Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	// the server's cleanup (registered later) runs first, then this
	t.Cleanup(func() { st.Close() })
	return serveStore(t, st, cfg, true)
}

// qa7Doc is what the QA7 tests write of an incident.
type qa7Doc struct {
	title  string
	start  time.Time
	tags   []string
	factor string // a category; "" for none
	region string
}

func (d qa7Doc) postmortem() *hindsight.Postmortem {
	p := &hindsight.Postmortem{Title: d.title, Status: hindsight.StatusDraft}
	d.apply(p)
	p.Summary.Severity = hindsight.Sev3
	p.Summary.Services = []hindsight.Service{{Name: "checkout"}}
	return p
}

func (d qa7Doc) apply(p *hindsight.Postmortem) {
	p.Title = d.title
	p.Summary.Start = hindsight.TimeOf(d.start)
	p.SetTags(d.tags)
	p.SetCustomField("Region", d.region)
	p.RootCause.Factors = nil
	if d.factor != "" {
		p.RootCause.Factors = []string{"[" + d.factor + "] " + d.title}
	}
}

func qa7Create(t *testing.T, srv *appServer, d qa7Doc) string {
	t.Helper()
	in, err := srv.Svc.Create(context.Background(), app.System, d.postmortem(), app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return in.ID
}

// qa7Save writes d as the next revision of id (another user's save).
func qa7Save(t *testing.T, srv *appServer, id string, d qa7Doc) {
	t.Helper()
	ctx := context.Background()
	in, err := srv.Svc.Get(ctx, app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	d.apply(in.Doc)
	if _, err := srv.Svc.Save(ctx, app.System, id, in.Revision, in.Doc, app.SaveOptions{Message: "qa7"}); err != nil {
		t.Fatalf("save %s: %v", id, err)
	}
}

// fetchJSON GETs path with the tab's session and decodes the JSON answer.
func fetchJSON(b *tab, path string, v any) {
	b.t.Helper()
	got := value(b, "GET "+path, chromedp.Evaluate[string](`fetch(`+jsString(path)+`).then(r => r.text().then(x => r.status + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	status, body, _ := strings.Cut(got, "\n")
	if status != "200" {
		b.t.Fatalf("GET %s answers %s: %.300s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
}

// webSearch searches q on the list page as a person would (the search box)
// and follows Next page to the end: the hits' IDs in page order, the
// result count line and the number of pages.
func webSearch(b *tab, base, q string) (ids []string, found string, pages int) {
	b.t.Helper()
	b.run("search "+q, chromedp.Navigate(base+"/incidents"), chromedp.WaitVisible(chromedp.ID("f-q")),
		fill([][2]string{{"#f-q", q}}),
		void(chromedp.Evaluate[bool](`document.querySelector("#f-q").form.requestSubmit(); true`)),
		waitJS(`!!document.querySelector(".result-count")`))
	found = text(b, ".result-count")
	seen := map[string]bool{}
	for {
		pages++
		page := value(b, "hits", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("ol.hits li.hit .meta .mono")).map(e => e.textContent.trim())`))
		for _, id := range page {
			if seen[id] {
				b.t.Errorf("search %q: %s is on two pages", q, id)
			}
			seen[id] = true
		}
		ids = append(ids, page...)
		next := value(b, "next", chromedp.Evaluate[string](`(document.querySelector('a[rel=next]') || {}).href || ""`))
		if next == "" || pages > 10 {
			return ids, found, pages
		}
		b.run("next page", chromedp.Navigate(next), chromedp.WaitVisible(chromedp.CSS(".result-count")))
	}
}

// apiSearch pages through GET /api/v1/search?q= limit at a time.
func apiSearch(b *tab, q string, limit int) []string {
	b.t.Helper()
	var ids []string
	cursor := ""
	for range 20 {
		var res struct {
			Hits []struct {
				ID string `json:"id"`
			} `json:"hits"`
			Next string `json:"next"`
		}
		v := url.Values{"q": {q}, "limit": {fmt.Sprint(limit)}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		fetchJSON(b, "/api/v1/search?"+v.Encode(), &res)
		for _, h := range res.Hits {
			ids = append(ids, h.ID)
		}
		if cursor = res.Next; cursor == "" {
			break
		}
	}
	return ids
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestQA7SearchAfterEdits: searches are served from the response cache
// until something is written; a user who edits an incident (in the browser
// or through the service) and searches again sees the new state at once,
// both on the page and in the API, paging included, and a restricted
// incident that one reader may see never reaches another reader through
// the cache, also when its members change.
func TestQA7SearchAfterEdits(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv := qa7Server(t, store)
			ctx := context.Background()
			base := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
			var public []string
			for i := range 26 {
				public = append(public, qa7Create(t, srv, qa7Doc{title: fmt.Sprintf("Zeppelin outage %02d", i), start: base.Add(time.Duration(i) * time.Hour)}))
			}
			airship := qa7Create(t, srv, qa7Doc{title: "Airship trouble", start: base.Add(40 * time.Hour)})
			secret := qa7Create(t, srv, qa7Doc{title: "Zeppelin secret vault", start: base.Add(41 * time.Hour)})
			if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
				t.Fatal(err)
			}
			d := srv.browser(t, dana)
			s := srv.browser(t, sam)
			want := func(b *tab, who, q string, ids []string) {
				t.Helper()
				for range 2 { // the second time from the cache
					got, found, pages := webSearch(b, srv.URL, q)
					if !slices.Equal(sorted(got), sorted(ids)) {
						t.Errorf("%s searching %q on the page finds %d: %q; want %d: %q", who, q, len(got), sorted(got), len(ids), sorted(ids))
					}
					if wantFound := fmt.Sprintf("%d result", len(ids)); !strings.HasPrefix(found, wantFound) {
						t.Errorf("%s searching %q reads %q, want %q...", who, q, found, wantFound)
					}
					if wantPages := max(1, (len(ids)+24)/25); pages != wantPages {
						t.Errorf("%s searching %q walks %d pages, want %d", who, q, pages, wantPages)
					}
				}
				if got := apiSearch(b, q, 10); !slices.Equal(sorted(got), sorted(ids)) {
					t.Errorf("%s searching %q in the API finds %d: %q; want %d: %q", who, q, len(got), sorted(got), len(ids), sorted(ids))
				}
			}
			all := append(slices.Clone(public), secret)
			want(d, "dana (a member)", "zeppelin", all)
			want(s, "sam (not a member)", "zeppelin", public)
			want(d, "dana", "vault", []string{secret})
			want(s, "sam", "vault", nil)

			// Dana renames an incident in the editor: it leaves the
			// search for both at once
			d.run("rename", chromedp.Navigate(srv.URL+"/incidents/"+public[3]+"/edit"), chromedp.WaitVisible(chromedp.ID("title")),
				fill([][2]string{{"#title", "Blimp outage 03"}}), chromedp.Click(chromedp.ID("save")),
				waitJS(`document.body.innerText.includes("Saved as revision 2")`))
			public = slices.Delete(public, 3, 4)
			all = append(slices.Clone(public), secret)
			want(d, "dana after her rename", "zeppelin", all)
			want(s, "sam after Dana's rename", "zeppelin", public)
			// another user's save adds the word to an incident
			qa7Save(t, srv, airship, qa7Doc{title: "Airship zeppelin trouble", start: base.Add(40 * time.Hour)})
			public = append(public, airship)
			all = append(all, airship)
			want(s, "sam after a save added the word", "zeppelin", public)
			want(d, "dana after a save added the word", "zeppelin", all)

			// Sam becomes a member, then is removed again: his cached
			// search follows both
			if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana, sam}); err != nil {
				t.Fatal(err)
			}
			want(s, "sam as a member", "vault", []string{secret})
			if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
				t.Fatal(err)
			}
			want(s, "sam no longer a member", "vault", nil)
			want(s, "sam no longer a member", "zeppelin", public)
			want(d, "dana", "vault", []string{secret})

			// the search page at 390 px, light and dark
			for _, scheme := range []string{"light", "dark"} {
				d.run("phone "+scheme, chromedp.EmulateViewport(390, 900), chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
					return err
				}), chromedp.Navigate(srv.URL+"/incidents?q=zeppelin"), chromedp.WaitVisible(chromedp.CSS(".result-count")))
				if over := value(d, "overflow", chromedp.Evaluate[[]string](outside+`("ol.hits *, .pager .btn, #f-q")`)); len(over) > 0 {
					t.Errorf("the search page at 390 px (%s): %s", scheme, strings.Join(over, "; "))
				}
				d.shot(fmt.Sprintf("qa7-search-%s-%s-390", store, scheme))
			}
			d.check()
			s.check()
		})
	}
}

// webList walks the incident list at path (filters in the query) with Next
// page to the end, then follows First page back: the rows' IDs in order.
func webList(b *tab, base, path string) []string {
	b.t.Helper()
	b.run("list "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
	rows := `Array.from(document.querySelectorAll("table.incidents tbody tr td:first-child")).map(e => e.textContent.trim())`
	first := value(b, "rows", chromedp.Evaluate[[]string](rows))
	ids := slices.Clone(first)
	for pages := 1; pages < 10; pages++ {
		next := value(b, "next", chromedp.Evaluate[string](`(document.querySelector('a[rel=next]') || {}).href || ""`))
		if next == "" {
			break
		}
		b.run("next page", chromedp.Navigate(next), chromedp.WaitVisible(chromedp.CSS("main h1")))
		ids = append(ids, value(b, "rows", chromedp.Evaluate[[]string](rows))...)
		back := value(b, "first", chromedp.Evaluate[string](`(Array.from(document.querySelectorAll(".pager a")).find(a => a.textContent.includes("First page")) || {}).href || ""`))
		if back == "" {
			b.t.Errorf("%s: page %d has no First page link", path, pages+1)
			continue
		}
		b.run("first page", chromedp.Navigate(back), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if again := value(b, "rows", chromedp.Evaluate[[]string](rows)); !slices.Equal(again, first) {
			b.t.Errorf("%s: First page shows %q, the first page was %q", path, again, first)
		}
		b.run("back to "+next, chromedp.Navigate(next), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	return ids
}

// apiList pages through GET /api/v1/incidents?<query> limit at a time.
func apiList(b *tab, query string, limit int) []string {
	b.t.Helper()
	var ids []string
	cursor := ""
	for range 20 {
		var res struct {
			Incidents []struct {
				ID string `json:"id"`
			} `json:"incidents"`
			Next string `json:"next"`
		}
		p := fmt.Sprintf("/api/v1/incidents?%s&limit=%d", query, limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		fetchJSON(b, p, &res)
		for _, in := range res.Incidents {
			ids = append(ids, in.ID)
		}
		if cursor = res.Next; cursor == "" {
			break
		}
	}
	return ids
}

// TestQA7ListFiltersAfterEdits: the incident list filtered by a tag, a
// factor category or a field value (driven by the shape rows that carry
// the incident's start) shows the right incidents in start order, both
// directions, paging forward and back to the first page, on the page and
// in the API, after edits move an incident's start and change its tags,
// factor and field; and a restricted incident only to its member.
func TestQA7ListFiltersAfterEdits(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv := qa7Server(t, store)
			ctx := context.Background()
			if err := srv.Svc.SaveShape(ctx, app.System, []byte(qa19Shape)); err != nil {
				t.Fatal(err)
			}
			base := time.Now().UTC().Add(-60 * 24 * time.Hour).Truncate(time.Hour)
			docs := map[string]qa7Doc{}
			var order []string // creation order
			add := func(d qa7Doc) string {
				id := qa7Create(t, srv, d)
				docs[id] = d
				order = append(order, id)
				return id
			}
			for i := range 40 {
				// spread over days, created out of start order
				h := time.Duration((i*11)%40) * 7 * time.Hour
				d := qa7Doc{title: fmt.Sprintf("Tagged %02d", i), start: base.Add(h), tags: []string{"dns", "network"}, factor: "capacity", region: "eu-west-1"}
				if i%4 == 0 {
					d.tags = []string{"network"}
					d.factor = "change/deploy"
					d.region = "us-east-1"
				}
				add(d)
			}
			secret := add(qa7Doc{title: "Restricted tagged", start: base.Add(100 * time.Hour), tags: []string{"dns"}, factor: "capacity", region: "eu-west-1"})
			if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
				t.Fatal(err)
			}
			d := srv.browser(t, dana)
			s := srv.browser(t, sam)

			type filter struct {
				query string
				match func(qa7Doc) bool
			}
			filters := []filter{
				{"tag=dns", func(d qa7Doc) bool { return slices.Contains(d.tags, "dns") }},
				{"factor=capacity", func(d qa7Doc) bool { return d.factor == "capacity" }},
				{"field.Region=eu-west-1", func(d qa7Doc) bool { return d.region == "eu-west-1" }},
			}
			expect := func(f filter, desc, member bool) []string {
				var ids []string
				for _, id := range order {
					if f.match(docs[id]) && (member || id != secret) {
						ids = append(ids, id)
					}
				}
				sort.SliceStable(ids, func(i, j int) bool {
					a, b := docs[ids[i]].start, docs[ids[j]].start
					if desc {
						return a.After(b)
					}
					return a.Before(b)
				})
				return ids
			}
			check := func(when string) {
				t.Helper()
				for _, f := range filters {
					for _, dir := range []string{"desc", "asc"} {
						for _, who := range []struct {
							b      *tab
							name   string
							member bool
						}{{d, "dana", true}, {s, "sam", false}} {
							want := expect(f, dir == "desc", who.member)
							if f.query == "tag=dns" && len(want) <= 25 {
								t.Fatalf("%d incidents tagged dns: too few for two pages", len(want))
							}
							if got := webList(who.b, srv.URL, "/incidents?"+f.query+"&sort=start&dir="+dir); !slices.Equal(got, want) {
								t.Errorf("%s: %s's list /incidents?%s (%s) shows %d %q; want %d %q", when, who.name, f.query, dir, len(got), got, len(want), want)
							}
							if got := apiList(who.b, f.query+"&sort=start&order="+dir, 7); !slices.Equal(got, want) {
								t.Errorf("%s: %s's API list ?%s (%s) gives %d %q; want %d %q", when, who.name, f.query, dir, len(got), got, len(want), want)
							}
						}
					}
				}
			}
			check("as created")

			// edits: the oldest tagged incident now started last; one loses
			// its tags, one untagged gains dns; a factor and a region change
			var tagged []string
			for _, id := range order {
				if slices.Contains(docs[id].tags, "dns") && id != secret {
					tagged = append(tagged, id)
				}
			}
			sort.Slice(tagged, func(i, j int) bool { return docs[tagged[i]].start.Before(docs[tagged[j]].start) })
			edit := func(id string, change func(*qa7Doc)) {
				doc := docs[id]
				change(&doc)
				docs[id] = doc
				qa7Save(t, srv, id, doc)
			}
			edit(tagged[0], func(d *qa7Doc) { d.start = base.Add(400 * time.Hour) })
			edit(tagged[5], func(d *qa7Doc) { d.tags = nil })
			edit(order[0], func(d *qa7Doc) { d.tags = []string{"DNS"}; d.start = base.Add(50*time.Hour + 30*time.Minute) })
			edit(tagged[7], func(d *qa7Doc) { d.factor = "dependency/internal"; d.start = base.Add(-time.Hour) })
			edit(tagged[9], func(d *qa7Doc) { d.region = "us-west-2" })
			// the match is case-insensitive: DNS is dns
			docs[order[0]] = func(d qa7Doc) qa7Doc { d.tags = []string{"dns"}; return d }(docs[order[0]])
			check("after the edits")

			// in the browser: Dana moves an incident's start and tags it
			id := order[4] // untagged
			d.run("edit start and tags", chromedp.Navigate(srv.URL+"/incidents/"+id+"/edit"), chromedp.WaitVisible(chromedp.ID("tags")))
			startSel := value(d, "start control", chromedp.Evaluate[string](`(function(){ const e = document.querySelector('[name="start"], #start, #f-start, #summary-start'); return e ? "#" + e.id + "|" + e.type + "|" + e.value : ""; })()`))
			sel, rest, _ := strings.Cut(startSel, "|")
			if sel == "" || sel == "#" {
				t.Fatalf("no start control in the editor: %q", startSel)
			}
			typ, _, _ := strings.Cut(rest, "|")
			newStart := base.Add(500 * time.Hour)
			v := newStart.Format("2006-01-02 15:04")
			if typ == "datetime-local" {
				v = newStart.Format("2006-01-02T15:04")
			}
			d.run("fill", fill([][2]string{{sel, v}, {"#tags", "network, dns"}}), chromedp.Click(chromedp.ID("save")),
				waitJS(`document.body.innerText.includes("Saved as revision 2")`))
			doc := docs[id]
			doc.start, doc.tags = newStart, []string{"network", "dns"}
			docs[id] = doc
			check("after Dana's edit in the browser")
			d.check()
			s.check()
		})
	}
}

// scheme sets the window width and the preferred color scheme.
func scheme(w int64, s string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := chromedp.EmulateViewport(w, 900)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
		return chromedp.Void{}, err
	}
}

// TestQA7FieldsTwoAdminsPhone: two administrators on phones (390 px,
// light and dark) use Fields & taxonomy at once: the page never scrolls
// sideways and every control is within the window; when the second saves
// the factor taxonomy, the tags or a field's Edit form from a page loaded
// before the first's change, they are told, the form keeps what they
// typed, and saving again keeps both changes.
func TestQA7FieldsTwoAdminsPhone(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	a1 := srv.browser(t, admin)
	a2 := srv.browser(t, admin)
	n := 0
	first := func() {
		t.Helper()
		n++
		name := fmt.Sprintf("Cost %d", n)
		a1.run("first admin adds "+name, chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("nf-name")),
			fill([][2]string{{"#nf-name", name}, {"#nf-type", "number"}}),
			chromedp.Click(chromedp.CSS(`#add-field-h ~ form button[type=submit]`)),
			waitJS(`document.body.innerText.includes("Field `+name+` is added.")`))
	}
	// submitted: the click's answer is a new page (the mark is gone)
	mark := void(chromedp.Evaluate[bool](`window.qa7Old = true; true`))
	fresh := func(cond string) chromedp.Action[chromedp.Void] {
		return waitJS(`!window.qa7Old && document.readyState == "complete" && (` + cond + `)`)
	}
	told := func(what string) {
		t.Helper()
		if m := text(a2, "main"); !strings.Contains(m, "another administrator changed the fields") {
			t.Errorf("%s: the second admin is not told of the conflict: %.300s", what, m)
		}
	}
	for _, sc := range []string{"light", "dark"} {
		for _, b := range []*tab{a1, a2} {
			b.run("load "+sc, scheme(390, sc), chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("nf-name")))
		}
		if bad := value(a2, "reach", chromedp.Evaluate[[]string](outside+`("main input:not([type=hidden]), main select, main textarea, main button, main summary, main a")`)); len(bad) > 0 {
			t.Errorf("/admin/fields at 390 px (%s): %s", sc, strings.Join(bad, "; "))
		}
		if left := value(a2, "left", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main input:not([type=hidden]), main select, main textarea, main button, main summary")).filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.left < 0; }).map(e => e.id || e.textContent.trim())`)); len(left) > 0 {
			t.Errorf("/admin/fields at 390 px (%s): controls left of the window: %q", sc, left)
		}
		a2.shot("qa7-fields-" + sc + "-390")

		// the taxonomy
		first()
		factors := value(a2, "factors", chromedp.Evaluate[string](`document.querySelector("#factors").value`)) + "\nsecurity/leak-" + sc
		a2.run("second saves the taxonomy", fill([][2]string{{"#factors", factors}}), mark,
			chromedp.Click(chromedp.CSS(`#taxonomy-h ~ form button[type=submit]`)),
			fresh(`document.body.innerText.includes("another administrator") || document.body.innerText.includes("categories.")`))
		told("taxonomy")
		if !value(a2, "note", chromedp.Evaluate[bool](`!!document.querySelector("#factors-kept")`)) {
			t.Errorf("(%s) no note by the taxonomy form says it is not saved yet", sc)
		}
		if got := value(a2, "factors kept", chromedp.Evaluate[string](`document.querySelector("#factors").value`)); !strings.Contains(got, "security/leak-"+sc) {
			t.Errorf("(%s) after a conflict the taxonomy form holds %q: the category the second admin typed is lost", sc, got)
		} else {
			a2.run("save taxonomy again", mark, chromedp.Click(chromedp.CSS(`#taxonomy-h ~ form button[type=submit]`)),
				fresh(`document.body.innerText.includes("categories.")`))
		}
		a2.shot("qa7-fields-conflict-taxonomy-" + sc + "-390")

		// the tags
		first()
		a2.run("second saves the tags", fill([][2]string{{"#suggested", "database\ndns\nkafka-" + sc}}),
			chromedp.Click(chromedp.ID("tags-free")), mark,
			chromedp.Click(chromedp.CSS(`#tags-h ~ form button[type=submit]`)),
			fresh(`document.body.innerText.includes("another administrator") || document.body.innerText.includes("tag policy is saved")`))
		told("tags")
		if !value(a2, "note", chromedp.Evaluate[bool](`!!document.querySelector("#tags-kept")`)) {
			t.Errorf("(%s) no note by the tags form says it is not saved yet", sc)
		}
		got := value(a2, "tags kept", chromedp.Evaluate[string](`document.querySelector("#suggested").value + "|" + document.querySelector("#tags-free").checked`))
		if want := "database\ndns\nkafka-" + sc + "|false"; got != want {
			t.Errorf("(%s) after a conflict the tags form holds %q, want %q", sc, got, want)
		} else {
			a2.run("save tags again", mark, chromedp.Click(chromedp.CSS(`#tags-h ~ form button[type=submit]`)),
				fresh(`document.body.innerText.includes("tag policy is saved")`))
		}

		// a field's Edit form
		first()
		help := "Where it ran (" + sc + ")"
		a2.run("second edits Region", chromedp.Click(chromedp.CSS(`#fields-table tbody tr:first-child summary`)), chromedp.WaitVisible(chromedp.ID("ef0-help")),
			fill([][2]string{{"#ef0-help", help}}), mark,
			chromedp.Click(chromedp.CSS(`#fields-table tbody tr:first-child details form button[type=submit]`)),
			fresh(`document.body.innerText.includes("another administrator") || document.body.innerText.includes("is changed.")`))
		told("edit field")
		if !value(a2, "note", chromedp.Evaluate[bool](`!!document.querySelector("#ef0-kept")`)) {
			t.Errorf("(%s) no note in Region's Edit form says it is not saved yet", sc)
		}
		if bad := value(a2, "reach kept", chromedp.Evaluate[[]string](outside+`("#fields-table details[open] input, #fields-table details[open] textarea, #fields-table details[open] button, #ef0-kept")`)); len(bad) > 0 {
			t.Errorf("(%s) the kept Edit form at 390 px: %s", sc, strings.Join(bad, "; "))
		}
		got = value(a2, "edit kept", chromedp.Evaluate[string](`(function(){ const d = document.querySelector("#fields-table tbody tr:first-child details"); return d.open + "|" + document.querySelector("#ef0-help").value; })()`))
		if want := "true|" + help; got != want {
			t.Errorf("(%s) after a conflict Region's Edit form is (open|help) %q, want %q", sc, got, want)
		} else {
			a2.run("save field again", mark, chromedp.Click(chromedp.CSS(`#fields-table tbody tr:first-child details form button[type=submit]`)),
				fresh(`document.body.innerText.includes("Field Region is changed.")`))
		}
		a2.shot("qa7-fields-conflict-edit-" + sc + "-390")

		sh := srv.Svc.Shape(ctx)
		if sh.Field(fmt.Sprintf("Cost %d", n)) == nil {
			t.Errorf("(%s) the first admin's field is lost", sc)
		}
		if !slices.Contains(sh.Factors, "security/leak-"+sc) || !slices.Contains(sh.Tags.Suggested, "kafka-"+sc) || sh.Tags.Free {
			t.Errorf("(%s) the second admin's taxonomy or tags are not saved: %q %+v", sc, sh.Factors, sh.Tags)
		}
		if f := sh.Field("Region"); f == nil || f.Help != help {
			t.Errorf("(%s) the second admin's Region help is not saved: %+v", sc, f)
		}
		// put back free tags for the next round
		sh.Tags.Free = true
		y, err := lint.MarshalShape(sh)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Svc.SaveShape(ctx, app.System, y); err != nil {
			t.Fatal(err)
		}
	}
	a1.check()
	a2.check()
}

// TestQA7TrackerPhone: on the action item tracker, at 1280 and 390 px in
// light and dark, a user reaches each item's Create issue button and
// ticket link without scrolling sideways; Create issue works with
// JavaScript (the row says sync pending) and without (a form post back to
// the tracker with its filters), and after the sync the ticket links to
// the created issue on the tracker and on the incident page alike.
func TestQA7TrackerPhone(t *testing.T) {
	gh := &fakeGitHub{}
	srv := startShapeServer(t, gh)
	ctx := context.Background()
	yes := true
	list, err := srv.Svc.Store().FindIncidents(ctx, app.System.Viewer, hindsight.IncidentFilter{HasOpenActionItems: &yes, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, in := range list.Incidents {
		if in.OpenActionItems >= 2 {
			ids = append(ids, in.ID)
		}
	}
	if len(ids) < 2 {
		t.Fatalf("%d incidents with two open items, want 2", len(ids))
	}
	reach := func(b *tab, page string, w int64, sc string) {
		t.Helper()
		bad := value(b, "reach", chromedp.Evaluate[[]string](outside+`("#items form[action$='/issue'] button, #items td.item-ticket a, #items .sync-pending, #items form[action$='/close'] button")`))
		if len(bad) > 0 {
			t.Errorf("%s at %d px (%s): %s", page, w, sc, strings.Join(bad, "; "))
		}
	}

	// with JavaScript, on a phone in the dark
	js := srv.browser(t, dana)
	page := srv.URL + "/action-items?status=open&incident=" + ids[0]
	js.run("tracker 390 dark", scheme(390, "dark"), chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#items")))
	reach(js, "/action-items", 390, "dark")
	// the By owner counts fit a phone: no sideways scroll inside their box
	if w := value(js, "owners", chromedp.Evaluate[[]int](`(t => [t.scrollWidth, t.clientWidth])(document.querySelector("#owners-table"))`)); len(w) != 2 || w[0] > w[1] {
		t.Errorf("the By owner table at 390 px is %v px wide in a box of %v px", w[0], w[1])
	}
	js.run("create with htmx", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(`document.querySelector("#items tbody tr").innerText.includes("sync pending")`))
	reach(js, "/action-items after Create issue", 390, "dark")
	js.shot("qa7-tracker-pending-dark-390")

	// without JavaScript, on a phone in the light, with filters
	nojs := srv.browser(t, sam)
	if _, err := chromedp.Call(nojs.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	page2 := srv.URL + "/action-items?status=open&incident=" + ids[1]
	nojs.run("tracker 390 light", scheme(390, "light"), chromedp.Navigate(page2), chromedp.WaitVisible(chromedp.CSS("#items")))
	reach(nojs, "/action-items without JavaScript", 390, "light")
	nojs.run("create with a form post", chromedp.Click(chromedp.CSS(`#items tbody tr:first-child form[action$="/issue"] button`)),
		waitJS(`!!document.querySelector(".alert")`))
	if loc := value(nojs, "location", chromedp.Location()); !strings.HasPrefix(loc, page2) {
		t.Errorf("without JavaScript Create issue went to %s, want back to %s", loc, page2)
	}
	if r := text(nojs, "#items tbody tr:first-child"); !strings.Contains(r, "sync pending") {
		t.Errorf("without JavaScript the row after Create issue reads %q", r)
	}

	// the sync creates both issues: each ticket links to its issue
	for range 3 {
		if _, err := srv.Svc.SyncTrackers(ctx, 10); err != nil {
			t.Fatal(err)
		}
	}
	for i, b := range []*tab{js, nojs} {
		p := []string{page, page2}[i]
		for _, sc := range []string{"light", "dark"} {
			for _, w := range []int64{1280, 390} {
				b.run("after sync", scheme(w, sc), chromedp.Navigate(p), chromedp.WaitVisible(chromedp.CSS("#items")))
				link := value(b, "ticket", chromedp.Evaluate[string](`(document.querySelector("#items tbody tr:first-child td.item-ticket a") || {}).href || ""`))
				if !strings.HasPrefix(link, "https://github.example/org/repo/issues/") {
					t.Errorf("%s at %d px (%s): the first item's ticket links %q, want the created issue", p, w, sc, link)
				}
				if r := text(b, "#items tbody tr:first-child"); strings.Contains(r, "sync pending") {
					t.Errorf("%s at %d px (%s): after the sync the row still reads %q", p, w, sc, r)
				}
				reach(b, p, w, sc)
				b.shot(fmt.Sprintf("qa7-tracker-%d-%s-%d", i, sc, w))
			}
		}
	}
	// the incident page shows the same ticket
	js.run("incident page", scheme(1280, "light"), chromedp.Navigate(srv.URL+"/incidents/"+ids[0]), chromedp.WaitVisible(chromedp.CSS("#sec-action_items")))
	if s := text(js, "#sec-action_items"); !strings.Contains(s, "#1") && !strings.Contains(s, "#2") {
		t.Errorf("the incident page's action items do not show the created issue: %.400s", s)
	}
	js.check()
	nojs.check()
}

// TestQA7TemplateWithSpace: an administrator adds a template whose name
// has a space on Fields & taxonomy: it is refused naming the Name field
// (not a line of the YAML behind the page) and the form keeps it; with a
// hyphen instead it is saved. On New incident its choice has a valid id
// its label names, a click on the label chooses it, and the incident
// opened with it has the template's section. After a New incident form
// that was refused (no title), the chosen template stays chosen.
func TestQA7TemplateWithSpace(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	a := srv.browser(t, admin)
	a.run("a name with a space", chromedp.Navigate(srv.URL+"/admin/fields"), chromedp.WaitVisible(chromedp.ID("tp-name")),
		fill([][2]string{{"#tp-name", "Data breach"}, {"#tp-sections", "Breach Notes"}}),
		chromedp.Click(chromedp.CSS(`#template-form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Template not saved") || document.body.innerText.includes("Not saved")`))
	// the answer names the form's field, not a line of YAML the admin
	// never saw, and keeps what they typed
	if m := text(a, ".alert"); !strings.Contains(m, "name") || !strings.Contains(m, "Data breach") || strings.Contains(m, "line ") {
		t.Errorf("a template name with a space is refused with %q; want the name field named, no YAML line", m)
	}
	if got := value(a, "kept", chromedp.Evaluate[string](`document.querySelector("#tp-name").value + "|" + document.querySelector("#tp-sections").value`)); got != "Data breach|Breach Notes" {
		t.Errorf("the refused template form holds %q", got)
	}
	a.run("add the template", fill([][2]string{{"#tp-name", "data-breach"}}),
		chromedp.Click(chromedp.CSS(`#template-form button[type=submit]`)),
		waitJS(`document.body.innerText.includes("Template data-breach is saved.")`))
	d := srv.browser(t, dana)
	for _, sc := range []string{"light", "dark"} {
		for _, w := range []int64{1280, 390} {
			d.run("new", scheme(w, sc), chromedp.Navigate(srv.URL+"/incidents/new"), chromedp.WaitVisible(chromedp.ID("template-choice")))
			bad := value(d, "ids", chromedp.Evaluate[[]string](`(function(){
  const out = [], seen = {};
  for (const e of document.querySelectorAll("[id]")) {
    if (/\s/.test(e.id)) out.push("id with white space: " + JSON.stringify(e.id));
    if (seen[e.id]) out.push("duplicate id: " + e.id);
    seen[e.id] = true;
  }
  for (const l of document.querySelectorAll("label[for]")) if (!document.getElementById(l.htmlFor)) out.push("label for " + JSON.stringify(l.htmlFor) + " names no control");
  const i = document.querySelector('input[name="template"][value="data-breach"]');
  if (!i) out.push("no data-breach choice");
  else if (!document.querySelector('label[for="' + CSS.escape(i.id) + '"]')) out.push("the data-breach choice has no label");
  return out;
})()`))
			for _, m := range bad {
				t.Errorf("/incidents/new at %d px (%s): %s", w, sc, m)
			}
			if over := value(d, "overflow", chromedp.Evaluate[[]string](outside+`("#template-choice *")`)); len(over) > 0 {
				t.Errorf("/incidents/new at %d px (%s): %s", w, sc, strings.Join(over, "; "))
			}
			d.shot(fmt.Sprintf("qa7-new-template-%s-%d", sc, w))
		}
	}
	choose := void(chromedp.Evaluate[bool](`(function(){
  const i = document.querySelector('input[name="template"][value="data-breach"]');
  document.querySelector('label[for="' + CSS.escape(i.id) + '"]').click();
  return true; })()`))
	chosen := `document.querySelector('input[name="template"][value="data-breach"]').checked`
	d.run("refused form keeps the template", scheme(1280, "light"), chromedp.Navigate(srv.URL+"/incidents/new"), chromedp.WaitVisible(chromedp.ID("title")),
		choose, waitJS(chosen),
		void(chromedp.Evaluate[bool](`document.querySelector("#title").removeAttribute("required"); document.querySelector("#title").form.requestSubmit(); true`)),
		waitJS(`document.readyState == "complete" && !!document.querySelector("#title") && location.pathname != "/incidents/new" || !!document.querySelector(".alert, .field-error")`))
	if !value(d, "still chosen", chromedp.Evaluate[bool](`!!document.querySelector('input[name="template"][value="data-breach"]') && `+chosen)) {
		t.Errorf("after a refused New incident form the data-breach template is no longer chosen: %.300s", text(d, "main"))
	}
	d.run("open with the template", fill([][2]string{{"#title", "Customer emails exposed"}}), choose, waitJS(chosen),
		void(chromedp.Evaluate[bool](`document.querySelector("#title").form.requestSubmit(); true`)),
		waitJS(`/\/incidents\/INC-/.test(location.pathname)`))
	id := strings.Split(strings.TrimPrefix(value(d, "path", chromedp.Evaluate[string](`location.pathname`)), "/incidents/"), "/")[0]
	raw := value(d, "raw", chromedp.Evaluate[string](`fetch("/incidents/`+id+`/export.md").then(r => r.text())`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if !strings.Contains(raw, "## Breach Notes") {
		t.Errorf("the incident opened with data-breach lacks its section Breach Notes: %.1500s", raw)
	}
	a.check()
	d.check()
}

// TestQA7InsightsDeclaredCase: insights shows a key as the shape declares
// it, follows a change of the declared spelling at once (the page is
// cached until a write), and a free tag first written in a restricted
// incident is shown to a non-member as the public incidents write it, with
// the public count (the oldest unrestricted incident's spelling, for
// every reader).
func TestQA7InsightsDeclaredCase(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	shape := "fields:\n  - name: Region\n    type: enum\n    values: [EU-West-1, US-East-1]\n" +
		"taxonomy:\n  factors: [Capacity, Change/Deploy]\ntags: {free: true, suggested: [PostgreSQL]}\n"
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(shape)); err != nil {
		t.Fatal(err)
	}
	base := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Hour)
	secret := qa7Create(t, srv, qa7Doc{title: "Secret", start: base, tags: []string{"ProjectX", "postgresql"}, factor: "capacity", region: "eu-west-1"})
	if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
		t.Fatal(err)
	}
	qa7Create(t, srv, qa7Doc{title: "Public one", start: base.Add(time.Hour), tags: []string{"projectx"}, factor: "CAPACITY", region: "eu-west-1"})
	qa7Create(t, srv, qa7Doc{title: "Public two", start: base.Add(2 * time.Hour), tags: []string{"PROJECTX", "PostgreSQL"}, factor: "capacity", region: "EU-WEST-1"})
	fig := func(b *tab, id string) string {
		return strings.Join(strings.Fields(value(b, "figure "+id, chromedp.Evaluate[string](`(function(){ const f = document.querySelector(`+jsString(id)+`); return f ? f.textContent : "<none>"; })()`))), " ")
	}
	d := srv.browser(t, dana)
	s := srv.browser(t, sam)
	look := func(when string, cases []struct {
		b                   *tab
		who, fig, want, not string
	}) {
		t.Helper()
		for _, b := range []*tab{d, s} {
			b.run("insights", chromedp.Navigate(srv.URL+"/insights"), chromedp.WaitVisible(chromedp.ID("by-tag")))
		}
		for _, c := range cases {
			got := fig(c.b, c.fig)
			if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
				t.Errorf("%s: %s's %s reads %q; want %q, not %q", when, c.who, c.fig, got, c.want, c.not)
			}
		}
	}
	type cs = struct {
		b                   *tab
		who, fig, want, not string
	}
	look("as written", []cs{
		{d, "dana", "#by-factor-category", "Capacity", "capacity"},
		{s, "sam", "#by-factor-category", "Capacity", "capacity"},
		{d, "dana", "#by-field-region", "EU-West-1", "eu-west-1"},
		{d, "dana", "#by-tag", "PostgreSQL", "postgresql"},
		// a free tag as the oldest unrestricted incident writes it, for
		// everyone (the page explains it)
		{d, "dana", "#by-tag", "projectx: 3", "ProjectX"},
		{s, "sam", "#by-tag", "projectx: 2", "ProjectX"},
	})
	// the admin changes the declared spellings: insights follows at once
	shape2 := strings.NewReplacer("Capacity", "CAPACITY-planning", "EU-West-1", "eu-WEST-1").Replace(shape)
	shape2 = strings.Replace(shape2, "factors: [CAPACITY-planning", "factors: [CaPaCiTy", 1)
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(shape2)); err != nil {
		t.Fatal(err)
	}
	look("after the shape changed", []cs{
		{d, "dana", "#by-factor-category", "CaPaCiTy", "Capacity"},
		{s, "sam", "#by-factor-category", "CaPaCiTy", "Capacity"},
		{s, "sam", "#by-field-region", "eu-WEST-1", "EU-West-1"},
	})
	d.shot("qa7-insights-dana")
	s.shot("qa7-insights-sam")
	d.check()
	s.check()
}

// TestQA7SearchOddInput: what people type in the search box (quotes, a
// lone minus, punctuation, SQL wildcards, a very long word) and a broken
// page link never make a server error: the page answers with results or a
// message, the API with results or a 400 naming the parameter.
func TestQA7SearchOddInput(t *testing.T) {
	for _, store := range qa7Stores(t) {
		t.Run(store, func(t *testing.T) {
			srv := qa7Server(t, store)
			base := time.Now().UTC().Add(-5 * 24 * time.Hour).Truncate(time.Hour)
			for i := range 3 {
				qa7Create(t, srv, qa7Doc{title: fmt.Sprintf("Zeppelin 100%% outage_%d's \"quoted\"", i), start: base.Add(time.Duration(i) * time.Hour)})
			}
			b := srv.browser(t, dana)
			status := func(path string) (int, string) {
				got := value(b, "GET "+path, chromedp.Evaluate[string](`fetch(`+jsString(path)+`).then(r => r.text().then(x => r.status + "\n" + x))`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
				s, body, _ := strings.Cut(got, "\n")
				n := 0
				fmt.Sscan(s, &n)
				return n, body
			}
			for _, q := range []string{`"`, `-`, `--`, `or`, `!!!`, `a"b`, `zeppelin -outage`, `100%`, `outage_0`, `*`, `'`, `zeppelin's`, `"zeppelin 100"`, strings.Repeat("x", 300), `<script>`, `\`, `(`, `:*`, `&`, `|`} {
				for _, p := range []string{"/incidents?q=" + url.QueryEscape(q), "/api/v1/search?q=" + url.QueryEscape(q)} {
					n, body := status(p)
					if n != 200 && n != 400 {
						t.Errorf("GET %s answers %d: %.200s", p, n, body)
					}
					if n == 400 && strings.HasPrefix(p, "/api/") && !strings.Contains(body, `"q"`) {
						t.Errorf("GET %s answers 400 without naming q: %.200s", p, body)
					}
				}
			}
			// a bad cursor: the API refuses it naming it; the page shows the
			// search's first page and says why (0b615b9, as the due list does)
			if n, body := status("/api/v1/search?q=zeppelin&cursor=!!!"); n != 400 || !strings.Contains(body, "cursor") {
				t.Errorf("GET /api/v1/search?q=zeppelin&cursor=!!! answers %d: %.300s; want 400 naming the cursor", n, body)
			}
			if n, body := status("/incidents?q=zeppelin&cursor=!!!"); n != 200 || !strings.Contains(body, "cursor: not a page of this search; showing its first page") || !strings.Contains(body, "Zeppelin") {
				t.Errorf("GET /incidents?q=zeppelin&cursor=!!! answers %d: %.300s; want the first page of the search, saying the cursor is not one of its pages", n, body)
			}
			b.check()
		})
	}
}

// TestQA7LongWordsFitPhone: an incident whose title, tag, field value and
// action item are long unbroken words (a URL, a host name) does not push
// the search results, the filtered list, the tracker or insights wider
// than a 390 px phone, light or dark.
func TestQA7LongWordsFitPhone(t *testing.T) {
	srv := startShapeServer(t, &fakeGitHub{})
	ctx := context.Background()
	long := "https://grafana.example.internal/d/abcdefghijklmnop/checkout-latency-overview-dashboard"
	host := "db-primary-0001.us-east-1.checkout-production.internal.example.com"
	p := qa7Doc{title: "Zeppelin " + long, start: time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Hour), tags: []string{host}, factor: "capacity", region: "eu-west-1"}.postmortem()
	p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Alert on " + host + " replication lag " + long, Owner: "dana@example.test", Priority: hindsight.P1, Status: hindsight.ItemOpen}}
	in, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, dana)
	for _, path := range []string{
		"/incidents?q=zeppelin",
		"/incidents?tag=" + url.QueryEscape(host),
		"/action-items?incident=" + in.ID,
		"/insights",
		"/incidents/" + in.ID,
	} {
		for _, sc := range []string{"light", "dark"} {
			b.run(path, scheme(390, sc), chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if value(b, "page width", chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth > innerWidth`)) {
				wide := value(b, "wide", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("main *")).filter(e => e.getBoundingClientRect().right > innerWidth + 1).slice(-4).map(e => { const out = []; for (let x = e; x && x.tagName != "MAIN"; x = x.parentElement) out.push(x.tagName + (x.id ? "#" + x.id : "") + (x.className ? "." + String(x.className).split(" ")[0] : "")); return Math.round(e.getBoundingClientRect().right) + " " + out.reverse().join(">"); })`))
				t.Errorf("%s at 390 px (%s) scrolls sideways: %q", path, sc, wide)
			}
			b.shot(fmt.Sprintf("qa7-long-%s-%s", strings.NewReplacer("/", "_", "?", "_", "=", "_", "%", "_").Replace(path[:min(len(path), 30)]), sc))
		}
	}
	b.check()
}

// TestQA7TrackerFiltersRestricted: the action item tracker filtered by a
// tag, a factor category or a field value lists a restricted incident's
// items, and counts them by owner, only for its member; after the incident
// loses the tag, neither reader sees its items under that tag.
func TestQA7TrackerFiltersRestricted(t *testing.T) {
	srv := startServer(t, 0)
	ctx := context.Background()
	if err := srv.Svc.SaveShape(ctx, app.System, []byte(qa19Shape)); err != nil {
		t.Fatal(err)
	}
	base := time.Now().UTC().Add(-20 * 24 * time.Hour).Truncate(time.Hour)
	mk := func(title, owner string, d qa7Doc) string {
		d.title = title
		p := d.postmortem()
		p.ActionItems = []hindsight.ActionItem{{ID: "AI-001", Action: "Fix " + title, Owner: owner, Priority: hindsight.P1, Status: hindsight.ItemOpen}}
		in, err := srv.Svc.Create(ctx, app.System, p, app.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	d0 := qa7Doc{start: base, tags: []string{"dns"}, factor: "capacity", region: "eu-west-1"}
	pub := mk("Public", "pat@example.test", d0)
	d0.start = base.Add(time.Hour)
	secret := mk("Secret", "quinn@example.test", d0)
	if _, err := srv.Svc.SetRestriction(ctx, app.System, secret, true, []string{dana}); err != nil {
		t.Fatal(err)
	}
	d := srv.browser(t, dana)
	s := srv.browser(t, sam)
	rows := `Array.from(document.querySelectorAll("#items tbody tr td.item-incident a")).map(a => a.textContent.trim())`
	look := func(when string, b *tab, who string, want []string) {
		t.Helper()
		for _, q := range []string{"tag=dns", "factor=capacity", "field.Region=eu-west-1"} {
			b.run("tracker "+q, chromedp.Navigate(srv.URL+"/action-items?"+q), chromedp.WaitVisible(chromedp.CSS("#items")))
			if got := value(b, "rows", chromedp.Evaluate[[]string](rows)); !slices.Equal(sorted(got), sorted(want)) {
				t.Errorf("%s: %s's tracker ?%s lists %q, want %q", when, who, q, got, want)
			}
			owners := text(b, "#owners-table")
			if strings.Contains(owners, "quinn") != slices.Contains(want, secret) {
				t.Errorf("%s: %s's counts by owner for ?%s: %q", when, who, q, owners)
			}
			var api struct {
				Items []struct {
					IncidentID string `json:"incident_id"`
				} `json:"action_items"`
			}
			fetchJSON(b, "/api/v1/action-items?"+q, &api)
			var ids []string
			for _, it := range api.Items {
				ids = append(ids, it.IncidentID)
			}
			if !slices.Equal(sorted(ids), sorted(want)) {
				t.Errorf("%s: %s's API action items ?%s: %q, want %q", when, who, q, ids, want)
			}
		}
	}
	look("as created", d, "dana", []string{pub, secret})
	look("as created", s, "sam", []string{pub})
	d0.tags, d0.factor, d0.region = []string{"network"}, "change/deploy", "us-east-1"
	d0.title = "Secret"
	qa7Save(t, srv, secret, d0)
	look("after the edit", d, "dana", []string{pub})
	look("after the edit", s, "sam", []string{pub})
	d.check()
	s.check()
}
