package markdown

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// wantItem is an expected action item; "" fields are expected empty.
type wantItem struct {
	action, owner string
	priority      hindsight.Priority
	target        string // Date.String(): a date, or the text kept
	status        hindsight.ItemStatus
}

func checkItems(t *testing.T, got []hindsight.ActionItem, want []wantItem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d items %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Action != w.action || g.Owner != w.owner || g.Priority != w.priority || g.TargetDate.String() != w.target || g.Status != w.status {
			t.Errorf("item %d:\n got %q %q %q %q %q\nwant %q %q %q %q %q", i, g.Action, g.Owner, g.Priority, g.TargetDate.String(), g.Status,
				w.action, w.owner, w.priority, w.target, w.status)
		}
	}
}

// roundTrip checks that fmt keeps the model, every word, and is idempotent.
func roundTrip(t *testing.T, src string) {
	t.Helper()
	doc, _ := Parse([]byte(src))
	out := Render(doc)
	doc2, _ := Parse(out)
	if again := Render(doc2); string(again) != string(out) {
		t.Errorf("fmt is not idempotent:\n%s", lineDiff(string(out), string(again)))
	}
	if lost := LostWords([]byte(src), out, nil); len(lost) > 0 {
		t.Errorf("fmt lost words %q:\n%s", lost, out)
	}
	a, b := *doc, *doc2
	a.Hints, b.Hints = nil, nil
	if ja, jb := mustJSON(t, a), mustJSON(t, b); ja != jb {
		t.Errorf("the model changed through fmt:\n%s", lineDiff(ja, jb))
	}
}

func TestChecklistActionItems(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []wantItem
	}{
		{"handle, due and priority in parentheses", "- [ ] Canary the DNS config rollout @net-oncall due 2024-03-01 (P1)\n",
			[]wantItem{{"Canary the DNS config rollout", "@net-oncall", hindsight.P1, "2024-03-01", hindsight.ItemOpen}}},
		{"owner after a dash, quarter kept as text", "- [x] Add a negative-cache TTL floor — owner: Ann, P0, due: Q2 2024\n",
			[]wantItem{{"Add a negative-cache TTL floor", "Ann", hindsight.P0, "Q2 2024", hindsight.ItemClosed}}},
		{"dash-separated segments", "* [x] Disable the scaling activities — @networking — due 2021-12-10 — P0\n* [ ] Fix the clients' back-off behaviour — @service-teams — due 2022-01-31 — P1\n",
			[]wantItem{{"Disable the scaling activities", "@networking", hindsight.P0, "2021-12-10", hindsight.ItemClosed},
				{"Fix the clients' back-off behaviour", "@service-teams", hindsight.P1, "2022-01-31", hindsight.ItemOpen}}},
		{"sub-bullets stay with their item", "- [ ] Stage content deployments @content-release due 2024-09-30 (P0)\n    - customers choose when they receive updates\n- [ ] Add bounds checks @sensor-eng due 2024-08-09 (P1)\n",
			[]wantItem{{"Stage content deployments\n  - customers choose when they receive updates", "@content-release", hindsight.P0, "2024-09-30", hindsight.ItemOpen},
				{"Add bounds checks", "@sensor-eng", hindsight.P1, "2024-08-09", hindsight.ItemOpen}}},
		{"priority in parentheses after a dash segment", "- [ ] Document which features can be switched off — @platform-reliability — due 2021-02-15 (P2)\n",
			[]wantItem{{"Document which features can be switched off", "@platform-reliability", hindsight.P2, "2021-02-15", hindsight.ItemOpen}}},
		{"a dash inside the action is text", "- [ ] Roll back - then re-deploy the fix\n",
			[]wantItem{{"Roll back - then re-deploy the fix", "", "", "", hindsight.ItemOpen}}},
		{"an e-mail address is not a handle", "- [ ] Write to ops@example.com about it\n",
			[]wantItem{{"Write to ops@example.com about it", "", "", "", hindsight.ItemOpen}}},
		{"unicode handle", "- [x] CDN 障害時の切り替え手順書を作成 @配信基盤チーム due 2021-06-30 (P2)\n",
			[]wantItem{{"CDN 障害時の切り替え手順書を作成", "@配信基盤チーム", hindsight.P2, "2021-06-30", hindsight.ItemClosed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "# Incident Postmortem: x\n\n## Action Plan\n\n" + tc.src
			doc, _ := Parse([]byte(src))
			checkItems(t, doc.ActionItems, tc.want)
			roundTrip(t, src)
		})
	}
}

