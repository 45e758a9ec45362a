package markdown

import (
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/yuin/goldmark/ast"
)

// fieldVal is the value found after a label.
type fieldVal struct {
	text string // Markdown after the label, continuation lines dedented
	line int    // 0-based line of the label
	sub  []item // the items of a sub-list, when the field is a list item with one
	// hasSub is true when text holds a sub-list (sub may be empty when the
	// field came from a paragraph).
}

// fieldSpec is one known label of a section.
type fieldSpec struct {
	norm    string   // normLabel(label), filled in by init
	label   string   // canonical label
	aliases []string // normalised alternatives
	set     func(p *parse, v fieldVal)
}

func (f *fieldSpec) matches(norm string) bool {
	if norm == f.norm {
		return true
	}
	for _, a := range f.aliases {
		if norm == a {
			return true
		}
	}
	return false
}

var fieldSpecs map[string][]*fieldSpec

func init() {
	fieldSpecs = map[string][]*fieldSpec{
		hindsight.SecSummary: {
			{"", "Incident ID", []string{"id", "incident", "incident number", "incident no", "incident id number", "ticket"}, func(p *parse, v fieldVal) {
				if s, ok := p.line(v, "summary.incident_id", phIncidentID); ok {
					if c := stripEmphasis(s); validIncidentID(c) {
						s = c
					}
					p.doc.Summary.IncidentID = s
				}
			}},
			{"", "Start Time (UTC)", []string{"start", "start time", "started", "started at", "began", "incident start", "start date", "start time utc", "impact start"}, func(p *parse, v fieldVal) {
				p.doc.Summary.Start = p.time(v, "summary.start_time")
			}},
			{"", "End Time (UTC)", []string{"end", "end time", "ended", "ended at", "incident end", "resolved at", "end date", "end time utc", "impact end", "resolved"}, func(p *parse, v fieldVal) {
				p.doc.Summary.End = p.time(v, "summary.end_time")
			}},
			{"", "Duration", []string{"total duration", "incident duration", "length", "impact duration"}, func(p *parse, v fieldVal) {
				p.doc.Summary.Duration = p.duration(v, "summary.duration")
			}},
			{"", "Severity", []string{"sev", "severity level", "priority level", "incident severity", "sev level"}, func(p *parse, v fieldVal) {
				if s, ok := p.line(v, "summary.severity", phSeverity); ok {
					if sev, valid := hindsight.ParseSeverity(stripEmphasis(s)); valid {
						p.doc.Summary.Severity = sev
					} else {
						p.doc.Summary.Severity = hindsight.Severity(s)
					}
				}
			}},
			{"", "Services Affected", []string{"affected services", "services", "services impacted", "impacted services", "systems affected", "affected systems", "service", "affected service", "components affected", "affected components"}, (*parse).services},
			{"", "Customer Impact", []string{"user impact", "customer impact summary", "impact"}, (*parse).customerImpact},
		},
		hindsight.SecDetection: {
			{"", "Detected By", []string{"detected", "detected via", "detection method", "how detected", "detection source", "detected through", "how was it detected"}, func(p *parse, v fieldVal) {
				p.doc.Detection.DetectedBy = p.text(v, "detection.detected_by", phDetectedBy)
			}},
			{"", "Detection Time (UTC)", []string{"detection time", "detected at", "time detected", "detection", "time of detection", "detected time"}, func(p *parse, v fieldVal) {
				p.doc.Detection.DetectionTime = p.time(v, "detection.detection_time")
			}},
			{"", "Time to Acknowledge (TTA)", []string{"tta", "time to acknowledge", "time to ack", "time to acknowledgement", "time to acknowledgment", "mtta"}, func(p *parse, v fieldVal) {
				p.doc.Detection.TTA = p.duration(v, "detection.time_to_acknowledge")
			}},
			{"", "Time to Mitigate (TTM)", []string{"ttm", "time to mitigate", "time to mitigation", "mttm", "time to recover", "time to recovery", "ttr", "mttr"}, func(p *parse, v fieldVal) {
				p.doc.Detection.TTM = p.duration(v, "detection.time_to_mitigate")
			}},
			{"", "Incident Commander", []string{"ic", "commander", "incident lead", "incident manager", "incident commander ic"}, func(p *parse, v fieldVal) {
				p.doc.Detection.Commander = p.text(v, "detection.incident_commander", phName)
			}},
			{"", "On-Call Responders", []string{"on call responders", "responders", "oncall responders", "on call", "responding engineers", "participants"}, func(p *parse, v fieldVal) {
				p.doc.Detection.Responders = p.text(v, "detection.on_call_responders", phNames)
			}},
			{"", "Communication Channel(s)", []string{"communication channel", "communication channels", "channels", "channel", "comms", "comms channel", "communications"}, func(p *parse, v fieldVal) {
				p.doc.Detection.Channels = p.text(v, "detection.communication_channels", phChannels)
			}},
		},
		hindsight.SecImpact: {
			{"", "Customer Impact", []string{"customer", "user impact", "external impact"}, func(p *parse, v fieldVal) {
				p.doc.Impact.Customer = p.text(v, "impact.customer", "- "+phImpactMetric+"\n- "+phImpactBiz)
			}},
			{"", "Internal Impact", []string{"internal", "operational impact"}, func(p *parse, v fieldVal) {
				p.doc.Impact.Internal = p.text(v, "impact.internal", "- "+phInternal)
			}},
			{"", "Data Impact", []string{"data"}, (*parse).dataImpact},
		},
		hindsight.SecRootCause: {
			{"", "Primary Cause", []string{"root cause", "primary root cause", "cause", "main cause", "primary"}, func(p *parse, v fieldVal) {
				p.doc.RootCause.Primary = p.text(v, "root_cause.primary", "")
			}},
			{"", "Contributing Factors", []string{"contributing factor", "contributing causes", "factors", "contributors", "contributing"}, func(p *parse, v fieldVal) {
				p.doc.RootCause.Factors = p.list(v, "root_cause.contributing_factors", phFactor1, phFactor2)
			}},
		},
		hindsight.SecResolution: {
			{"", "Immediate Fix", []string{"immediate", "mitigation", "short term fix", "immediate mitigation", "fix", "workaround"}, func(p *parse, v fieldVal) {
				p.doc.Resolution.Immediate = p.text(v, "resolution.immediate_fix", "")
			}},
			{"", "Long-Term Fix", []string{"long term fix", "long term", "permanent fix", "long term solution", "longterm fix"}, func(p *parse, v fieldVal) {
				p.doc.Resolution.LongTerm = p.text(v, "resolution.long_term_fix", "")
			}},
			{"", "Rollback Needed", []string{"rollback", "rollback required", "rolled back", "rollback performed", "was rollback needed"}, func(p *parse, v fieldVal) {
				p.doc.Resolution.Rollback = p.answer(v, "resolution.rollback_needed")
			}},
		},
		hindsight.SecCommunication: {
			{"", "Status Page Updates", []string{"status page", "status page update", "statuspage", "status updates"}, func(p *parse, v fieldVal) {
				p.doc.Communication.StatusPage = p.text(v, "communication.status_page_updates", "")
			}},
			{"", "Direct Notifications", []string{"direct notification", "customer notifications", "notifications", "direct communication"}, func(p *parse, v fieldVal) {
				p.doc.Communication.Direct = p.text(v, "communication.direct_notifications", "")
			}},
			{"", "Post-Incident Follow-up", []string{"post incident follow up", "follow up", "followup", "post incident followup", "post incident communication"}, func(p *parse, v fieldVal) {
				p.doc.Communication.FollowUp = p.text(v, "communication.post_incident_follow_up", "")
			}},
		},
		hindsight.SecPrevention: {
			{"", "Monitoring Improvements", []string{"monitoring", "alerting improvements", "monitoring and alerting"}, func(p *parse, v fieldVal) {
				p.doc.Prevention.Monitoring = p.text(v, "prevention.monitoring_improvements", "")
			}},
			{"", "Process Improvements", []string{"process"}, func(p *parse, v fieldVal) {
				p.doc.Prevention.Process = p.text(v, "prevention.process_improvements", "")
			}},
			{"", "Documentation Updates", []string{"documentation", "docs", "runbook updates", "documentation update"}, func(p *parse, v fieldVal) {
				p.doc.Prevention.Documentation = p.text(v, "prevention.documentation_updates", "")
			}},
			{"", "Training Needs", []string{"training", "training need"}, func(p *parse, v fieldVal) {
				p.doc.Prevention.Training = p.text(v, "prevention.training_needs", "")
			}},
		},
		hindsight.SecPreamble: {
			{"", "Version", []string{"document version", "revision"}, func(p *parse, v fieldVal) {
				// "1.0" is both the template's value and a real version: unset, but not a leftover
				s := strings.Join(strings.Fields(v.text), " ")
				switch {
				case s == phVersion:
					// kept as written, without a finding
					p.doc.Hints = append(p.doc.Hints, hindsight.Hint{Field: "version", Text: s})
				case s != "":
					p.doc.Version = s
					p.at("version", v.line)
				}
			}},
			{"", "Status", []string{"document status", "state", "postmortem status"}, func(p *parse, v fieldVal) {
				if s, ok := p.line(v, "status", ""); ok {
					if st, valid := hindsight.ParseStatus(stripEmphasis(s)); valid {
						if st == hindsight.StatusTemplate {
							// kept in the model as a status: a finding only
							p.sm.Placeholders = append(p.sm.Placeholders, hindsight.Placeholder{Field: "status", Line: v.line + 1, Text: s})
						}
						p.doc.Status = st
					} else {
						p.doc.Status = hindsight.Status(s)
					}
				}
			}},
			{"", "Owner", []string{"author", "authors", "document owner", "postmortem owner", "written by", "owners"}, func(p *parse, v fieldVal) {
				p.doc.Owner, _ = p.line(v, "owner", phOwner)
			}},
			{"", "Last Updated", []string{"updated", "last update", "date", "last modified", "updated at", "last updated utc"}, func(p *parse, v fieldVal) {
				if s, ok := p.line(v, "last_updated", phDate); ok {
					if d, valid := hindsight.ParseDate(stripEmphasis(s)); valid {
						p.doc.LastUpdated = d
					} else {
						p.doc.LastUpdated = hindsight.Date{Text: s}
					}
				}
			}},
		},
	}
	for _, specs := range fieldSpecs {
		for _, f := range specs {
			f.norm = normLabel(f.label)
		}
	}
}

