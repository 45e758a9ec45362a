package lint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRulesDocumented checks that docs/lint-rules.md has, for every rule,
// a section with its ID, name and default level, a bad and a good example,
// and that every ID it documents exists.
func TestRulesDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "lint-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	heading := regexp.MustCompile(`(?m)^## (HS\d{3}) `)
	parts := heading.Split(doc, -1)[1:]
	ids := heading.FindAllStringSubmatch(doc, -1)
	sections := map[string]string{}
	for i, m := range ids {
		sections[m[1]] = parts[i]
	}
	for _, r := range Rules() {
		s, ok := sections[r.ID]
		if !ok {
			t.Errorf("%s (%s) has no section \"## %s %s\" in docs/lint-rules.md", r.ID, r.Name, r.ID, r.Name)
			continue
		}
		for _, want := range []string{r.Name, "Default level: " + string(r.Level), "Bad:", "Good:"} {
			if !strings.Contains(s, want) {
				t.Errorf("docs/lint-rules.md %s lacks %q", r.ID, want)
			}
		}
		if strings.Count(s, "```") < 4 {
			t.Errorf("docs/lint-rules.md %s needs a fenced bad and a fenced good example", r.ID)
		}
		delete(sections, r.ID)
	}
	for id := range sections {
		t.Errorf("docs/lint-rules.md documents %s, which is not a rule", id)
	}
}