func TestSectionAliases(t *testing.T) {
	for heading, key := range map[string]string{
		"Root Causes": hindsight.SecRootCause, "Follow-ups": hindsight.SecActionItems, "Action Plan": hindsight.SecActionItems,
		"Action Items / Follow-ups": hindsight.SecActionItems, "Corrective Actions": hindsight.SecActionItems, "Remediation": hindsight.SecResolution,
		"Impact": hindsight.SecImpact, "Detection": hindsight.SecDetection, "Timeline (all times PT)": hindsight.SecTimeline,
		"Timeline — all times Pacific": hindsight.SecTimeline, "3. Timeline": hindsight.SecTimeline, "📋 Action Items": hindsight.SecActionItems,
		"What didn’t go well": hindsight.SecWentPoorly, "Lessons Learned": "", "Where we got lucky": "",
	} {
		if got := sectionKey(heading); got != key {
			t.Errorf("sectionKey(%q) = %q, want %q", heading, got, key)
		}
	}
}

func TestEmojiMarkers(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status hindsight.ItemStatus
		ok     bool
	}{{"✅ Done", hindsight.ItemClosed, true}, {"⚠️ Open", hindsight.ItemOpen, true}, {"✅", hindsight.ItemClosed, true}, {"☑️", hindsight.ItemClosed, true},
		{"🔴", "🔴", false}, {"🟢 In progress", hindsight.ItemOpen, true}, {"**✅ Done**", hindsight.ItemClosed, true}} {
		if got, ok := itemStatusOf(tc.in); got != tc.status || ok != tc.ok {
			t.Errorf("itemStatusOf(%q) = %q %v, want %q %v", tc.in, got, ok, tc.status, tc.ok)
		}
	}
	for _, tc := range []struct {
		in string
		p  hindsight.Priority
		ok bool
	}{{"🔴 P0", hindsight.P0, true}, {"🟠 High", hindsight.P1, true}, {"🟡 Medium", hindsight.P2, true}, {"🔴", "🔴", false}, {"Low", "Low", false}, {"Critical", hindsight.P0, true}} {
		if got, ok := priorityOf(tc.in); got != tc.p || ok != tc.ok {
			t.Errorf("priorityOf(%q) = %q %v, want %q %v", tc.in, got, ok, tc.p, tc.ok)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestMetadataShapes(t *testing.T) {
	type want struct {
		status, owner, id, sev, start, duration string
		services                                []string
	}
	for _, tc := range []struct {
		name, src string
		want      want
	}{
		{"Google Docs: a paragraph per line, bold, escapes", "# **2023-03-08 Incident: connectivity**\n\n**Incident ID:** INC\\-20230308\\-001\n\n**Status:** Published\n\n**Severity:** SEV\\-1\n\n**Owner:** Platform\\_Engineering\n\n**Start Time (UTC):** 2023\\-03\\-08 06:03\n\n**Duration:** 48h 22m\n\n**Services Affected:** US1, EU1 (all services)\n\n## Executive Summary\n\nx\n",
			want{"Published", `Platform\_Engineering`, "INC-20230308-001", "SEV-1", "2023-03-08 06:03", "48:22", []string{"US1", "EU1"}}},
		{"plain Key: Value lines in one paragraph", "# Root cause analysis: elevated error rates\n\nStatus: Published\nOwner: Stripe Infrastructure\nSeverity: SEV-1\nIncident ID: INC-20190710-001\nStart Time: 2019-07-10 16:35 UTC\nServices Affected: api (most API requests failed)\n\n## Summary\n\nx\n",
			want{"Published", "Stripe Infrastructure", "INC-20190710-001", "SEV-1", "2019-07-10 16:35", "", []string{"api"}}},
		{"unknown keys are fields of their own, non-breaking spaces and hard breaks", "# Outage\n\nCreated: June 24, 2022 10:05 AM\nIncident ID:\u00a0INC-20220621-001  \n**Severity:**\u00a0SEV-1  \nStatus: Published\nOwner: Production Engineering\nTags: bgp, network\n\n## TL;DR\n\nx\n",
			want{"Published", "Production Engineering", "INC-20220621-001", "SEV-1", "", "", nil}},
		{"a Summary field written twice at the top stays there as written", "# x\n\nSeverity: SEV-1\nSeverity: SEV-2\nOwner: Ann\n\n## Incident Summary\n\n- **Start Time (UTC):** 2024-02-07 16:50\n",
			want{"", "Ann", "", "", "2024-02-07 16:50", "", nil}},
		{"labels in the metadata and again in the summary", "# x\n\n**Severity:** SEV-2\n\n## Incident Summary\n\n- **Severity:** SEV-1\n",
			want{"", "", "", "SEV-2", "", "", nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := Parse([]byte(tc.src))
			s := doc.Summary
			var names []string
			for _, sv := range s.Services {
				names = append(names, sv.Name)
			}
			got := want{string(doc.Status), doc.Owner, s.IncidentID, string(s.Severity), s.Start.String(), s.Duration.String(), names}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			roundTrip(t, tc.src)
		})
	}
}

func TestSubsectionsStayTheirOwn(t *testing.T) {
	src := "# Incident Postmortem: x\n\n## What Went Well\n\n- The restore worked on the first attempt\n\n### Where we got lucky\n\n- The backup was only a few hours old\n\n## What Went Poorly\n\n- Paging storm drowned the signal\n- Runbook was stale\n\n### Near misses\n\n- The backup resolver was one push away from the same change\n- Nobody noticed the canary alarm\n\n## Root Cause\n\n- **Primary Cause:** a config push\n\n### Contributing factors we ruled out\n\nThe network was healthy.\n\n## Action Items\n\n| ID | Action | Owner | Priority | Target Date | Status |\n| --- | --- | --- | --- | --- | --- |\n| AI-001 | Add a TTL floor | Ann | P0 | 2024-03-01 | Open |\n"
	doc, _ := Parse([]byte(src))
	if len(doc.WentWell) != 1 || len(doc.WentPoorly) != 2 || doc.WentPoorly[1] != "Runbook was stale" {
		t.Errorf("items merged: well %q poorly %q", doc.WentWell, doc.WentPoorly)
	}
	if a := doc.Extras[hindsight.SecWentPoorly].After; !strings.HasPrefix(a, "### Near misses\n\n- The backup resolver") {
		t.Errorf("subsection not kept in place: %q", a)
	}
	if doc.RootCause.Primary != "a config push" || !strings.Contains(doc.Extras[hindsight.SecRootCause].After, "### Contributing factors we ruled out") {
		t.Errorf("root cause %q extras %+v", doc.RootCause.Primary, doc.Extras[hindsight.SecRootCause])
	}
	out := string(Render(doc))
	if !strings.Contains(out, "- Runbook was stale\n\n### Near misses\n\n- The backup resolver was one push away from the same change\n- Nobody noticed the canary alarm\n\n## Action Items") {
		t.Errorf("fmt moved the subsection:\n%s", out)
	}
	roundTrip(t, src)
}

func TestSubBulletLevels(t *testing.T) {
	for name, src := range map[string]string{
		"four spaces": "- Nobody noticed the canary alarm\n    - it was muted since January\n        - by a previous incident\n- Runbook was stale\n",
		"tabs":        "- Nobody noticed the canary alarm\n\t- it was muted since January\n\t\t- by a previous incident\n- Runbook was stale\n",
		"two spaces":  "- Nobody noticed the canary alarm\n  - it was muted since January\n    - by a previous incident\n- Runbook was stale\n",
	} {
		t.Run(name, func(t *testing.T) {
			full := "# Incident Postmortem: x\n\n## What Went Poorly\n\n" + src
			doc, _ := Parse([]byte(full))
			if len(doc.WentPoorly) != 2 || doc.WentPoorly[1] != "Runbook was stale" {
				t.Fatalf("items %q", doc.WentPoorly)
			}
			// the nesting read back from the rendered Markdown: three levels
			out := Render(doc)
			root := Parser().Parse(text.NewReader(out))
			depth := 0
			_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
				if l, ok := n.(*ast.List); ok && entering {
					d := 0
					for p := l.Parent(); p != nil; p = p.Parent() {
						if _, ok := p.(*ast.List); ok {
							d++
						}
					}
					depth = max(depth, d+1)
				}
				return ast.WalkContinue, nil
			})
			if depth != 3 {
				t.Errorf("list depth %d after fmt, want 3:\n%s", depth, out)
			}
			roundTrip(t, full)
		})
	}
	// sub-bullets of a labelled field keep their levels too
	doc, _ := Parse([]byte("## Root Cause\n\n- **Contributing Factors:**\n    - no alert on lag\n        - the alert was deleted in 2022\n    - stale runbook\n"))
	if f := doc.RootCause.Factors; len(f) != 2 || !strings.Contains(f[0], "\n") || f[1] != "stale runbook" {
		t.Errorf("factors %q", f)
	}
}

