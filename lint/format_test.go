package lint

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func badReport(t testing.TB) Report {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "bad.md"))
	if err != nil {
		t.Fatal(err)
	}
	fs := Source("postmortems/bad.md", src, nil, Options{Today: testToday})
	return Report{Files: 1, Skipped: 2, Findings: fs, Version: "test"}
}

// TestGolden compares every output format with its golden file
// (go test ./lint -run Golden -update rewrites them).
func TestGolden(t *testing.T) {
	r := badReport(t)
	if len(r.Findings) < 5 {
		t.Fatalf("bad.md has too few findings:\n%s", dump(r.Findings))
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, format, r); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", "bad."+format)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s output differs from %s:\n%s", format, golden, buf.String())
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "xml", r); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestTextFormat checks the go vet style line layout.
func TestTextFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, badReport(t).Findings); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^postmortems/bad\.md:\d+:\d+: (error|warning|info) HS\d{3} \S.*$`)
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		if !re.MatchString(line) {
			t.Errorf("line %q is not path:line:col: level HS000 message", line)
		}
	}
}

// TestGitHubFormat checks workflow commands and their escaping.
func TestGitHubFormat(t *testing.T) {
	var buf bytes.Buffer
	fs := []Finding{
		{Path: "a,b:c.md", Rule: "HS001", Name: "placeholder", Level: Error, Line: 3, Col: 2, Message: "100% bad\nreally"},
		{Path: "x.md", Rule: "HS025", Name: "unknown-section", Level: Info, Line: 0, Message: "m"},
	}
	if err := WriteGitHub(&buf, fs); err != nil {
		t.Fatal(err)
	}
	want := "::error file=a%2Cb%3Ac.md,line=3,col=2,title=HS001 placeholder::100%25 bad%0Areally\n" +
		"::notice file=x.md,line=1,col=1,title=HS025 unknown-section::m\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

// TestJSONFormat checks the JSON document decodes with its fields.
func TestJSONFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Report{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Files    int               `json:"files"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil || got.Findings == nil {
		t.Errorf("empty report: %s (%v)", buf.String(), err)
	}
}

// TestSARIFSchema validates the SARIF output against the official SARIF
// 2.1.0 JSON schema (testdata/sarif-schema-2.1.0.json, from
// oasis-tcs/sarif-spec).
func TestSARIFSchema(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	reports := map[string]Report{
		"findings": badReport(t),
		"empty":    {},
		"absolute": {Findings: []Finding{{Path: "/tmp/a b/pm.md", Rule: "HS001", Level: Warning, Line: 2, Col: 5, Message: "m"}}},
		"no line":  {Findings: []Finding{{Path: "pm.md", Rule: "HS022", Level: Info, Message: "m"}}},
	}
	for name, r := range reports {
		var buf bytes.Buffer
		if err := WriteSARIF(&buf, r); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: SARIF output does not validate: %v\n%s", name, err, buf.String())
		}
	}
	// and it is not vacuous: a broken log fails
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`))
	if schema.Validate(bad) == nil {
		t.Error("schema accepted a log without a driver name")
	}
}
