package web

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/lint"
	"unicode"
	"unicode/utf8"
)

func (u *UI) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       u.assets.URL,
		"htmxVersion": func() string { return HTMXVersion },
		"sevClass":    sevClass,
		"statusClass": statusClass,
		"when":        when,
		"whenLong":    func(t time.Time) string { return whenOr(t, "2006-01-02 15:04 UTC") },
		"minutes":     minutes,
		"snippet":     snippet,
		"md":          mdHTML,
		"mdList":      mdList,
		"join":        strings.Join,
		"add":         func(a, b int) int { return a + b },
		"sections":    func() []hindsight.SectionInfo { return hindsight.Sections },
		"pathEscape":  url.PathEscape,
		"lines":       func(s string) []string { return strings.Split(s, "\n") },
		"itoa":        strconv.Itoa,
		"ans": func(name, label string, a hindsight.Answer, err string) answerField {
			return answerField{name, label, a, err}
		},
		"isStd": func(v hindsight.YesNo) bool {
			return v == "" || v == hindsight.Yes || v == hindsight.No || v == "Unknown"
		},
		"cellsJSON": cellsJSON,
		"hhmm":      hhmm,
		"timeInput": func(id, name string, t hindsight.Time, focus bool, check timeCheck, row bool) timeInput {
			check.ID = id
			return timeInput{ID: id, Name: name, T: t, Focus: focus, Check: check, Row: row}
		},
		// the shared components (_components.html) and the follow-up pages
		"words": words,
		"clip":  func(n int, s string) string { return clip(s, n) }, // a very long query's echo
		"fieldLabel": func(path string) string {
			if l := FieldLabel(path); l != "" {
				return l
			}
			return path
		},
		"labelMessage": labelMessage,
		"sentence":     sentence,
		"table": func(caption string, cols []string, rows [][]string) dataTable {
			return dataTable{caption, cols, rows, ""}
		},
		"confirm":       func(label, action, confirm string) confirmButton { return confirmButton{label, action, confirm} },
		"date":          func(t time.Time) string { return whenOr(t, hindsight.DateLayout) },
		"deliveryClass": deliveryClass,
		"dueSoonDays":   func() int { return hindsight.DueSoonDays },
		"threadCtx": func(id string, rev int, t threadView) threadContext {
			return threadContext{ID: id, Revision: rev, T: t}
		},
		"itemRow": func(it hindsight.TrackedItem, ret string) itemRow {
			return itemRow{It: it, Key: followup.ItemKey(it), Return: ret}
		},
		"withOwnerTeam": withOwnerTeam,
		// the Fields & taxonomy page (admin_fields.go)
		"fieldEditForm": fieldEditForm,
		"shapeFilterView": func(f shapeFilters, s httpx.Shape, prefix string) shapeFilterView {
			return shapeFilterView{F: f, S: s, Prefix: prefix}
		},
		"split": func(s string) []string { return splitList(s) },
		"fieldFormOf": func(id, action string, f fieldForm, version int) fieldFormData {
			return fieldFormData{ID: id, Action: action, F: f, Version: version, Types: hindsight.FieldTypes,
				Statuses: hindsight.Statuses, Severities: hindsight.Severities}
		},
	}
}

// dataTable is the data of the "datatable" component.
type dataTable struct {
	Caption string
	Columns []string
	Rows    [][]string
	Empty   string
}

// confirmButton is the data of the "confirm" component.
type confirmButton struct{ Label, Action, Confirm string }

// words splits a template's option list on commas, or on spaces when it
// has none.
func words(s string) []string {
	if strings.Contains(s, ",") {
		return strings.Split(s, ",")
	}
	return strings.Fields(s)
}

// deliveryClass is the badge class of a webhook delivery's status.
func deliveryClass(status string) string {
	switch status {
	case "delivered":
		return "badge-ok"
	case "pending":
		return "badge-warn"
	case "failed":
		return "badge-err"
	}
	return "badge-muted"
}

// sevClass is the CSS class of a severity badge.
func sevClass(s hindsight.Severity) string {
	if s.Valid() {
		return "sev sev-" + strings.TrimPrefix(string(s), "SEV-")
	}
	return "sev sev-x"
}

