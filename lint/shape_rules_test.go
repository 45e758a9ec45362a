package lint

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

const rulesShapeYAML = `fields:
  - name: Region
    type: enum
    values: [us-east-1, us-west-2, eu-west-1]
    required: {status: [In Review, Published]}
  - {name: Customer tier, type: multi, values: [free, pro, enterprise]}
  - {name: Deadline, type: date}
  - {name: Cost, type: number}
  - {name: Jira epic, type: url}
  - {name: Reviewer, type: account}
  - {name: Owning team, type: team}
  - {name: Paged, type: time, required: {severity: [SEV-1]}}
taxonomy:
  factors: [change/deploy, change/config, capacity]
tags: {free: false, suggested: [database, dns, network]}
templates:
  security:
    sections: [Data Exposure Assessment]
    fields: [Disclosure deadline]
`

// shapedSrc is a document with the given status, severity, extra summary
// lines, factors and custom sections.
func shapedSrc(status, sev string, lines, factors []string, sections string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Incident Postmortem: X\n\n**Version:** 1\n**Status:** %s\n**Owner:** Dana\n**Last Updated:** 2026-12-01\n\n---\n\n## Incident Summary\n\n", status)
	fmt.Fprintf(&b, "- **Incident ID:** INC-20261201-001\n- **Severity:** %s\n", sev)
	for _, l := range lines {
		b.WriteString("- " + l + "\n")
	}
	b.WriteString("\n## Root Cause\n\n- **Primary Cause:** p\n- **Contributing Factors:**\n")
	for _, f := range factors {
		b.WriteString("  - " + f + "\n")
	}
	b.WriteString(sections)
	return b.String()
}

