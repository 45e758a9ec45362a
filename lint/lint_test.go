package lint

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// testToday is the "today" of the tests: two days after good.md was updated.
var testToday = time.Date(2026, 7, 10, 0, 0, 0, 0, time.UTC)

func readGood(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "good.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit applies old/new replacement pairs to src; each old must occur.
func edit(t testing.TB, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("edit: %q not in the document", pairs[i])
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

func rulesOf(fs []Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	return ids
}

func mustConfig(t testing.TB, y string) *Config {
	t.Helper()
	if y == "" {
		return DefaultConfig()
	}
	c, err := ParseConfig(".hindsight.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGoodIsClean makes sure the base document of the rule cases is clean
// and canonical, so each case shows exactly its own rule.
func TestGoodIsClean(t *testing.T) {
	src := readGood(t)
	if fs := Source("good.md", []byte(src), nil, Options{Today: testToday}); len(fs) != 0 {
		t.Fatalf("good.md has findings:\n%v", fs)
	}
	doc, _ := markdown.Parse([]byte(src))
	if got := string(markdown.Render(doc)); got != src {
		t.Fatalf("good.md is not canonical")
	}
}

// TestRules has, for every rule, cases that fail (the rule reports) and
// cases that pass (it does not), as Markdown documents edited from
// testdata/good.md.
func TestRules(t *testing.T) {
	removeTimeline := []string{
		"| 2026-07-04 02:10 | Config push lowers the gateway timeout to 2 s. |\n", "",
		"| 2026-07-04 02:20 | Error-rate alert fires. |\n", "",
		"| 2026-07-04 02:25 | Ravi Menon acknowledges. |\n", "",
		"| 2026-07-04 03:30 | Config push rolled back. |\n", "",
		"| 2026-07-04 03:40 | Error rate back to normal; incident resolved. |\n", "",
	}
	cases := []struct {
		name  string
		rule  string
		edits []string
		cfg   string
		today string
		want  bool
	}{
		{name: "placeholder owner", rule: "HS001", edits: []string{"| Ravi Menon | P0 |", "| Name | P0 |"}, want: true},
		{name: "placeholder in draft summary", rule: "HS001", edits: []string{"**Status:** Published", "**Status:** Draft", "**Severity:** SEV-2", "**Severity:** SEV-1 / SEV-2 / SEV-3 / SEV-4"}, want: true},
		{name: "placeholder outside summary of a draft", rule: "HS001", edits: []string{"**Status:** Published", "**Status:** Draft", "| Ravi Menon | P0 |", "| Name | P0 |"}, want: false},
		{name: "no placeholder", rule: "HS001", want: false},

		{name: "incident id date differs from start", rule: "HS002", edits: []string{"INC-20260704-001", "INC-20260705-001"}, want: true},
		{name: "incident id malformed", rule: "HS002", edits: []string{"INC-20260704-001", "INC-2026-1"}, want: true},
		{name: "incident id matches start", rule: "HS002", want: false},

		{name: "detection time not a time", rule: "HS003", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** yesterday"}, want: true},
		{name: "timeline time not a time", rule: "HS003", edits: []string{"| 2026-07-04 02:25 |", "| around 2:25 |"}, want: true},
		{name: "timeline 12-hour time of day accepted", rule: "HS003", edits: []string{"| 2026-07-04 02:25 |", "| 2:25am |"}, want: false},
		{name: "field time with a note", rule: "HS003", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** 2026-07-04 02:20 (JST 11:20)"}, want: true},
		{name: "ISO time accepted", rule: "HS003", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** 2026-07-04T02:20Z"}, want: false},
		{name: "unknown time is honest", rule: "HS003", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** Unknown"}, want: false},

		{name: "duration not a duration", rule: "HS004", edits: []string{"**Time to Acknowledge (TTA):** 00:05", "**Time to Acknowledge (TTA):** five-ish minutes"}, want: true},
		{name: "spelled duration accepted", rule: "HS004", edits: []string{"**Time to Acknowledge (TTA):** 00:05", "**Time to Acknowledge (TTA):** 5m"}, want: false},

		{name: "severity word", rule: "HS005", edits: []string{"**Severity:** SEV-2", "**Severity:** High"}, want: true},
		{name: "severity spelled sev2", rule: "HS005", edits: []string{"**Severity:** SEV-2", "**Severity:** sev2"}, want: false},

		{name: "status unknown", rule: "HS006", edits: []string{"**Status:** Published", "**Status:** Finalized-ish"}, want: true},
		{name: "status template", rule: "HS006", edits: []string{"**Status:** Published", "**Status:** Template"}, want: true},
		{name: "status in review", rule: "HS006", edits: []string{"**Status:** Published", "**Status:** In Review"}, want: false},

		{name: "last updated not a date", rule: "HS007", edits: []string{"**Last Updated:** 2026-07-08", "**Last Updated:** last week"}, want: true},
		{name: "target date not a date", rule: "HS007", edits: []string{"2026-07-31 | Open", "soon | Open"}, want: true},
		{name: "target date missing", rule: "HS007", edits: []string{"2026-07-31 | Open", " | Open"}, want: true},
		{name: "dates valid", rule: "HS007", want: false},

		{name: "end before start", rule: "HS008", edits: []string{"**End Time (UTC):** 2026-07-04 03:40", "**End Time (UTC):** 2026-07-04 01:40"}, want: true},
		{name: "end after start", rule: "HS008", want: false},

		{name: "duration mismatch", rule: "HS009", edits: []string{"**Duration:** 01:30", "**Duration:** 01:00"}, want: true},
		{name: "duration matches", rule: "HS009", want: false},

		{name: "detection before start", rule: "HS010", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** 2026-07-04 01:20"}, want: true},
		{name: "detection after end", rule: "HS010", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time (UTC):** 2026-07-04 05:20"}, want: true},
		{name: "detection inside", rule: "HS010", want: false},

		{name: "TTA longer than TTM", rule: "HS011", edits: []string{"**Time to Acknowledge (TTA):** 00:05", "**Time to Acknowledge (TTA):** 01:20"}, want: true},
		{name: "TTM longer than end minus detection", rule: "HS011", edits: []string{"**Time to Mitigate (TTM):** 01:10", "**Time to Mitigate (TTM):** 01:30"}, want: true},
		{name: "response times consistent", rule: "HS011", want: false},

		{name: "human error", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- Human error: the engineer skipped the canary stage."}, want: true},
		{name: "someone's fault", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- It was Ravi's fault."}, want: true},
		{name: "should have known", rule: "HS012", edits: []string{"Rolled back the config push.", "Rolled back; the author should have known better."}, want: true},
		{name: "careless in timeline", rule: "HS012", edits: []string{"Ravi Menon acknowledges.", "Ravi Menon acknowledges the careless push."}, want: true},
		{name: "configured phrase", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- The reviewer dropped the ball."}, cfg: "blameless:\n  replace: true\n  words:\n    - phrase: dropped the ball\n      suggestion: describe the missing review step\n", want: true},
		{name: "ignored phrase", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- Nobody was to blame."}, cfg: "blameless:\n  ignore: [blame]\n", want: false},
		{name: "phrase in code span", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- The log said `human error` for every request."}, want: false},
		{name: "blameless word", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- The review was blameless."}, want: false},
		{name: "disabled inline", rule: "HS012", edits: []string{"- The config push skipped the canary stage.", "- Human error.", "## Incident Summary", "<!-- hindsight-disable HS012 -->\n\n## Incident Summary"}, want: false},

		{name: "timeline out of order", rule: "HS013", edits: []string{"| 2026-07-04 02:20 | Error-rate alert fires. |", "| 2026-07-04 02:30 | Error-rate alert fires. |", "| 2026-07-04 02:25 | Ravi", "| 2026-07-04 02:22 | Ravi"}, want: true},
		{name: "timeline in order", rule: "HS013", want: false},

		{name: "published without timeline", rule: "HS014", edits: removeTimeline, want: true},
		{name: "in review without timeline", rule: "HS014", edits: append([]string{"**Status:** Published", "**Status:** In Review"}, removeTimeline...), want: false},
		{name: "published with timeline", rule: "HS014", want: false},

		{name: "row after end", rule: "HS015", edits: []string{"| 2026-07-04 03:40 | Error rate back to normal; incident resolved. |", "| 2026-07-04 03:40 | Error rate back to normal; incident resolved. |\n| 2026-07-05 10:00 | Postmortem review. |"}, want: true},
		{name: "row long before start", rule: "HS015", edits: []string{"| 2026-07-04 02:10 |", "| 2026-07-01 09:00 | Gateway upgraded. |\n| 2026-07-04 02:10 |"}, want: true},
		{name: "row shortly before start", rule: "HS015", edits: []string{"| 2026-07-04 02:10 |", "| 2026-07-03 18:00 | Config change reviewed. |\n| 2026-07-04 02:10 |"}, want: false},
		{name: "rows inside", rule: "HS015", want: false},

		{name: "duplicate action id", rule: "HS016", edits: []string{"| AI-002 |", "| AI-001 |"}, want: true},
		{name: "malformed action id", rule: "HS016", edits: []string{"| AI-002 |", "| AI-2 |"}, want: true},
		{name: "action ids fine", rule: "HS016", want: false},

		{name: "owner missing", rule: "HS017", edits: []string{"| Ravi Menon | P0 |", "|  | P0 |"}, want: true},
		{name: "owner TBD", rule: "HS017", edits: []string{"| Ravi Menon | P0 |", "| TBD | P0 |"}, want: true},
		{name: "owners present", rule: "HS017", want: false},
		{name: "placeholder owner in a draft is unfinished, not missing", rule: "HS017", edits: []string{"**Status:** Published", "**Status:** Draft", "| Ravi Menon | P0 |", "| Name | P0 |"}, want: false},

		{name: "priority word", rule: "HS018", edits: []string{"| P1 | 2026-07-31 |", "| Low | 2026-07-31 |"}, want: true},
		{name: "priority lower case", rule: "HS018", edits: []string{"| P1 | 2026-07-31 |", "| p1 | 2026-07-31 |"}, want: false},

		{name: "item status word", rule: "HS019", edits: []string{"| 2026-07-31 | Open |", "| 2026-07-31 | Someday |"}, want: true},
		{name: "item status done", rule: "HS019", edits: []string{"| 2026-07-31 | Open |", "| 2026-07-31 | Done |"}, want: false},

		{name: "open item overdue", rule: "HS020", today: "2026-08-05", want: true},
		{name: "open item not yet due", rule: "HS020", want: false},
		{name: "closed item past date", rule: "HS020", today: "2026-08-05", edits: []string{"| 2026-07-31 | Open |", "| 2026-07-31 | Closed |"}, want: false},

		{name: "P0 due late", rule: "HS021", edits: []string{"| 2026-07-08 | Closed |", "| 2026-09-30 | Closed |"}, want: true},
		{name: "P0 due window configured", rule: "HS021", edits: []string{"| 2026-07-08 | Closed |", "| 2026-07-20 | Closed |"}, cfg: "p0_due_days: 7\n", want: true},
		{name: "P0 due soon", rule: "HS021", want: false},

		{name: "published with empty section", rule: "HS022", edits: []string{"- The alert fired within ten minutes.\n", ""}, want: true},
		{name: "published missing end time", rule: "HS022", edits: []string{"- **End Time (UTC):** 2026-07-04 03:40\n", ""}, want: true},
		{name: "in review may skip what went well", rule: "HS022", edits: []string{"**Status:** Published", "**Status:** In Review", "- The alert fired within ten minutes.\n", ""}, want: false},
		{name: "configured requirement", rule: "HS022", edits: []string{"**Status:** Published", "**Status:** In Review", "- The alert fired within ten minutes.\n", ""}, cfg: "required_sections:\n  by_status:\n    In Review: [summary, What Went Well]\n", want: true},
		{name: "complete document", rule: "HS022", want: false},

		{name: "SEV-2 without P0 or P1", rule: "HS023", edits: []string{"| P0 | 2026-07-08 |", "| P2 | 2026-07-08 |", "| P1 | 2026-07-31 |", "| P2 | 2026-07-31 |"}, want: true},
		{name: "SEV-1 without communication", rule: "HS023", edits: []string{"**Status:** Published", "**Status:** In Review", "**Severity:** SEV-2", "**Severity:** SEV-1", "Two updates, at 02:40 and 03:45.", "", "**Direct Notifications:** None.", "**Direct Notifications:**", "Summary posted to the status page.", ""}, want: true},
		{name: "SEV-3 with P2 only", rule: "HS023", edits: []string{"**Severity:** SEV-2", "**Severity:** SEV-3", "| P0 | 2026-07-08 |", "| P2 | 2026-07-08 |", "| P1 | 2026-07-31 |", "| P2 | 2026-07-31 |"}, want: false},
		{name: "SEV-2 complete", rule: "HS023", want: false},

		{name: "exposure without compliance answer", rule: "HS024", edits: []string{"Data exposure? No", "Data exposure? Yes — 12 receipts", "Compliance implications? No", "Compliance implications? Unknown"}, want: true},
		{name: "exposure with compliance answer", rule: "HS024", edits: []string{"Data exposure? No", "Data exposure? Yes — 12 receipts", "Compliance implications? No", "Compliance implications? Yes — GDPR notification filed"}, want: false},

		{name: "unknown section", rule: "HS025", edits: []string{"## Attachments & References", "## Lessons Learned\n\nCanaries matter.\n\n## Attachments & References"}, want: true},
		{name: "known sections", rule: "HS025", want: false},

		{name: "service not in catalog", rule: "HS026", cfg: "services: [payments-api]\n", want: true},
		{name: "service in catalog", rule: "HS026", cfg: "services: [payments-api, checkout-api]\n", want: false},
		{name: "no catalog", rule: "HS026", want: false},

		{name: "owner not known", rule: "HS027", cfg: "owners: [Ines Carvalho]\n", want: true},
		{name: "owners known", rule: "HS027", cfg: "owners: [Ines Carvalho, Ravi Menon]\n", want: false},

		{name: "rollback maybe", rule: "HS028", edits: []string{"**Rollback Needed:** Yes", "**Rollback Needed:** Maybe"}, want: true},
		{name: "rollback unknown", rule: "HS028", edits: []string{"**Rollback Needed:** Yes", "**Rollback Needed:** Unknown"}, want: false},
		{name: "ambiguous zone in the timeline", rule: "HS029", edits: []string{"| 2026-07-04 02:25 |", "| 07:55 IST |"}, want: true},
		{name: "ambiguous zone in a field", rule: "HS029", edits: []string{"**Detection Time (UTC):** 2026-07-04 02:20", "**Detection Time:** 2026-07-04 07:50 IST"}, want: true},
		{name: "PST in July", rule: "HS029", edits: []string{"| 2026-07-04 02:25 |", "| 2026-07-03 7:25 PM PST |"}, want: true},
		{name: "no zone in a document stating two", rule: "HS029", edits: []string{"## Timeline (UTC)", "## Timeline\n\nAll times are Pacific.\n\nTimes in CET.", "| Time (UTC) |", "| Time |"}, want: true},
		{name: "offset and document zone read", rule: "HS029", edits: []string{"| 2026-07-04 02:25 |", "| 07:55 UTC+05:30 |", "## Timeline (UTC)", "## Timeline\n\nAll times are in IST (UTC+05:30).", "| Time (UTC) |", "| Time |", "| 2026-07-04 02:10 |", "| 2026-07-04 07:40 IST |"}, want: false},
		{name: "time of day with nothing to place it on", rule: "HS030", edits: []string{"- **Start Time (UTC):** 2026-07-04 02:10\n", "", "| 2026-07-04 02:10 |", "| 02:10 |"}, want: true},
		{name: "time of day after a dated row", rule: "HS030", edits: []string{"| 2026-07-04 02:25 |", "| 02:25 |"}, want: false},
		{name: "field type", rule: "HS031", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Region:** eu-west-1\n- **Cost:** lots\n"}, want: true},
		{name: "field types fit", rule: "HS031", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Region:** eu-west-1\n- **Cost:** 120.5\n"}, want: false},
		{name: "enum value", rule: "HS032", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Region:** eu-west-9\n"}, want: true},
		{name: "enum value fits", rule: "HS032", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Region:** eu-west-1\n"}, want: false},
		{name: "required field missing", rule: "HS033", cfg: shapeCfg, want: true},
		{name: "required field filled", rule: "HS033", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Region:** eu-west-1\n"}, want: false},
		{name: "factor category unknown", rule: "HS034", cfg: shapeCfg, edits: []string{"  - The config change", "  - [change/confg] The config change"}, want: true},
		{name: "factor category known", rule: "HS034", cfg: shapeCfg, edits: []string{"  - The config change", "  - [change/config] The config change"}, want: false},
		{name: "tag not suggested", rule: "HS035", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Tags:** config, weather\n"}, want: true},
		{name: "tags suggested", rule: "HS035", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Tags:** config\n"}, want: false},
		{name: "template section missing", rule: "HS036", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Disclosure deadline:** 2026-07-30\n"}, want: true},
		{name: "template section filled", rule: "HS036", cfg: shapeCfg, edits: []string{"- **Severity:** SEV-2\n", "- **Severity:** SEV-2\n- **Disclosure deadline:** 2026-07-30\n", "## Attachments & References", "## Data Exposure Assessment\n\nNo data left the system.\n\n## Attachments & References"}, want: false},
		{name: "rule turned off", rule: "HS028", edits: []string{"**Rollback Needed:** Yes", "**Rollback Needed:** Maybe"}, cfg: "rules:\n  yes-no: off\n", want: false},
	}
	covered := map[string][2]bool{}
	good := readGood(t)
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			src := edit(t, good, tc.edits...)
			opt := Options{Today: testToday}
			if tc.today != "" {
				d, ok := hindsight.ParseDate(tc.today)
				if !ok {
					t.Fatal(tc.today)
				}
				opt.Today = d.T
			}
			fs := Source("pm.md", []byte(src), mustConfig(t, tc.cfg), opt)
			var hits []Finding
			for _, f := range fs {
				if f.Rule == tc.rule {
					hits = append(hits, f)
				}
			}
			if got := len(hits) > 0; got != tc.want {
				t.Fatalf("%s reported = %v, want %v; findings:\n%s", tc.rule, got, tc.want, dump(fs))
			}
			for _, f := range hits {
				if f.Line < 1 || f.Col < 1 || f.Message == "" || f.Field == "" || f.Path != "pm.md" {
					t.Errorf("finding lacks position, field or message: %+v", f)
				}
			}
			c := covered[tc.rule]
			if tc.want {
				c[0] = true
			} else {
				c[1] = true
			}
			covered[tc.rule] = c
		})
	}
	for _, r := range Rules() {
		if c := covered[r.ID]; !c[0] || !c[1] {
			t.Errorf("rule %s has no failing case (%v) or no passing case (%v)", r.ID, c[0], c[1])
		}
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	_ = WriteText(&b, fs)
	return b.String()
}

// TestMessages checks that messages name the field and the expected value.
func TestMessages(t *testing.T) {
	good := readGood(t)
	for _, tc := range []struct {
		edits []string
		rule  string
		want  []string
	}{
		{[]string{"**Duration:** 01:30", "**Duration:** 01:00"}, "HS009", []string{"summary.duration", "01:00", "expected 01:30"}},
		{[]string{"INC-20260704-001", "INC-20260705-001"}, "HS002", []string{"summary.incident_id", "expected INC-20260704-NNN"}},
		{[]string{"- The config push skipped the canary stage.", "- Human error again."}, "HS012", []string{"went_poorly[0]", `"Human error"`, "describe the conditions"}},
		{[]string{"**Severity:** SEV-2", "**Severity:** High"}, "HS005", []string{"summary.severity", `"High"`, "expected SEV-1, SEV-2, SEV-3 or SEV-4"}},
	} {
		fs := Source("pm.md", []byte(edit(t, good, tc.edits...)), nil, Options{Today: testToday})
		i := slices.IndexFunc(fs, func(f Finding) bool { return f.Rule == tc.rule })
		if i < 0 {
			t.Fatalf("%s not reported:\n%s", tc.rule, dump(fs))
		}
		for _, w := range tc.want {
			if !strings.Contains(fs[i].Message, w) {
				t.Errorf("%s message %q lacks %q", tc.rule, fs[i].Message, w)
			}
		}
	}
}

// TestPositions checks that findings point at the offending text.
func TestPositions(t *testing.T) {
	src := edit(t, readGood(t), "- The config push skipped the canary stage.", "- Then human error struck.", "**Severity:** SEV-2", "**Severity:** High")
	fs := Source("pm.md", []byte(src), nil, Options{Today: testToday})
	lines := strings.Split(src, "\n")
	for _, want := range []struct{ rule, text string }{{"HS012", "human error"}, {"HS005", "High"}} {
		i := slices.IndexFunc(fs, func(f Finding) bool { return f.Rule == want.rule })
		if i < 0 {
			t.Fatalf("%s not reported", want.rule)
		}
		f := fs[i]
		line := lines[f.Line-1]
		if got := string([]rune(line)[f.Col-1:]); !strings.HasPrefix(got, want.text) {
			t.Errorf("%s at %d:%d points at %q, want %q", want.rule, f.Line, f.Col, got, want.text)
		}
	}
}

// TestFix applies the fixes and checks the fixed document is clean of the
// fixed rules.
func TestFix(t *testing.T) {
	src := edit(t, readGood(t),
		"**Duration:** 01:30", "**Duration:** 01:00",
		"| 2026-07-04 02:20 | Error-rate alert fires. |", "| 2026-07-04 02:30 | Error-rate alert fires. |",
	)
	fs := Source("pm.md", []byte(src), nil, Options{Today: testToday})
	if !slices.Contains(rulesOf(fs), "HS009") || !slices.Contains(rulesOf(fs), "HS013") {
		t.Fatalf("want HS009 and HS013:\n%s", dump(fs))
	}
	doc, _ := markdown.Parse([]byte(src))
	changes := Apply(doc, fs)
	if len(changes) != 2 {
		t.Fatalf("changes = %q, want 2", changes)
	}
	out := markdown.Render(doc)
	if !strings.Contains(string(out), "**Duration:** 01:30") {
		t.Errorf("duration not recomputed:\n%s", out)
	}
	after := Source("pm.md", out, nil, Options{Today: testToday})
	if len(after) != 0 {
		t.Errorf("findings after fix:\n%s", dump(after))
	}
	// action items without IDs are numbered after the highest ID in use
	noIDs := edit(t, readGood(t), "| AI-001 |", "|  |", "| AI-002 |", "|  |")
	doc, _ = markdown.Parse([]byte(noIDs))
	fs = Source("pm.md", []byte(noIDs), nil, Options{Today: testToday})
	if got := Apply(doc, fs); len(got) != 2 || doc.ActionItems[0].ID != "AI-001" || doc.ActionItems[1].ID != "AI-002" {
		t.Errorf("IDs not assigned: %q %+v", got, doc.ActionItems)
	}
	// a timeline with a row without a valid time is not sorted
	bad := edit(t, src, "| 2026-07-04 02:25 |", "| around 02:25 |")
	fs = Source("pm.md", []byte(bad), nil, Options{Today: testToday})
	for _, f := range fs {
		if f.Rule == "HS013" && f.Fix != nil {
			t.Errorf("HS013 offers a fix although a row has no valid time")
		}
	}
}

// TestLintInMemory runs the rules on a model without a source map, as the
// web app and API do.
func TestLintInMemory(t *testing.T) {
	start := time.Date(2026, 7, 4, 2, 10, 0, 0, time.UTC)
	doc := &hindsight.Postmortem{
		Status: hindsight.StatusDraft,
		Summary: hindsight.Summary{
			IncidentID: "INC-20260704-001",
			Start:      hindsight.TimeOf(start),
			End:        hindsight.TimeOf(start.Add(90 * time.Minute)),
			Duration:   hindsight.Minutes(60),
			Severity:   hindsight.Sev3,
			Services:   []hindsight.Service{{Name: "checkout-api"}},
		},
		ActionItems: []hindsight.ActionItem{{ID: "AI-001", Action: "Fix it", Owner: "Name", Priority: hindsight.P1, TargetDate: hindsight.DateOf(start), Status: hindsight.ItemOpen}},
	}
	fs := Lint(doc, nil, nil, Options{Today: testToday})
	got := rulesOf(fs)
	for _, want := range []string{"HS009", "HS017", "HS020"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %s in %v", want, got)
		}
	}
	if Lint(nil, nil, nil, Options{}) != nil {
		t.Error("Lint(nil) returned findings")
	}
}

// TestExamplesClean lints the examples in examples/ with "today" the date
// each was last updated: they must have no findings at all.
func TestExamplesClean(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "examples", "*.md"))
	if len(paths) == 0 {
		t.Skip("no examples in ../examples yet")
	}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := markdown.Parse(src)
		today := doc.LastUpdated.T
		if today.IsZero() {
			t.Errorf("%s: no Last Updated date", p)
		}
		cfg, err := LoadConfig(filepath.Dir(p))
		if err != nil {
			t.Fatal(err)
		}
		if fs := Source(p, src, cfg, Options{Today: today}); len(fs) > 0 {
			t.Errorf("%s has findings:\n%s", p, dump(fs))
		}
	}
}

// TestTemplate lints the unfilled template: placeholders are reported
// (only in the summary, as its status is not Published) and nothing panics.
func TestTemplate(t *testing.T) {
	src := markdown.RenderTemplate(&hindsight.Postmortem{})
	fs := Source("template.md", src, nil, Options{Today: testToday})
	if !slices.Contains(rulesOf(fs), "HS001") || !slices.Contains(rulesOf(fs), "HS006") {
		t.Errorf("template: want HS001 and HS006, got\n%s", dump(fs))
	}
}

func TestIsPostmortem(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"# Incident Postmortem: x\n", true},
		{"\xef\xbb\xbf# Incident Postmortem: x\r\n", true},
		{"# Title\r\n\r\n## Incident Summary\r\n## Root Cause\r\n", true},
		{"# Notes\n\n## Incident Summary\n\n## Root Cause\n", true},
		{"# Notes\n\n## Root Cause\n", false},
		{"# README\n\nIncident Postmortem\n", false},
		// exports and hand-written documents: a timeline and another section
		{"# WAF outage\n\nStatus: Published\n\n## Timeline\n\n- 13:42 UTC x\n\n## Action Items\n\n- [ ] y\n", true},
		{"# **Outage**\n\n## **Executive Summary**\n\nx\n\n## **Timeline**\n\n| Time | Event |\n| --- | --- |\n", true},
		{"# Outage\n\n## Timeline\n\n## Root Causes\n", true},
		{"# Project\n\n## Overview\n\n## References\n", false},
		{"# Release plan\n\n## Timeline\n\n- Q1: beta\n", false},
		{"", false},
	} {
		if got := IsPostmortem([]byte(tc.src)); got != tc.want {
			t.Errorf("IsPostmortem(%q) = %v", tc.src, got)
		}
	}
}

func TestLevels(t *testing.T) {
	for _, tc := range []struct {
		l, min Level
		want   bool
	}{{Error, Warning, true}, {Info, Warning, false}, {Warning, Warning, true}, {Info, Info, true}, {Off, Info, false}} {
		if got := tc.l.AtLeast(tc.min); got != tc.want {
			t.Errorf("%s.AtLeast(%s) = %v", tc.l, tc.min, got)
		}
	}
	fs := []Finding{{Level: Error}, {Level: Warning}, {Level: Info}}
	if Count(fs, Warning) != 2 || Count(fs, Info) != 3 || Count(fs, Error) != 1 {
		t.Error("Count")
	}
}

// TestTemplatePlaceholders lints the template marked Published: every kind
// of placeholder the template has is reported by HS001.
func TestTemplatePlaceholders(t *testing.T) {
	src := strings.Replace(string(markdown.RenderTemplate(&hindsight.Postmortem{})), "**Status:** Template", "**Status:** Published", 1)
	var msgs strings.Builder
	for _, f := range Source("t.md", []byte(src), nil, Options{Today: testToday}) {
		if f.Rule == "HS001" {
			msgs.WriteString(f.Message + "\n")
		}
	}
	for _, p := range []string{"YYYY-MM-DD", "HH:MM", `"Name"`, `"Names"`, "Item 1", "Factor 1", "service-name (impact summary)",
		"Event description", "Action description", "INC-YYYYMMDD-###", "SEV-1 / SEV-2 / SEV-3 / SEV-4", "Yes/No"} {
		if !strings.Contains(msgs.String(), p) {
			t.Errorf("placeholder %s not reported; HS001 said:\n%s", p, msgs.String())
		}
	}
	// a started action item row reports each placeholder left in it
	row := "# Incident Postmortem: x\n\n**Status:** Published\n\n## Action Items\n\n| ID | Action | Owner | Priority | Target Date | Status |\n| --- | --- | --- | --- | --- | --- |\n| AI-001 | Do it | Name | P0/P1/P2 | YYYY-MM-DD | Open/Closed |\n"
	fields := map[string]bool{}
	for _, f := range Source("t.md", []byte(row), nil, Options{Today: testToday}) {
		if f.Rule == "HS001" {
			fields[f.Field] = true
		}
	}
	for _, f := range []string{"action_items[0].owner", "action_items[0].priority", "action_items[0].target_date", "action_items[0].status"} {
		if !fields[f] {
			t.Errorf("no placeholder reported at %s (got %v)", f, fields)
		}
	}
}

// shapeCfg declares a shape for the rules of issue 19 (HS031-HS036).
const shapeCfg = `fields:
  - {name: Region, type: enum, values: [eu-west-1, us-east-1], required: {status: [Published]}}
  - {name: Cost, type: number}
taxonomy: {factors: [change/config, capacity]}
tags: {free: false, suggested: [config, dns]}
templates:
  security: {sections: [Data Exposure Assessment], fields: [Disclosure deadline]}
`
