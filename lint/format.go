package lint

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// Formats lists the output formats of Write.
var Formats = []string{"text", "json", "sarif", "github"}

// Report is the result of a lint run over files, as the formatters write it.
type Report struct {
	// Files is the number of files linted.
	Files int `json:"files"`
	// Skipped is the number of Markdown files skipped as not postmortems.
	Skipped int `json:"skipped"`
	// Findings are sorted by path, line and column.
	Findings []Finding `json:"findings"`
	// Version is the version of hindsight, for SARIF.
	Version string `json:"-"`
}

// Write writes r in format: text, json, sarif or github.
func Write(w io.Writer, format string, r Report) error {
	switch format {
	case "text", "":
		return WriteText(w, r.Findings)
	case "json":
		return WriteJSON(w, r)
	case "sarif":
		return WriteSARIF(w, r)
	case "github":
		return WriteGitHub(w, r.Findings)
	}
	return hindsight.Errorf(hindsight.EInvalid, "unknown format %q; expected text, json, sarif or github", format)
}

// WriteText writes one line per finding, like go vet:
//
//	path:line:col: level HS001 message
func WriteText(w io.Writer, fs []Finding) error {
	bw := bufio.NewWriter(w)
	for _, f := range fs {
		fmt.Fprintf(bw, "%s:%d:%d: %s %s %s\n", displayPath(f.Path), f.Line, f.Col, f.Level, f.Rule, f.Message)
	}
	return bw.Flush()
}

func displayPath(p string) string {
	if p == "" {
		return "<input>"
	}
	return p
}

// WriteJSON writes r as one JSON object.
func WriteJSON(w io.Writer, r Report) error {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteGitHub writes GitHub Actions workflow commands, which the runner
// shows as annotations on the pull request:
//
//	::error file=path,line=3,col=1,title=HS001 placeholder::message
func WriteGitHub(w io.Writer, fs []Finding) error {
	bw := bufio.NewWriter(w)
	for _, f := range fs {
		cmd := map[Level]string{Error: "error", Warning: "warning", Info: "notice"}[f.Level]
		if cmd == "" {
			cmd = "notice"
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", cmd,
			ghProperty(filepath.ToSlash(displayPath(f.Path))), max(f.Line, 1), max(f.Col, 1),
			ghProperty(f.Rule+" "+f.Name), ghData(f.Message))
	}
	return bw.Flush()
}

// ghData escapes the message of a workflow command.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a property value of a workflow command.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// HelpURI is where each rule is documented (anchors #hs001-placeholder...).
const HelpURI = "https://github.com/hindsight-pm/hindsight/blob/main/docs/lint-rules.md"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifText    `json:"shortDescription"`
	FullDescription      sarifText    `json:"fullDescription"`
	HelpURI              string       `json:"helpUri"`
	DefaultConfiguration sarifRuleCfg `json:"defaultConfiguration"`
}

type sarifRuleCfg struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	RuleIndex  int             `json:"ruleIndex"`
	Level      string          `json:"level"`
	Message    sarifText       `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

func sarifLevel(l Level) string {
	switch l {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "note"
}

// sarifURI turns a path into a URI reference: relative paths stay relative
// (to %SRCROOT%), absolute paths become file:// URIs.
func sarifURI(p string) (uri, base string) {
	if p == "" {
		p = "input.md"
	}
	if filepath.IsAbs(p) {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(), ""
	}
	return (&url.URL{Path: strings.TrimPrefix(filepath.ToSlash(p), "./")}).String(), "%SRCROOT%"
}

// WriteSARIF writes r as a SARIF 2.1.0 log, the format GitHub code scanning
// and other tools read.
func WriteSARIF(w io.Writer, r Report) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "hindsight",
			InformationURI: "https://github.com/hindsight-pm/hindsight",
			Version:        r.Version,
		}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	index := map[string]int{}
	for i, rule := range rules {
		index[rule.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   rule.ID,
			Name:                 rule.Name,
			ShortDescription:     sarifText{rule.Name},
			FullDescription:      sarifText{rule.Description},
			HelpURI:              HelpURI + "#" + strings.ToLower(rule.ID) + "-" + rule.Name,
			DefaultConfiguration: sarifRuleCfg{sarifLevel(rule.Level)},
		})
	}
	for _, f := range r.Findings {
		uri, base := sarifURI(f.Path)
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: uri, URIBaseID: base}}}
		if f.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: max(f.Col, 1)}
		}
		res := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Level),
			Message:   sarifText{f.Message},
			Locations: []sarifLocation{loc},
		}
		if f.Field != "" {
			res.Properties = map[string]any{"field": f.Field}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