// Confluence storage format, as "Export to Markdown" and copy-paste leave
// it: classes on every cell, <p> wrappers, <br> inside cells, entities.
const confluenceTimeline = `<table class="confluenceTable"><colgroup><col /><col /></colgroup>
<tbody>
<tr><th class="confluenceTh"><p><strong>Time (UTC)</strong></p></th><th class="confluenceTh"><p><strong>Event</strong></p></th></tr>
<tr><td class="confluenceTd"><p>2018-10-21 22:52</p></td><td class="confluenceTd"><p>Network partition of 43&nbsp;seconds; Orchestrator promotes <span style="color: rgb(255,0,0);">West Coast</span> primaries</p></td></tr>
<tr><td class="confluenceTd">2018-10-21 23:07</td><td class="confluenceTd">Deployment tooling locked<br/>Site put in <strong>yellow</strong> status &amp; users told</td></tr>
</tbody>
</table>`

func TestHTMLTables(t *testing.T) {
	type ev struct{ time, event string }
	for _, tc := range []struct {
		name, section, table string
		events               []ev
		items                []wantItem
	}{
		{"Confluence timeline with th and p wrappers", "Timeline", confluenceTimeline, []ev{
			{"2018-10-21 22:52", "Network partition of 43 seconds; Orchestrator promotes West Coast primaries"},
			{"2018-10-21 23:07", "Deployment tooling locked\nSite put in **yellow** status & users told"}}, nil},
		{"thead and tbody", "Timeline", "<table>\n<thead><tr><td>When</td><td>What happened</td></tr></thead>\n<tbody><tr><td>2024-02-07 16:50</td><td>Paging storm</td></tr></tbody>\n</table>", []ev{
			{"2024-02-07 16:50", "Paging storm"}}, nil},
		{"no header row: time and event", "Timeline", "<table>\n<tr><td>2024-02-07 16:50</td><td>Paging storm</td></tr>\n<tr><td>2024-02-07 17:05</td><td>Rollback</td></tr>\n</table>", []ev{
			{"2024-02-07 16:50", "Paging storm"}, {"2024-02-07 17:05", "Rollback"}}, nil},
		{"Notion action items with emoji markers", "Action Items", "<table>\n<tr><th>Action</th><th>Owner</th><th>Priority</th><th>Target Date</th><th>Status</th></tr>\n<tr><td>Stop cross-region promotion</td><td>Database Infrastructure</td><td>🔴 P0</td><td>2018-11-30</td><td>✅ Done</td></tr>\n<tr><td>Report status accurately</td><td>Support</td><td>🟠 High</td><td>2018-12-15</td><td>⚠️ Open</td></tr>\n<tr><td>Run active/active/active<br>(multi-quarter)</td><td>Infrastructure</td><td>P2</td><td>Q4 2019</td><td>☑️</td></tr>\n</table>", nil, []wantItem{
			{"Stop cross-region promotion", "Database Infrastructure", hindsight.P0, "2018-11-30", hindsight.ItemClosed},
			{"Report status accurately", "Support", hindsight.P1, "2018-12-15", hindsight.ItemOpen},
			{"Run active/active/active\n(multi-quarter)", "Infrastructure", hindsight.P2, "Q4 2019", hindsight.ItemClosed}}},
		{"the template's six columns without a header", "Action Items", "<table><tr><td>AI-001</td><td>Fix the retention bug</td><td>Identity</td><td>P0</td><td>2021-03-31</td><td>Closed</td></tr></table>", nil, []wantItem{
			{"Fix the retention bug", "Identity", hindsight.P0, "2021-03-31", hindsight.ItemClosed}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "# Incident Postmortem: x\n\n## " + tc.section + "\n\n" + tc.table + "\n\n## Root Cause\n\n- **Primary Cause:** a bug\n"
			doc, _ := Parse([]byte(src))
			if tc.events != nil {
				var got []ev
				for _, e := range doc.Timeline {
					got = append(got, ev{e.Time.String(), e.Event})
				}
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.events) {
					t.Errorf("timeline\n got %q\nwant %q", got, tc.events)
				}
			}
			if tc.items != nil {
				checkItems(t, doc.ActionItems, tc.items)
			}
			if x, ok := doc.Extras[strings.ToLower(strings.ReplaceAll(tc.section, " ", "_"))]; ok && strings.Contains(x.Before+x.After, "<t") {
				t.Errorf("the table was also kept as HTML: %+v", x)
			}
			// fmt writes the canonical Markdown table (the documented
			// rewrite), which reads back to the same model without losing a
			// word
			out := string(Render(doc))
			if strings.Contains(out, "<table") || strings.Contains(out, "<td") {
				t.Errorf("fmt kept the HTML table:\n%s", out)
			}
			roundTrip(t, src)
		})
	}
}

