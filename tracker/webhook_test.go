package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	hindsight "github.com/hindsight-pm/hindsight"
)

const hookSecret = "s3cret-for-tests"

func sign(body []byte, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func readHook(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "hooks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func day(s string) *time.Time {
	if s == "" {
		return &time.Time{}
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &d
}

// want is what a parser should return for a fixture.
type want struct {
	relevant bool
	key, url string
	closed   *bool
	due      *time.Time
	actor    string
	marker   string
}

func checkEvent(t *testing.T, e Event, relevant bool, err error, w want) {
	t.Helper()
	if err != nil {
		t.Fatalf("err %v", err)
	}
	if relevant != w.relevant {
		t.Fatalf("relevant %v, want %v (event %+v)", relevant, w.relevant, e)
	}
	if !w.relevant {
		return
	}
	if e.Ref.Key != w.key || e.Ref.URL != w.url {
		t.Errorf("ref %+v, want key %q url %q", e.Ref, w.key, w.url)
	}
	if (e.Closed == nil) != (w.closed == nil) || (e.Closed != nil && *e.Closed != *w.closed) {
		t.Errorf("closed %v, want %v", deref(e.Closed), deref(w.closed))
	}
	if (e.Due == nil) != (w.due == nil) || (e.Due != nil && !e.Due.Equal(*w.due)) {
		t.Errorf("due %v, want %v", deref(e.Due), deref(w.due))
	}
	if e.Actor != w.actor || e.Marker != w.marker {
		t.Errorf("actor %q marker %q, want %q %q", e.Actor, e.Marker, w.actor, w.marker)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestParseGitHub(t *testing.T) {
	const key, u, m = "acme/ops#12", "https://github.com/acme/ops/issues/12", "hindsight:INC-20261201-001/AI-001"
	tests := []struct {
		file, event string
		w           want
	}{
		{"github-issues-closed.json", "issues", want{true, key, u, ptr(true), nil, "ann", m}},
		{"github-issues-reopened.json", "issues", want{true, key, u, ptr(false), nil, "ann", m}},
		{"github-issues-edited-due.json", "issues", want{true, key, u, nil, day("2027-01-15"), "ann", m}},
		{"github-issues-edited-title.json", "issues", want{relevant: false}},
		{"github-issues-labeled.json", "issues", want{relevant: false}},
		{"github-issues-closed.json", "issue_comment", want{relevant: false}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.event, func(t *testing.T) {
			body := readHook(t, tt.file)
			h := http.Header{"X-Github-Event": {tt.event}, "X-Hub-Signature-256": {sign(body, hookSecret)}}
			e, ok, err := ParseGitHub(h, body, hookSecret)
			checkEvent(t, e, ok, err, tt.w)
		})
	}
}

func TestParseGitLab(t *testing.T) {
	const key, u, m = "acme/platform/ops#3", "https://gitlab.example.com/acme/platform/ops/-/issues/3", "hindsight:INC-20261201-001/AI-002"
	tests := []struct {
		file, event string
		w           want
	}{
		{"gitlab-issue-close.json", "Issue Hook", want{true, key, u, ptr(true), nil, "ann", m}},
		{"gitlab-issue-reopen.json", "Issue Hook", want{true, key, u, ptr(false), nil, "ann", m}},
		{"gitlab-issue-update-due.json", "Issue Hook", want{true, key, u, nil, day("2027-01-15"), "ann", m}},
		{"gitlab-issue-update-due-cleared.json", "Confidential Issue Hook", want{true, key, u, nil, day(""), "ann", m}},
		{"gitlab-issue-update-title.json", "Issue Hook", want{relevant: false}},
		{"gitlab-issue-close.json", "Note Hook", want{relevant: false}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.event, func(t *testing.T) {
			h := http.Header{"X-Gitlab-Event": {tt.event}, "X-Gitlab-Token": {hookSecret}}
			e, ok, err := ParseGitLab(h, readHook(t, tt.file), hookSecret)
			checkEvent(t, e, ok, err, tt.w)
		})
	}
}

func TestParseJira(t *testing.T) {
	const key, u, m = "OPS-12", "https://acme.atlassian.net/browse/OPS-12", "hindsight:INC-20261201-001/AI-001"
	const actor = "5b10a2844c20165700ede21g"
	tests := []struct {
		file string
		w    want
	}{
		{"jira-issue-updated-done.json", want{true, key, u, ptr(true), nil, actor, m}},
		{"jira-issue-updated-reopened.json", want{true, key, u, ptr(false), nil, actor, m}},
		{"jira-issue-updated-duedate.json", want{true, key, u, nil, day("2027-01-15"), actor, m}},
		{"jira-issue-updated-summary.json", want{relevant: false}},
		{"jira-comment-created.json", want{relevant: false}},
	}
	for _, tt := range tests {
		body := readHook(t, tt.file)
		auths := map[string]func() (http.Header, url.Values){
			"Query":  func() (http.Header, url.Values) { return http.Header{}, url.Values{"secret": {hookSecret}} },
			"Header": func() (http.Header, url.Values) { return http.Header{JiraSecretHeader: {hookSecret}}, nil },
			"HMAC":   func() (http.Header, url.Values) { return http.Header{"X-Hub-Signature": {sign(body, hookSecret)}}, nil },
		}
		for name, auth := range auths {
			t.Run(tt.file+"/"+name, func(t *testing.T) {
				h, q := auth()
				e, ok, err := ParseJira(h, q, body, hookSecret)
				checkEvent(t, e, ok, err, tt.w)
			})
		}
	}
}

// TestWebhookRefused: a bad or missing signature or secret is EForbidden, an
// unreadable payload EInvalid, and neither panics.
func TestWebhookRefused(t *testing.T) {
	gh := readHook(t, "github-issues-closed.json")
	gl := readHook(t, "gitlab-issue-close.json")
	jr := readHook(t, "jira-issue-updated-done.json")
	type call func() error
	tests := []struct {
		name string
		code hindsight.Code
		call call
	}{
		{"GitHubBadSignature", hindsight.EForbidden, func() error {
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(gh, "other")}}, gh, hookSecret)
			return err
		}},
		{"GitHubNoSignature", hindsight.EForbidden, func() error {
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}}, gh, hookSecret)
			return err
		}},
		{"GitHubNotHex", hindsight.EForbidden, func() error {
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {"sha256=zz"}}, gh, hookSecret)
			return err
		}},
		{"GitHubSHA1", hindsight.EForbidden, func() error {
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {"sha1=00"}}, gh, hookSecret)
			return err
		}},
		{"GitHubNoSecretConfigured", hindsight.EForbidden, func() error {
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(gh, "")}}, gh, "")
			return err
		}},
		{"GitHubNotJSON", hindsight.EInvalid, func() error {
			b := []byte(`{"action":`)
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(b, hookSecret)}}, b, hookSecret)
			return err
		}},
		{"GitHubNoIssue", hindsight.EInvalid, func() error {
			b := []byte(`{"action":"closed","repository":{"full_name":"a/b"}}`)
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(b, hookSecret)}}, b, hookSecret)
			return err
		}},
		{"GitHubWrongType", hindsight.EInvalid, func() error {
			b := []byte(`{"action":"closed","issue":{"number":"12"},"repository":{"full_name":"a/b"}}`)
			_, _, err := ParseGitHub(http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(b, hookSecret)}}, b, hookSecret)
			return err
		}},
		{"GitLabBadToken", hindsight.EForbidden, func() error {
			_, _, err := ParseGitLab(http.Header{"X-Gitlab-Event": {"Issue Hook"}, "X-Gitlab-Token": {"nope"}}, gl, hookSecret)
			return err
		}},
		{"GitLabNoToken", hindsight.EForbidden, func() error {
			_, _, err := ParseGitLab(http.Header{"X-Gitlab-Event": {"Issue Hook"}}, gl, hookSecret)
			return err
		}},
		{"GitLabBadDue", hindsight.EInvalid, func() error {
			b := []byte(`{"object_kind":"issue","project":{"path_with_namespace":"a/b"},"object_attributes":{"iid":1,"action":"update"},"changes":{"due_date":{"current":"soon"}}}`)
			_, _, err := ParseGitLab(http.Header{"X-Gitlab-Event": {"Issue Hook"}, "X-Gitlab-Token": {hookSecret}}, b, hookSecret)
			return err
		}},
		{"JiraBadQuerySecret", hindsight.EForbidden, func() error {
			_, _, err := ParseJira(http.Header{}, url.Values{"secret": {"nope"}}, jr, hookSecret)
			return err
		}},
		{"JiraNoSecret", hindsight.EForbidden, func() error {
			_, _, err := ParseJira(http.Header{}, nil, jr, hookSecret)
			return err
		}},
		{"JiraBadHMAC", hindsight.EForbidden, func() error {
			_, _, err := ParseJira(http.Header{"X-Hub-Signature": {sign(jr, "other")}}, url.Values{"secret": {hookSecret}}, jr, hookSecret)
			return err
		}},
		{"JiraBadKey", hindsight.EInvalid, func() error {
			b := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"key":"../etc"}}`)
			_, _, err := ParseJira(http.Header{}, url.Values{"secret": {hookSecret}}, b, hookSecret)
			return err
		}},
		{"JiraBadDue", hindsight.EInvalid, func() error {
			b := []byte(`{"webhookEvent":"jira:issue_updated","issue":{"key":"OPS-1","fields":{"duedate":"tomorrow"}},"changelog":{"items":[{"field":"duedate"}]}}`)
			_, _, err := ParseJira(http.Header{}, url.Values{"secret": {hookSecret}}, b, hookSecret)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hindsight.ErrorCode(tt.call()); got != tt.code {
				t.Fatalf("code %q, want %q", got, tt.code)
			}
		})
	}
}

func TestGitHubPingIgnored(t *testing.T) {
	b := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	_, ok, err := ParseGitHub(http.Header{"X-Github-Event": {"ping"}, "X-Hub-Signature-256": {sign(b, hookSecret)}}, b, hookSecret)
	if err != nil || ok {
		t.Fatalf("ping: relevant %v err %v, want false nil", ok, err)
	}
}
