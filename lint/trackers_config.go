package lint

import (
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/tracker"
)

// TrackerSettings is one tracker of the trackers: key of .hindsight.yaml
// (docs/integrations.md):
//
//	trackers:
//	  github:
//	    repo: org/repo
//	    token_env: GITHUB_TOKEN
//	    labels: [postmortem]
//	    base_url: https://github.example.com/api/v3/   # optional
//	    owners: {ann@example.com: ann-gh}              # Hindsight owner -> tracker user
//	    priority_labels: {P0: "priority/critical"}
//	  gitlab:
//	    project: group/project
//	    token_env: GITLAB_TOKEN
//	  jira:
//	    base_url: https://example.atlassian.net
//	    project: OPS
//	    issue_type: Task
//	    token_env: JIRA_TOKEN
//	    email_env: JIRA_EMAIL
//	    priorities: {P2: Low}                       # Jira priority names (default Highest, High, Medium)
//
// The first tracker in the file is the default one; an incident may name
// another (its "Tracker:" summary field, app.TrackerOverride).
type TrackerSettings struct {
	// Config is the client configuration without the token (Token and
	// Email are resolved from TokenEnv and EmailEnv by the caller).
	tracker.Config
	// EmailEnv names the environment variable holding the Jira account
	// email (basic auth user).
	EmailEnv string
	// Owners maps a Hindsight owner, lower case (an account's email or
	// name as written in the Owner column, without a leading @), to the
	// tracker's user (GitHub or GitLab username, Jira account ID).
	Owners map[string]string
	// PriorityLabels maps an item's priority to a label added to its issue.
	PriorityLabels map[hindsight.Priority]string
	// Line is the line of the tracker's key in the file.
	Line int
}

// Owner returns the tracker user of a Hindsight owner ("" when the
// mapping has none).
func (t *TrackerSettings) Owner(owner string) string {
	o := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(owner), "@"))
	return t.Owners[o]
}

// Tracker returns the configured tracker of kind, or nil.
func (c *Config) Tracker(kind tracker.Kind) *TrackerSettings {
	for i := range c.Trackers {
		if c.Trackers[i].Kind == kind {
			return &c.Trackers[i]
		}
	}
	return nil
}

