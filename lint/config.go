package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hindsight-pm/hindsight"
	"go.yaml.in/yaml/v4"
)

// ConfigFile is the name of the configuration file LoadConfig looks for.
const ConfigFile = ".hindsight.yaml"

// Config configures a lint run. The zero value is not ready to use: start
// from DefaultConfig (or LoadConfig / ParseConfig) and change fields before
// the first call of Lint; a Config is safe for concurrent use once in use.
type Config struct {
	// Path is the file the configuration was read from ("" for defaults).
	Path string
	// Levels overrides the level of rules by ID (Off turns a rule off).
	Levels map[string]Level
	// RequiredByStatus lists the section keys (hindsight.Sections) each
	// status requires to be filled; Draft also covers Template.
	RequiredByStatus map[hindsight.Status][]string
	// RequiredBySeverity lists the section keys each severity requires once
	// the postmortem is under review or published.
	RequiredBySeverity map[hindsight.Severity][]string
	// Services is the service catalog; empty turns HS026 off.
	Services []string
	// Owners lists the known owners; empty turns HS027 off.
	Owners []string
	// Words is the blameless word list (HS012).
	Words []Word
	// P0DueDays is the number of days after the end of the incident by
	// which P0 action items are due (HS021).
	P0DueDays int
	// TimelineLeadHours is how long before the start a timeline row may be
	// before HS015 reports it.
	TimelineLeadHours int
	// RestrictAll makes every new incident restricted unless its creator
	// asks for it to be visible to everyone; RestrictSeverities does so
	// for new incidents of those severities (restricted_by_default).
	RestrictAll        bool
	RestrictSeverities []hindsight.Severity

	// TeamGroups maps an identity provider group to the slugs of the
	// teams its members join at sign-in (sso.team_groups).
	TeamGroups map[string][]string
	// SSOAdminGroups and SSOEditorGroups are the identity provider
	// groups whose members are admins and editors; SSODefaultRole the
	// role of everyone else (sso.admin_groups, editor_groups,
	// default_role; viewer when empty).
	SSOAdminGroups, SSOEditorGroups []string
	SSODefaultRole                  hindsight.Role

	// Review is the publish gate and the due dates (review:).
	Review hindsight.ReviewGate

	// Shape is the team's custom fields, factor taxonomy, tag policy and
	// template variants (fields:, taxonomy:, tags:, templates:; see
	// shape_config.go).
	Shape hindsight.Shape

	// Trackers are the issue trackers action items sync with (trackers:),
	// in the file's order: the first is the default.
	Trackers []TrackerSettings

	once     sync.Once
	m        *matcher
	services map[string]bool
	owners   map[string]bool
}

var allSections = func() []string {
	out := make([]string, len(hindsight.Sections))
	for i, s := range hindsight.Sections {
		out[i] = s.Key
	}
	return out
}()

// DefaultConfig returns the built-in configuration.
func DefaultConfig() *Config {
	return &Config{
		Levels: map[string]Level{},
		RequiredByStatus: map[hindsight.Status][]string{
			hindsight.StatusDraft: {hindsight.SecSummary},
			hindsight.StatusInReview: {hindsight.SecSummary, hindsight.SecExecutive, hindsight.SecDetection, hindsight.SecImpact,
				hindsight.SecTimeline, hindsight.SecRootCause, hindsight.SecResolution, hindsight.SecActionItems},
			hindsight.StatusPublished: slices.Clone(allSections),
		},
		RequiredBySeverity: map[hindsight.Severity][]string{
			hindsight.Sev1: {hindsight.SecExecutive, hindsight.SecRootCause, hindsight.SecCommunication},
			hindsight.Sev2: {hindsight.SecExecutive, hindsight.SecRootCause, hindsight.SecCommunication},
		},
		Words:             slices.Clone(DefaultWords),
		P0DueDays:         30,
		TimelineLeadHours: 24,
		Review:            hindsight.DefaultReviewGate(),
	}
}

func (c *Config) init() {
	c.once.Do(func() {
		c.m = newMatcher(c.Words, nil)
		c.services = lowerSet(c.Services)
		c.owners = lowerSet(c.Owners)
	})
}

func lowerSet(ss []string) map[string]bool {
	m := make(map[string]bool, len(ss))
	for _, s := range ss {
		m[strings.ToLower(strings.TrimSpace(s))] = true
	}
	return m
}

func (c *Config) matcher() *matcher { c.init(); return c.m }

func (c *Config) knownService(s string) bool {
	c.init()
	return c.services[strings.ToLower(strings.TrimSpace(s))]
}

