package markdown

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestAutolinks(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"see https://example.com/a?b=c&d=e.", "see <https://example.com/a?b=c&d=e>."},
		{"https://status.example.com", "<https://status.example.com>"},
		{"(https://example.com/p) and \"https://q.example/x\"", "(<https://example.com/p>) and \"<https://q.example/x>\""},
		{"https://en.wikipedia.org/wiki/Foo_(bar))", "<https://en.wikipedia.org/wiki/Foo_(bar)>)"},
		{"mail oncall@example.com now", "mail <oncall@example.com> now"},
		{"**https://x.example/y**", "**<https://x.example/y>**"},
		{"a https://x.example|b", "a <https://x.example>|b"},
		// left alone
		{"[x](https://example.com) ![i](https://example.com/i.png)", "[x](https://example.com) ![i](https://example.com/i.png)"},
		{"`https://code.example` and ``a `https://b.example` c``", "`https://code.example` and ``a `https://b.example` c``"},
		{"```\ncurl https://x.example\n```\nhttps://y.example", "```\ncurl https://x.example\n```\n<https://y.example>"},
		{"<!-- https://x.example -->", "<!-- https://x.example -->"},
		{"<a href=\"https://x.example\">x</a>", "<a href=\"https://x.example\">x</a>"},
		{"<table>\n<tr><td>https://x.example</td></tr>\n</table>", "<table>\n<tr><td>https://x.example</td></tr>\n</table>"},
		{"[ref]: https://x.example/doc", "[ref]: https://x.example/doc"},
		{"---\nurl: https://x.example\n---\nhttps://y.example", "---\nurl: https://x.example\n---\n<https://y.example>"},
		{"www.example.com", "www.example.com"},
		{"ftp://files.example.com", "ftp://files.example.com"},
		{"@dana and git@ and a@b", "@dana and git@ and a@b"},
		{"\\https://x.example", "\\https://x.example"},
		{"xhttps://x.example", "xhttps://x.example"},
	} {
		got := autolinks(c.in)
		if got != c.want {
			t.Errorf("autolinks(%q) = %q; want %q", c.in, got, c.want)
		}
		if back := bareLinks(got); back != c.in {
			t.Errorf("bareLinks(%q) = %q; want %q", got, back, c.in)
		}
	}
	if got := bareLinks("<https://example.com/z>"); got != "https://example.com/z" {
		t.Errorf("an autolink reads as %q; want the bare address", got)
	}
	// an autolink whose bare form would read differently stays an autolink
	for _, s := range []string{"<https://x.example/a.>", "<https://x.example>y", "a<https://x.example>", "<https://x.example>(b)"} {
		if got := bareLinks(s); got != s && autolinks(got) != s {
			t.Errorf("bareLinks(%q) = %q, which autolinks writes as %q", s, got, autolinks(got))
		}
	}
}

// TestAutolinksRoundTrip (property): unwrapping what autolinks wrote gives
// the text back, and wrapping is idempotent.
func TestAutolinksRoundTrip(t *testing.T) {
	pieces := []string{"https://x.example/a", "http://y.example", "oncall@example.com", "word", " ", "\n", ".", ",", ")", "(", "`", "[t](https://l.example)", "<https://z.example>", "<b>", "**", "|", "-", "a@b", "www.w.example", "```\n", "<!-- c -->", "\\", ":", "/"}
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(rt, "n")
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(rapid.SampledFrom(pieces).Draw(rt, "piece"))
		}
		s := b.String()
		w := autolinks(s)
		if autolinks(w) != w {
			rt.Fatalf("autolinks not idempotent: %q -> %q -> %q", s, w, autolinks(w))
		}
		u := bareLinks(w)
		if autolinks(u) != w {
			rt.Fatalf("%q -> wrapped %q -> bare %q -> wrapped %q", s, w, u, autolinks(u))
		}
		if bareLinks(u) != u {
			rt.Fatalf("bareLinks not idempotent: %q -> %q", u, bareLinks(u))
		}
	})
}

const linkDoc = `# Incident Postmortem: Links everywhere

**Status:** Draft

## Incident Summary

- **Incident ID:** INC-20240207-001
- **Start Time (UTC):** 2024-02-07 16:40

## Executive Summary

The status page https://status.example.com/incidents/42 carried the updates; see also <https://wiki.example.com/pm>.

## Timeline (UTC)

| Time (UTC) | Event |
| --- | --- |
| 2024-02-07 16:50 | Alert https://grafana.example.com/d/abc fired, mail to oncall@example.com |

## Action Items

| ID | Action | Owner | Priority | Target Date | Status |
| --- | --- | --- | --- | --- | --- |
| AI-001 | Fix https://github.com/org/repo/issues/1 | dana@example.com | P1 | 2024-03-01 | Open |

## Attachments & References

- https://github.com/org/repo/pull/2
- Runbook: https://runbooks.example.com/dns.
- ` + "`https://in-code.example`" + `
`

// TestRenderWritesAutolinks: fmt writes bare addresses as autolinks, the
// model keeps the bare address, fmt is idempotent, and the output passes
// markdownlint-cli2 with the repository's configuration when it is
// installed (cd bench/lint && npm ci).
func TestRenderWritesAutolinks(t *testing.T) {
	doc, _ := Parse([]byte(linkDoc))
	out := Render(doc)
	for _, want := range []string{"<https://status.example.com/incidents/42>", "<https://wiki.example.com/pm>", "<https://grafana.example.com/d/abc>", "<oncall@example.com>", "<dana@example.com>", "- <https://github.com/org/repo/pull/2>", "<https://runbooks.example.com/dns>.", "`https://in-code.example`"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if doc.ActionItems[0].Owner != "dana@example.com" || !strings.Contains(doc.ExecutiveSummary, " https://wiki.example.com/pm.") {
		t.Errorf("model does not hold the bare addresses: %q %q", doc.ActionItems[0].Owner, doc.ExecutiveSummary)
	}
	doc2, _ := Parse(out)
	if !reflect.DeepEqual(doc2, doc) {
		t.Errorf("parse(render(x)) != x:\n%+v\n%+v", doc2, doc)
	}
	if again := Render(doc2); string(again) != string(out) {
		t.Errorf("not idempotent:\n%s", lineDiff(string(out), string(again)))
	}
	if doc.References[0] != "https://github.com/org/repo/pull/2" {
		t.Errorf("reference = %q", doc.References[0])
	}
	mdl, err := filepath.Abs("../bench/lint/node_modules/.bin/markdownlint-cli2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mdl); err != nil {
		t.Skip("markdownlint-cli2 is not installed (cd bench/lint && npm ci); the Markdown checks above ran")
	}
	dir := t.TempDir()
	cfg, err := os.ReadFile("../.markdownlint-cli2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".markdownlint-cli2.yaml"), cfg, 0o644)
	os.WriteFile(filepath.Join(dir, "links.md"), out, 0o644)
	cmd := exec.Command(mdl, "links.md")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("markdownlint-cli2 on the canonical output: %v\n%s\n%s", err, b, out)
	}
}
