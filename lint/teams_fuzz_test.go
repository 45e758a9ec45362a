package lint

import (
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// FuzzParseConfig: any .hindsight.yaml either parses or is refused with an
// EInvalid naming the file; never a panic. A parsed sso.team_groups holds
// valid team slugs only.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"",
		"sso:\n  team_groups:\n    grp-payments: payments\n    grp-eng: [payments, search]\n",
		"sso:\n  team_groups: [a]\n",
		"sso:\n  team_groups:\n    grp: {x: 1}\n",
		"sso:\n  team_groups:\n    ? [a]\n    : b\n",
		"rules:\n  HS001: off\nrestricted_by_default: [SEV-1]\n",
		"required_sections:\n  by_status:\n    Published: [summary]\n",
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
		for g, slugs := range c.TeamGroups {
			for _, s := range slugs {
				if !hindsight.ValidTeamSlug(s) {
					t.Fatalf("group %q maps to %q, not a slug", g, s)
				}
			}
		}
	})
}
