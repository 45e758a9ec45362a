package e2e

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-pm/hindsight/internal/demo"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// knownFailures are pages of the route table that do not pass the walk
// yet, with why. The list may only shrink: a listed page that passes fails
// the test, so it cannot go stale. Remove an entry as soon as its page is
// fixed.
var knownFailures = map[string]string{}

// walkValues fill the path values of the route patterns (`{id}`, `{n}`...)
// from the demo data; walkPage sets the ones that depend on it. A GET
// route with a path value missing here fails the walk.
func walkValues(incidentID, static string) map[string]string {
	hash, name, _ := strings.Cut(strings.TrimPrefix(static, "/static/"), "/")
	return map[string]string{
		"id":    incidentID, // the incident pages (other {id} routes are JSON)
		"n":     "1",        // the first revision
		"item":  "1",        // the first action item
		"chart": "by-month", // insights charts are SVG, not pages
		"slug":  "payments", // a team (its routes are JSON; the Teams page has no path value)
		"hash":  hash,       // a static asset: not a page
		"name":  name,
	}
}

// The color schemes and widths every page is opened at.
var (
	walkSchemes = []string{"light", "dark"}
	walkWidths  = []int64{1280, 390}
)

var pathValue = regexp.MustCompile(`\{([A-Za-z_]+)(\.\.\.)?\}`)

