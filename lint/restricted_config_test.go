package lint_test

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/lint"
)

func TestRestrictedByDefaultConfig(t *testing.T) {
	for _, tc := range []struct {
		yaml     string
		all      bool
		sev1, s3 bool
		bad      bool
	}{
		{"", false, false, false, false},
		{"restricted_by_default: all\n", true, true, true, false},
		{"restricted_by_default: none\n", false, false, false, false},
		{"restricted_by_default: [SEV-1, sev-2]\n", false, true, false, false},
		{"restricted_by_default: SEV-1, SEV-3\n", false, true, true, false},
		{"restricted_by_default: [SEV-9]\n", false, false, false, true},
		{"restricted_by_default: {a: b}\n", false, false, false, true},
	} {
		c, err := lint.ParseConfig(".hindsight.yaml", []byte(tc.yaml))
		if (err != nil) != tc.bad {
			t.Errorf("%q: %v", tc.yaml, err)
			continue
		}
		if tc.bad {
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Errorf("%q: %v, want invalid naming the file", tc.yaml, err)
			}
			continue
		}
		if c.RestrictAll != tc.all || c.RestrictedByDefault(hindsight.Sev1) != tc.sev1 || c.RestrictedByDefault(hindsight.Sev3) != tc.s3 {
			t.Errorf("%q: all %v, SEV-1 %v, SEV-3 %v", tc.yaml, c.RestrictAll, c.RestrictedByDefault(hindsight.Sev1), c.RestrictedByDefault(hindsight.Sev3))
		}
		if c.RestrictedByDefault("") != tc.all {
			t.Errorf("%q: no severity restricted %v", tc.yaml, c.RestrictedByDefault(""))
		}
	}
}