// trackers reads the trackers: key. Every error names the file and line.
func trackers(path string, n *yaml.Node) ([]TrackerSettings, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, configError(path, n.Line, "trackers must be a mapping of github, gitlab and jira to their settings")
	}
	var out []TrackerSettings
	seen := map[tracker.Kind]bool{}
	err := forMapping(path, n, "trackers", func(k, v *yaml.Node) error {
		kind := tracker.Kind(strings.ToLower(strings.TrimSpace(k.Value)))
		switch kind {
		case tracker.GitHub, tracker.GitLab, tracker.Jira:
		default:
			return configError(path, k.Line, "trackers: unknown tracker %q; expected github, gitlab or jira", k.Value)
		}
		if seen[kind] {
			return configError(path, k.Line, "trackers: %s is configured twice", kind)
		}
		seen[kind] = true
		t, err := trackerSettings(path, kind, k.Line, v)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	return out, err
}

func trackerSettings(path string, kind tracker.Kind, line int, n *yaml.Node) (TrackerSettings, error) {
	t := TrackerSettings{Config: tracker.Config{Kind: kind}, Line: line}
	name := "trackers." + string(kind)
	if n.Kind != yaml.MappingNode {
		return t, configError(path, n.Line, "%s must be a mapping (repo, token_env, labels...)", name)
	}
	keys := map[tracker.Kind][]string{
		tracker.GitHub: {"repo", "token_env", "labels", "base_url", "owners", "priority_labels"},
		tracker.GitLab: {"project", "token_env", "labels", "base_url", "owners", "priority_labels"},
		tracker.Jira:   {"base_url", "project", "issue_type", "token_env", "email_env", "labels", "owners", "priority_labels", "priorities"},
	}[kind]
	scalar := func(k, v *yaml.Node) (string, error) {
		if v.Kind != yaml.ScalarNode {
			return "", configError(path, v.Line, "%s.%s: expected a string", name, k.Value)
		}
		return strings.TrimSpace(v.Value), nil
	}
	err := forMapping(path, n, name, func(k, v *yaml.Node) error {
		if !containsString(keys, k.Value) {
			return configError(path, k.Line, "%s: unknown key %q; expected %s", name, k.Value, strings.Join(keys, ", "))
		}
		var err error
		switch k.Value {
		case "repo":
			t.Repo, err = scalar(k, v)
		case "project":
			if kind == tracker.Jira {
				t.Project, err = scalar(k, v)
			} else {
				t.Repo, err = scalar(k, v)
			}
		case "token_env":
			t.TokenEnv, err = scalar(k, v)
		case "email_env":
			t.EmailEnv, err = scalar(k, v)
		case "base_url":
			t.BaseURL, err = scalar(k, v)
		case "issue_type":
			t.IssueType, err = scalar(k, v)
		case "labels":
			t.Labels, err = trackerStrings(path, name+".labels", v)
		case "owners":
			t.Owners = map[string]string{}
			err = forMapping(path, v, name+".owners", func(ok, ov *yaml.Node) error {
				who := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(ok.Value), "@"))
				user, err := scalar(ok, ov)
				if err != nil {
					return err
				}
				if ok.Kind != yaml.ScalarNode || who == "" || user == "" {
					return configError(path, ok.Line, "%s.owners: expected owner: tracker user, e.g. {ann@example.com: ann-gh}", name)
				}
				t.Owners[who] = user
				return nil
			})
		case "priorities":
			t.Priorities = map[hindsight.Priority]string{}
			err = forMapping(path, v, name+".priorities", func(pk, pv *yaml.Node) error {
				pr, ok := hindsight.ParsePriority(pk.Value)
				if !ok || pk.Kind != yaml.ScalarNode {
					return configError(path, pk.Line, "%s.priorities: unknown priority %q; expected P0, P1 or P2", name, pk.Value)
				}
				p, err := scalar(pk, pv)
				if err != nil {
					return err
				}
				if p == "" {
					return configError(path, pv.Line, "%s.priorities: %s: the Jira priority name is empty", name, pk.Value)
				}
				t.Priorities[pr] = p
				return nil
			})
		case "priority_labels":
			t.PriorityLabels = map[hindsight.Priority]string{}
			err = forMapping(path, v, name+".priority_labels", func(pk, pv *yaml.Node) error {
				pr, ok := hindsight.ParsePriority(pk.Value)
				if !ok || pk.Kind != yaml.ScalarNode {
					return configError(path, pk.Line, "%s.priority_labels: unknown priority %q; expected P0, P1 or P2", name, pk.Value)
				}
				label, err := scalar(pk, pv)
				if err != nil {
					return err
				}
				if label == "" {
					return configError(path, pv.Line, "%s.priority_labels: %s: the label is empty", name, pk.Value)
				}
				t.PriorityLabels[pr] = label
				return nil
			})
		}
		return err
	})
	if err != nil {
		return t, err
	}
	// the client's own checks (required fields per kind)
	if _, err := tracker.New(t.Config, nil); err != nil {
		return t, configError(path, line, "%s", err.Error())
	}
	return t, nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// trackerStrings reads a YAML list of strings (or one string).
func trackerStrings(path, name string, n *yaml.Node) ([]string, error) {
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
	default:
		return nil, configError(path, n.Line, "%s: expected a list of strings", name)
	}
	var out []string
	for _, it := range items {
		s := strings.TrimSpace(it.Value)
		if it.Kind != yaml.ScalarNode || s == "" {
			return nil, configError(path, it.Line, "%s: expected a list of strings", name)
		}
		out = append(out, s)
	}
	return out, nil
}
