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

// The template's placeholders: what an unset field renders as in the
// template (RenderTemplate), and what parses back as unset.
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
	// emptyTitle is the heading of a document without a title; it parses
	// back as no title.
	emptyTitle    = "Incident Postmortem"
	labelLoss     = "Data loss/corruption?"
	labelExposure = "Data exposure?"
	labelComply   = "Compliance implications?"
)

// impactSlotLabels stand for an empty value of the Incident Summary's
// customer impact (users, regions, symptoms) that a later value follows.
var impactSlotLabels = [3]string{"Users affected:", "Regions:", "Symptoms:"}

// Render writes p as canonical Markdown in the template's layout. An unset
// field is written empty (its label, or the table's header, with no value):
// Render never writes the template's placeholder text but where the author
// left it (p.Hints). Render is what fmt, lint --fix, the web app, the API and
// import write.
func Render(p *hindsight.Postmortem) []byte {
	return render(p, false)
}

// RenderTemplate writes p like Render, but every unset field as the
// template's placeholder: what `hindsight new` writes. The zero Postmortem
// renders as the template itself, byte for byte.
func RenderTemplate(p *hindsight.Postmortem) []byte {
	return render(p, true)
}

func render(p *hindsight.Postmortem, template bool) []byte {
	if p == nil {
		p = &hindsight.Postmortem{}
	}
	p = withAutolinks(p) // bare URLs as <https://…> (links.go)
	r := &renderer{p: p, template: template}
	if len(p.Hints) > 0 {
		r.hints = make(map[string][]hindsight.Hint, len(p.Hints))
		for _, h := range p.Hints {
			r.hints[h.Field] = append(r.hints[h.Field], h)
		}
	}
	r.buf.Grow(4096)
	r.document()
	return r.buf.Bytes()
}

type renderer struct {
	buf      bytes.Buffer
	p        *hindsight.Postmortem
	template bool
	hints    map[string][]hindsight.Hint
}

// ph is what an unset field at path renders as: the template's placeholder
// when writing the template, else the hint text the author left there, else
// nothing.
func (r *renderer) ph(path, placeholder string) string {
	if r.template {
		return placeholder
	}
	if hs := r.hints[path]; len(hs) > 0 {
		return hs[0].Text
	}
	return ""
}