func validIncidentID(s string) bool {
	_, _, ok := hindsight.ParseIncidentID(s)
	return ok
}

// scalar returns a one-line value with its placeholder handled: ok false
// when empty or a placeholder (recorded).
func (p *parse) scalar(v fieldVal, path string, placeholders ...string) (string, bool) {
	s := strings.TrimSpace(v.text)
	if strings.ContainsAny(s, "\v\f") {
		// a line of white space only is an empty line, as it is written
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			if strings.TrimSpace(l) == "" {
				lines[i] = ""
			}
		}
		s = strings.Join(lines, "\n")
	}
	if s == "" {
		return "", false
	}
	if isPlaceholder(s, placeholders...) {
		p.placeholder(path, v.line, s)
		return "", false
	}
	p.at(path, v.line)
	return s, true
}

// line returns a one-line value: a typed field or metadata, which render
// on one line, so a value continued on the next line is folded.
func (p *parse) line(v fieldVal, path string, placeholders ...string) (string, bool) {
	s, ok := p.scalar(v, path, placeholders...)
	if ok && strings.ContainsAny(s, "\n\r") {
		s = strings.Join(strings.Fields(s), " ")
	}
	return s, ok
}

// text returns a free-text value ("" for a placeholder, recorded).
func (p *parse) text(v fieldVal, path string, placeholders ...string) string {
	s, _ := p.scalar(v, path, placeholders...)
	return s
}