func (c *Config) knownOwner(s string) bool {
	c.init()
	s = strings.ToLower(strings.TrimSpace(s))
	if c.owners[s] || c.owners[strings.TrimPrefix(s, "@")] || c.owners["@"+s] {
		return true
	}
	// "Alice (SRE)" or "alice, bob": every name must be known
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '/' || r == '&' || r == ';' })
	if len(parts) < 2 {
		if i := strings.IndexByte(s, '('); i > 0 {
			return c.owners[strings.TrimSpace(s[:i])]
		}
		return false
	}
	for _, p := range parts {
		if !c.knownOwner(p) {
			return false
		}
	}
	return true
}

func (c *Config) level(r *Rule) Level {
	if r == nil {
		return Off
	}
	if l, ok := c.Levels[r.ID]; ok {
		return l
	}
	return r.Level
}

func (c *Config) requiredForStatus(s hindsight.Status) []string { return c.RequiredByStatus[s] }

func (c *Config) requiredForSeverity(s hindsight.Severity) []string {
	return c.RequiredBySeverity[s]
}

func (c *Config) p0DueDays() int {
	if c.P0DueDays <= 0 {
		return 30
	}
	return c.P0DueDays
}

func (c *Config) timelineLeadHours() int {
	if c.TimelineLeadHours <= 0 {
		return 24
	}
	return c.TimelineLeadHours
}

// fileConfig is the layout of .hindsight.yaml.
type fileConfig struct {
	Rules            yaml.Node `yaml:"rules"`
	RequiredSections struct {
		ByStatus   yaml.Node `yaml:"by_status"`
		BySeverity yaml.Node `yaml:"by_severity"`
	} `yaml:"required_sections"`
	Services  []string `yaml:"services"`
	Owners    []string `yaml:"owners"`
	Blameless struct {
		// Words are added to the built-in list (or replace it with Replace).
		Words   []Word   `yaml:"words"`
		Ignore  []string `yaml:"ignore"`
		Replace bool     `yaml:"replace"`
	} `yaml:"blameless"`
	P0DueDays         *int `yaml:"p0_due_days"`
	TimelineLeadHours *int `yaml:"timeline_lead_hours"`
	// RestrictedByDefault is "all", "none", or a list of severities.
	RestrictedByDefault yaml.Node `yaml:"restricted_by_default"`

	SSO ssoConfig `yaml:"sso"`

	// Review is the publish gate (lint/review_config.go).
	Review yaml.Node `yaml:"review"`

	// The shape: fields, taxonomy, tags, templates (lint/shape_config.go).
	Shape shapeFile `yaml:",inline"`

	// Trackers are the issue trackers action items sync with
	// (lint/trackers_config.go).
	Trackers yaml.Node `yaml:"trackers"`
}

// ssoConfig is the sso: section of .hindsight.yaml (single sign-on).
type ssoConfig struct {
	// TeamGroups maps identity provider groups to team slugs.
	TeamGroups yaml.Node `yaml:"team_groups"`
	// AdminGroups, EditorGroups and DefaultRole map groups to roles.
	AdminGroups  []string  `yaml:"admin_groups"`
	EditorGroups []string  `yaml:"editor_groups"`
	DefaultRole  yaml.Node `yaml:"default_role"`
}

// configError formats an error in a configuration file with its line.
func configError(path string, line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if path == "" {
		// YAML given on its own (an admin's shape): the line alone
		if line > 0 {
			return hindsight.Errorf(hindsight.EInvalid, "line %d: %s", line, msg)
		}
		return hindsight.Errorf(hindsight.EInvalid, "%s", msg)
	}
	if line > 0 {
		return hindsight.Errorf(hindsight.EInvalid, "%s:%d: %s", path, line, msg)
	}
	return hindsight.Errorf(hindsight.EInvalid, "%s: %s", path, msg)
}

