package tracker

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hindsight "github.com/hindsight-pm/hindsight"
)

// seedHooks adds the fixtures whose names start with prefix to the corpus.
func seedHooks(f *testing.F, prefix string) {
	files, err := filepath.Glob(filepath.Join("testdata", "hooks", prefix+"*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
}

// checkFuzzResult: a parser either answers an event or an error with a
// client code (never a panic, never an internal error for bad input).
func checkFuzzResult(t *testing.T, e Event, relevant bool, err error) {
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EInvalid && c != hindsight.ETooLarge {
			t.Fatalf("code %q for bad input: %v", c, err)
		}
		return
	}
	if relevant && (e.Ref.Key == "" || (e.Closed == nil && e.Due == nil)) {
		t.Fatalf("relevant event without a key or a change: %+v", e)
	}
	if e.Marker != "" && !validMarker(e.Marker) {
		t.Fatalf("marker %q is not a marker", e.Marker)
	}
}

func FuzzParseGitHub(f *testing.F) {
	seedHooks(f, "github-")
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{"X-Github-Event": {"issues"}, "X-Hub-Signature-256": {sign(body, hookSecret)}}
		e, ok, err := ParseGitHub(h, body, hookSecret)
		checkFuzzResult(t, e, ok, err)
		if err == nil && ok && !strings.Contains(e.Ref.Key, "#") {
			t.Fatalf("key %q", e.Ref.Key)
		}
	})
}

func FuzzParseGitLab(f *testing.F) {
	seedHooks(f, "gitlab-")
	f.Fuzz(func(t *testing.T, body []byte) {
		h := http.Header{"X-Gitlab-Event": {"Issue Hook"}, "X-Gitlab-Token": {hookSecret}}
		e, ok, err := ParseGitLab(h, body, hookSecret)
		checkFuzzResult(t, e, ok, err)
	})
}

func FuzzParseJira(f *testing.F) {
	seedHooks(f, "jira-")
	f.Fuzz(func(t *testing.T, body []byte) {
		e, ok, err := ParseJira(http.Header{}, url.Values{"secret": {hookSecret}}, body, hookSecret)
		checkFuzzResult(t, e, ok, err)
		if err == nil && ok && !jiraKeyRe.MatchString(e.Ref.Key) {
			t.Fatalf("key %q", e.Ref.Key)
		}
	})
}