func (p *parse) time(v fieldVal, path string) hindsight.Time {
	s, ok := p.line(v, path, phTime, phDate, "HH:MM")
	if !ok {
		return hindsight.Time{}
	}
	u := stripEmphasis(s)
	t := p.readTime(u, path, v.line, p.contextFor(p.labelOf(v.line)))
	if !t.IsSet() && t.Text == u && u != stripMarks(s) {
		// not a time: kept as written, escapes and all (unescaped, it
		// would read differently the next time)
		t.Text = stripMarks(s)
	}
	return t
}

func (p *parse) duration(v fieldVal, path string) hindsight.Duration {
	s, ok := p.line(v, path, phDuration)
	if !ok {
		return hindsight.Duration{}
	}
	if d, valid := hindsight.ParseDuration(stripEmphasis(s)); valid {
		return d
	}
	return hindsight.Duration{Text: s}
}

func (p *parse) answer(v fieldVal, path string) hindsight.Answer {
	s, ok := p.scalar(v, path, phYesNo, phYesNoParen, "Yes / No")
	if !ok {
		return hindsight.Answer{}
	}
	return hindsight.ParseAnswer(s)
}

// subItems returns the value's list items: the sub-list's items, or the
// value itself split on commas when written inline.
func (p *parse) subItems(v fieldVal, comma bool) []item {
	inline, _, _ := strings.Cut(v.text, "\n")
	inline = strings.TrimSpace(inline)
	var out []item
	if inline != "" && !startsBlock(inline) {
		if comma {
			for _, part := range splitOutsideParens(inline) {
				out = append(out, item{from: v.line, to: v.line, text: part})
			}
		} else {
			out = append(out, item{from: v.line, to: v.line, text: inline})
		}
	}
	if v.sub != nil {
		return append(out, v.sub...)
	}
	// a value from a paragraph or without a parsed sub-list: split its lines
	rest := v.text
	if inline != "" && !startsBlock(inline) {
		_, rest, _ = strings.Cut(v.text, "\n")
	}
	for i, l := range strings.Split(rest, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || t == "-" || t == "*" || t == "+" {
			continue // an empty item names nothing
		}
		if len(t) > 1 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && (t[1] == ' ' || t[1] == '\t') {
			out = append(out, item{from: v.line + 1 + i, to: v.line + 1 + i, text: strings.TrimSpace(t[2:])})
		} else if len(out) > 0 {
			out[len(out)-1].text += "\n" + t
		} else {
			out = append(out, item{from: v.line + 1 + i, to: v.line + 1 + i, text: t})
		}
	}
	return out
}

