package lint

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       []string // substrings of the error
	}{
		{"unknown top-level key", "rules:\n  HS001: off\nfoo: 1\n", []string{".hindsight.yaml:3:", `unknown key "foo"`}},
		{"unknown nested key", "blameless:\n  words:\n    - phrase: x\n      sugestion: y\n", []string{".hindsight.yaml:4:", `unknown key "sugestion"`}},
		{"malformed", "rules:\n  HS001: [\n", []string{".hindsight.yaml:3:"}},
		{"unknown rule", "rules:\n  HS999: off\n", []string{".hindsight.yaml:2:", `unknown rule "HS999"`}},
		{"bad level", "rules:\n  HS001: loud\n", []string{".hindsight.yaml:2:", `level "loud"`, "expected error, warning, info or off"}},
		{"unknown status", "required_sections:\n  by_status:\n    Final-ish: [summary]\n", []string{".hindsight.yaml:3:", "unknown status"}},
		{"unknown severity", "required_sections:\n  by_severity:\n    SEV-9: [summary]\n", []string{".hindsight.yaml:3:", "unknown severity"}},
		{"unknown section", "required_sections:\n  by_status:\n    Published:\n      - summary\n      - Lessons\n", []string{".hindsight.yaml:5:", `unknown section "Lessons"`}},
		{"bad number", "p0_due_days: soon\n", []string{".hindsight.yaml:1:"}},
		{"zero days", "p0_due_days: 0\n", []string{"p0_due_days"}},
		{"rules not a mapping", "rules: [HS001]\n", []string{".hindsight.yaml:1:", "rules must be a mapping"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig(".hindsight.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("no error")
			}
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Errorf("code %q, want invalid", hindsight.ErrorCode(err))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig("x.yaml", []byte(`# Hindsight lint settings
rules:
  HS012: info
  timeline-window: off
required_sections:
  by_status:
    Published: [summary, Root Cause, timeline]
  by_severity:
    SEV-3: [executive_summary]
services: [checkout-api]
owners: ["@sre"]
blameless:
  words:
    - phrase: dropped the ball
      suggestion: describe the missing step
  ignore: [blame]
p0_due_days: 10
timeline_lead_hours: 48
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.level(ruleByKey("HS012")) != Info || c.level(ruleByKey("HS015")) != Off || c.level(ruleByKey("HS001")) != Error {
		t.Errorf("levels %v", c.Levels)
	}
	if got := c.RequiredByStatus[hindsight.StatusPublished]; strings.Join(got, ",") != "summary,root_cause,timeline" {
		t.Errorf("by_status Published = %v", got)
	}
	if got := c.RequiredBySeverity[hindsight.Sev3]; strings.Join(got, ",") != "executive_summary" {
		t.Errorf("by_severity SEV-3 = %v", got)
	}
	if c.P0DueDays != 10 || c.TimelineLeadHours != 48 {
		t.Errorf("numbers %d %d", c.P0DueDays, c.TimelineLeadHours)
	}
	if !c.knownService("Checkout-API") || c.knownService("db") {
		t.Error("service catalog")
	}
	if !c.knownOwner("sre") || c.knownOwner("bob") {
		t.Error("owners")
	}
	m := c.matcher()
	if len(m.find("they dropped the ball")) != 1 || len(m.find("no blame here")) != 0 || len(m.find("human error")) != 1 {
		t.Error("word list not extended / ignored")
	}
	if _, err := ParseConfig("empty.yaml", nil); err != nil {
		t.Errorf("empty config: %v", err)
	}
}

// TestLoadConfigWalksUp finds the nearest .hindsight.yaml above a directory.
func TestLoadConfigWalksUp(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	other := filepath.Join(root, "x")
	for _, d := range []string{deep, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a", ConfigFile), []byte("p0_due_days: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, ConfigFile), []byte("p0_due_dayz: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(deep)
	if err != nil {
		t.Fatal(err)
	}
	if c.P0DueDays != 3 || c.Path != filepath.Join(root, "a", ConfigFile) {
		t.Errorf("got %d from %q", c.P0DueDays, c.Path)
	}
	if _, err := LoadConfig(other); err == nil || !strings.Contains(err.Error(), ConfigFile+":1:") {
		t.Errorf("malformed config: %v", err)
	}
	// a directory without a config above it gets the defaults (the temp
	// dir's parents have none in a clean test environment)
	if p, _ := FindConfig(root); p == "" {
		c, err := LoadConfig(root)
		if err != nil || c.Path != "" || c.P0DueDays != DefaultConfig().P0DueDays {
			t.Errorf("defaults: %v %+v", err, c)
		}
	}
}