// ParseConfig reads a .hindsight.yaml file's content. Unknown keys, unknown
// rules, levels, statuses, severities and sections are errors naming the
// file and line.
func ParseConfig(path string, data []byte) (*Config, error) {
	var fc fileConfig
	dec, err := yaml.NewLoader(bytes.NewReader(data), yaml.WithKnownFields())
	if err != nil {
		return nil, configError(path, 0, "%v", err)
	}
	if err := dec.Load(&fc); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	c := DefaultConfig()
	c.Path = path
	if err := forMapping(path, &fc.Rules, "rules", func(k, v *yaml.Node) error {
		r := ruleByKey(k.Value)
		if r == nil {
			return configError(path, k.Line, "unknown rule %q; expected a rule ID (HS001...) or name", k.Value)
		}
		l, ok := ParseLevel(v.Value)
		if v.Kind != yaml.ScalarNode || !ok {
			return configError(path, v.Line, "rule %s: level %q is not a level; expected error, warning, info or off", k.Value, v.Value)
		}
		c.Levels[r.ID] = l
		return nil
	}); err != nil {
		return nil, err
	}
	if err := forMapping(path, &fc.RequiredSections.ByStatus, "required_sections.by_status", func(k, v *yaml.Node) error {
		st, ok := hindsight.ParseStatus(k.Value)
		if !ok || st == hindsight.StatusTemplate {
			return configError(path, k.Line, "unknown status %q; expected Draft, In Review or Published", k.Value)
		}
		secs, err := sectionList(path, v)
		if err != nil {
			return err
		}
		c.RequiredByStatus[st] = secs
		return nil
	}); err != nil {
		return nil, err
	}
	if err := forMapping(path, &fc.RequiredSections.BySeverity, "required_sections.by_severity", func(k, v *yaml.Node) error {
		sev, ok := hindsight.ParseSeverity(k.Value)
		if !ok {
			return configError(path, k.Line, "unknown severity %q; expected SEV-1, SEV-2, SEV-3 or SEV-4", k.Value)
		}
		secs, err := sectionList(path, v)
		if err != nil {
			return err
		}
		c.RequiredBySeverity[sev] = secs
		return nil
	}); err != nil {
		return nil, err
	}
	c.Services = fc.Services
	c.Owners = fc.Owners
	if fc.Blameless.Replace {
		c.Words = nil
	}
	for _, w := range fc.Blameless.Words {
		if strings.TrimSpace(w.Phrase) == "" {
			return nil, configError(path, 0, "blameless.words: an entry has no phrase; expected {phrase: ..., suggestion: ...}")
		}
		c.Words = append(c.Words, w)
	}
	if len(fc.Blameless.Ignore) > 0 {
		ign := lowerSet(fc.Blameless.Ignore)
		c.Words = slices.DeleteFunc(c.Words, func(w Word) bool { return ign[strings.ToLower(strings.TrimSpace(w.Phrase))] })
	}
	if fc.P0DueDays != nil {
		if *fc.P0DueDays < 1 {
			return nil, configError(path, 0, "p0_due_days is %d; expected a number of days of 1 or more", *fc.P0DueDays)
		}
		c.P0DueDays = *fc.P0DueDays
	}
	if fc.TimelineLeadHours != nil {
		if *fc.TimelineLeadHours < 1 {
			return nil, configError(path, 0, "timeline_lead_hours is %d; expected a number of hours of 1 or more", *fc.TimelineLeadHours)
		}
		c.TimelineLeadHours = *fc.TimelineLeadHours
	}
	if err := c.SetRestrictedByDefault(path, &fc.RestrictedByDefault); err != nil {
		return nil, err
	}
	if c.TeamGroups, err = teamGroups(path, &fc.SSO.TeamGroups); err != nil {
		return nil, err
	}
	if c.Review, err = reviewGate(path, &fc.Review); err != nil {
		return nil, err
	}
	if c.Shape, err = parseShape(path, &fc.Shape); err != nil {
		return nil, err
	}
	if c.Trackers, err = trackers(path, &fc.Trackers); err != nil {
		return nil, err
	}
	c.SSOAdminGroups, c.SSOEditorGroups = fc.SSO.AdminGroups, fc.SSO.EditorGroups
	if n := &fc.SSO.DefaultRole; n.Kind != 0 {
		r, rerr := hindsight.ParseRole(n.Value)
		if n.Kind != yaml.ScalarNode || rerr != nil {
			return nil, configError(path, n.Line, "sso.default_role %q: expected viewer, editor or admin", n.Value)
		}
		c.SSODefaultRole = r
	}
	return c, nil
}