func TestHTMLTablesKeptWhenNotExact(t *testing.T) {
	for name, table := range map[string]string{
		"a cell spanning two columns": "<table>\n<tr><th>Time</th><th>Event</th></tr>\n<tr><td colspan=\"2\">Day 2</td></tr>\n</table>",
		"a table inside a cell":       "<table>\n<tr><th>Time</th><th>Event</th></tr>\n<tr><td>x</td><td><table><tr><td>y</td></tr></table></td></tr>\n</table>",
		"text beside the table":       "<p>Times are UTC</p><table>\n<tr><th>Time</th><th>Event</th></tr>\n<tr><td>2024-02-07 16:50</td><td>x</td></tr>\n</table>",
		"unnamed action columns":      "<table>\n<tr><td>Fix it</td><td>Ann</td></tr>\n</table>",
	} {
		t.Run(name, func(t *testing.T) {
			key, heading := hindsight.SecTimeline, "Timeline"
			if strings.Contains(name, "action") {
				key, heading = hindsight.SecActionItems, "Action Items"
			}
			src := "# Incident Postmortem: x\n\n## " + heading + "\n\n" + table + "\n"
			doc, sm := Parse([]byte(src))
			if len(doc.Timeline)+len(doc.ActionItems) != 0 || !strings.Contains(doc.Extras[key].Before, "<table>") {
				t.Errorf("read %d rows; extras %+v", len(doc.Timeline)+len(doc.ActionItems), doc.Extras[key])
			}
			if len(sm.Unknown) == 0 {
				t.Error("the kept table is not reported")
			}
			roundTrip(t, src)
		})
	}
}

