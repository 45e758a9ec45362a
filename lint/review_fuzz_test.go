package lint

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// FuzzReviewConfig: any review: section either parses into a gate whose
// numbers are in range and whose block_on_lint is one of the three values,
// or is refused with an EInvalid; never a panic.
func FuzzReviewConfig(f *testing.F) {
	for _, s := range []string{
		"review:\n  required_approvals: {SEV-1: 2, SEV-2: 1, default: 0}\n  author_can_approve: false\n  block_on_lint: error\n  resolve_threads: true\n  due_days: {SEV-1: 5, SEV-2: 10, default: 20}\n",
		"review:\n  block_on_lint: off\n",
		"review:\n  required_approvals: {SEV-9: 1}\n",
		"review:\n  due_days: {default: 0}\n",
		"review: [1, 2]\n",
		"review:\n  required_approvals: {default: -1}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		c, err := ParseConfig(".hindsight.yaml", []byte(data))
		if err != nil {
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("error %v has code %q, want invalid", err, hindsight.ErrorCode(err))
			}
			return
		}
		g := c.Review
		switch g.BlockOnLint {
		case hindsight.LintBlockError, hindsight.LintBlockWarning, hindsight.LintBlockOff:
		default:
			t.Fatalf("block_on_lint %q", g.BlockOnLint)
		}
		for sev, n := range g.RequiredApprovals {
			if n < 0 || !sev.Valid() {
				t.Fatalf("required_approvals %s: %d", sev, n)
			}
		}
		for sev, n := range g.Due.Days {
			if n < 1 || !sev.Valid() {
				t.Fatalf("due_days %s: %d", sev, n)
			}
		}
		if g.DefaultApprovals < 0 || g.Due.DaysFor("") < 1 {
			t.Fatalf("defaults %+v", g)
		}
	})
}