// statusClass is the CSS class of a status chip.
func statusClass(s hindsight.Status) string {
	switch s {
	case hindsight.StatusDraft:
		return "chip chip-draft"
	case hindsight.StatusInReview:
		return "chip chip-review"
	case hindsight.StatusPublished:
		return "chip chip-published"
	}
	return "chip"
}

func when(t time.Time) string { return whenOr(t, hindsight.TimeLayout) }

func whenOr(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(layout)
}

// minutes formats a stored duration in minutes (-1: not set) as HH:MM.
func minutes(m int) string {
	if m < 0 {
		return "—"
	}
	return hindsight.HHMM(m)
}

// snippet escapes a search snippet and turns its hit marks into <mark>.
func snippet(s string) template.HTML {
	e := template.HTMLEscapeString(s)
	e = strings.ReplaceAll(e, hindsight.MarkStart, "<mark>")
	e = strings.ReplaceAll(e, hindsight.MarkEnd, "</mark>")
	// a cut snippet may hold an unbalanced mark: close it
	if strings.Count(e, "<mark>") > strings.Count(e, "</mark>") {
		e += "</mark>"
	}
	return template.HTML(e) // #nosec: escaped above; only <mark> added
}

// mdList renders list items as a sanitized Markdown bullet list.
func mdList(items []string) template.HTML {
	var b strings.Builder
	for _, it := range items {
		if strings.TrimSpace(it) == "" {
			continue
		}
		b.WriteString("- ")
		b.WriteString(strings.ReplaceAll(it, "\n", "\n  "))
		b.WriteString("\n")
	}
	return mdHTML(b.String())
}

// findingView is a lint finding as the findings panel shows it.
type findingView struct {
	lint.Finding
	Anchor  string // "#sec-timeline", or "" when the field names no section
	Section string // the section's heading
	Label   string // the field as the page labels it (FieldLabel), or ""
}

// lintPanel is the data of the findings panel.
type lintPanel struct {
	IncidentID string
	// Mode is "show" (incident page), "form" (section editor) or
	// "markdown" (raw editor): it decides where the panel posts to for live
	// lint and whether lines are shown.
	Mode     string
	Findings []findingView
	Errors   int
	Warnings int
	Infos    int
}

func newLintPanel(id, mode string, fs []lint.Finding) lintPanel {
	p := lintPanel{IncidentID: id, Mode: mode}
	for _, f := range fs {
		key := sectionOf(f.Field)
		v := findingView{Finding: f, Label: FieldLabel(f.Field)}
		v.Message = labelMessage(f.Message)
		if key != "" {
			v.Anchor = "#sec-" + key
			v.Section = hindsight.SectionHeading(key)
			if key == "meta" {
				v.Section = "Document"
			}
		}
		p.Findings = append(p.Findings, v)
		switch f.Level {
		case lint.Error:
			p.Errors++
		case lint.Warning:
			p.Warnings++
		default:
			p.Infos++
		}
	}
	return p
}

// sectionOf returns the section key a field path belongs to ("timeline[2].time"
// -> "timeline"), "meta" for the document's metadata, or "".
func sectionOf(field string) string {
	if field == "" {
		return ""
	}
	key := field
	if i := strings.IndexAny(key, ".["); i >= 0 {
		key = key[:i]
	}
	switch key {
	case "title", "status", "owner", "version", "last_updated":
		return "meta"
	}
	for _, s := range hindsight.Sections {
		if s.Key == key {
			return key
		}
	}
	return ""
}

// answerField is a Yes/No question of the editor.
type answerField struct {
	Name, Label string
	A           hindsight.Answer
	Err         string
}

// timeInput is a time field of the editor: a text input (times are typed,
// in any form the time reader accepts) with its check beside it.
type timeInput struct {
	ID, Name string
	T        hindsight.Time
	Focus    bool
	Check    timeCheck
	Row      bool // a timeline row (a time of day is enough)
}

// sentence starts a message with a capital letter, as every message the
// pages write does ("wrong email or password" from auth, "password: at
// least 12 characters" naming the field as its label does: "Password").
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 || !unicode.IsLower(r) {
		return msg
	}
	return string(unicode.ToUpper(r)) + msg[n:]
}
