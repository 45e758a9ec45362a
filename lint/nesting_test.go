package lint_test

import (
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight/lint"
)

// TestDeepNestingReported: a quote nested past markdown.MaxNesting is
// reported (HS025, information) on its line: the structure stops at the
// bound and the rest is read as text, which the author should know.
func TestDeepNestingReported(t *testing.T) {
	src := "# Incident Postmortem: deep\n\n## Executive Summary\n\n" + strings.Repeat("> ", 40) + "words\n"
	fs := lint.Source("deep.md", []byte(src), lint.DefaultConfig(), lint.Options{})
	for _, f := range fs {
		if f.Rule == "HS025" && f.Line == 5 && strings.Contains(f.Message, "nested deeper than 32 levels") {
			return
		}
	}
	t.Errorf("no HS025 finding of the nesting on line 5: %+v", fs)
}
