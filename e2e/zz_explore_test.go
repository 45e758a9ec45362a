package e2e

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

const qaBase = "http://127.0.0.1:18555"

func qaLogin(t *testing.T, email, pw string) *tab {
	b := newBrowser(t)
	b.run("login", chromedp.Navigate(qaBase+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		fill([][2]string{{"#email", email}, {"#password", pw}}),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.Sleep(7e8))
	return b
}

func qaReport(t *testing.T, b *tab, label string) {
	t.Helper()
	s := value(b, "report "+label, chromedp.Evaluate[string](`location.pathname+location.search+" | h1="+(document.querySelector("main h1")||{}).textContent+" | alerts="+JSON.stringify([...document.querySelectorAll(".alert,.field-error,.banner,[role=status],[role=alert]")].map(e=>e.textContent.trim().slice(0,200)))+" | focus="+(document.activeElement&&document.activeElement.id)+" | overflow="+(document.documentElement.scrollWidth>window.innerWidth)`))
	t.Logf("%s: %s", label, s)
	b.saveViewport("qa-" + label)
}

func TestZZFlows(t *testing.T) {
	if os.Getenv("QA_FLOWS") == "" {
		t.Skip()
	}
	b := qaLogin(t, "ada@example.test", password)
	qaReport(t, b, "01-after-login")
	// wrong password
	w := newBrowser(t)
	w.run("bad login", chromedp.Navigate(qaBase+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		fill([][2]string{{"#email", "ada@example.test"}, {"#password", "wrong password here"}}),
		chromedp.Click(chromedp.CSS("main button[type=submit]")), chromedp.Sleep(7e8))
	qaReport(t, w, "02-bad-login")
	w.run("reload", chromedp.Reload(), chromedp.Sleep(5e8))
	qaReport(t, w, "02b-bad-login-reload")
	// users: add
	b.run("users", chromedp.Navigate(qaBase+"/admin/users"), chromedp.WaitVisible(chromedp.ID("email")))
	qaReport(t, b, "03-users")
	b.run("add user short pw", fill([][2]string{{"#email", "dana@example.test"}, {"#name", "Dana"}, {"#password", "short"}}),
		void(chromedp.Evaluate[bool](`document.querySelectorAll("form").forEach(f=>f.noValidate=true);true`)),
		chromedp.Click(chromedp.CSS(".add-user button[type=submit]")), chromedp.Sleep(7e8))
	qaReport(t, b, "04-add-user-shortpw")
	b.run("add user", chromedp.Navigate(qaBase+"/admin/users"), chromedp.WaitVisible(chromedp.ID("email")), fill([][2]string{{"#email", "dana@example.test"}, {"#name", "Dana"}, {"#password", password}}),
		chromedp.Click(chromedp.CSS(".add-user button[type=submit]")), chromedp.Sleep(7e8))
	qaReport(t, b, "05-add-user")
	b.run("add user dup", fill([][2]string{{"#email", "dana@example.test"}, {"#name", "Dana"}, {"#password", password}}),
		chromedp.Click(chromedp.CSS(".add-user button[type=submit]")), chromedp.Sleep(7e8))
	qaReport(t, b, "06-add-user-dup")
	b.run("add sam", chromedp.Navigate(qaBase+"/admin/users"), chromedp.WaitVisible(chromedp.ID("email")), fill([][2]string{{"#email", "sam@example.test"}, {"#name", "Sam"}, {"#password", password}, {"#role", "editor"}}),
		chromedp.Click(chromedp.CSS(".add-user button[type=submit]")), chromedp.Sleep(7e8))
	qaReport(t, b, "07-add-sam")
	// role change on dana (second row?)
	b.run("role", void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));r.querySelector("select").value="viewer";r.querySelector("form.inline-form button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "08-role")
	b.run("disable", void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));r.querySelectorAll("form")[1].querySelector("button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "09-disable")
	b.run("enable", void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));r.querySelectorAll("form")[1].querySelector("button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "09b-enable")
	b.run("role back", void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));r.querySelector("select").value="editor";r.querySelector("form.inline-form button").click();return true})()`)), chromedp.Sleep(7e8))
	b.run("reset short", void(chromedp.Evaluate[bool](`(function(){document.querySelectorAll("form").forEach(f=>f.noValidate=true);const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));const f=r.querySelectorAll("form")[2];f.querySelector("input[type=password]").value="x";f.querySelector("button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "10-reset-short")
	b.run("reset", chromedp.Navigate(qaBase+"/admin/users"), chromedp.Sleep(5e8), void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("dana@"));const f=r.querySelectorAll("form")[2];f.querySelector("input[type=password]").value="`+password+`";f.querySelector("button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "11-reset")
	b.run("self disable", void(chromedp.Evaluate[bool](`(function(){const r=[...document.querySelectorAll("table.users tbody tr")].find(r=>r.textContent.includes("ada@"));r.querySelectorAll("form")[1].querySelector("button").click();return true})()`)), chromedp.Sleep(7e8))
	qaReport(t, b, "12-self-disable")
	// account
	b.run("account", chromedp.Navigate(qaBase+"/account"), chromedp.WaitVisible(chromedp.ID("tname")))
	qaReport(t, b, "13-account")
	b.run("token", fill([][2]string{{"#tname", "CI export"}}), chromedp.Click(chromedp.CSS("form[action='/account/tokens'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "14-token")
	b.run("reload token", chromedp.Reload(), chromedp.Sleep(5e8))
	qaReport(t, b, "14b-token-reload")
	b.run("revoke", void(chromedp.Evaluate[bool](`document.querySelector("details.confirm summary").click();true`)), chromedp.Sleep(2e8), void(chromedp.Evaluate[bool](`document.querySelector("details.confirm form button").click();true`)), chromedp.Sleep(7e8))
	qaReport(t, b, "15-revoke")
	b.run("pw wrong current", void(chromedp.Evaluate[bool](`document.querySelectorAll("form").forEach(f=>f.noValidate=true);true`)), fill([][2]string{{"#current", "nope nope nope"}, {"#newpw", "another good password"}}), chromedp.Click(chromedp.CSS("form[action='/account/password'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "16-pw-wrong")
	b.run("pw short", void(chromedp.Evaluate[bool](`document.querySelectorAll("form").forEach(f=>f.noValidate=true);true`)), fill([][2]string{{"#current", password}, {"#newpw", "short"}}), chromedp.Click(chromedp.CSS("form[action='/account/password'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "17-pw-short")
	b.run("pw ok", fill([][2]string{{"#current", password}, {"#newpw", password}}), chromedp.Click(chromedp.CSS("form[action='/account/password'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "18-pw-ok")
	// webhooks
	b.run("webhooks", chromedp.Navigate(qaBase+"/admin/webhooks"), chromedp.WaitVisible(chromedp.ID("wh-url")))
	qaReport(t, b, "19-webhooks")
	b.run("wh none", void(chromedp.Evaluate[bool](`document.querySelectorAll("form").forEach(f=>f.noValidate=true);true`)), fill([][2]string{{"#wh-url", "ftp://x"}}), chromedp.Click(chromedp.CSS("form[action='/admin/webhooks'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "20-wh-bad")
	b.run("wh add", fill([][2]string{{"#wh-url", "https://hooks.example.com/hindsight"}, {"#wh-description", "#incidents"}}), void(chromedp.Evaluate[bool](`document.querySelector("input[name=events]").checked=true;true`)), chromedp.Click(chromedp.CSS("form[action='/admin/webhooks'] button")), chromedp.Sleep(7e8))
	qaReport(t, b, "21-wh-add")
	b.run("wh disable", void(chromedp.Evaluate[bool](`document.querySelector("form[action$='/toggle'] button").click();true`)), chromedp.Sleep(7e8))
	qaReport(t, b, "22-wh-disable")
	b.run("wh enable", void(chromedp.Evaluate[bool](`document.querySelector("form[action$='/toggle'] button").click();true`)), chromedp.Sleep(7e8))
	qaReport(t, b, "23-wh-enable")
	b.run("wh delete", void(chromedp.Evaluate[bool](`document.querySelector("details.confirm summary").click();true`)), chromedp.Sleep(2e8), void(chromedp.Evaluate[bool](`document.querySelector("details.confirm form button").click();true`)), chromedp.Sleep(7e8))
	qaReport(t, b, "24-wh-delete")
	// audit
	b.run("audit", chromedp.Navigate(qaBase+"/admin/audit"), chromedp.Sleep(5e8))
	qaReport(t, b, "25-audit")
	// action items
	b.run("items", chromedp.Navigate(qaBase+"/action-items"), chromedp.Sleep(5e8))
	qaReport(t, b, "26-items")
	// sign out
	b.run("signout", chromedp.Click(chromedp.CSS("form.top-user button")), chromedp.Sleep(7e8))
	qaReport(t, b, "27-signout")
	b.check()
	w.check()
}