func splitOutsideParens(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(', '[', '（':
			depth++
		case ')', ']', '）':
			if depth > 0 {
				depth--
			}
		case ',', ';':
			if depth == 0 {
				if t := strings.TrimSpace(s[start:i]); t != "" {
					out = append(out, t)
				}
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

// list reads a list-valued field, dropping placeholders.
func (p *parse) list(v fieldVal, path string, placeholders ...string) []string {
	var out []string
	for _, it := range p.subItems(v, false) {
		at := indexPath(path, len(out))
		if isPlaceholder(it.text, placeholders...) {
			p.placeholder(at, it.from, it.text)
			continue
		}
		p.at(at, it.from)
		out = append(out, it.text)
	}
	if len(out) > 0 {
		p.at(path, v.line)
	}
	return out
}

func (p *parse) services(v fieldVal) {
	for _, it := range p.subItems(v, true) {
		at := indexPath("summary.services_affected", len(p.doc.Summary.Services))
		if strings.TrimSpace(it.text) == "" {
			continue // an empty item ("-") names no service
		}
		if isPlaceholder(it.text, phService) {
			p.placeholder(at, it.from, it.text)
			continue
		}
		p.at(at, it.from)
		sv := splitService(it.text)
		sv.Name = serviceName(sv.Name)
		p.doc.Summary.Services = append(p.doc.Summary.Services, sv)
	}
	p.at("summary.services_affected", v.line)
}

// serviceName reads a service name without the Markdown escapes Google
// Docs writes ("checkout\\_api", "dns\\-resolver"), where the name reads the
// same without them: it is an identifier, matched against the service
// catalog and stored as such.
func serviceName(n string) string {
	if !strings.Contains(n, "\\") {
		return n
	}
	u := unescapeValue(n)
	if strings.ContainsAny(u, "*`[]<>|\\") || strings.HasPrefix(u, "_") || strings.HasSuffix(u, "_") || startsBlock(u) {
		return n // the escapes are needed: kept as written
	}
	return u
}

// splitService reads "name (impact)", "name: impact" or "name — impact".
func splitService(s string) hindsight.Service {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " ("); i > 0 && strings.HasSuffix(s, ")") && !strings.Contains(s[:i], "\n") {
		return hindsight.Service{Name: s[:i], Impact: s[i+2 : len(s)-1]}
	}
	// full-width parentheses, as CJK text writes them: "news-web（全ページが 503 エラー）"
	if i := strings.Index(s, "（"); i > 0 && strings.HasSuffix(s, "）") && !strings.Contains(s[:i], "\n") {
		return hindsight.Service{Name: strings.TrimSpace(s[:i]), Impact: s[i+len("（") : len(s)-len("）")]}
	}
	for _, sep := range []string{": ", " — ", " – ", " - "} {
		if i := strings.Index(s, sep); i > 0 && !strings.ContainsAny(s[:i], "\n()") {
			return hindsight.Service{Name: strings.TrimSpace(s[:i]), Impact: strings.TrimSpace(s[i+len(sep):])}
		}
	}
	return hindsight.Service{Name: s}
}

func (p *parse) customerImpact(v fieldVal) {
	ci := &p.doc.Summary.CustomerImpact
	p.at("summary.customer_impact", v.line)
	slots := []*string{&ci.UsersAffected, &ci.Regions, &ci.Symptoms}
	paths := []string{"summary.customer_impact.users_affected", "summary.customer_impact.regions", "summary.customer_impact.symptoms"}
	phs := []string{phUsers, phRegions, phSymptoms}
	used := [3]bool{}
	for _, it := range p.subItems(v, false) {
		slot := -1
		for k, ph := range phs {
			if isPlaceholder(it.text, ph) {
				slot = k
				break
			}
		}
		if slot >= 0 && !used[slot] {
			used[slot] = true
			p.placeholder(paths[slot], it.from, it.text)
			continue
		}
		slot = -1
		for k, l := range impactSlotLabels {
			if !used[k] && isPlaceholder(it.text, l) {
				slot = k // its label alone: empty, in its place
			}
		}
		if slot >= 0 {
			used[slot] = true
			p.at(paths[slot], it.from)
			continue
		}
		// the template's hint below an item that took its slot is kept as
		// an item like any other: it must not overwrite that item, and
		// formatting drops no words
		slot = -1
		if label, _, ok := strings.Cut(it.text, ":"); ok && len(label) < 40 {
			l := strings.ToLower(label)
			switch {
			case strings.Contains(l, "user") || strings.Contains(l, "%") || strings.Contains(l, "customers"):
				slot = 0
			case strings.Contains(l, "region") || strings.Contains(l, "tenant") || strings.Contains(l, "geo"):
				slot = 1
			case strings.Contains(l, "symptom"):
				slot = 2
			}
			if slot >= 0 && used[slot] {
				slot = -1
			}
		}
		if slot < 0 {
			for k := range used {
				if !used[k] {
					slot = k
					break
				}
			}
		}
		if slot < 0 {
			p.at(indexPath("summary.customer_impact.notes", len(ci.Notes)), it.from)
			ci.Notes = append(ci.Notes, it.text)
			continue
		}
		used[slot] = true
		*slots[slot] = it.text
		p.at(paths[slot], it.from)
	}
}

func (p *parse) dataImpact(v fieldVal) {
	d := &p.doc.Impact.Data
	p.at("impact.data", v.line)
	for _, it := range p.subItems(v, false) {
		label, ans := it.text, ""
		if i := strings.IndexAny(it.text, "?:"); i >= 0 {
			label, ans = it.text[:i], strings.TrimSpace(it.text[i+1:])
		}
		l := strings.ToLower(label)
		var target *hindsight.Answer
		var path string
		switch {
		case strings.Contains(l, "loss") || strings.Contains(l, "corrupt"):
			target, path = &d.Loss, "impact.data.loss"
		case strings.Contains(l, "expos") || strings.Contains(l, "leak") || strings.Contains(l, "breach"):
			target, path = &d.Exposure, "impact.data.exposure"
		case strings.Contains(l, "complian") || strings.Contains(l, "regulat"):
			target, path = &d.Compliance, "impact.data.compliance"
		}
		if target == nil || !target.IsZero() || label == it.text {
			p.at(indexPath("impact.data.notes", len(d.Notes)), it.from)
			d.Notes = append(d.Notes, it.text)
			continue
		}
		if ans == "" {
			p.at(path, it.from) // asked, not answered: empty is a value
			continue
		}
		if isPlaceholder(ans, phYesNoParen, phYesNo, "(Yes / No)") {
			p.placeholder(path, it.from, ans)
			continue
		}
		p.at(path, it.from)
		*target = hindsight.ParseAnswer(ans)
	}
}

// splitLabel splits "**Label:** value" (and the forms people write: bold
// without colon, colon outside the bold, italic, plain "Label: value") into
// label and value. canonical reports the "**Label:**" form.
func splitLabel(line string) (label, value string, canonical, ok bool) {
	t := strings.TrimLeft(line, " ")
	for _, m := range []string{"**", "__", "*", "_"} {
		if !strings.HasPrefix(t, m) {
			continue
		}
		end := strings.Index(t[len(m):], m)
		if end <= 0 {
			return "", "", false, false
		}
		inner := t[len(m) : len(m)+end]
		rest := t[len(m)+end+len(m):]
		canonical = m == "**" && strings.HasSuffix(inner, ":") && (rest == "" || rest[0] == ' ')
		inner = strings.TrimSpace(inner)
		colon := strings.HasSuffix(inner, ":")
		inner = strings.TrimSpace(strings.TrimSuffix(inner, ":"))
		r := strings.TrimLeft(rest, " ")
		if !colon && strings.HasPrefix(r, ":") {
			colon = true
			r = r[1:]
		}
		if inner == "" || strings.Contains(inner, "\n") {
			return "", "", false, false
		}
		if !colon && r != "" && r[0] != ' ' && !strings.HasPrefix(rest, " ") {
			return "", "", false, false
		}
		return inner, strings.TrimSpace(r), canonical, true
	}
	i := strings.Index(t, ":")
	if i <= 0 || i > 60 {
		return "", "", false, false
	}
	label = t[:i]
	if strings.ContainsAny(label, "`[]<>*_|#") || len(strings.Fields(label)) > 6 || strings.HasPrefix(t[i:], "://") {
		return "", "", false, false
	}
	return strings.TrimSpace(label), strings.TrimSpace(t[i+1:]), false, true
}

// matchLabel finds the known field a line starts with: a label form, or a
// known label without colon or bold followed by its value.
func matchLabel(specs []*fieldSpec, line string) (*fieldSpec, string, bool) {
	if label, value, _, ok := splitLabel(line); ok {
		n := normLabel(label)
		for _, f := range specs {
			if f.matches(n) {
				return f, value, true
			}
		}
	}
	// a known label with neither bold nor colon: "Severity SEV-2"
	t := strings.TrimSpace(line)
	words := strings.Fields(t)
	for k := min(len(words)-1, 5); k >= 1; k-- {
		n := normLabel(strings.Join(words[:k], " "))
		for _, f := range specs {
			if n == f.norm {
				return f, strings.TrimSpace(strings.Join(words[k:], " ")), true
			}
		}
	}
	return nil, "", false
}

// fieldSection reads a section of labelled fields, from list items or from
// paragraphs of "Label: value" lines.
func (p *parse) fieldSection(s *section, specs []*fieldSpec) {
	e := &extra{}
	seen := map[*fieldSpec]bool{}
	for f := range p.metaSeen {
		seen[f] = true // already set in the metadata at the top
	}
	for _, b := range s.blocks {
		switch n := b.node.(type) {
		case *ast.List:
			for _, it := range p.listItems(n, b.to) {
				first, rest, _ := strings.Cut(it.text, "\n")
				f, value, ok := matchLabel(specs, first)
				if ok && !seen[f] {
					seen[f] = true
					e.mapped = true
					if rest != "" {
						value = strings.TrimSpace(value + "\n" + rest)
					}
					var sub []item
					for c := it.node.FirstChild(); c != nil; c = c.NextSibling() {
						if l, ok := c.(*ast.List); ok {
							sub = append(sub, p.listItems(l, it.to)...)
						}
					}
					f.set(p, fieldVal{text: value, line: it.from, sub: sub})
					continue
				}
				label, value, canonical, lok := splitLabel(first)
				fld := hindsight.Field{Value: it.text}
				if lok && canonical && !strings.Contains(label, "**") {
					if rest != "" {
						value = strings.TrimSpace(value + "\n" + rest)
					}
					fld = hindsight.Field{Label: label, Value: value}
				}
				name := label
				if !lok {
					name = ""
				}
				p.unknown("field", s.key, name, it.from)
				e.fields = append(e.fields, fld)
				e.mapped = true
			}
		case *ast.HTMLBlock:
			if !p.keyValueTable(s, specMatcher(specs), b, seen, e) {
				p.unknown("content", s.key, "", b.from)
				e.add(p.part(b, p.blockText(b)))
			}
		case *ast.Paragraph:
			if !p.labelledParagraph(s, specs, b, seen, e) {
				p.unknown("content", s.key, "", b.from)
				e.add(p.part(b, p.blockText(b)))
			}
		default:
			p.unknown("content", s.key, "", b.from)
			e.add(p.part(b, p.blockText(b)))
		}
	}
	p.addTail(s, e)
	p.saveExtra(s.key, e, nil)
}

// labelMatcher finds the known field a line starts with (see matchLabel).
type labelMatcher func(line string) (*fieldSpec, string, bool)

func specMatcher(specs []*fieldSpec) labelMatcher {
	return func(line string) (*fieldSpec, string, bool) { return matchLabel(specs, line) }
}

// labelLike reports a "Key: value" line (Google Docs' "Download as
// Markdown" writes metadata so, one per line or one per paragraph).
func labelLike(line string) bool {
	label, _, _, ok := splitLabel(strings.TrimSpace(line))
	return ok && len(strings.Fields(label)) <= 4
}

// labelledParagraph reads "Label: value" lines of a paragraph (a document
// written without bullets). It reports false when the paragraph names no
// known field: its first line must, or every line must read "Key: value"
// and one of them name a known field.
func (p *parse) labelledParagraph(s *section, specs []*fieldSpec, b block, seen map[*fieldSpec]bool, e *extra) bool {
	return p.labelledParagraphWith(s, specMatcher(specs), b, seen, e)
}

func (p *parse) labelledParagraphWith(s *section, match labelMatcher, b block, seen map[*fieldSpec]bool, e *extra) bool {
	last := b.to
	for last > b.from && p.src.blank(last) {
		last--
	}
	if _, _, ok := match(trimBreak(p.src.line(b.from))); !ok {
		known := false
		for l := b.from; l <= last; l++ {
			raw := trimBreak(p.src.line(l))
			if !labelLike(raw) {
				return false
			}
			if _, _, ok := match(raw); ok {
				known = true
			}
		}
		if !known {
			return false
		}
	}
	var cur *fieldSpec
	var val []string
	line := 0
	flush := func() {
		if cur != nil {
			cur.set(p, fieldVal{text: strings.TrimSpace(strings.Join(val, "\n")), line: line})
		}
		cur, val = nil, nil
	}
	for l := b.from; l <= b.to; l++ {
		raw := trimBreak(p.src.line(l))
		if l == last {
			// a paragraph's last line has no line break: a backslash that
			// ends it is text
			raw = strings.TrimRight(p.src.line(l), " \t")
		}
		if f, value, ok := match(raw); ok && !seen[f] {
			flush()
			seen[f] = true
			cur, val, line = f, []string{value}, l
			continue
		}
		// a line of its own "Key: value" is a field of its own, not the
		// continuation of the value above
		if cur != nil && !strings.HasPrefix(strings.TrimSpace(raw), "**") && !labelLike(raw) {
			val = append(val, strings.TrimSpace(raw))
			continue
		}
		flush()
		label, value, canonical, ok := splitLabel(strings.TrimSpace(raw))
		fld := hindsight.Field{Value: strings.TrimSpace(raw)}
		if ok && canonical {
			fld = hindsight.Field{Label: label, Value: value}
		}
		if strings.TrimSpace(raw) != "" {
			p.unknown("field", s.key, label, l)
			e.fields = append(e.fields, fld)
		}
	}
	flush()
	e.mapped = true
	return true
}
