package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// snapshot is what the database holds, as `hindsight export` writes it:
// file name -> canonical Markdown.
func snapshot(t *testing.T, db string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if out, code := runCLI(t, dir, "--db", db, "export", filepath.Join(dir, "export")); code != 0 {
		t.Fatalf("export: exit %d: %s", code, out)
	}
	m := map[string]string{}
	entries, err := os.ReadDir(filepath.Join(dir, "export"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, "export", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

// unchanged fails when a file of before changed or vanished in after; new
// files (incidents a case was allowed to create) are returned.
func unchanged(t *testing.T, before, after map[string]string) []string {
	t.Helper()
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("stored incident %s is gone", name)
		case a != b:
			t.Errorf("stored incident %s changed", name)
		}
	}
	var added []string
	for name := range after {
		if _, ok := before[name]; !ok {
			added = append(added, name)
		}
	}
	return added
}

// errorBody is the API's JSON error.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// TestHostileInput sends hostile requests to the real server (oversized
// bodies, deep nesting, invalid UTF-8, a 1 MB single line, 100,000
// timeline rows, traversal in IDs) and hostile paths to import and export
// (../, absolute paths, symlinks out of the directory). Each gets a clear
// error, and nothing already stored changes.
func TestHostileInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "hostile.db")
	in := startServe(t, "sqlite", db)
	l := newLedger()
	var ids []string
	for i := range 3 {
		id, ok := l.create(t, in.url, fmt.Sprintf("Hostile seed %d", i), fmt.Sprintf("Seed %d.", i))
		if !ok {
			t.Fatalf("create: %v", l.problems)
		}
		l.save(in.url, id, fmt.Sprintf("Second revision of %d.", i))
		ids = append(ids, id)
	}
	target := in.url + "/api/v1/incidents/" + ids[0]
	before := snapshot(t, db)
	current := func() string { // If-Match of the latest revision of ids[0]
		res, err := do(http.MethodGet, target, nil, nil)
		if err != nil || res.status != 200 {
			t.Fatalf("get: %v %d", err, res.status)
		}
		return res.header.Get("ETag")
	}
	valid := string(newDocument(t, "Hostile", "Hostile token."))

	// Documents built to be hostile.
	line1MB := "Line " + strings.Repeat("x", 1_000_000)   // a 1 MB single line, under the 1 MiB document limit
	lineOver := "Line " + strings.Repeat("y", (1<<20)+10) // a single line over the limit
	var rows strings.Builder
	rows.WriteString(valid[:strings.Index(valid, "## Root Cause")])
	for i := range 100_000 {
		fmt.Fprintf(&rows, "| 2026-03-12 %02d:%02d | row %d |\n", (i/60)%24, i%60, i)
	}
	rows.WriteString(valid[strings.Index(valid, "## Root Cause"):])
	tl := make([]map[string]string, 100_000)
	for i := range tl {
		tl[i] = map[string]string{"time": "2026-03-12T10:00:00Z", "event": fmt.Sprintf("row %d", i)}
	}
	tlJSON, _ := json.Marshal(map[string]any{"title": "rows", "timeline": tl})
	pMD, _ := markdown.Parse([]byte(valid))
	pMD.ExecutiveSummary = lineOver
	overJSON, _ := json.Marshal(pMD)

	jsonH := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name    string
		method  string
		url     string
		header  map[string]string
		ifMatch bool // send If-Match of the current revision: the save would land if accepted
		body    []byte
		want    []int
		msg     string // the message names the problem
		mayAdd  bool   // a 201 is an acceptable answer (it stores a new incident only)
	}{
		{"OversizedJSONBody", "POST", in.url + "/api/v1/incidents", jsonH, false,
			[]byte(`{"title":"` + strings.Repeat("a", 5<<20) + `"}`), []int{413}, "limit", false},
		{"OversizedMarkdownBody", "PUT", target, md(), true,
			[]byte(valid + strings.Repeat("more text\n", 500_000)), []int{413}, "limit", false},
		{"DeeplyNestedJSON", "POST", in.url + "/api/v1/incidents", jsonH, false,
			[]byte(`{"title":` + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + `}`), []int{400}, "nests deeper", false},
		{"DeeplyNestedReplace", "PUT", target, jsonH, true,
			[]byte(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)), []int{400}, "nests deeper", false},
		{"DeeplyNestedStatus", "POST", target + "/status", jsonH, true,
			[]byte(`{"status":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`), []int{400}, "nests deeper", false},
		{"InvalidUTF8JSON", "PUT", target, jsonH, true,
			[]byte("{\"title\":\"bad \xff\xfe bytes\"}"), []int{400}, "UTF-8", false},
		{"InvalidUTF8Markdown", "PUT", target, md(), true,
			[]byte(strings.Replace(valid, "Hostile", "Hostile \xc3\x28 \xff", 1)), []int{400}, "UTF-8", false},
		{"OneMBSingleLine", "POST", in.url + "/api/v1/incidents", md(), false,
			[]byte(strings.Replace(valid, "Hostile token.", line1MB, 1)), []int{201, 413}, "", true},
		{"SingleLineOverDocumentLimit", "PUT", target, md(), true,
			[]byte(strings.Replace(valid, "Hostile token.", lineOver, 1)), []int{413}, "limit", false},
		{"SingleLineOverDocumentLimitJSON", "PUT", target, jsonH, true, overJSON, []int{413}, "limit", false},
		{"TimelineRows100kMarkdown", "PUT", target, md(), true, []byte(rows.String()), []int{413}, "limit", false},
		{"TimelineRows100kJSON", "POST", in.url + "/api/v1/incidents", jsonH, false, tlJSON, []int{413}, "limit", false},
		{"TraversalInIncidentID", "GET", in.url + "/api/v1/incidents/..%2F..%2Fetc%2Fpasswd", nil, false, nil, []int{400, 404}, "", false},
		{"TraversalInReplace", "PUT", in.url + "/api/v1/incidents/..%2F" + ids[0], md(), true, []byte(valid), []int{400, 404, 412}, "", false},
		{"TraversalInRevision", "GET", target + "/revisions/..%2F1", nil, false, nil, []int{400, 404}, "", false},
		{"NotUTF8Charset", "PUT", target, map[string]string{"Content-Type": "text/markdown; charset=latin1"}, true, []byte(valid), []int{415}, "UTF-8", false},
		{"TrailingData", "PUT", target, jsonH, true, []byte(`{"title":"x"} {"title":"y"}`), []int{400}, "after", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			for k, v := range c.header {
				h[k] = v
			}
			if c.ifMatch {
				h["If-Match"] = current()
			}
			res, err := do(c.method, c.url, h, c.body)
			if err != nil {
				t.Fatalf("no answer: %v\n%s", err, in.logs())
			}
			ok := false
			for _, w := range c.want {
				ok = ok || res.status == w
			}
			if !ok {
				t.Fatalf("status %d, want one of %v: %.300s", res.status, c.want, res.body)
			}
			if res.status == http.StatusCreated {
				if !c.mayAdd {
					t.Fatal("stored")
				}
				t.Logf("accepted: %d (a new incident; nothing stored before changed)", res.status)
				return
			}
			var e errorBody
			if err := json.Unmarshal(res.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("status %d without a JSON error (code, message): %.300s", res.status, res.body)
			}
			if c.msg != "" && !strings.Contains(e.Error.Message, c.msg) {
				t.Errorf("message %q does not say %q", e.Error.Message, c.msg)
			}
			t.Logf("%d %s: %.160s", res.status, e.Error.Code, e.Error.Message)
		})
	}
	if res, err := do(http.MethodGet, in.url+"/readyz", nil, nil); err != nil || res.status != 200 {
		t.Fatalf("the server is not ready after the hostile requests: %v %d\n%s", err, res.status, in.logs())
	}

	t.Run("ImportExportPaths", func(t *testing.T) { hostilePaths(t, db, in) })

	after := snapshot(t, db)
	added := unchanged(t, before, after)
	t.Logf("%d incidents before, %d after; added by accepted cases: %v", len(before), len(after), added)
}

