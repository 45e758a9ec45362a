package lint_test

import (
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
)

func TestReviewConfig(t *testing.T) {
	c, err := lint.ParseConfig(".hindsight.yaml", []byte(`review:
  required_approvals: {SEV-1: 2, SEV-2: 1, default: 0}
  author_can_approve: false
  block_on_lint: error
  resolve_threads: true
  due_days: {SEV-1: 5, SEV-2: 10, default: 20}
`))
	if err != nil {
		t.Fatal(err)
	}
	g := c.Review
	if g.Approvals(hindsight.Sev1) != 2 || g.Approvals(hindsight.Sev2) != 1 || g.Approvals(hindsight.Sev4) != 0 || g.AuthorCanApprove ||
		g.BlockOnLint != hindsight.LintBlockError || !g.ResolveThreads || g.Due.DaysFor(hindsight.Sev1) != 5 || g.Due.DaysFor(hindsight.Sev3) != 20 {
		t.Errorf("review gate %+v", g)
	}
	d := lint.DefaultConfig().Review
	if d.Approvals(hindsight.Sev1) != 0 || d.BlockOnLint != hindsight.LintBlockOff || !d.ResolveThreads || d.Due.DaysFor(hindsight.Sev1) != hindsight.DefaultUnpublishedDays {
		t.Errorf("default gate %+v", d)
	}
	for _, tc := range []struct{ yaml, want string }{
		{"review: 3\n", ".hindsight.yaml:1: review must be a mapping"},
		{"review:\n  required_approvals: {SEV-9: 1}\n", `.hindsight.yaml:2: review.required_approvals: unknown severity "SEV-9"`},
		{"review:\n  required_approvals: {SEV-1: -1}\n", `.hindsight.yaml:2: review.required_approvals: SEV-1: "-1" is not a whole number of 0 or more`},
		{"review:\n  due_days: {default: 0}\n", `.hindsight.yaml:2: review.due_days: default: "0" is not a whole number of 1 or more`},
		{"review:\n  due_days: {SEV-1: 200000}\n", `.hindsight.yaml:2: review.due_days: SEV-1: 200000 is more than 36500`},
		{"review:\n  due_days: 5\n", `.hindsight.yaml:2: review.due_days: expected a mapping`},
		{"review:\n  block_on_lint: always\n", `.hindsight.yaml:2: review.block_on_lint: "always"; expected error, warning or off`},
		{"review:\n  author_can_approve: maybe\n", `.hindsight.yaml:2: review.author_can_approve: "maybe" is not true or false`},
		{"review:\n  approvals: 1\n", `.hindsight.yaml:2: unknown key "approvals" in review`},
	} {
		_, err := lint.ParseConfig(".hindsight.yaml", []byte(tc.yaml))
		if err == nil || hindsight.ErrorCode(err) != hindsight.EInvalid || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
