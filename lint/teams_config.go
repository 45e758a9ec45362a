package lint

import (
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/hindsight-pm/hindsight"
)

// teamGroups reads sso.team_groups: a mapping of identity provider groups
// to a team slug or a list of them ({"grp-payments": payments,
// "grp-eng": [payments, search]}).
func teamGroups(path string, n *yaml.Node) (map[string][]string, error) {
	const want = `expected a mapping of groups to team slugs, e.g. {"grp-payments": payments}`
	if n.Kind == 0 {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, configError(path, n.Line, "sso.team_groups: %s", want)
	}
	out := map[string][]string{}
	err := forMapping(path, n, "sso.team_groups", func(k, v *yaml.Node) error {
		group := strings.TrimSpace(k.Value)
		if k.Kind != yaml.ScalarNode || group == "" {
			return configError(path, k.Line, "sso.team_groups: %s", want)
		}
		var items []*yaml.Node
		switch v.Kind {
		case yaml.ScalarNode:
			items = []*yaml.Node{v}
		case yaml.SequenceNode:
			items = v.Content
		default:
			return configError(path, v.Line, "sso.team_groups: group %q: %s", group, want)
		}
		for _, it := range items {
			slug := strings.ToLower(strings.TrimSpace(it.Value))
			if it.Kind != yaml.ScalarNode || !hindsight.ValidTeamSlug(slug) {
				return configError(path, it.Line, "sso.team_groups: group %q: %q is not a team slug (lower case letters, digits and hyphens)", group, it.Value)
			}
			out[group] = append(out[group], slug)
		}
		return nil
	})
	return out, err
}
