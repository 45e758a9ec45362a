// Package lint checks incident postmortems for what reviewers miss:
// placeholders left from the template, malformed values, times that do not
// add up, timelines out of order, action items without owners, severe
// incidents without customer communication, blameful wording.
//
// The checks work on the parsed model and its source map, so the CLI, the
// web app and the API run the same rules:
//
//	findings := lint.Source("pm.md", src, cfg, lint.Options{Today: today})
//	findings := lint.Lint(doc, sm, cfg, lint.Options{})
//
// Every rule has a stable ID (HS001...), a default level and an entry in
// docs/lint-rules.md; Rules lists them. A .hindsight.yaml file (LoadConfig)
// changes levels, turns rules off and configures the rules that need data
// (service catalog, known owners, blameless word list, P0 due window).
package lint

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// Level is the severity of a finding: error, warning or info.
type Level string

// The levels, most severe first. Off is only used in configuration.
const (
	Error   Level = "error"
	Warning Level = "warning"
	Info    Level = "info"
	Off     Level = "off"
)

// rank orders levels: error 3, warning 2, info 1, anything else 0.
func (l Level) rank() int {
	switch l {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// AtLeast reports whether l is as severe as min or more.
func (l Level) AtLeast(min Level) bool { return l.rank() > 0 && l.rank() >= min.rank() }

// ParseLevel reads error, warning (or warn), info (or note) and off.
func ParseLevel(s string) (Level, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return Error, true
	case "warning", "warn":
		return Warning, true
	case "info", "note":
		return Info, true
	case "off", "none", "disable", "disabled", "false":
		return Off, true
	}
	return "", false
}

// Finding is one problem found in a document.
type Finding struct {
	// Path is the file the finding is in ("" for a document in memory).
	Path string `json:"path,omitempty"`
	// Rule is the stable rule ID, e.g. "HS009".
	Rule string `json:"rule"`
	// Name is the rule's short name, e.g. "duration-mismatch".
	Name  string `json:"name"`
	Level Level  `json:"level"`
	// Line and Col are 1-based; 0 when unknown (a document without a
	// source map).
	Line int `json:"line"`
	Col  int `json:"col"`
	// Field is the JSON path of the field at fault, e.g. "summary.duration".
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// Fix is set when the finding has a safe mechanical fix (see Apply).
	Fix *Fix `json:"fix,omitempty"`

	// needle is the text the finding is about, used to find its column.
	needle string
}

// Fix is a safe mechanical change of the model that resolves a finding.
type Fix struct {
	// Description says what the fix changes, for people.
	Description string `json:"description"`
	apply       func(*hindsight.Postmortem)
}

// Options are the inputs of a lint run that are not configuration.
type Options struct {
	// Today is the date overdue action items are measured against; the zero
	// value means the current date (UTC).
	Today time.Time
}

func (o Options) today() time.Time {
	if o.Today.IsZero() {
		return hindsight.DateOf(time.Now()).T
	}
	return hindsight.DateOf(o.Today).T
}

// Lint runs every enabled rule on doc. sm may be nil (a document in memory
// without source positions: lines are then 0 and placeholders, unknown
// sections and inline disables are not known); cfg may be nil (the
// defaults). Findings are sorted by line, column and rule.
func Lint(doc *hindsight.Postmortem, sm *hindsight.SourceMap, cfg *Config, opt Options) []Finding {
	if doc == nil {
		return nil
	}
	if cfg == nil {
		cfg = DefaultConfig()
	}
	if sm == nil {
		sm = &hindsight.SourceMap{}
	}
	c := &checker{doc: doc, sm: sm, cfg: cfg, today: opt.today()}
	disabled := map[string]bool{}
	for _, id := range sm.Disabled {
		disabled[strings.ToUpper(strings.TrimSpace(id))] = true
	}
	for _, r := range rules {
		lvl := cfg.level(r)
		if lvl == Off || disabled[r.ID] || disabled[strings.ToUpper(r.Name)] {
			continue
		}
		c.rule, c.level = r, lvl
		r.check(c)
	}
	sortFindings(c.out)
	return c.out
}

// sortFindings orders findings by path, line, column, rule and message.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Apply applies the fixes of findings to doc (each at most once) and
// returns their descriptions in order. The caller renders doc again.
func Apply(doc *hindsight.Postmortem, findings []Finding) []string {
	var done []string
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Fix == nil || f.Fix.apply == nil || seen[f.Rule+"\x00"+f.Field] {
			continue
		}
		seen[f.Rule+"\x00"+f.Field] = true
		f.Fix.apply(doc)
		done = append(done, f.Fix.Description)
	}
	return done
}

// Count returns how many findings are at level min or more severe.
func Count(findings []Finding, min Level) int {
	n := 0
	for _, f := range findings {
		if f.Level.AtLeast(min) {
			n++
		}
	}
	return n
}

// checker carries one lint run.
type checker struct {
	doc   *hindsight.Postmortem
	sm    *hindsight.SourceMap
	cfg   *Config
	today time.Time
	rule  *Rule
	level Level
	out   []Finding
	// placeholders holds the fields HS001 reported, so other rules do not
	// report the same gap again.
	placeholders map[string]bool
}

// report adds a finding of the current rule at field.
func (c *checker) report(field, format string, args ...any) *Finding {
	c.out = append(c.out, Finding{
		Rule:    c.rule.ID,
		Name:    c.rule.Name,
		Level:   c.level,
		Line:    c.sm.Line(field),
		Field:   field,
		Message: fmt.Sprintf(format, args...),
	})
	return &c.out[len(c.out)-1]
}

// reportAt adds a finding at an explicit line.
func (c *checker) reportAt(field string, line int, format string, args ...any) *Finding {
	f := c.report(field, format, args...)
	if line > 0 {
		f.Line = line
	}
	return f
}
