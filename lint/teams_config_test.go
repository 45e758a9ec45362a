package lint

import (
	"reflect"
	"strings"
	"testing"
)

func TestTeamGroups(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		want       map[string][]string
		err        []string // substrings of the error
	}{
		{"none", "rules:\n  HS001: off\n", nil, nil},
		{"one slug and a list", "sso:\n  team_groups:\n    grp-payments: payments\n    \"grp eng\": [Payments, search]\n",
			map[string][]string{"grp-payments": {"payments"}, "grp eng": {"payments", "search"}}, nil},
		{"not a mapping", "sso:\n  team_groups: [a, b]\n", nil, []string{".hindsight.yaml:2:", "sso.team_groups"}},
		{"bad slug", "sso:\n  team_groups:\n    grp: \"Pay ments\"\n", nil, []string{".hindsight.yaml:3:", `"Pay ments" is not a team slug`}},
		{"bad slug in a list", "sso:\n  team_groups:\n    grp:\n      - ok\n      - {x: 1}\n", nil, []string{".hindsight.yaml:5:", "not a team slug"}},
		{"nested mapping", "sso:\n  team_groups:\n    grp: {x: 1}\n", nil, []string{".hindsight.yaml:3:", `group "grp"`}},
		{"unknown sso key", "sso:\n  team_grups: {}\n", nil, []string{".hindsight.yaml:2:", `unknown key "team_grups"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(".hindsight.yaml", []byte(tc.yaml))
			if tc.err != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tc.err {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 && len(c.TeamGroups) == 0 {
				return
			}
			if !reflect.DeepEqual(c.TeamGroups, tc.want) {
				t.Errorf("team groups %v, want %v", c.TeamGroups, tc.want)
			}
		})
	}
}
