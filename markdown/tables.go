package markdown

import (
	"regexp"
	"slices"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// preamble reads the metadata between the title and the first section.
func (p *parse) preamble(s *section) {
	e := &extra{}
	var before []part
	metaDone, metaClosed, ruleDone := false, false, false
	atMeta := 0 // blocks of content kept when the metadata was read
	match := metadataMatcher(p.movableMetadata(s))
	seen := map[*fieldSpec]bool{}
	p.metaSeen = seen
	titleLine := -1
	if s.heading.node != nil {
		titleLine = s.heading.from
	}
	for _, b := range s.blocks {
		if b.node == nil || b.from < titleLine {
			// front matter or content above the title (a block of white
			// space only, such as a vertical tab, has none)
			if t := p.verbatimText(b); t != "" {
				before = append(before, p.part(b, t))
			}
			continue
		}
		// metadata: one paragraph of "Key: value" lines, or several in a
		// row (Google Docs writes a paragraph per line)
		_, para := b.node.(*ast.Paragraph)
		_, htmlBlock := b.node.(*ast.HTMLBlock)
		list, isList := b.node.(*ast.List)
		if (para || htmlBlock || isList) && !metaClosed {
			// or an HTML table of "<th>Key</th><td>value</td>" rows, or a
			// list of "- **Key:** value" items
			if para && p.labelledParagraphWith(s, match, b, seen, e) || htmlBlock && p.keyValueTable(s, match, b, seen, e) ||
				isList && p.metadataList(s, match, list, b, seen, e) {
				metaDone = true
				atMeta = len(e.before) + len(e.after)
				e.mapped = false // content after the metadata goes to After
				continue
			}
		}
		if metaDone {
			metaClosed = true
		}
		// the rule right below the metadata (or before any other content) is
		// the renderer's own; a rule after other content is content
		// (dropped, it would join what it parts)
		kept := len(e.before) + len(e.after)
		if _, ok := b.node.(*ast.ThematicBreak); ok && !ruleDone && (kept == 0 || metaDone && kept == atMeta) && strings.TrimSpace(p.src.line(b.from)) == "---" {
			ruleDone = true
			e.mapped = true
			continue
		}
		p.unknown("content", hindsight.SecPreamble, "", b.from)
		e.mapped = true
		e.add(p.part(b, p.verbatimText(b)))
	}
	// metadata fields that were not known are rendered in the metadata block;
	// everything else after it
	x := &extra{fields: e.fields, after: append(e.before, e.after...), before: before}
	p.saveExtra(hindsight.SecPreamble, x, nil)
}

// metadataList reads a list of "- **Key:** value" items below the title as
// metadata; false when an item is not such a line or none names a known
// field.
func (p *parse) metadataList(s *section, match labelMatcher, list *ast.List, b block, seen map[*fieldSpec]bool, e *extra) bool {
	items := p.listItems(list, b.to)
	known := false
	for _, it := range items {
		if strings.Contains(it.text, "\n") || !labelLike(it.text) {
			return false
		}
		if _, _, ok := match(it.text); ok {
			known = true
		}
	}
	if !known {
		return false
	}
	for _, it := range items {
		if f, value, ok := match(it.text); ok && !seen[f] {
			seen[f] = true
			f.set(p, fieldVal{text: value, line: it.from})
			continue
		}
		label, value, canonical, _ := splitLabel(it.text)
		fld := hindsight.Field{Value: it.text}
		if canonical {
			fld = hindsight.Field{Label: label, Value: value}
		}
		p.unknown("field", s.key, label, it.from)
		e.fields = append(e.fields, fld)
	}
	e.mapped = true
	return true
}

// metadataMatcher matches the metadata lines below the title: the
// metadata's own labels, and the Incident Summary's and Detection &
// Response's when written as "Label: value" (documents that keep Incident
// ID, Severity, Start Time... at the top).
//
// A Summary or Detection field is read there only when allowed: written
// once, with a value (see movableMetadata). fmt moves it to its section, so
// a second or empty one, kept in the metadata, would be read in its place
// next time.
func metadataMatcher(allowed map[*fieldSpec]bool) labelMatcher {
	own := fieldSpecs[hindsight.SecPreamble]
	return func(line string) (*fieldSpec, string, bool) {
		if f, v, ok := matchLabel(own, line); ok {
			return f, v, true
		}
		f, v, ok := matchMovable(line)
		if ok && allowed[f] {
			return f, v, true
		}
		return nil, "", false
	}
}

// matchMovable matches a "Label: value" line (a colon required) naming a
// Summary or Detection field.
func matchMovable(line string) (*fieldSpec, string, bool) {
	label, value, _, ok := splitLabel(line)
	if !ok || !strings.Contains(strings.TrimSuffix(strings.TrimSpace(line), value), ":") {
		return nil, "", false
	}
	n := normLabel(label)
	if n == "impact" || n == "detection" {
		return nil, "", false
	}
	for _, key := range []string{hindsight.SecSummary, hindsight.SecDetection} {
		for _, f := range fieldSpecs[key] {
			if f.matches(n) {
				return f, value, true
			}
		}
	}
	return nil, "", false
}

// movableMetadata lists the Summary and Detection fields the metadata lines
// below the title name exactly once, with a value.
func (p *parse) movableMetadata(s *section) map[*fieldSpec]bool {
	count := map[*fieldSpec]int{}
	empty := map[*fieldSpec]bool{}
	for _, b := range s.blocks {
		var lines []string
		switch n := b.node.(type) {
		case *ast.Paragraph:
			for l := b.from; l <= b.to; l++ {
				lines = append(lines, trimBreak(p.src.line(l)))
			}
		case *ast.List:
			for _, it := range p.listItems(n, b.to) {
				first, _, _ := strings.Cut(it.text, "\n")
				lines = append(lines, first)
			}
		case *ast.HTMLBlock:
			if h, ok := p.htmlTableOf(b); ok {
				for _, r := range h.rows {
					if len(r) == 2 {
						lines = append(lines, strings.TrimSuffix(boldLabel(r[0]), "x")+strings.ReplaceAll(r[1], "\n", ", "))
					}
				}
			}
		}
		for _, l := range lines {
			if f, v, ok := matchMovable(l); ok {
				count[f]++
				if strings.TrimSpace(v) == "" {
					empty[f] = true
				}
			}
		}
	}
	allowed := map[*fieldSpec]bool{}
	for f, n := range count {
		if n == 1 && !empty[f] {
			allowed[f] = true
		}
	}
	return allowed
}

// column roles of the timeline and action item tables
const (
	colExtra = iota
	colTime
	colEvent
	colID
	colAction
	colOwner
	colPriority
	colTarget
	colStatus
	colTicket
)

func timelineColumn(h string) int {
	n := normLabel(h)
	switch {
	case n == "time" || n == "time utc" || n == "timestamp" || n == "when" || n == "date" || n == "date time" || n == "datetime" || strings.HasPrefix(n, "time"):
		return colTime
	case n == "event" || n == "events" || n == "description" || n == "what happened" || n == "details" || n == "activity" || n == "action" || n == "update":
		return colEvent
	}
	return colExtra
}

func actionColumn(h string) int {
	switch normLabel(h) {
	case "id", "ai", "item", "action id", "item id", "#", "no", "number", "ref":
		return colID
	case "action", "action item", "description", "task", "what", "item description", "action description", "title":
		return colAction
	case "owner", "assignee", "owners", "assigned to", "who", "responsible", "team":
		return colOwner
	case "priority", "prio", "pri", "severity":
		return colPriority
	case "target date", "due", "due date", "target", "deadline", "eta", "date", "by when", "when":
		return colTarget
	case "status", "state", "done", "progress":
		return colStatus
	}
	return colExtra
}

// tableRows returns the source cells of a table's header and body rows, with
// the line of each row. Cells come from the row's source line, so cells past
// the header's width are kept.
func (p *parse) tableRows(t *east.Table) (header []string, rows [][]string, lines []int) {
	for n := t.FirstChild(); n != nil; n = n.NextSibling() {
		l := p.startLine(n)
		if l < 0 {
			continue
		}
		cells := splitRow(p.src.line(l))
		if _, ok := n.(*east.TableHeader); ok {
			header = cells
			continue
		}
		rows = append(rows, cells)
		lines = append(lines, l)
	}
	return header, rows, lines
}

func (p *parse) timeline(s *section) {
	e := &extra{}
	var columns []string
	// a zone named by the heading ("## Timeline (PT)"), else the document's
	secCtx := p.contextFor(s.heading.headingTxt)
	defer func() { p.rowCtx = timeContext{} }()
	otherRows := false // a table or a timed list
	for _, b := range s.blocks {
		switch n := b.node.(type) {
		case *east.Table:
			otherRows = true
		case *ast.HTMLBlock:
			_, ok := p.htmlTableOf(b)
			otherRows = otherRows || ok
		case *ast.List:
			otherRows = otherRows || slices.ContainsFunc(p.listItems(n, b.to), func(it item) bool { _, _, ok := splitTimedItem(it.text); return ok })
		}
	}
	for _, b := range s.blocks {
		p.rowCtx = secCtx
		switch n := b.node.(type) {
		case *east.Table, *ast.HTMLBlock:
			header, rows, lines, ok := p.anyTable(b, timelineColumn, []string{"Time", "Event"})
			if !ok {
				p.unknown("content", s.key, "", b.from)
				e.add(p.part(b, p.verbatimText(b)))
				continue
			}
			e.mapped = true
			roles := make([]int, len(header))
			hasTime, hasEvent := false, false
			for i, h := range header {
				roles[i] = timelineColumn(h)
				switch {
				case roles[i] == colTime && !hasTime:
					hasTime = true
				case roles[i] == colEvent && !hasEvent:
					hasEvent = true
				default:
					roles[i] = colExtra
				}
			}
			if !hasTime && len(roles) > 0 {
				roles[0], hasTime = colTime, true
			}
			for i, r := range roles {
				if z, abbr, ok := parenZone(header[i]); ok && r == colTime {
					p.rowCtx = timeContext{zone: z, abbr: abbr} // "Time (UTC)", "Time (PT)"
				}
			}
			if !hasEvent {
				for i := range roles {
					if roles[i] == colExtra {
						roles[i] = colEvent
						break
					}
				}
			}
			extraIdx := map[int]int{} // header index -> extra column index
			for i, r := range roles {
				if r != colExtra {
					continue
				}
				name := header[i]
				pos := indexOf(columns, name)
				if pos < 0 {
					columns = append(columns, name)
					pos = len(columns) - 1
					p.unknown("column", s.key, name, b.from)
				}
				extraIdx[i] = pos
			}
			for ri, cells := range rows {
				var timeTxt, event string
				var extraCells []string
				for ci, c := range cells {
					role := colExtra
					if ci < len(roles) {
						role = roles[ci]
					}
					switch role {
					case colTime:
						timeTxt = c
					case colEvent:
						event = c
					default:
						pos, ok := extraIdx[ci]
						if !ok {
							// a cell past the header: an unnamed column
							pos = len(columns)
							columns = append(columns, "")
							extraIdx[ci] = pos
						}
						for len(extraCells) <= pos {
							extraCells = append(extraCells, "")
						}
						extraCells[pos] = c
					}
				}
				p.timelineRow(timeTxt, event, trimCells(extraCells), lines[ri])
			}
		case *ast.List:
			items := p.listItems(n, b.to)
			// a list of events: some items are timed, or none in a timeline
			// that has no other rows (a timeline written without times); a
			// list without times beside a table or a timed list is notes
			mapped := slices.ContainsFunc(items, func(it item) bool { _, _, ok := splitTimedItem(it.text); return ok }) ||
				len(items) >= 2 && !otherRows
			for _, it := range items {
				if !mapped {
					break
				}
				if tt, ev, ok := splitTimedItem(it.text); ok {
					p.timelineRow(tt, ev, nil, it.from)
					continue
				}
				// an item without a time: an event of its own, its time unset
				p.timelineRow("", it.text, nil, it.from)
			}
			if !mapped {
				p.unknown("content", s.key, "", b.from)
				e.add(p.part(b, p.verbatimText(b)))
			} else {
				e.mapped = true
			}
			e.mapped = true
		default:
			p.unknown("content", s.key, "", b.from)
			e.add(p.part(b, p.verbatimText(b)))
		}
	}
	// pad every row's cells to the columns it has, dropping trailing empties
	p.saveExtra(s.key, e, columns)
}

func trimCells(c []string) []string {
	for len(c) > 0 && c[len(c)-1] == "" {
		c = c[:len(c)-1]
	}
	if len(c) == 0 {
		return nil
	}
	return c
}

func indexOf(list []string, s string) int {
	if s == "" {
		return -1 // unnamed columns are each their own
	}
	for i, x := range list {
		if strings.EqualFold(x, s) {
			return i
		}
	}
	return -1
}

var (
	// emphasisOpeners may wrap a bullet's time, with their closers
	emphasisOpeners = [][2]string{{"**", "**"}, {"__", "__"}, {"`", "`"}, {"[", "]"}}
	// looseTimeRe is a bullet that starts like a time, then a dash or a
	// pipe before its event
	looseTimeRe = regexp.MustCompile(`^(\d{1,2}[:.]\d{2}[^\s—–|]*(?:\s+[A-Za-z][A-Za-z.]{0,5})?)\s+[—–|-]\s+(\S.*)$`)
)

// splitTimedItem reads a timeline bullet "14:02 — alert fired",
// "9:41 AM PST — paging storm", "**2024-02-07 16:50** x": the time as
// written and the event (a note in parentheses after the time stays in it).
func splitTimedItem(s string) (tm, event string, ok bool) {
	first, more, _ := strings.Cut(s, "\n")
	open, closer := "", ""
	for _, m := range emphasisOpeners {
		if strings.HasPrefix(first, m[0]) {
			open, closer = m[0], m[1]
			break
		}
	}
	c, rest, ok := hindsight.ScanTime(first[len(open):])
	if !ok {
		// something written as a time that is not one ("13:00 PM — x",
		// "9.41 AM — x"): kept as the row's time text, which lint reports
		if m := looseTimeRe.FindStringSubmatch(first); m != nil {
			ev := m[2]
			if more != "" {
				ev = strings.TrimSpace(ev + "\n" + more)
			}
			return m[1], ev, true
		}
		return "", "", false
	}
	if open != "" {
		if !strings.HasPrefix(rest, closer) {
			return "", "", false
		}
		rest = rest[len(closer):]
	}
	ev := strings.TrimSpace(rest)
	for _, sep := range []string{"—", "–", "-", ":", "|"} {
		if strings.HasPrefix(ev, sep) {
			ev = strings.TrimSpace(ev[len(sep):])
			break
		}
	}
	if more != "" {
		ev = strings.TrimSpace(ev + "\n" + more)
	}
	return c.Text, ev, true
}

func (p *parse) timelineRow(timeTxt, event string, cells []string, line int) {
	timeTxt, event = cellText(timeTxt), cellText(event)
	if tm, note, ok := splitTimeNote(timeTxt); ok {
		// "2021-02-10 03:15 (JST 12:15)": the note stays, in the event
		timeTxt = tm
		event = strings.TrimSpace(note + " " + event)
	}
	idx := len(p.doc.Timeline)
	path := indexPath("timeline", idx)
	ev := hindsight.Event{Cells: cells}
	p.at(path, line)
	timePH := isPlaceholder(timeTxt, phTime)
	eventPH := isPlaceholder(event, phEvent)
	if (timePH || timeTxt == "") && (eventPH || event == "") && len(cells) == 0 {
		p.placeholderRow(path, line, strings.TrimSpace(timeTxt+" | "+event), []string{timeTxt, event})
		delete(p.sm.Lines, path)
		return
	}
	switch {
	case timePH:
		p.placeholder(path+".time", line, timeTxt)
	case timeTxt == "":
	default:
		p.at(path+".time", line)
		ev.Time = hindsight.Time{Text: timeTxt}
		if c, rest, ok := hindsight.ScanTime(stripEmphasis(timeTxt)); ok && strings.TrimSpace(rest) == "" {
			// placed once the whole document is read (the Start Time
			// gives the first date)
			p.pending = append(p.pending, pendingTime{idx: idx, clock: c, ctx: p.rowCtx, text: timeTxt, line: line})
		}
	}
	if eventPH {
		p.placeholder(path+".event", line, event)
	} else {
		ev.Event = event
		p.at(path+".event", line)
	}
	p.doc.Timeline = append(p.doc.Timeline, ev)
}

var (
	checkboxRe = regexp.MustCompile(`^\[([ xX])\]\s*`)
	ownerRe    = regexp.MustCompile(`\s*\((?i:owner|assignee|assigned to|owned by)\s*[:=]?\s*([^)]+)\)`)
	aiIDRe     = regexp.MustCompile(`^(?:\*\*)?(AI-\d{1,6})(?:\*\*)?\s*[:—–-]?\s*`)
)

// actionRowVals is one row or bullet of the action items, read.
type actionRowVals struct {
	vals  map[int]string
	cells []string
	line  int
}

func (p *parse) actionItems(s *section) {
	e := &extra{}
	var columns []string
	var found []actionRowVals
	for _, b := range s.blocks {
		switch n := b.node.(type) {
		case *east.Table, *ast.HTMLBlock:
			var defaults []string
			if h, ok := p.htmlTableOf(b); ok && len(h.rows[0]) == 6 {
				defaults = []string{"ID", "Action", "Owner", "Priority", "Target Date", "Status"} // the template's columns
			}
			header, rows, lines, ok := p.anyTable(b, actionColumn, defaults)
			if !ok {
				p.unknown("content", s.key, "", b.from)
				e.add(p.part(b, p.verbatimText(b)))
				continue
			}
			e.mapped = true
			roles := make([]int, len(header))
			taken := map[int]bool{}
			for i, h := range header {
				r := actionColumn(h)
				if r != colExtra && taken[r] {
					r = colExtra
				}
				taken[r] = true
				roles[i] = r
			}
			extraIdx := map[int]int{}
			for i, r := range roles {
				if r != colExtra {
					continue
				}
				pos := indexOf(columns, header[i])
				if pos < 0 {
					columns = append(columns, header[i])
					pos = len(columns) - 1
					if !hindsight.IsTicketColumn(header[i]) {
						p.unknown("column", s.key, header[i], b.from)
					}
				}
				if pos == hindsight.TicketColumn(columns) {
					// the ticket column keeps its place among the extra
					// columns; its cells are the items' Ticket
					roles[i] = colTicket
				}
				extraIdx[i] = pos
			}
			for ri, cells := range rows {
				vals := map[int]string{}
				var extraCells []string
				for ci, c := range cells {
					role := colExtra
					if ci < len(roles) {
						role = roles[ci]
					}
					if role != colExtra {
						vals[role] = c
						continue
					}
					pos, ok := extraIdx[ci]
					if !ok {
						pos = len(columns)
						columns = append(columns, "")
						extraIdx[ci] = pos
					}
					for len(extraCells) <= pos {
						extraCells = append(extraCells, "")
					}
					extraCells[pos] = c
				}
				found = append(found, actionRowVals{vals, trimCells(extraCells), lines[ri]})
			}
		case *ast.List:
			e.mapped = true
			for _, it := range p.listItems(n, b.to) {
				found = append(found, actionRowVals{actionBullet(it), nil, it.from})
			}
		default:
			p.unknown("content", s.key, "", b.from)
			e.add(p.part(b, p.verbatimText(b)))
		}
	}
	// the template's own row is a placeholder, never an item, wherever it
	// stands
	for _, r := range found {
		p.actionRow(r.vals, r.cells, r.line)
	}
	p.saveExtra(s.key, e, columns)
}

// actionBullet reads "- [ ] AI-004: add an alert (owner: @dana)".
func actionBullet(it item) map[int]string {
	t := it.text
	vals := map[int]string{}
	if m := checkboxRe.FindStringSubmatch(t); m != nil {
		if m[1] == " " {
			vals[colStatus] = string(hindsight.ItemOpen)
		} else {
			vals[colStatus] = string(hindsight.ItemClosed)
		}
		t = t[len(m[0]):]
	}
	if m := aiIDRe.FindStringSubmatch(t); m != nil {
		vals[colID] = m[1]
		t = t[len(m[0]):]
	}
	if m := ownerRe.FindStringSubmatch(t); m != nil {
		// "(owner: @dana, P1, due 2022-08-26)": owner, priority, target date.
		// Empty parts are skipped; a parenthesis that names nothing stays in
		// the action's text.
		var owners []string
		found := map[int]string{}
		for _, part := range strings.Split(m[1], ",") {
			part = strings.TrimSpace(part)
			lp := strings.ToLower(part)
			switch {
			case part == "":
			case len(owners) == 0 && len(found) == 0:
				owners = append(owners, part)
			case strings.HasPrefix(lp, "due") || strings.HasPrefix(lp, "by ") || strings.HasPrefix(lp, "target"):
				found[colTarget] = strings.TrimSpace(strings.TrimLeft(part[strings.IndexAny(part, " :")+1:], " :"))
			default:
				if _, ok := hindsight.ParsePriority(part); ok {
					found[colPriority] = part
				} else {
					owners = append(owners, part)
				}
			}
		}
		if len(owners) > 0 {
			found[colOwner] = strings.Join(owners, ", ")
		}
		if found[colOwner] != "" || found[colTarget] != "" || found[colPriority] != "" {
			for k, v := range found {
				vals[k] = v
			}
			t = strings.TrimSpace(strings.Replace(t, m[0], "", 1))
		}
	}
	first, rest, multi := strings.Cut(t, "\n")
	t = checklistMeta(first, vals)
	if multi {
		// sub-bullets under an item stay with it
		t += "\n" + rest
	}
	vals[colAction] = t
	return vals
}

// isTemplateRow reports whether an action row is the template's own: every
// value a placeholder.
func isTemplateRow(vals map[int]string, cells []string) bool {
	return vals[colTicket] == "" && isPlaceholder(vals[colAction], phAction) && (vals[colID] == "" || vals[colID] == phActionID) && (vals[colOwner] == "" || isPlaceholder(vals[colOwner], phName)) &&
		(vals[colPriority] == "" || isPlaceholder(vals[colPriority], phPriority)) && len(cells) == 0 &&
		(vals[colStatus] == "" || isPlaceholder(vals[colStatus], phItemStatus)) &&
		(vals[colTarget] == "" || isPlaceholder(vals[colTarget], phDate))
}

func isEmptyRow(vals map[int]string, cells []string) bool {
	return vals[colAction] == "" && vals[colTicket] == "" && vals[colOwner] == "" && vals[colID] == "" && len(cells) == 0 && vals[colPriority] == "" && vals[colTarget] == "" && vals[colStatus] == ""
}

// actionRow adds an action item from a row's values; the template's own row
// is a placeholder.
func (p *parse) actionRow(vals map[int]string, cells []string, line int) {
	for k, v := range vals {
		vals[k] = cellText(v)
	}
	idx := len(p.doc.ActionItems)
	path := indexPath("action_items", idx)
	if isTemplateRow(vals, cells) {
		p.placeholderRow(path, line, vals[colAction], []string{vals[colID], vals[colAction], vals[colOwner], vals[colPriority], vals[colTarget], vals[colStatus]})
		return
	}
	if isEmptyRow(vals, cells) {
		return // an empty row
	}
	p.at(path, line)
	a := hindsight.ActionItem{Cells: cells}
	a.ID = vals[colID]
	if c := stripEmphasis(a.ID); hindsight.ValidActionID(c) {
		a.ID = c
	}
	field := func(role int, name string, ph ...string) (string, bool) {
		v := vals[role]
		if v == "" {
			return "", false
		}
		if isPlaceholder(v, ph...) {
			p.placeholder(path+"."+name, line, v)
			return "", false
		}
		p.at(path+"."+name, line)
		return v, true
	}
	if v, ok := field(colAction, "action", phAction); ok {
		a.Action = v
	}
	if v, ok := field(colOwner, "owner", phName, phNames); ok {
		a.Owner = v
	}
	if v, ok := field(colPriority, "priority", phPriority); ok {
		if pr, valid := priorityOf(v); valid {
			a.Priority = pr
		} else {
			a.Priority = hindsight.Priority(v)
		}
	}
	if v, ok := field(colTarget, "target_date", phDate); ok {
		if d, valid := hindsight.ParseDate(stripEmphasis(v)); valid {
			a.TargetDate = d
		} else {
			a.TargetDate = hindsight.Date{Text: v}
		}
	}
	if v, ok := field(colStatus, "status", phItemStatus); ok {
		if st, valid := itemStatusOf(v); valid {
			a.Status = st
		} else {
			a.Status = hindsight.ItemStatus(v)
		}
	}
	if v := vals[colTicket]; v != "" {
		a.Ticket = v
		p.at(path+".ticket", line)
	}
	if a.ID != "" {
		p.at(path+".id", line)
	}
	p.doc.ActionItems = append(p.doc.ActionItems, a)
}

// cellText is s as a table cell reads back: trimmed of white space
// (Unicode's: a vertical tab, a form feed), so a value from a bullet list
// renders into a cell and reads back the same.
func cellText(s string) string { return strings.TrimSpace(s) }