func TestHTMLMetadataTable(t *testing.T) {
	src := "# Incident Review: October 21 network partition\n\n<table>\n<tbody>\n<tr><th>Incident ID</th><td>INC-20181021-001</td></tr>\n<tr><th>Status</th><td>Published</td></tr>\n<tr><th>Severity</th><td>SEV-1</td></tr>\n<tr><th>Services Affected</th><td>github.com<br>webhooks<br>GitHub Pages</td></tr>\n<tr><th>Space</th><td>SRE</td></tr>\n</tbody>\n</table>\n\n## Executive Summary\n\nx\n"
	doc, _ := Parse([]byte(src))
	if doc.Summary.IncidentID != "INC-20181021-001" || doc.Status != hindsight.StatusPublished || doc.Summary.Severity != hindsight.Sev1 || len(doc.Summary.Services) != 3 || doc.Summary.Services[2].Name != "GitHub Pages" {
		t.Errorf("got %+v status %q", doc.Summary, doc.Status)
	}
	if f := doc.Extras[hindsight.SecPreamble].Fields; len(f) != 1 || f[0].Label != "Space" || f[0].Value != "SRE" {
		t.Errorf("unknown row not kept: %+v", f)
	}
	roundTrip(t, src)
}

func TestRawHTMLIsShownSanitized(t *testing.T) {
	md := "## Appendix\n\n<table><tr><td>kept <strong>cell</strong></td></tr></table>\n\n<details><summary>Logs</summary>\n\nline one\n\n</details>\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n"
	out := string(HTML([]byte(md)))
	for _, want := range []string{"<table>", "kept <strong>cell</strong>", "line one", "Logs"} {
		if !strings.Contains(out, want) {
			t.Errorf("raw HTML dropped: no %q in\n%s", want, out)
		}
	}
	for _, bad := range []string{"<script", "onerror", "alert(1)</script>"} {
		if strings.Contains(out, bad) {
			t.Errorf("not sanitized: %q in\n%s", bad, out)
		}
	}
}