// SetRestrictedByDefault reads restricted_by_default: "all", "none", or a
// list of severities (a YAML list, or one string with commas).
func (c *Config) SetRestrictedByDefault(path string, n *yaml.Node) error {
	if n == nil || n.Kind == 0 {
		return nil
	}
	var words []string
	switch n.Kind {
	case yaml.ScalarNode:
		words = strings.Split(n.Value, ",")
	case yaml.SequenceNode:
		for _, v := range n.Content {
			if v.Kind != yaml.ScalarNode {
				return configError(path, v.Line, "restricted_by_default: expected all, none or a list of severities (SEV-1, SEV-2...)")
			}
			words = append(words, v.Value)
		}
	default:
		return configError(path, n.Line, "restricted_by_default: expected all, none or a list of severities (SEV-1, SEV-2...)")
	}
	c.RestrictAll, c.RestrictSeverities = false, nil
	for _, w := range words {
		w = strings.TrimSpace(w)
		switch strings.ToLower(w) {
		case "":
			continue
		case "all":
			c.RestrictAll = true
			continue
		case "none":
			continue
		}
		sev, ok := hindsight.ParseSeverity(w)
		if !ok {
			return configError(path, n.Line, "restricted_by_default: unknown severity %q; expected all, none, SEV-1, SEV-2, SEV-3 or SEV-4", w)
		}
		c.RestrictSeverities = append(c.RestrictSeverities, sev)
	}
	return nil
}

// RestrictedByDefault reports whether a new incident of severity sev is
// restricted unless its creator makes it visible to everyone.
func (c *Config) RestrictedByDefault(sev hindsight.Severity) bool {
	return c.RestrictAll || (sev != "" && slices.Contains(c.RestrictSeverities, sev))
}

// yamlError turns a YAML error into an EInvalid error with file and line.
func yamlError(path string, err error) error {
	var les *yaml.LoadErrors
	if errors.As(err, &les) && len(les.Errors) > 0 {
		e := les.Errors[0]
		return configError(path, e.Mark.Line, "%s", cleanYAMLMessage(e.Message))
	}
	var le *yaml.LoadError
	if errors.As(err, &le) {
		return configError(path, le.Mark.Line, "%s", cleanYAMLMessage(le.Message))
	}
	return configError(path, 0, "%v", err)
}

var unknownFieldRe = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)

func cleanYAMLMessage(s string) string {
	s = strings.TrimPrefix(s, "yaml: ")
	if m := unknownFieldRe.FindStringSubmatch(s); m != nil {
		expect := map[string]string{
			"lint.fileConfig": "rules, required_sections, services, owners, blameless, p0_due_days, timeline_lead_hours, restricted_by_default, sso, review, fields, taxonomy, tags or templates",
			"lint.shapeFile":  "fields, taxonomy, tags or templates",
			"lint.ssoConfig":  "team_groups, admin_groups, editor_groups or default_role",
			"lint.Word":       "phrase or suggestion",
		}[m[2]]
		if expect == "" {
			expect = "see docs/lint-rules.md"
			if strings.Contains(m[2], "ByStatus") || strings.HasPrefix(m[2], "struct") {
				expect = "by_status, by_severity, words, ignore or replace"
			}
		}
		return fmt.Sprintf("unknown key %q; expected %s", m[1], expect)
	}
	return s
}

// forMapping calls fn for each key/value pair of a mapping node (a missing
// node is fine).
func forMapping(path string, n *yaml.Node, name string, fn func(k, v *yaml.Node) error) error {
	if n.Kind == 0 {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return configError(path, n.Line, "%s must be a mapping", name)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := fn(n.Content[i], n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// sectionList reads a list of section keys or headings.
func sectionList(path string, n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, configError(path, n.Line, "expected a list of sections")
	}
	out := []string{}
	for _, item := range n.Content {
		k := sectionKey(item.Value)
		if k == "" {
			return nil, configError(path, item.Line, "unknown section %q; expected a section key such as root_cause or a heading such as \"Root Cause\"", item.Value)
		}
		out = append(out, k)
	}
	return out, nil
}

func sectionKey(s string) string {
	s = strings.TrimSpace(s)
	for _, sec := range hindsight.Sections {
		if strings.EqualFold(s, sec.Key) || strings.EqualFold(s, sec.Heading) {
			return sec.Key
		}
	}
	return ""
}

// FindConfig returns the path of the .hindsight.yaml that applies to dir:
// the first found walking up from dir to the root, or "" when none.
func FindConfig(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", hindsight.Errorf(hindsight.EInvalid, "%s: %v", dir, err)
	}
	for {
		p := filepath.Join(abs, ConfigFile)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", nil
		}
		abs = parent
	}
}

// LoadConfig finds the .hindsight.yaml that applies to dir (walking up like
// .editorconfig) and parses it; without one it returns DefaultConfig.
func LoadConfig(dir string) (*Config, error) {
	p, err := FindConfig(dir)
	if err != nil {
		return nil, err
	}
	if p == "" {
		return DefaultConfig(), nil
	}
	return ReadConfig(p)
}

// ReadConfig reads and parses one configuration file.
func ReadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, hindsight.Errorf(hindsight.EInvalid, "%s: %v", path, err)
	}
	return ParseConfig(path, data)
}
