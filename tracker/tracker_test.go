package tracker

import (
	"errors"
	"strings"
	"testing"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // "" when valid
	}{
		{"GitHubOK", Config{Kind: GitHub, Repo: "org/repo"}, ""},
		{"GitHubNoRepo", Config{Kind: GitHub}, "trackers.github.repo"},
		{"GitHubNested", Config{Kind: GitHub, Repo: "org/a/b"}, "trackers.github.repo"},
		{"GitLabNested", Config{Kind: GitLab, Repo: "group/sub/proj"}, ""},
		{"GitLabNoSlash", Config{Kind: GitLab, Repo: "proj"}, "trackers.gitlab.repo"},
		{"JiraOK", Config{Kind: Jira, BaseURL: "https://x.atlassian.net", Project: "OPS"}, ""},
		{"JiraNoBase", Config{Kind: Jira, Project: "OPS"}, "trackers.jira.base_url"},
		{"JiraNoProject", Config{Kind: Jira, BaseURL: "https://x.atlassian.net"}, "trackers.jira.project"},
		{"BadBase", Config{Kind: GitHub, Repo: "o/r", BaseURL: "ftp://x"}, "trackers.github.base_url"},
		{"UnknownKind", Config{Kind: "trello"}, "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg, nil)
			if tt.field == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if hindsight.ErrorCode(err) != hindsight.EInvalid {
				t.Fatalf("New: err %v, want EInvalid", err)
			}
			if tt.field == "?" {
				return
			}
			var e *hindsight.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Fatalf("New: err %v, want field %s", err, tt.field)
			}
		})
	}
}

func TestRetryErrorMessage(t *testing.T) {
	e := &RetryError{After: 30 * time.Second, Reason: "429 Too Many Requests"}
	if got := e.Error(); !strings.Contains(got, "30s") || !strings.Contains(got, "429") {
		t.Fatalf("Error() = %q", got)
	}
	var re *RetryError
	if !errors.As(error(e), &re) || re.After != 30*time.Second {
		t.Fatal("errors.As RetryError failed")
	}
}