func TestMoreShapes(t *testing.T) {
	t.Run("a timeline written without times", func(t *testing.T) {
		src := "# Incident Postmortem: x\n\n## Timeline\n\n- Upgrade of the primary cluster starts\n- Rollback attempted, then abandoned\n- Site restored\n"
		doc, _ := Parse([]byte(src))
		if len(doc.Timeline) != 3 || doc.Timeline[2].Event != "Site restored" || doc.Timeline[0].Time.IsSet() || doc.Timeline[0].Time.Text != "" {
			t.Errorf("timeline %+v", doc.Timeline)
		}
		roundTrip(t, src)
	})
	t.Run("notes beside a timeline table stay notes", func(t *testing.T) {
		src := "# Incident Postmortem: x\n\n## Timeline\n\n- All times are UTC\n- Sources: pager logs\n\n| Time | Event |\n| --- | --- |\n| 2024-02-07 16:50 | Paging storm |\n"
		doc, _ := Parse([]byte(src))
		if len(doc.Timeline) != 1 || !strings.Contains(doc.Extras[hindsight.SecTimeline].Before, "All times are UTC") {
			t.Errorf("timeline %+v extras %+v", doc.Timeline, doc.Extras[hindsight.SecTimeline])
		}
		roundTrip(t, src)
	})
	t.Run("services with full-width parentheses", func(t *testing.T) {
		src := "## Incident Summary\n\n- **Services Affected:**\n  - news-web（全ページが 503 エラー）\n  - news-api（画像配信、停止）\n"
		doc, _ := Parse([]byte(src))
		sv := doc.Summary.Services
		if len(sv) != 2 || sv[0].Name != "news-web" || sv[0].Impact != "全ページが 503 エラー" || sv[1].Impact != "画像配信、停止" {
			t.Errorf("services %+v", sv)
		}
		roundTrip(t, src)
	})
	t.Run("service names without Google Docs escapes", func(t *testing.T) {
		src := "## Incident Summary\n\n- **Services Affected:** dns\\-resolver, checkout\\_api (payments failed), \\_internal\\_\n"
		doc, _ := Parse([]byte(src))
		sv := doc.Summary.Services
		if len(sv) != 3 || sv[0].Name != "dns-resolver" || sv[1].Name != "checkout_api" || sv[1].Impact != "payments failed" || sv[2].Name != `\_internal\_` {
			t.Errorf("services %+v", sv)
		}
		roundTrip(t, src)
	})
	t.Run("Lessons Learned holding What went well and What went wrong", func(t *testing.T) {
		src := "# Incident Postmortem: x\n\n## Lessons Learned\n\n### What went well\n\n- Rollback took minutes\n\n### What went wrong\n\n- No canary\n\n### Where we got lucky\n\n- Low traffic\n"
		doc, _ := Parse([]byte(src))
		if len(doc.WentWell) != 1 || len(doc.WentPoorly) != 1 || doc.WentPoorly[0] != "No canary" || !strings.Contains(doc.Extras[hindsight.SecWentPoorly].After, "Where we got lucky") {
			t.Errorf("well %q poorly %q extras %+v", doc.WentWell, doc.WentPoorly, doc.Extras)
		}
		roundTrip(t, src)
	})
}

func TestFrontMatterMetadata(t *testing.T) {
	src := "---\ntitle: \"Heroku platform outage\"\nincident_id: INC-20250610-001\nseverity: SEV-1\nstatus: Published\nowner: Platform Reliability\nstart: 2025-06-10T06:00:00Z\nservices:\n  - dynos\n  - heroku-status\n---\n\n# Heroku platform outage\n\n## Incident Summary\n\n- **Severity:** SEV-2\n"
	doc, _ := Parse([]byte(src))
	s := doc.Summary
	if s.IncidentID != "INC-20250610-001" || doc.Owner != "Platform Reliability" || doc.Status != hindsight.StatusPublished || s.Start.String() != "2025-06-10 06:00" ||
		len(s.Services) != 2 || s.Services[1].Name != "heroku-status" {
		t.Errorf("front matter not read: %+v owner %q status %q", s, doc.Owner, doc.Status)
	}
	if s.Severity != hindsight.Sev2 {
		t.Errorf("the body's severity must win over the front matter's: %q", s.Severity)
	}
	if !strings.Contains(doc.Extras[hindsight.SecPreamble].Before, "severity: SEV-1") {
		t.Errorf("front matter not kept verbatim: %+v", doc.Extras[hindsight.SecPreamble])
	}
	roundTrip(t, src)
}
