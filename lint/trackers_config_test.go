package lint

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/tracker"
)

func TestTrackersConfig(t *testing.T) {
	full := `trackers:
  github:
    repo: org/repo
    token_env: GITHUB_TOKEN
    labels: [postmortem]
    owners: {Ann@Example.com: ann-gh, "@dana": dana-gh}
    priority_labels: {P0: priority/critical, p1: priority/high}
  jira:
    base_url: https://example.atlassian.net
    project: OPS
    issue_type: Task
    token_env: JIRA_TOKEN
    email_env: JIRA_EMAIL
    priorities: {p2: Low, P0: Blocker}
  gitlab:
    project: group/sub/proj
    base_url: https://gitlab.example.com/api/v4/
    labels: incident
`
	for _, tc := range []struct {
		name, yaml string
		want       []TrackerSettings
		err        []string // substrings of the error
	}{
		{"none", "rules:\n  HS001: off\n", nil, nil},
		{"all three, in the file's order", full, []TrackerSettings{
			{Config: tracker.Config{Kind: tracker.GitHub, Repo: "org/repo", TokenEnv: "GITHUB_TOKEN", Labels: []string{"postmortem"}},
				Owners: map[string]string{"ann@example.com": "ann-gh", "dana": "dana-gh"}, PriorityLabels: map[hindsight.Priority]string{hindsight.P0: "priority/critical", hindsight.P1: "priority/high"}, Line: 2},
			{Config: tracker.Config{Kind: tracker.Jira, BaseURL: "https://example.atlassian.net", Project: "OPS", IssueType: "Task", TokenEnv: "JIRA_TOKEN",
				Priorities: map[hindsight.Priority]string{hindsight.P0: "Blocker", hindsight.P2: "Low"}}, EmailEnv: "JIRA_EMAIL", Line: 8},
			{Config: tracker.Config{Kind: tracker.GitLab, Repo: "group/sub/proj", BaseURL: "https://gitlab.example.com/api/v4/", Labels: []string{"incident"}}, Line: 15},
		}, nil},
		{"not a mapping", "trackers: [github]\n", nil, []string{".hindsight.yaml:1:", "trackers must be a mapping"}},
		{"unknown tracker", "trackers:\n  trello: {}\n", nil, []string{".hindsight.yaml:2:", `unknown tracker "trello"`}},
		{"unknown key", "trackers:\n  github:\n    repo: o/r\n    token: abc\n", nil, []string{".hindsight.yaml:4:", `unknown key "token"`, "token_env"}},
		{"github without repo", "trackers:\n  github:\n    token_env: T\n", nil, []string{".hindsight.yaml:2:", "trackers.github.repo: required"}},
		{"jira without project", "trackers:\n  jira:\n    base_url: https://x.atlassian.net\n", nil, []string{".hindsight.yaml:2:", "trackers.jira.project"}},
		{"bad priority", "trackers:\n  github:\n    repo: o/r\n    priority_labels:\n      urgent: x\n", nil, []string{".hindsight.yaml:5:", `unknown priority "urgent"`}},
		{"bad jira priority", "trackers:\n  jira:\n    base_url: https://x.atlassian.net\n    project: OPS\n    priorities: {P3: Low}\n", nil, []string{".hindsight.yaml:5:", "trackers.jira.priorities", `unknown priority "P3"`}},
		{"empty jira priority", "trackers:\n  jira:\n    base_url: https://x.atlassian.net\n    project: OPS\n    priorities:\n      P1: \"\"\n", nil, []string{".hindsight.yaml:6:", "P1: the Jira priority name is empty"}},
		{"priorities only for jira", "trackers:\n  github:\n    repo: o/r\n    priorities: {P1: High}\n", nil, []string{".hindsight.yaml:4:", `unknown key "priorities"`}},
		{"owners not a mapping", "trackers:\n  github:\n    repo: o/r\n    owners: [ann]\n", nil, []string{".hindsight.yaml:4:", "owners must be a mapping"}},
		{"label not a string", "trackers:\n  github:\n    repo: o/r\n    labels: [{a: b}]\n", nil, []string{".hindsight.yaml:4:", "labels: expected a list of strings"}},
		{"twice, any case", "trackers:\n  github: {repo: o/r}\n  GitHub: {repo: o/s}\n", nil, []string{".hindsight.yaml:3:", "configured twice"}},
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
			if !reflect.DeepEqual(c.Trackers, tc.want) {
				t.Errorf("got %+v\nwant %+v", c.Trackers, tc.want)
			}
		})
	}
}

func TestTrackerOwner(t *testing.T) {
	c, err := ParseConfig(".hindsight.yaml", []byte("trackers:\n  github:\n    repo: o/r\n    owners: {ann@example.com: ann-gh, dana: dana-gh}\n"))
	if err != nil {
		t.Fatal(err)
	}
	gh := c.Tracker(tracker.GitHub)
	if gh == nil || c.Tracker(tracker.Jira) != nil {
		t.Fatalf("trackers %+v", c.Trackers)
	}
	for owner, want := range map[string]string{"ANN@example.com": "ann-gh", "@Dana": "dana-gh", " dana ": "dana-gh", "eve": ""} {
		if got := gh.Owner(owner); got != want {
			t.Errorf("Owner(%q) = %q, want %q", owner, got, want)
		}
	}
}