func shapeFindings(t *testing.T, src string, rule string) []Finding {
	t.Helper()
	cfg, err := ParseConfig(".hindsight.yaml", []byte(rulesShapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	var out []Finding
	for _, f := range Source("pm.md", []byte(src), cfg, Options{}) {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func TestShapeRules(t *testing.T) {
	tests := []struct {
		name, rule, src string
		want            []string // substrings of the messages, in order
		fixable         bool
	}{
		{"type ok", "HS031", shapedSrc("Draft", "SEV-2", []string{"**Deadline:** 2026-12-01", "**Cost:** 12.5", "**Jira epic:** https://jira.example.com/browse/OPS-1", "**Reviewer:** ana@example.com", "**Owning team:** payments", "**Paged:** 2026-12-01 10:00"}, nil, ""), nil, false},
		{"type errors", "HS031", shapedSrc("Draft", "SEV-2", []string{"**Deadline:** next week", "**Cost:** lots", "**Jira epic:** OPS-1", "**Reviewer:** !!", "**Owning team:** Payments", "**Paged:** 10:00"}, nil, ""),
			[]string{"Deadline: want a date", "Cost: want a number", "Jira epic: want an absolute http or https URL", "Reviewer: want an email address", "Owning team: team slugs are lower case: write payments", "Paged:"}, false},
		{"enum ok", "HS032", shapedSrc("Draft", "SEV-2", []string{"**Region:** us-east-1", "**Customer tier:** pro, enterprise"}, nil, ""), nil, false},
		{"enum case", "HS032", shapedSrc("Draft", "SEV-2", []string{"**Region:** US-East-1"}, nil, ""), []string{`Region: "US-East-1" differs only in case: write "us-east-1"`}, true},
		{"enum nearest", "HS032", shapedSrc("Draft", "SEV-2", []string{"**Region:** us-east-2"}, nil, ""), []string{`did you mean "us-east-1"?`}, false},
		{"multi", "HS032", shapedSrc("Draft", "SEV-2", []string{"**Customer tier:** pro, gold"}, nil, ""), []string{`"gold" is not one of free, pro, enterprise`}, false},
		{"required by status", "HS033", shapedSrc("In Review", "SEV-2", nil, nil, ""), []string{"Region is required at status In Review"}, false},
		{"required empty line", "HS033", shapedSrc("Published", "SEV-2", []string{"**Region:**"}, nil, ""), []string{"Region is required at status Published"}, false},
		{"not required in draft", "HS033", shapedSrc("Draft", "SEV-3", nil, nil, ""), nil, false},
		{"required by severity", "HS033", shapedSrc("Draft", "SEV-1", nil, nil, ""), []string{"Paged is required at severity SEV-1"}, false},
		{"required by template", "HS033", shapedSrc("In Review", "SEV-2", []string{"**Region:** us-east-1"}, nil, "\n## Data Exposure Assessment\n\nNone.\n"),
			[]string{`Disclosure deadline is required by the template "security"`}, false},
		{"category ok", "HS034", shapedSrc("Draft", "SEV-2", nil, []string{"[capacity] Too few", "No category"}, ""), nil, false},
		{"category case", "HS034", shapedSrc("Draft", "SEV-2", nil, []string{"[Capacity] Too few"}, ""), []string{`factor category "Capacity" differs from the taxonomy's "capacity" only in case`}, true},
		{"category unknown", "HS034", shapedSrc("Draft", "SEV-2", nil, []string{"[change/confg] x", "[weather] y"}, ""),
			[]string{`did you mean "change/config"?`, "expected one of change/deploy, change/config, capacity"}, false},
		{"tags ok", "HS035", shapedSrc("Draft", "SEV-2", []string{"**Tags:** dns, network"}, nil, ""), nil, false},
		{"tags", "HS035", shapedSrc("Draft", "SEV-2", []string{"**Tags:** DNS, databse, weather"}, nil, ""),
			[]string{`tag "DNS" differs from the suggested "dns" only in case`, `did you mean "database"?`, "expected one of database, dns, network"}, true},
		{"template section missing", "HS036", shapedSrc("In Review", "SEV-2", []string{"**Disclosure deadline:** 2026-12-24"}, nil, ""),
			[]string{`the template "security" has a section "Data Exposure Assessment", which is missing`}, false},
		{"template section hint", "HS036", shapedSrc("Published", "SEV-2", nil, nil, "\n## Data Exposure Assessment\n\n"+markdown.SectionHint("Data Exposure Assessment")+"\n"),
			[]string{`section "Data Exposure Assessment" of the template "security" is not filled`}, false},
		{"template section filled", "HS036", shapedSrc("Published", "SEV-2", nil, nil, "\n## Data Exposure Assessment\n\nNo data left the system.\n"), nil, false},
		{"template draft", "HS036", shapedSrc("Draft", "SEV-2", []string{"**Disclosure deadline:**"}, nil, ""), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := shapeFindings(t, tt.src, tt.rule)
			if len(fs) != len(tt.want) {
				t.Fatalf("%d findings, want %d: %+v", len(fs), len(tt.want), fs)
			}
			for i, f := range fs {
				if !strings.Contains(f.Message, tt.want[i]) {
					t.Errorf("finding %d: %q, want %q", i, f.Message, tt.want[i])
				}
				if f.Line == 0 {
					t.Errorf("finding %d has no line: %+v", i, f)
				}
			}
			if len(fs) > 0 && (fs[0].Fix != nil) != tt.fixable {
				t.Errorf("fix %+v, want fixable %v", fs[0].Fix, tt.fixable)
			}
		})
	}
}

// TestShapeRulesFix: --fix corrects case-only values and nothing else,
// keeping the rest of each line as written.
func TestShapeRulesFix(t *testing.T) {
	cfg, err := ParseConfig(".hindsight.yaml", []byte(rulesShapeYAML))
	if err != nil {
		t.Fatal(err)
	}
	src := shapedSrc("Draft", "SEV-2", []string{"**Region:** US-EAST-1", "**Customer tier:** Pro,  enterprise", "**Tags:** DNS, weather, Network"},
		[]string{"[CAPACITY] Too few nodes", "[weather] Storm"}, "")
	doc, sm := markdown.Parse([]byte(src))
	done := Apply(doc, Lint(doc, sm, cfg, Options{}))
	if len(done) != 5 {
		t.Errorf("fixes %q, want 5", done)
	}
	out := string(markdown.Render(doc))
	for _, want := range []string{"- **Region:** us-east-1\n", "- **Customer tier:** pro,  enterprise\n", "- **Tags:** dns, weather, network\n",
		"  - [capacity] Too few nodes\n", "  - [weather] Storm\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("fixed document lacks %q:\n%s", want, out)
		}
	}
	// nothing fixable is left; what is not fixable is still reported
	doc2, sm2 := markdown.Parse([]byte(out))
	left := Lint(doc2, sm2, cfg, Options{})
	var rules []string
	for _, f := range left {
		if f.Fix != nil && strings.HasPrefix(f.Rule, "HS03") {
			t.Errorf("still fixable: %+v", f)
		}
		if f.Rule == "HS034" || f.Rule == "HS035" {
			rules = append(rules, f.Rule)
		}
	}
	if strings.Join(rules, ",") != "HS035,HS034" {
		t.Errorf("left %q, want the unknown category and tag", rules)
	}
}

// TestShapeRulesWithoutShape: without a shape nothing is reported, and the
// HS025 unknown-field finding is not given for declared fields, the Tags
// line or a variant's sections.
func TestShapeRulesWithoutShape(t *testing.T) {
	src := shapedSrc("Published", "SEV-1", []string{"**Region:** mars", "**Tags:** x", "**Cost:** lots"}, []string{"[weather] y"}, "\n## Data Exposure Assessment\n\nx\n")
	for _, f := range Source("pm.md", []byte(src), DefaultConfig(), Options{}) {
		if f.Rule >= "HS031" && f.Rule <= "HS036" {
			t.Errorf("without a shape: %+v", f)
		}
	}
	cfg, _ := ParseConfig(".hindsight.yaml", []byte(rulesShapeYAML+"  other: {sections: [Extra]}\n"))
	var unknown []string
	for _, f := range Source("pm.md", []byte(src+"\n## Extra\n\ny\n\n## Surprise\n\nz\n"), cfg, Options{}) {
		if f.Rule == "HS025" {
			unknown = append(unknown, f.Message)
		}
	}
	if len(unknown) != 1 || !strings.Contains(unknown[0], "Surprise") {
		t.Errorf("HS025 findings %q, want only the undeclared section", unknown)
	}
	var none hindsight.Shape
	if !none.IsZero() {
		t.Fatal("zero shape")
	}
}
