package tracker

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestGitHubHookFixturesMatchSchemas validates the GitHub webhook fixtures
// against GitHub's published payload schemas for the `issues` events
// (octokit/webhooks payload-schemas, vendored under
// testdata/hooks/schemas/github; see its README), with format assertions on.
func TestGitHubHookFixturesMatchSchemas(t *testing.T) {
	const base = "https://octokit.test/"
	root := filepath.Join("testdata", "hooks", "schemas", "github")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	// The library's uri-template check rejects RFC 6570 operators such as
	// "{/name}" that every GitHub URL template uses; check the braces only.
	c.RegisterFormat(&jsonschema.Format{Name: "uri-template", Validate: uriTemplate})
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".schema.json") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return err
		}
		// octokit's $ids ("issues$closed", "common/user.schema.json") are
		// relative to the root of its published bundle; dropping them and
		// placing the event schemas at the root and the common ones under
		// common/ resolves every $ref as the bundle does.
		if m, ok := doc.(map[string]any); ok {
			delete(m, "$id")
		}
		name := filepath.Base(p)
		if filepath.Base(filepath.Dir(p)) == "common" {
			name = "common/" + name
		}
		return c.AddResource(base+name, doc)
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ fixture, schema string }{
		{"github-issues-closed.json", "issues/closed.schema.json"},
		{"github-issues-reopened.json", "issues/reopened.schema.json"},
		{"github-issues-edited-due.json", "issues/edited.schema.json"},
		{"github-issues-edited-title.json", "issues/edited.schema.json"},
		{"github-issues-labeled.json", "issues/labeled.schema.json"},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			sch, err := c.Compile(base + path.Base(tt.schema))
			if err != nil {
				t.Fatalf("compile %s: %v", tt.schema, err)
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(readHook(t, tt.fixture)))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Fatalf("%s does not match %s: %v", tt.fixture, tt.schema, err)
			}
		})
	}
}

// uriTemplate accepts a string whose braces pair up without nesting.
func uriTemplate(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	open := false
	for _, r := range s {
		switch r {
		case '{':
			if open {
				return fmt.Errorf("nested { in %q", s)
			}
			open = true
		case '}':
			if !open {
				return fmt.Errorf("unmatched } in %q", s)
			}
			open = false
		}
	}
	if open {
		return fmt.Errorf("unclosed { in %q", s)
	}
	return nil
}
