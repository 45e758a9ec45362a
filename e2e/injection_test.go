package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// payload is a script-injection attempt: a script element, an event
// handler and a javascript: link.
const payload = `<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))`

// TestScriptInjection puts the payload in every free-text field, saves, and
// visits every page that shows it: the text is shown as text, no dialog
// opens, no script runs and no CSP violation is reported. Every form
// control on those pages has a label.
func TestScriptInjection(t *testing.T) {
	srv := startServer(t, 0)
	b := srv.browser(t, dana)
	b.run("new incident",
		chromedp.Navigate(srv.URL+"/incidents/new"),
		fill([][2]string{{"#title", payload}, {"#services", payload}, {"#commander", payload}, {"#start", "2026-03-20T10:00"}}),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.ID("editor")),
		chromedp.Click(chromedp.ID("tl-add")), chromedp.WaitVisible(chromedp.ID("tl-event-0")),
		chromedp.Click(chromedp.ID("ai-add")), chromedp.WaitVisible(chromedp.ID("ai-action-0")),
	)
	loc := value(b, "editor url", chromedp.Location())
	id := strings.TrimSuffix(strings.TrimPrefix(loc, srv.URL+"/incidents/"), "/edit")

	// every text input and text area of the editor that takes free text
	n := value(b, "fill free text", chromedp.Evaluate[int](`(function(p){
  let n = 0;
  for (const el of document.querySelectorAll('#editor input:not([type]), #editor input[type=text], #editor textarea')) {
    if (/^(duration|tta|ttm|ai_id|ai_target|tl_time|start|end|detection_time)$/.test(el.name) || el.readOnly) continue;
    el.value = p; n++;
  }
  return n;
})(`+jsString(payload)+`)`))
	b.run("answer the Yes/No questions",
		chromedp.Click(chromedp.CSS(`input[name="data_loss"][value="No"]`)), chromedp.Click(chromedp.CSS(`input[name="data_exposure"][value="No"]`)),
		chromedp.Click(chromedp.CSS(`input[name="data_compliance"][value="No"]`)), chromedp.Click(chromedp.CSS(`input[name="rollback"][value="No"]`)))
	if n < 30 {
		t.Fatalf("filled %d free-text fields; the editor has more", n)
	}
	b.run("save", chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("status-box")))

	pages := []string{
		"/incidents/" + id, "/incidents", "/incidents?q=alert", "/incidents/" + id + "/edit", "/incidents/" + id + "/markdown",
		"/incidents/" + id + "/history", "/incidents/" + id + "/diff?from=1&to=2", "/incidents/new",
	}
	for _, p := range pages {
		b.run("visit "+p, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main")))
		bad := value(b, "inspect "+p, chromedp.Evaluate[[]string](`(function(){
  const out = [];
  for (const s of document.querySelectorAll('script')) if (!s.src) out.push('inline script: ' + s.outerHTML.slice(0, 80));
  for (const el of document.querySelectorAll('*')) for (const a of el.attributes) if (/^on/i.test(a.name)) out.push('handler: ' + el.outerHTML.slice(0, 80));
  for (const a of document.querySelectorAll('a[href]')) if (/^\s*javascript:/i.test(a.getAttribute('href'))) out.push('javascript link');
  for (const i of document.querySelectorAll('img')) out.push('image: ' + i.outerHTML.slice(0, 80));
  for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    if (c.getAttribute('aria-hidden') === 'true') continue;
    if ((!c.labels || c.labels.length === 0) && !c.getAttribute('aria-label')) out.push('unlabelled control: ' + c.outerHTML.slice(0, 80));
  }
  return out;
})()`))
		if len(bad) > 0 {
			t.Errorf("%s: %q", p, bad)
		}
		if p == "/incidents/new" {
			continue
		}
		shown := value(b, "text of "+p, chromedp.Evaluate[bool](`document.body.innerText.includes("<script>alert(1)</script>") || Array.from(document.querySelectorAll("textarea, input")).some(e => e.value.includes("<script>alert(1)</script>"))`))
		if !shown {
			t.Errorf("%s: the payload is not shown as text", p)
		}
	}
	// clicking the would-be link does nothing
	b.run("click link text", chromedp.Navigate(srv.URL+"/incidents/"+id), chromedp.WaitVisible(chromedp.ID("status-box")))
	b.shot("injection")
	b.check()
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "`", "\\`", "$", `\$`)
	return "`" + r.Replace(s) + "`"
}
