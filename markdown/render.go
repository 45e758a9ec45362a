// Package markdown maps postmortem documents between canonical Markdown and
// the typed model: Render writes a model in exactly the template's layout,
// Parse reads what people really write back into the model, keeping what it
// cannot map verbatim and recording where every field stood.
package markdown

import (
	"bytes"
	"slices"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// The template's placeholders: what an unset field renders as, and what
// parses back as unset.
const (
	phTitle        = "Incident Postmortem Template"
	phVersion      = "1.0"
	phStatus       = "Template"
	phOwner        = "Incident Commander"
	phDate         = "YYYY-MM-DD"
	phTime         = "YYYY-MM-DD HH:MM"
	phDuration     = "HH:MM"
	phIncidentID   = "INC-YYYYMMDD-###"
	phSeverity     = "SEV-1 / SEV-2 / SEV-3 / SEV-4"
	phService      = "service-name (impact summary)"
	phUsers        = "% of users affected"
	phRegions      = "Regions / tenants affected"
	phSymptoms     = "Primary symptoms experienced"
	phExecutive    = "Provide a concise, non-technical overview of what happened, why it mattered, and how it was resolved."
	phDetectedBy   = "Monitoring / Customer report / Internal team / Other"
	phName         = "Name"
	phNames        = "Names"
	phChannels     = "Slack / PagerDuty / Email / Other"
	phImpactMetric = "Error rates, latency spikes, or downtime metrics"
	phImpactBiz    = "Business impact (if applicable)"
	phInternal     = "Operational load, manual actions, escalations"
	phYesNoParen   = "(Yes/No)"
	phYesNo        = "Yes/No"
	phEvent        = "Event description"
	phFactor1      = "Factor 1"
	phFactor2      = "Factor 2"
	phItem1        = "Item 1"
	phItem2        = "Item 2"
	phActionID     = "AI-001"
	phAction       = "Action description"
	phPriority     = "P0/P1/P2"
	phItemStatus   = "Open/Closed"
	phReferences   = "Links to incident tickets, dashboards, logs, or related PRs."
	titlePrefix    = "Incident Postmortem: "
	labelLoss      = "Data loss/corruption?"
	labelExposure  = "Data exposure?"
	labelComply    = "Compliance implications?"
)

// Render writes p as canonical Markdown in the template's layout. The zero
// Postmortem renders as the template itself, byte for byte.
func Render(p *hindsight.Postmortem) []byte {
	if p == nil {
		p = &hindsight.Postmortem{}
	}
	r := &renderer{p: p}
	r.buf.Grow(4096)
	r.document()
	return r.buf.Bytes()
}

type renderer struct {
	buf bytes.Buffer
	p   *hindsight.Postmortem
}

func (r *renderer) s(parts ...string) {
	for _, x := range parts {
		r.buf.WriteString(x)
	}
}

func (r *renderer) extra(key string) hindsight.Extra {
	if r.p.Extras == nil {
		return hindsight.Extra{}
	}
	return r.p.Extras[key]
}

func (r *renderer) document() {
	p := r.p
	pre := r.extra(hindsight.SecPreamble)
	if pre.Before != "" {
		r.s(pre.Before, "\n\n")
	}
	if p.Title == "" {
		r.s("# ", phTitle, "\n\n")
	} else {
		r.s("# ", titlePrefix, headingText(oneLine(p.Title)), "\n\n")
	}
	r.s("**Version:** ", or(oneLine(p.Version), phVersion), "  \n")
	r.s("**Status:** ", or(oneLine(p.Status.Label()), phStatus), "  \n")
	r.s("**Owner:** ", or(oneLine(p.Owner), phOwner), "  \n")
	r.s("**Last Updated:** ", or(oneLine(p.LastUpdated.String()), phDate))
	for _, f := range pre.Fields {
		r.s("  \n")
		if f.Label != "" {
			r.s("**", f.Label, ":**")
			if f.Value != "" {
				r.s(" ", oneLine(f.Value))
			}
		} else if v := oneLine(f.Value); startsBlock(v) || setextLike(v) {
			// a line of the paragraph that, at the start of a line, would
			// begin a block of its own: indented, it continues the paragraph
			r.s("    ", v)
		} else {
			r.s(v)
		}
	}
	r.s("\n\n---\n")
	if pre.After != "" {
		r.s("\n", pre.After, "\n")
	}
	r.custom("")
	r.section(hindsight.SecSummary, r.summary)
	r.section(hindsight.SecExecutive, func() { r.s(or(p.ExecutiveSummary, phExecutive), "\n") })
	r.section(hindsight.SecDetection, r.detection)
	r.section(hindsight.SecImpact, r.impact)
	r.section(hindsight.SecTimeline, r.timeline)
	r.section(hindsight.SecRootCause, func() {
		r.field("Primary Cause", p.RootCause.Primary, "")
		r.listField("Contributing Factors", p.RootCause.Factors, []string{phFactor1, phFactor2})
	})
	r.section(hindsight.SecResolution, func() {
		r.field("Immediate Fix", p.Resolution.Immediate, "")
		r.field("Long-Term Fix", p.Resolution.LongTerm, "")
		r.field("Rollback Needed", p.Resolution.Rollback.String(), phYesNo)
	})
	r.section(hindsight.SecCommunication, func() {
		r.field("Status Page Updates", p.Communication.StatusPage, "")
		r.field("Direct Notifications", p.Communication.Direct, "")
		r.field("Post-Incident Follow-up", p.Communication.FollowUp, "")
	})
	r.section(hindsight.SecWentWell, func() { r.itemSection(hindsight.SecWentWell, p.WentWell, phItem1, phItem2) })
	r.section(hindsight.SecWentPoorly, func() { r.itemSection(hindsight.SecWentPoorly, p.WentPoorly, phItem1, phItem2) })
	r.section(hindsight.SecActionItems, r.actionItems)
	r.section(hindsight.SecPrevention, func() {
		r.field("Monitoring Improvements", p.Prevention.Monitoring, "")
		r.field("Process Improvements", p.Prevention.Process, "")
		r.field("Documentation Updates", p.Prevention.Documentation, "")
		r.field("Training Needs", p.Prevention.Training, "")
	})
	r.section(hindsight.SecReferences, func() { r.itemSection(hindsight.SecReferences, p.References, phReferences) })
	// drop the blank line after the last section
	b := r.buf.Bytes()
	for len(b) > 1 && b[len(b)-1] == '\n' && b[len(b)-2] == '\n' {
		b = b[:len(b)-1]
	}
	r.buf.Truncate(len(b))
}

// section writes "\n## Heading\n\n", the extra content before, the body
// (which ends with a newline), unknown fields, the extra content after, and
// the custom sections that followed it.
func (r *renderer) section(key string, body func()) {
	ex := r.extra(key)
	r.s("\n## ", hindsight.SectionHeading(key), "\n\n")
	if ex.Before != "" {
		r.s(ex.Before, "\n\n")
	}
	body()
	for _, f := range ex.Fields {
		if f.Label != "" {
			r.field(f.Label, f.Value, "")
		} else {
			r.item(f.Value, "")
		}
	}
	if ex.After != "" {
		r.s("\n")
		if indentCols(ex.After) >= 4 && r.inList() {
			// an indented code block right after a list would continue its
			// last item: an empty HTML comment ends the list (CommonMark's
			// own advice)
			r.s("<!-- -->\n\n")
		}
		r.s(ex.After, "\n")
	}
	r.custom(key)
}

// indentCols is the indentation of s's first line in columns (a tab
// advances to the next multiple of four).
func indentCols(s string) int {
	n := 0
	for _, c := range s {
		switch c {
		case ' ':
			n++
		case '\t':
			n += 4 - n%4
		default:
			return n
		}
	}
	return n
}

// inList reports whether the last line written belongs to a list: an item
// or an indented continuation of one.
func (r *renderer) inList() bool {
	b := bytes.TrimRight(r.buf.Bytes(), "\n")
	last := string(b[bytes.LastIndexByte(b, '\n')+1:])
	t := strings.TrimLeft(last, " ")
	return len(last)-len(t) >= 2 || (t != "" && startsBlock(t) && strings.ContainsAny(t[:1], "-*+0123456789"))
}

func (r *renderer) custom(after string) {
	for _, c := range r.p.Custom {
		if c.After != after {
			continue
		}
		lvl := c.Level
		if lvl < 1 || lvl > 6 {
			lvl = 2
		}
		r.s("\n", strings.Repeat("#", lvl), " ", headingText(oneLine(c.Heading)), "\n")
		if c.Body != "" {
			r.s("\n", c.Body, "\n")
		}
	}
}

func (r *renderer) summary() {
	s := &r.p.Summary
	r.field("Incident ID", oneLine(s.IncidentID), phIncidentID)
	r.field("Start Time (UTC)", oneLine(s.Start.String()), phTime)
	r.field("End Time (UTC)", oneLine(s.End.String()), phTime)
	r.field("Duration", oneLine(s.Duration.String()), phDuration)
	r.field("Severity", oneLine(string(s.Severity)), phSeverity)
	r.s("- **Services Affected:**\n")
	if len(s.Services) == 0 {
		r.s("  - ", phService, "\n")
	}
	for _, sv := range s.Services {
		v := sv.Name
		if sv.Impact != "" {
			v += " (" + sv.Impact + ")"
		}
		r.item(v, "  ")
	}
	ci := s.CustomerImpact
	r.s("- **Customer Impact:**\n")
	r.item(or(ci.UsersAffected, phUsers), "  ")
	r.item(or(ci.Regions, phRegions), "  ")
	r.item(or(ci.Symptoms, phSymptoms), "  ")
	for _, n := range ci.Notes {
		r.item(n, "  ")
	}
}

func (r *renderer) detection() {
	d := &r.p.Detection
	r.field("Detected By", d.DetectedBy, phDetectedBy)
	r.field("Detection Time (UTC)", oneLine(d.DetectionTime.String()), phTime)
	r.field("Time to Acknowledge (TTA)", oneLine(d.TTA.String()), phDuration)
	r.field("Time to Mitigate (TTM)", oneLine(d.TTM.String()), phDuration)
	r.field("Incident Commander", d.Commander, phName)
	r.field("On-Call Responders", d.Responders, phNames)
	r.field("Communication Channel(s)", d.Channels, phChannels)
}

func (r *renderer) impact() {
	im := &r.p.Impact
	r.field("Customer Impact", im.Customer, "- "+phImpactMetric+"\n- "+phImpactBiz)
	r.field("Internal Impact", im.Internal, "- "+phInternal)
	r.s("- **Data Impact:**\n")
	r.answer(labelLoss, im.Data.Loss)
	r.answer(labelExposure, im.Data.Exposure)
	r.answer(labelComply, im.Data.Compliance)
	for _, n := range im.Data.Notes {
		r.item(n, "  ")
	}
}

func (r *renderer) answer(label string, a hindsight.Answer) {
	v := a.String()
	if a.IsZero() {
		v = phYesNoParen
	}
	r.item(label+" "+v, "  ")
}

func (r *renderer) timeline() {
	ex := r.extra(hindsight.SecTimeline)
	cols := []string{"Time (UTC)", "Event"}
	cols = append(cols, ex.Columns...)
	width := len(cols)
	for _, e := range r.p.Timeline {
		width = max(width, 2+len(e.Cells))
	}
	r.tableHead(cols, width)
	if len(r.p.Timeline) == 0 {
		r.row(width, phTime, phEvent)
		r.row(width, phTime, phEvent)
	}
	for _, e := range r.p.Timeline {
		cells := append([]string{or(e.Time.String(), phTime), or(e.Event, phEvent)}, e.Cells...)
		r.row(width, cells...)
	}
}

func (r *renderer) actionItems() {
	ex := r.extra(hindsight.SecActionItems)
	cols := []string{"ID", "Action", "Owner", "Priority", "Target Date", "Status"}
	cols = append(cols, ex.Columns...)
	width := len(cols)
	for _, a := range r.p.ActionItems {
		width = max(width, 6+len(a.Cells))
	}
	r.tableHead(cols, width)
	if len(r.p.ActionItems) == 0 {
		r.row(width, phActionID, phAction, phName, phPriority, phDate, phItemStatus)
	}
	for _, a := range r.p.ActionItems {
		cells := append([]string{a.ID, or(a.Action, phAction), or(a.Owner, phName),
			or(string(a.Priority), phPriority), or(a.TargetDate.String(), phDate),
			or(string(a.Status), phItemStatus)}, a.Cells...)
		r.row(width, cells...)
	}
}

func (r *renderer) tableHead(cols []string, width int) {
	for i := 0; i < width; i++ {
		c := ""
		if i < len(cols) {
			c = cols[i]
		}
		r.cell(c)
	}
	r.s("|\n")
	for i := 0; i < width; i++ {
		r.s("| --- ")
	}
	r.s("|\n")
}

func (r *renderer) row(width int, cells ...string) {
	for i := 0; i < width; i++ {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		r.cell(c)
	}
	r.s("|\n")
}

// cell writes one table cell: pipes escaped, line breaks as <br>.
func (r *renderer) cell(c string) {
	r.s("| ")
	r.s(EscapeCell(c))
	r.s(" ")
}

// EscapeCell returns text as a table cell's content: | becomes \| and line
// breaks become <br>.
func EscapeCell(c string) string {
	if !strings.ContainsAny(c, "|\n\r") {
		return c
	}
	c = strings.ReplaceAll(c, "\r\n", "\n")
	c = strings.ReplaceAll(c, "|", `\|`)
	return strings.ReplaceAll(c, "\n", "<br>")
}

// field writes "- **Label:** value"; an empty value writes the placeholder.
// A placeholder that starts with a newline is a sub-list.
func (r *renderer) field(label, value, placeholder string) {
	if value == "" {
		value = placeholder
	}
	r.s("- **", label, ":**")
	if value == "" {
		r.s("\n")
		return
	}
	r.value(value, "  ", false)
}

// listField writes a labelled field whose value is a list of items.
func (r *renderer) listField(label string, items, placeholders []string) {
	r.s("- **", label, ":**\n")
	r.items(items, placeholders, "  ")
}

// itemSection writes a section that is a list of items. With no items, it
// writes the placeholders, unless the section holds other content (prose
// written instead of a list), which then stands alone.
func (r *renderer) itemSection(key string, items []string, placeholders ...string) {
	if len(items) == 0 {
		if ex := r.extra(key); ex.Before != "" || ex.After != "" {
			return
		}
	}
	r.items(items, placeholders, "")
}

func (r *renderer) items(items, placeholders []string, indent string) {
	// empty items are not written (item), so a list of them is empty
	if !slices.ContainsFunc(items, func(s string) bool { return strings.TrimLeft(s, " \t") != "" }) {
		items = placeholders
	}
	for _, it := range items {
		r.item(it, indent)
	}
}

// item writes "- text" at indent, continuation lines indented under it.
func (r *renderer) item(text, indent string) {
	// a reader drops the spaces after a marker, however many (itemText)
	text = strings.TrimLeft(text, " \t")
	if text == "" {
		return
	}
	if first, _, _ := strings.Cut(text, "\n"); isThematicBreak("- "+first) || emptyItemLine(first) {
		// "- --" would be a rule and "- *" an item holding an empty list,
		// not an item with that text: its first character is escaped (a
		// reader shows "\-" as "-"; "1." becomes "1\.")
		if c := text[0]; c >= '0' && c <= '9' {
			i := strings.IndexAny(text, ".)")
			text = text[:i] + "\\" + text[i:]
		} else {
			text = "\\" + text
		}
	}
	r.s(indent, "-")
	r.value(text, indent+"  ", true)
}

// value writes a Markdown value after a label or list marker: on the same
// line when its first line is plain inline text (or always, after a bare list
// marker), otherwise from the next line; every further line indented.
func (r *renderer) value(v, indent string, inline bool) {
	first, rest, multi := strings.Cut(v, "\n")
	if !inline && startsBlock(first) && !setextLike(first) {
		first, rest, multi = "", v, true
	} else {
		r.s(" ", first)
	}
	r.s("\n")
	if !multi {
		return
	}
	for line := range strings.SplitSeq(rest, "\n") {
		if strings.TrimSpace(line) == "" {
			r.s("\n")
			continue
		}
		r.s(indent, line, "\n")
	}
}

// startsBlock reports whether a line would open a block of its own (a list,
// a heading, a fence, a quote, a table, HTML) rather than inline text.
func startsBlock(line string) bool {
	t := strings.TrimLeft(line, " ")
	if t == "" || len(line)-len(t) >= 4 {
		return true
	}
	switch t[0] {
	case '-', '*', '+':
		return len(t) == 1 || t[1] == ' ' || t[1] == '\t' || (t[0] != '+' && isThematicBreak(t))
	case '#', '>', '|', '<':
		return true
	case '`', '~':
		return strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")
	}
	// ordered list marker
	i := 0
	for i < len(t) && i < 10 && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i > 0 && i < len(t) && (t[i] == '.' || t[i] == ')') && (i+1 == len(t) || t[i+1] == ' ' || t[i+1] == '\t') {
		return true
	}
	return false
}

// setextLike reports whether a line would underline the line before it as
// a heading ("---", "==="), so it must not stand alone below a label.
func setextLike(line string) bool {
	t := strings.TrimSpace(line)
	return t != "" && (strings.Trim(t, "-") == "" || strings.Trim(t, "=") == "")
}

func isThematicBreak(t string) bool {
	c := t[0]
	n := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case c:
			n++
		case ' ', '\t':
		default:
			return false
		}
	}
	return n >= 3
}

// headingText writes a heading's text so it reads back the same: a text
// ending in "#" gets a closing sequence of its own, which is what a reader
// strips instead of the text's "#".
func headingText(t string) string {
	if strings.HasSuffix(t, "#") {
		return t + " #"
	}
	return t
}

// oneLine folds a value that must stay on one line (headings, metadata,
// values of typed fields).
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
