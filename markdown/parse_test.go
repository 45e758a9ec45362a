package markdown

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

func at(s string) time.Time {
	t, err := time.Parse(hindsight.TimeLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestParseTolerance: what people really write maps to the model.
func TestParseTolerance(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		check func(*testing.T, *hindsight.Postmortem, *hindsight.SourceMap)
	}{
		{"star and plus bullets, plain labels", "# Incident Postmortem: X\n\n## incident summary\n\n* Incident ID: INC-20211004-001\n+ **Severity**: sev 1\n* Start Time 2021-10-04 15:39 UTC\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			if p.Summary.IncidentID != "INC-20211004-001" || p.Summary.Severity != hindsight.Sev1 || p.Summary.Start.T != at("2021-10-04 15:39") {
				t.Errorf("got %+v", p.Summary)
			}
			if sm.Line("summary.severity") != 6 {
				t.Errorf("severity line = %d, want 6", sm.Line("summary.severity"))
			}
		}},
		{"h3 sections and extra blank lines", "# Incident Postmortem: X\n\n\n\n### ROOT CAUSE\n\n\n- **Primary Cause** a bad config\n\n\n### What went WELL\n\n- fast rollback\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.RootCause.Primary != "a bad config" || len(p.WentWell) != 1 || p.WentWell[0] != "fast rollback" {
				t.Errorf("got %+v / %q", p.RootCause, p.WentWell)
			}
		}},
		{"time spellings", "## Incident Summary\n\n- **Start Time (UTC):** 2021-10-04T15:39Z\n- **End Time (UTC):** 2021-10-04 21:45:12\n- **Duration:** 73:05\n## Detection & Response\n\n- **Detection Time (UTC):** 2021-10-04T17:39:00+02:00\n- **TTA:** 5m\n- **TTM:** 1h 30m\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			s := p.Summary
			if s.Start.T != at("2021-10-04 15:39") || s.End.T != at("2021-10-04 21:45") || s.Duration.Minutes != 73*60+5 {
				t.Errorf("got %+v", s)
			}
			d := p.Detection
			if d.DetectionTime.T != at("2021-10-04 15:39") || d.TTA.Minutes != 5 || d.TTM.Minutes != 90 {
				t.Errorf("got %+v", d)
			}
		}},
		{"severity spellings", "## Incident Summary\n\n- **Severity:** Sev-2\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Summary.Severity != hindsight.Sev2 {
				t.Errorf("got %q", p.Summary.Severity)
			}
		}},
		{"SEV1 without dash", "## Incident Summary\n\n- **Severity:** **SEV1**\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Summary.Severity != hindsight.Sev1 {
				t.Errorf("got %q", p.Summary.Severity)
			}
		}},
		{"unknown is honest, placeholder is unset", "## Incident Summary\n\n- **Start Time (UTC):** YYYY-MM-DD HH:MM\n- **End Time (UTC):** Unknown\n- **Duration:** TBD\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			if !p.Summary.Start.IsZero() || p.Summary.End.Text != "Unknown" || p.Summary.Duration.Text != "TBD" {
				t.Errorf("got %+v", p.Summary)
			}
			if len(sm.Placeholders) != 1 || sm.Placeholders[0].Field != "summary.start_time" || sm.Placeholders[0].Line != 3 {
				t.Errorf("placeholders %+v", sm.Placeholders)
			}
		}},
		{"status words", "**Status:** Final\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Status != hindsight.StatusPublished {
				t.Errorf("got %q", p.Status)
			}
		}},
		{"status review", "# Incident Postmortem: X\n\nStatus: Review\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Status != hindsight.StatusInReview {
				t.Errorf("got %q", p.Status)
			}
		}},
		{"yes no spellings", "## Impact Analysis\n\n- **Data Impact:**\n  - Data loss/corruption? No.\n  - Data exposure? Y\n  - Compliance implications? yes - GDPR notice filed\n## Resolution\n\n- Rollback Needed: **No**\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			d := p.Impact.Data
			if d.Loss.Value != hindsight.No || d.Exposure.Value != hindsight.Yes || d.Compliance != (hindsight.Answer{Value: hindsight.Yes, Note: "GDPR notice filed"}) {
				t.Errorf("got %+v", d)
			}
			if p.Resolution.Rollback.Value != hindsight.No {
				t.Errorf("rollback %+v", p.Resolution.Rollback)
			}
		}},
		{"customer impact with and without labels", "## Incident Summary\n\n- **Customer Impact:**\n  - Regions: eu-west-1\n  - 12% of checkouts failed\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			ci := p.Summary.CustomerImpact
			if ci.Regions != "Regions: eu-west-1" || ci.UsersAffected != "12% of checkouts failed" {
				t.Errorf("got %+v", ci)
			}
		}},
		{"services", "## Incident Summary\n\n- **Services Affected:**\n  - api-gateway (5xx for 40% of requests)\n  - billing: delayed invoices\n  - search\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			want := []hindsight.Service{{Name: "api-gateway", Impact: "5xx for 40% of requests"}, {Name: "billing", Impact: "delayed invoices"}, {Name: "search"}}
			if len(p.Summary.Services) != 3 || p.Summary.Services[0] != want[0] || p.Summary.Services[1] != want[1] || p.Summary.Services[2] != want[2] {
				t.Errorf("got %+v", p.Summary.Services)
			}
		}},
		{"misaligned table with extra column and escaped pipe", "## Incident Summary\n\n- **Start Time (UTC):** 2021-10-04 23:50\n\n## Timeline\n\n|Time|Event|Ticket|\n|---|:--|---|\n| 23:55 |  alert `a \\| b` fired | OPS-1 |\n|00:10| rollback |\n| 2021-10-05 00:20 | done | OPS-2 | stray |\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			tl := p.Timeline
			if len(tl) != 3 {
				t.Fatalf("got %d rows", len(tl))
			}
			if tl[0].Time.T != at("2021-10-04 23:55") || tl[0].Event != "alert `a | b` fired" || tl[0].Cells[0] != "OPS-1" {
				t.Errorf("row 0 %+v", tl[0])
			}
			if tl[1].Time.T != at("2021-10-05 00:10") {
				t.Errorf("bare time did not roll past midnight: %+v", tl[1].Time)
			}
			if len(tl[2].Cells) != 2 || tl[2].Cells[1] != "stray" {
				t.Errorf("extra cell lost: %+v", tl[2])
			}
			if sm.Line("timeline[1].time") != 10 {
				t.Errorf("line %d", sm.Line("timeline[1].time"))
			}
		}},
		{"timeline as bullets", "## Incident Summary\n\n- **Start Time (UTC):** 2021-10-04 14:00\n\n## Timeline\n\n- 14:02 — alert fired\n- **14:10** paged the DBA\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if len(p.Timeline) != 2 || p.Timeline[0].Event != "alert fired" || p.Timeline[1].Time.T != at("2021-10-04 14:10") {
				t.Errorf("got %+v", p.Timeline)
			}
		}},
		{"sub-lists indented with tabs", "## Incident Summary\n\n- **Services Affected:**\n\t- checkout-api (errors)\n\t- orders-db\n\n## Root Cause\n\n- **Contributing Factors:**\n \t- no alert on lag\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			sv := p.Summary.Services
			if len(sv) != 2 || sv[0].Name != "checkout-api" || sv[0].Impact != "errors" || sv[1].Name != "orders-db" {
				t.Errorf("services %+v", sv)
			}
			if len(p.RootCause.Factors) != 1 || p.RootCause.Factors[0] != "no alert on lag" {
				t.Errorf("factors %q", p.RootCause.Factors)
			}
		}},
		{"action items: the template's row alone is a placeholder", "## Action Items\n\n| ID | Action | Owner | Priority | Target Date | Status |\n| --- | --- | --- | --- | --- | --- |\n| AI-001 | Action description | Name | P0/P1/P2 | YYYY-MM-DD | Open/Closed |\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			if len(p.ActionItems) != 0 || len(sm.Placeholders) != 1 {
				t.Errorf("items %+v, placeholders %+v", p.ActionItems, sm.Placeholders)
			}
		}},
		{"action items: the template's row beside real items is a placeholder, never an item", "## Action Items\n\n| ID | Action | Owner | Priority | Target Date | Status |\n| --- | --- | --- | --- | --- | --- |\n| AI-001 | Action description | Name | P0/P1/P2 | YYYY-MM-DD | Open/Closed |\n| AI-002 | add alert | dana | P1 | 2021-10-20 | Open |\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			ai := p.ActionItems
			if len(ai) != 1 || ai[0].ID != "AI-002" || ai[0].Action != "add alert" {
				t.Errorf("got %+v", ai)
			}
			if len(sm.Placeholders) != 1 || sm.Placeholders[0].Field != "action_items[0]" {
				t.Errorf("placeholders %+v", sm.Placeholders)
			}
			if out := string(Render(p)); !strings.Contains(out, "| AI-001 | Action description | Name | P0/P1/P2 | YYYY-MM-DD | Open/Closed |\n| AI-002 |") {
				t.Errorf("fmt did not keep the row the author left in place:\n%s", out)
			}
		}},
		{"action items: columns reordered, p0, checkbox list", "## Action Items\n\n| Owner | ID | Action | Due | Priority | Status |\n|--|--|--|--|--|--|\n| dana | AI-001 | add alert | 2021-10-20 | p0 | done |\n\n- [ ] AI-002: write runbook (owner: @lee)\n- [x] rotate keys\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			ai := p.ActionItems
			if len(ai) != 3 {
				t.Fatalf("got %+v", ai)
			}
			if ai[0].Owner != "dana" || ai[0].Priority != hindsight.P0 || ai[0].Status != hindsight.ItemClosed || ai[0].TargetDate.String() != "2021-10-20" {
				t.Errorf("row %+v", ai[0])
			}
			if ai[1].ID != "AI-002" || ai[1].Owner != "@lee" || ai[1].Action != "write runbook" || ai[1].Status != hindsight.ItemOpen {
				t.Errorf("bullet %+v", ai[1])
			}
			if ai[2].Status != hindsight.ItemClosed || ai[2].Action != "rotate keys" {
				t.Errorf("bullet %+v", ai[2])
			}
		}},
		{"unknown section and label kept", "## Incident Summary\n\n- **Severity:** SEV-3\n- **Pager Policy:** db-primary\n\n## Lessons Learned\n\nWrite things down.\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			if len(p.Custom) != 1 || p.Custom[0].Heading != "Lessons Learned" || p.Custom[0].Body != "Write things down." || p.Custom[0].After != hindsight.SecSummary {
				t.Errorf("custom %+v", p.Custom)
			}
			if f := p.Extras[hindsight.SecSummary].Fields; len(f) != 1 || f[0].Label != "Pager Policy" || f[0].Value != "db-primary" {
				t.Errorf("extra %+v", f)
			}
			if len(sm.Unknown) != 2 {
				t.Errorf("unknown %+v", sm.Unknown)
			}
		}},
		{"disable comment", "<!-- hindsight-disable HS012, hs003 -->\n# Incident Postmortem: X\n", func(t *testing.T, p *hindsight.Postmortem, sm *hindsight.SourceMap) {
			if strings.Join(sm.Disabled, ",") != "HS012,HS003" {
				t.Errorf("disabled %q", sm.Disabled)
			}
		}},
		{"front matter kept", "---\ntitle: x\ntags: [db]\n---\n# Incident Postmortem: X\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Title != "X" || p.Extras[hindsight.SecPreamble].Before != "---\ntitle: x\ntags: [db]\n---" {
				t.Errorf("got title %q extras %+v", p.Title, p.Extras)
			}
		}},
		{"front matter that is not valid YAML but reads as keys", "---\ntitle: Outage: DB failover\nauthors:\n- dana\n---\n# Incident Postmortem: X\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Title != "X" || p.Extras[hindsight.SecPreamble].Before != "---\ntitle: Outage: DB failover\nauthors:\n- dana\n---" {
				t.Errorf("got title %q extras %+v", p.Title, p.Extras)
			}
		}},
		{"intro before the metadata: the rule below the metadata is the template's", "# Incident Postmortem: X\n\nA short intro.\n\n**Owner:** Dana\n\n---\n\n## Executive Summary\n\nIt broke.\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Owner != "Dana" || p.Extras[hindsight.SecPreamble].After != "A short intro." {
				t.Errorf("got owner %q extras %+v", p.Owner, p.Extras)
			}
		}},
		{"a rule between two pieces of preamble content is kept", "# Incident Postmortem: X\n\n- one\n\n---\n\n   + two\n+ three\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if got := p.Extras[hindsight.SecPreamble].After; got != "- one\n\n---\n\n   + two\n+ three" {
				t.Errorf("got %q", got)
			}
		}},
		{"rules around the metadata are not front matter", "---\n# Incident Postmortem: X\n\n**Version:** 1.0\n**Owner:** Dana\n\n---\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Title != "X" || p.Owner != "Dana" {
				t.Errorf("got title %q owner %q", p.Title, p.Owner)
			}
		}},
		{"crlf and bom", "\xef\xbb\xbf# Incident Postmortem: X\r\n\r\n## Incident Summary\r\n\r\n- **Severity:** SEV-4\r\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Title != "X" || p.Summary.Severity != hindsight.Sev4 {
				t.Errorf("got %q %q", p.Title, p.Summary.Severity)
			}
		}},
		{"multi-line free text with a sub-list", "## Root Cause\n\n- **Primary Cause:** The pool was too small.\n  It filled within a minute.\n\n  - max 50 connections\n  - 400 workers\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			want := "The pool was too small.\nIt filled within a minute.\n\n- max 50 connections\n- 400 workers"
			if p.RootCause.Primary != want {
				t.Errorf("got %q", p.RootCause.Primary)
			}
		}},
		{"metadata without bullets in a section", "## Detection & Response\n\nDetected By: Customer report via support\nIncident Commander: Sam\n", func(t *testing.T, p *hindsight.Postmortem, _ *hindsight.SourceMap) {
			if p.Detection.DetectedBy != "Customer report via support" || p.Detection.Commander != "Sam" || p.Detection.Source() != hindsight.DetectedCustomer {
				t.Errorf("got %+v", p.Detection)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, sm := Parse([]byte(c.doc))
			c.check(t, p, sm)
			// whatever was read renders and reads back the same
			out := Render(p)
			p2, _ := Parse(out)
			if again := Render(p2); string(again) != string(out) {
				t.Errorf("not stable:\n%s", lineDiff(string(out), string(again)))
			}
		})
	}
}

func TestActionBulletDetails(t *testing.T) {
	p, _ := Parse([]byte("## Action Items\n\n- [ ] add alert (owner: @dana, P1, due 2022-08-26)\n- [ ] AI-007 split the pool (owner: sam, lee)\n"))
	if len(p.ActionItems) != 2 {
		t.Fatalf("got %+v", p.ActionItems)
	}
	a := p.ActionItems[0]
	if a.Owner != "@dana" || a.Priority != hindsight.P1 || a.TargetDate.String() != "2022-08-26" || a.Action != "add alert" {
		t.Errorf("got %+v", a)
	}
	if b := p.ActionItems[1]; b.ID != "AI-007" || b.Owner != "sam, lee" {
		t.Errorf("got %+v", b)
	}
	for _, c := range []struct {
		in   string
		want hindsight.Priority
	}{{"P1 (high)", hindsight.P1}, {"p0", hindsight.P0}, {"P-2", hindsight.P2}, {"P1 - high", hindsight.P1}} {
		if got, ok := hindsight.ParsePriority(c.in); !ok || got != c.want {
			t.Errorf("ParsePriority(%q) = %q, %v", c.in, got, ok)
		}
	}
}
