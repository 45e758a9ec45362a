package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFmtAndLintTimes: the timeline, through the CLI. fmt writes
// the zoned and 12-hour times in UTC on the right day and leaves the event
// text alone; a time it cannot read exactly is written back as it was and
// lint names its line.
func TestFmtAndLintTimes(t *testing.T) {
	src := `# Incident Postmortem: Paging storm

**Status:** Draft

## Incident Summary

- **Incident ID:** INC-20240207-001
- **Start Time (UTC):** 2024-02-07 16:40
- **Severity:** SEV-2

## Timeline

- 2024-02-07 16:50 — deploy
- 9:41 AM PST — paging storm
- 11:05 am PT: rollback started
- 2024-02-07T19:02:00Z — recovered
- 10:00 IST — status page updated
- 19:30 — all clear
`
	dir := t.TempDir()
	f := filepath.Join(dir, "pm.md")
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runIn(t, "", "fmt", f)
	if code != 0 {
		t.Fatalf("fmt: exit %d %s", code, stderr)
	}
	for _, want := range []string{
		"| 2024-02-07 16:50 | deploy |",
		"| 2024-02-07 17:41 | paging storm |",
		"| 2024-02-07 19:05 | rollback started |",
		"| 2024-02-07 19:02 | recovered |",
		"| 10:00 IST | status page updated |",
		"| 2024-02-07 19:30 | all clear |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fmt output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runIn(t, "", "lint", f)
	if code != 1 || !strings.Contains(out, "pm.md:17:") || !strings.Contains(out, "HS029") || !strings.Contains(out, "IST") {
		t.Errorf("lint: exit %d, want HS029 on line 17:\n%s", code, out)
	}
}