var exportFile = regexp.MustCompile(`^INC-\d{8}-\d{3,}-[a-z0-9-]*\.md$`)

// hostilePaths drives `hindsight import` and `export` with hostile paths.
func hostilePaths(t *testing.T, db string, in *instance) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	work := filepath.Join(root, "work")
	for _, d := range []string{outside, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(outside, "secret.md")
	sp, _ := markdown.Parse(newDocument(t, "Outside the import directory", "Read through a symlink."))
	sp.Summary.IncidentID = "INC-20260312-100" // valid, so that import would take it
	secretDoc := markdown.Render(sp)
	if err := os.WriteFile(secret, secretDoc, 0o644); err != nil {
		t.Fatal(err)
	}
	listOutside := func() string {
		var names []string
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !strings.HasPrefix(p, work) {
				names = append(names, p)
			}
			return nil
		})
		return strings.Join(names, "\n")
	}
	outsideBefore := listOutside()
	cli := func(args ...string) (string, int) {
		return runCLI(t, work, append([]string{"--db", db}, args...)...)
	}

	t.Run("HostileIncidentIDsAndTitles", func(t *testing.T) {
		dir := filepath.Join(work, "hostile-ids")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, id := range []string{"../../outside/evil", "/etc/passwd", "INC-20260312-001/../../x", "INC-20260312-999\x00.md"} {
			p, _ := markdown.Parse(newDocument(t, "../../../../outside/evil-title-"+fmt.Sprint(i), "Hostile ID."))
			p.Summary.IncidentID = id
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc%d.md", i)), markdown.Render(p), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out, code := cli("import", "--strict", dir)
		t.Logf("import --strict of hostile Incident IDs: exit %d: %s", code, strings.TrimSpace(out))
		if code == 0 {
			t.Error("import --strict of hostile Incident IDs: exit 0, want the lint errors")
		}
		// A migration stores what it can read: the hostile IDs are reported
		// and the documents get IDs of their own (checked after export).
		out, code = cli("import", dir)
		t.Logf("import of hostile Incident IDs: exit %d: %s", code, strings.TrimSpace(out))
		if code != 0 || !strings.Contains(out, "is not an Incident ID") {
			t.Errorf("import of hostile Incident IDs: exit %d, want 0 with the findings printed", code)
		}
		out, code = cli("import", "--force", dir)
		t.Logf("import --force of hostile Incident IDs: exit %d: %s", code, strings.TrimSpace(out))
		exp := filepath.Join(work, "export")
		if out, code := cli("export", exp); code != 0 {
			t.Fatalf("export: exit %d: %s", code, out)
		}
		entries, err := os.ReadDir(exp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !exportFile.MatchString(e.Name()) || !e.Type().IsRegular() {
				t.Errorf("export wrote %q (%v): not an <incident-id>-<slug>.md file", e.Name(), e.Type())
			}
		}
		stored := map[string]bool{}
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(exp, e.Name()))
			p, _ := markdown.Parse(b)
			stored[p.Summary.IncidentID] = true
		}
		for id := range stored {
			if _, _, ok := splitID(id); !ok || strings.ContainsAny(id, "/\\.\x00") {
				t.Errorf("an incident was stored with the hostile ID %q", id)
			}
		}
	})

	t.Run("ExportThroughSymlink", func(t *testing.T) {
		exp := filepath.Join(work, "export-symlink")
		if out, code := cli("export", exp); code != 0 {
			t.Fatalf("export: exit %d: %s", code, out)
		}
		entries, _ := os.ReadDir(exp)
		if len(entries) == 0 {
			t.Fatal("nothing exported")
		}
		// Replace one exported file and plant a stale-looking one, both
		// symlinks to a file outside, then export again.
		name := entries[0].Name()
		victim := filepath.Join(outside, "victim.txt")
		if err := os.WriteFile(victim, []byte("do not touch\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(exp, name))
		for _, link := range []string{name, "INC-20200101-001-stale.md"} {
			if err := os.Symlink(victim, filepath.Join(exp, link)); err != nil {
				t.Fatal(err)
			}
		}
		out, code := cli("export", exp)
		t.Logf("export over symlinks: exit %d: %s", code, strings.TrimSpace(out))
		if b, _ := os.ReadFile(victim); string(b) != "do not touch\n" {
			t.Errorf("export wrote through a symlink to a file outside its directory: %q", b)
		}
		if _, err := os.Stat(victim); err != nil {
			t.Errorf("export removed a file outside its directory: %v", err)
		}
	})

	t.Run("ExportToHostilePaths", func(t *testing.T) {
		file := filepath.Join(work, "a-file")
		if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dst := range []string{file, filepath.Join(file, "sub"), "/proc/hindsight-export", "../work/a-file"} {
			out, code := cli("export", dst)
			if code == 0 {
				t.Errorf("export %s: exit 0: %s", dst, out)
				continue
			}
			if !strings.Contains(out, "hindsight") || !strings.Contains(out, filepath.Base(dst)) {
				t.Errorf("export %s: the error does not name the path: %s", dst, out)
			}
			t.Logf("export %s: exit %d: %s", dst, code, strings.TrimSpace(out))
		}
		if b, _ := os.ReadFile(file); string(b) != "x" {
			t.Errorf("export replaced the file %s", file)
		}
	})

	t.Run("ImportHostilePaths", func(t *testing.T) {
		for _, src := range []string{"../no-such-dir", "/no/such/absolute/path.md", filepath.Join(work, "..", "missing.md")} {
			out, code := cli("import", src)
			if code == 0 || !strings.Contains(out, filepath.Base(src)) {
				t.Errorf("import %s: exit %d, want an error naming the path: %s", src, code, out)
			}
			t.Logf("import %s: exit %d: %s", src, code, strings.TrimSpace(out))
		}
	})

	t.Run("ImportSymlinkedDirectory", func(t *testing.T) {
		dir := filepath.Join(work, "import-dirlink")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
			t.Fatal(err)
		}
		out, code := cli("import", dir)
		t.Logf("import of a directory holding a symlink to a directory outside: exit %d: %s", code, strings.TrimSpace(out))
		if found := searchTitle(t, in, "Outside the import directory"); found {
			t.Error("import followed a symlinked directory out of the import directory")
		}
	})

	t.Run("ImportSymlinkedFile", func(t *testing.T) {
		dir := filepath.Join(work, "import-filelink")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(secret, filepath.Join(dir, "link.md")); err != nil {
			t.Fatal(err)
		}
		out, code := cli("import", dir)
		followed := searchTitle(t, in, "Outside the import directory")
		// a *.md link found by walking the directory that leads out of it
		// is not read, and the file outside is left as it was
		t.Logf("import of a directory holding a *.md symlink to a file outside: exit %d, followed: %v: %s", code, followed, strings.TrimSpace(out))
		if followed {
			t.Error("import followed a *.md symlink out of the import directory")
		}
		if b, _ := os.ReadFile(secret); !bytes.Equal(b, secretDoc) {
			t.Error("import changed the file outside its directory")
		}
	})

	if got := listOutside(); got != outsideBefore+"\n"+filepath.Join(outside, "victim.txt") && got != outsideBefore {
		t.Errorf("files outside the work directory changed:\nbefore:\n%s\nafter:\n%s", outsideBefore, got)
	}
}

// searchTitle reports whether an incident with this exact title is stored.
func searchTitle(t *testing.T, in *instance, title string) bool {
	t.Helper()
	res, err := do(http.MethodGet, in.url+"/api/v1/incidents?limit=1000", nil, nil)
	if err != nil || res.status != 200 {
		t.Fatalf("list: %v %d", err, res.status)
	}
	var page struct {
		Incidents []hindsight.IncidentSummary `json:"incidents"`
	}
	if err := json.Unmarshal(res.body, &page); err != nil {
		t.Fatal(err)
	}
	for _, s := range page.Incidents {
		if s.Title == title {
			return true
		}
	}
	return false
}