// hintsAt returns the hints left before the list item or row at path.
func (r *renderer) hintsAt(path string) []hindsight.Hint {
	if r.template {
		return nil
	}
	return r.hints[path]
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
		r.s("# ", headingText(oneLine(or(r.ph("title", phTitle), emptyTitle))), "\n\n")
	} else {
		r.s("# ", titlePrefix, headingText(oneLine(p.Title)), "\n\n")
	}
	r.meta("Version", or(oneLine(p.Version), oneLine(r.ph("version", phVersion))))
	r.s("  \n")
	r.meta("Status", or(oneLine(p.Status.Label()), oneLine(r.ph("status", phStatus))))
	r.s("  \n")
	r.meta("Owner", or(oneLine(p.Owner), oneLine(r.ph("owner", phOwner))))
	r.s("  \n")
	r.meta("Last Updated", or(oneLine(p.LastUpdated.String()), oneLine(r.ph("last_updated", phDate))))
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
	r.section(hindsight.SecExecutive, func() {
		if v := or(p.ExecutiveSummary, r.ph(hindsight.SecExecutive, phExecutive)); v != "" {
			r.s(v, "\n")
		}
	})
	r.section(hindsight.SecDetection, r.detection)
	r.section(hindsight.SecImpact, r.impact)
	r.section(hindsight.SecTimeline, r.timeline)
	r.section(hindsight.SecRootCause, func() {
		r.field("root_cause.primary", "Primary Cause", p.RootCause.Primary, "")
		r.listField("root_cause.contributing_factors", "Contributing Factors", p.RootCause.Factors, []string{phFactor1, phFactor2})
	})
	r.section(hindsight.SecResolution, func() {
		r.field("resolution.immediate_fix", "Immediate Fix", p.Resolution.Immediate, "")
		r.field("resolution.long_term_fix", "Long-Term Fix", p.Resolution.LongTerm, "")
		r.field("resolution.rollback_needed", "Rollback Needed", p.Resolution.Rollback.String(), phYesNo)
	})
	r.section(hindsight.SecCommunication, func() {
		r.field("communication.status_page_updates", "Status Page Updates", p.Communication.StatusPage, "")
		r.field("communication.direct_notifications", "Direct Notifications", p.Communication.Direct, "")
		r.field("communication.post_incident_follow_up", "Post-Incident Follow-up", p.Communication.FollowUp, "")
	})
	r.section(hindsight.SecWentWell, func() { r.itemSection(hindsight.SecWentWell, p.WentWell, phItem1, phItem2) })
	r.section(hindsight.SecWentPoorly, func() { r.itemSection(hindsight.SecWentPoorly, p.WentPoorly, phItem1, phItem2) })
	r.section(hindsight.SecActionItems, r.actionItems)
	r.section(hindsight.SecPrevention, func() {
		r.field("prevention.monitoring_improvements", "Monitoring Improvements", p.Prevention.Monitoring, "")
		r.field("prevention.process_improvements", "Process Improvements", p.Prevention.Process, "")
		r.field("prevention.documentation_updates", "Documentation Updates", p.Prevention.Documentation, "")
		r.field("prevention.training_needs", "Training Needs", p.Prevention.Training, "")
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
	mark := r.buf.Len()
	defer func() {
		if r.buf.Len() == mark {
			// an empty section: one blank line before what follows
			r.buf.Truncate(mark - 1)
		}
		r.custom(key)
	}()
	if ex.Before != "" {
		r.s(ex.Before, "\n\n")
	}
	body()
	for _, f := range ex.Fields {
		if f.Label != "" {
			r.field("", f.Label, f.Value, "")
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
	r.field("summary.incident_id", "Incident ID", oneLine(s.IncidentID), phIncidentID)
	r.field("summary.start_time", "Start Time (UTC)", oneLine(s.Start.String()), phTime)
	r.field("summary.end_time", "End Time (UTC)", oneLine(s.End.String()), phTime)
	r.field("summary.duration", "Duration", oneLine(s.Duration.String()), phDuration)
	r.field("summary.severity", "Severity", oneLine(string(s.Severity)), phSeverity)
	r.s("- **Services Affected:**\n")
	if len(s.Services) == 0 && r.template {
		r.s("  - ", phService, "\n")
	}
	const svc = "summary.services_affected"
	for i, sv := range s.Services {
		r.hintItems(indexPath(svc, i), "  ")
		v := sv.Name
		if sv.Impact != "" {
			v += " (" + sv.Impact + ")"
		}
		r.item(v, "  ")
	}
	r.hintItems(indexPath(svc, len(s.Services)), "  ")
	ci := s.CustomerImpact
	r.s("- **Customer Impact:**\n")
	slots := []string{
		or(ci.UsersAffected, r.ph("summary.customer_impact.users_affected", phUsers)),
		or(ci.Regions, r.ph("summary.customer_impact.regions", phRegions)),
		or(ci.Symptoms, r.ph("summary.customer_impact.symptoms", phSymptoms)),
	}
	// the three values are read back by their order: an empty one before a
	// value (or a note) holds its place as its label alone
	last := len(slots) - 1
	if len(ci.Notes) == 0 {
		for last >= 0 && strings.TrimLeft(slots[last], " \t") == "" {
			last--
		}
	}
	for k, v := range slots[:last+1] {
		if strings.TrimLeft(v, " \t") == "" {
			v = impactSlotLabels[k]
		}
		r.item(v, "  ")
	}
	for _, n := range ci.Notes {
		r.item(n, "  ")
	}
}

func (r *renderer) detection() {
	d := &r.p.Detection
	r.field("detection.detected_by", "Detected By", d.DetectedBy, phDetectedBy)
	r.field("detection.detection_time", "Detection Time (UTC)", oneLine(d.DetectionTime.String()), phTime)
	r.field("detection.time_to_acknowledge", "Time to Acknowledge (TTA)", oneLine(d.TTA.String()), phDuration)
	r.field("detection.time_to_mitigate", "Time to Mitigate (TTM)", oneLine(d.TTM.String()), phDuration)
	r.field("detection.incident_commander", "Incident Commander", d.Commander, phName)
	r.field("detection.on_call_responders", "On-Call Responders", d.Responders, phNames)
	r.field("detection.communication_channels", "Communication Channel(s)", d.Channels, phChannels)
}

func (r *renderer) impact() {
	im := &r.p.Impact
	r.field("impact.customer", "Customer Impact", im.Customer, "- "+phImpactMetric+"\n- "+phImpactBiz)
	r.field("impact.internal", "Internal Impact", im.Internal, "- "+phInternal)
	r.s("- **Data Impact:**\n")
	r.answer("impact.data.loss", labelLoss, im.Data.Loss)
	r.answer("impact.data.exposure", labelExposure, im.Data.Exposure)
	r.answer("impact.data.compliance", labelComply, im.Data.Compliance)
	for _, n := range im.Data.Notes {
		r.item(n, "  ")
	}
}

// answer writes a data question; unanswered, it is the question alone.
func (r *renderer) answer(path, label string, a hindsight.Answer) {
	v := a.String()
	if a.IsZero() {
		v = oneLine(r.ph(path, phYesNoParen))
	}
	if v == "" {
		r.item(label, "  ")
		return
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
	if len(r.p.Timeline) == 0 && r.template {
		r.row(width, phTime, phEvent)
		r.row(width, phTime, phEvent)
	}
	for i, e := range r.p.Timeline {
		path := indexPath("timeline", i)
		r.hintRows(path, width)
		cells := append([]string{or(e.Time.String(), r.ph(path+".time", phTime)), or(e.Event, r.ph(path+".event", phEvent))}, e.Cells...)
		r.row(width, cells...)
	}
	r.hintRows(indexPath("timeline", len(r.p.Timeline)), width)
}

func (r *renderer) actionItems() {
	ex := r.extra(hindsight.SecActionItems)
	cols := []string{"ID", "Action", "Owner", "Priority", "Target Date", "Status"}
	cols = append(cols, ex.Columns...)
	width := len(cols)
	tickets := false
	for _, a := range r.p.ActionItems {
		width = max(width, 6+len(a.Cells))
		tickets = tickets || a.Ticket != ""
	}
	// the Ticket column keeps its place; a document without one gets it
	// after the other columns when an item has a ticket
	ticket := hindsight.TicketColumn(ex.Columns)
	if ticket < 0 && tickets {
		for len(cols) < width {
			cols = append(cols, "")
		}
		cols = append(cols, "Ticket")
		ticket = width - 6
		width++
	}
	r.tableHead(cols, width)
	if len(r.p.ActionItems) == 0 && r.template {
		r.row(width, phActionID, phAction, phName, phPriority, phDate, phItemStatus)
	}
	for i, a := range r.p.ActionItems {
		path := indexPath("action_items", i)
		r.hintRows(path, width)
		cells := append([]string{a.ID, or(a.Action, r.ph(path+".action", phAction)), or(a.Owner, r.ph(path+".owner", phName)),
			or(string(a.Priority), r.ph(path+".priority", phPriority)), or(a.TargetDate.String(), r.ph(path+".target_date", phDate)),
			or(string(a.Status), r.ph(path+".status", phItemStatus))}, a.Cells...)
		if ticket >= 0 {
			for len(cells) <= 6+ticket {
				cells = append(cells, "")
			}
			cells[6+ticket] = a.Ticket
		}
		r.row(width, cells...)
	}
	r.hintRows(indexPath("action_items", len(r.p.ActionItems)), width)
}

// hintRows writes the placeholder rows the author left before the row at
// path.
func (r *renderer) hintRows(path string, width int) {
	for _, h := range r.hintsAt(path) {
		r.row(width, h.Cells...)
	}
}

// hintItems writes the placeholder items the author left before the item
// at path.
func (r *renderer) hintItems(path, indent string) {
	for _, h := range r.hintsAt(path) {
		r.item(h.Text, indent)
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
	if c == "" {
		r.s("| ") // "| |": one space, as markdownlint's MD060 compact style asks
		return
	}
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

// meta writes a metadata line's "**Label:** value" (no value when empty).
func (r *renderer) meta(label, value string) {
	r.s("**", label, ":**")
	if value != "" {
		r.s(" ", value)
	}
}

// field writes "- **Label:** value"; an empty value writes what the field
// at path renders as unset (see ph). A value that starts with a block (a
// list) is written from the next line.
func (r *renderer) field(path, label, value, placeholder string) {
	if value == "" && path != "" {
		value = r.ph(path, placeholder)
	}
	r.s("- **", label, ":**")
	if value == "" {
		r.s("\n")
		return
	}
	r.value(value, "  ", false)
}

// listField writes a labelled field whose value is a list of items.
func (r *renderer) listField(path, label string, items, placeholders []string) {
	r.s("- **", label, ":**\n")
	r.items(path, items, placeholders, "  ")
}

// itemSection writes a section that is a list of items. With no items, the
// template writes the placeholders, unless the section holds other content
// (prose written instead of a list), which then stands alone.
func (r *renderer) itemSection(key string, items []string, placeholders ...string) {
	if len(items) == 0 {
		if ex := r.extra(key); ex.Before != "" || ex.After != "" {
			placeholders = nil
		}
	}
	r.items(key, items, placeholders, "")
}

// items writes a list's items at path with the placeholder items the author
// left between them (the template's placeholders when writing the template
// and the list is empty).
func (r *renderer) items(path string, items, placeholders []string, indent string) {
	// empty items are not written (item), so a list of them is empty
	if r.template && !slices.ContainsFunc(items, func(s string) bool { return strings.TrimLeft(s, " \t") != "" }) {
		items = placeholders
	}
	for i, it := range items {
		r.hintItems(indexPath(path, i), indent)
		r.item(it, indent)
	}
	r.hintItems(indexPath(path, len(items)), indent)
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