// TestPageWalk opens every GET route of the route table serve registers
// (internal/stack) that answers with an HTML page, in the light and dark
// color schemes at 1280 and 390 px, and fails on a console error, a CSP
// violation, a failed subresource, a page without the shared nav
// (nav[data-shell] of _layout.html) or a page wider than a 390 px phone.
// The routes open to everyone (sign-in, setup) are opened signed out on a
// fresh install; all others signed in as an admin over the demo data. It
// saves a screenshot of each under testdata/artifacts/screenshots/
// (page-<route name>-<scheme>-<width>.png). A new page is walked without
// editing the test.
func TestPageWalk(t *testing.T) {
	ctx := context.Background()
	ps, err := demo.Postmortems(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, 0)
	if _, err := demo.Seed(ctx, srv.Svc, time.Now()); err != nil {
		t.Fatal(err)
	}
	b := srv.browser(t, admin)
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var session []*http.Cookie
	for _, c := range cookies.Cookies {
		session = append(session, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	_, list := probe(t, srv.URL+"/incidents", session)
	static := regexp.MustCompile(`/static/[^/"]+/app\.css`).FindString(list)
	if static == "" {
		t.Fatal("the incident list links no /static/<hash>/app.css")
	}
	values := walkValues(ps[0].Summary.IncidentID, static)
	walked := walkRoutes(t, newWalker(t, b), srv.Stack.Table(), srv.URL, session, values, nil, func(rt httpx.Route) bool { return rt.Access != httpx.Public })

	// the pages of people not signed in, on a fresh install
	fresh := startServerWith(t, 0, false)
	link, err := fresh.Stack.Auth.SetupLink(ctx, fresh.URL)
	if err != nil || link == "" {
		t.Fatalf("setup link %q: %v", link, err)
	}
	_, query, _ := strings.Cut(link, "?")
	queries := map[string]string{"GET /setup": query} // the one-time setup link
	// the unsubscribe page of emails' links, by an account's token
	mailSet, err := fresh.Stack.Mail.Preference(ctx, "usr_walk")
	if err != nil {
		t.Fatal(err)
	}
	values["token"] = mailSet.UnsubscribeToken
	walked = append(walked, walkRoutes(t, newWalker(t, newBrowser(t)), fresh.Stack.Table(), fresh.URL, nil, values, queries, func(rt httpx.Route) bool { return rt.Access == httpx.Public })...)

	for p := range knownFailures {
		if !slices.Contains(walked, p) {
			t.Errorf("knownFailures lists %s, which is no longer a GET route answering with an HTML page", p)
		}
	}
	if len(walked) < 12 {
		t.Errorf("walked only %d pages: %q", len(walked), walked)
	}
	t.Logf("walked %d pages: %s", len(walked), strings.Join(walked, ", "))
}

// probe GETs url with the cookies, without following redirects.
func probe(t *testing.T, url string, cookies []*http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	cl := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(body)
}

// walkRoutes walks the GET routes of the table that take (with the path
// values and queries given) and answer with an HTML page, and returns
// their patterns.
func walkRoutes(t *testing.T, w *walker, routes []httpx.Route, base string, session []*http.Cookie, values, queries map[string]string, take func(httpx.Route) bool) []string {
	t.Helper()
	var walked []string
	linked := map[string]bool{} // the links checked
	for _, rt := range routes {
		pattern, ok := strings.CutPrefix(rt.Pattern, "GET ")
		if !ok || !take(rt) {
			continue
		}
		path := strings.ReplaceAll(pattern, "{$}", "")
		missing := false
		path = pathValue.ReplaceAllStringFunc(path, func(m string) string {
			v, ok := values[pathValue.FindStringSubmatch(m)[1]]
			if !ok {
				missing = true
			}
			return v
		})
		if missing {
			t.Errorf("%s (%s): no value for a path value of it; add one to walkValues", rt.Pattern, rt.Name)
			continue
		}
		if q := queries[rt.Pattern]; q != "" {
			path += "?" + q
		}
		res, body := probe(t, base+path, session)
		ct := res.Header.Get("Content-Type")
		switch {
		case res.StatusCode >= 300 && res.StatusCode < 400:
			t.Logf("%s: %d to %s (the page it redirects to is walked as its own route)", rt.Pattern, res.StatusCode, res.Header.Get("Location"))
			continue
		case !strings.HasPrefix(ct, "text/html"):
			continue // JSON, SVG, CSS, metrics...
		case strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment"):
			continue // a download (export.html)
		case res.StatusCode != http.StatusOK:
			t.Errorf("%s (%s): GET %s answered %d with an HTML page; fix the page or its value in walkValues:\n%.300s", rt.Pattern, rt.Name, path, res.StatusCode, body)
			continue
		}
		walked = append(walked, rt.Pattern)
		// the page's own links: each new one answers below 400
		for _, m := range pageLink.FindAllStringSubmatch(body, -1) {
			link := html.UnescapeString(m[1])
			if linked[link] || strings.HasPrefix(link, "/auth/oidc/") {
				continue
			}
			linked[link] = true
			if res, _ := probe(t, base+link, session); res.StatusCode >= 400 {
				t.Errorf("%s (%s) at %s links %s, which answers %d", rt.Pattern, rt.Name, path, link, res.StatusCode)
			}
		}
		problems := map[string][]string{} // problem -> modes it showed in
		var order []string
		for _, scheme := range walkSchemes {
			for _, width := range walkWidths {
				mode := fmt.Sprintf("%s %dpx", scheme, width)
				for _, p := range w.visit(base+path, scheme, width, fmt.Sprintf("page-%s-%s-%d", rt.Name, scheme, width)) {
					if len(p) > 240 {
						p = p[:240] + "…"
					}
					if _, seen := problems[p]; !seen {
						order = append(order, p)
					}
					if !slices.Contains(problems[p], mode) {
						problems[p] = append(problems[p], mode)
					}
				}
			}
		}
		var lines []string
		for _, p := range order {
			lines = append(lines, fmt.Sprintf("[%s] %s", strings.Join(problems[p], ", "), p))
		}
		why, known := knownFailures[rt.Pattern]
		switch {
		case known && len(lines) == 0:
			t.Errorf("%s (%s) passes now: remove it from knownFailures (it was listed for: %s)", rt.Pattern, rt.Name, why)
		case known:
			t.Logf("%s (%s): known failure (%s):\n  %s", rt.Pattern, rt.Name, why, strings.Join(lines, "\n  "))
		case len(lines) > 0:
			t.Errorf("%s (%s) at %s:\n  %s", rt.Pattern, rt.Name, path, strings.Join(lines, "\n  "))
		}
	}
	if len(walked) > 0 && len(linked) == 0 {
		t.Errorf("the walked pages (%q) link nothing of the site: the link check read no link", walked)
	}
	t.Logf("checked %d links of the walked pages", len(linked))
	return walked
}

// pageLink finds a page's links to its own site (href="/..."; not
// "//host" nor fragments alone).
var pageLink = regexp.MustCompile(`href="(/[^/"#][^"#]*|/)(?:#[^"]*)?"`)

// walker records what goes wrong on one page visit.
type walker struct {
	t *testing.T
	b *tab

	mu       sync.Mutex
	problems []string
	inflight map[network.RequestID]string
}

// violationsJS records the page's securitypolicyviolation events (the
// listener is added through the DevTools protocol, which the policy does
// not restrict).
const violationsJS = `window.__hsViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__hsViolations.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

func newWalker(t *testing.T, b *tab) *walker {
	w := &walker{t: t, b: b, inflight: map[network.RequestID]string{}}
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationsJS}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Listen(b.ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					if a.Description != "" {
						args = append(args, a.Description)
					} else {
						args = append(args, strings.Trim(string(a.Value), `"`))
					}
				}
				w.problems = append(w.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			w.problems = append(w.problems, "script exception: "+e.ExceptionDetails.Text+" "+exceptionText(e.ExceptionDetails))
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Source == cdplog.EntrySourceSecurity {
				w.problems = append(w.problems, fmt.Sprintf("console (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			w.inflight[e.RequestID] = e.Request.URL
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				w.problems = append(w.problems, fmt.Sprintf("%s %s: HTTP %d", e.Type, e.Response.URL, e.Response.Status))
			}
		case *network.EventLoadingFinished:
			delete(w.inflight, e.RequestID)
		case *network.EventLoadingFailed:
			url := w.inflight[e.RequestID]
			delete(w.inflight, e.RequestID)
			w.problems = append(w.problems, fmt.Sprintf("%s %s failed: %s %s", e.Type, url, e.ErrorText, e.BlockedReason))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return w
}

// pageChecksJS reports, as a list of strings, what the page itself shows
// wrong: CSP violations, a missing shared nav, form controls without a
// label (label element, aria-label, aria-labelledby or title), and (at phone width)
// horizontal overflow with the elements that stick out.
const pageChecksJS = `(function (phone) {
  const out = (window.__hsViolations || []).map(function (v) { return "CSP violation: " + v; });
  if (!document.querySelector("nav[data-shell]")) out.push("no shared nav (nav[data-shell] of _layout.html)");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "reset" || el.type === "image") continue;
    if (el.labels && el.labels.length) continue;
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.getAttribute("title")) continue;
    out.push("form control without a label: " + el.tagName.toLowerCase() + (el.name ? "[name=" + el.name + "]" : "") + (el.id ? "#" + el.id : ""));
  }
  const de = document.documentElement;
  if (phone && de.scrollWidth > window.innerWidth) {
    const wide = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > window.innerWidth + 1 && r.width > 0 && wide.length < 5) {
        let name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.classList.length ? "." + Array.from(el.classList).join(".") : "");
        wide.push(name + " (right edge " + Math.round(r.right) + "px)");
      }
    }
    out.push("horizontal overflow: the page is " + de.scrollWidth + " px wide in a " + window.innerWidth + " px window; sticking out: " + wide.join(", "));
  }
  return out;
})(%t)`

// visit opens url in the color scheme and at the width, waits until the
// page and what it loads are done, saves a screenshot and returns the
// problems seen.
func (w *walker) visit(url, scheme string, width int64, shot string) []string {
	w.t.Helper()
	w.mu.Lock()
	w.problems, w.inflight = nil, map[network.RequestID]string{}
	w.mu.Unlock()
	w.b.run("open "+shot,
		chromedp.EmulateViewport(width, 900),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			})
			return err
		}),
		chromedp.Navigate(url),
		w.settled(),
	)
	got := value(w.b, "check "+shot, chromedp.Evaluate[[]string](fmt.Sprintf(pageChecksJS, width < 600)))
	w.b.shot(shot)
	w.mu.Lock()
	defer w.mu.Unlock()
	return append(slices.Clone(w.problems), got...)
}

// settled waits until no request has been in flight for a moment (htmx
// loads parts of some pages after the load event), at most 10 seconds.
func (w *walker) settled() chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(10 * time.Second)
		quiet := 0
		for quiet < 3 && time.Now().Before(deadline) {
			w.mu.Lock()
			n := len(w.inflight)
			w.mu.Unlock()
			if n == 0 {
				quiet++
			} else {
				quiet = 0
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return chromedp.Void{}, nil
	}
}
