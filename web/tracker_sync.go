package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/followup"
)

// The action items' issue tracker controls of the incident page (issue
// 20): each item's Ticket (a link to its issue when Hindsight created it),
// its sync state ("sync pending: <reason>"), and a "Create issue" button
// for an item without a ticket when a tracker is configured.

// trackerView is what the incident page knows of its items' issues.
type trackerView struct {
	// Kind is the tracker "Create issue" uses ("" when none is configured
	// or the incident's Tracker field names none).
	Kind  string
	links []hindsight.TrackerLink
	items []hindsight.ActionItem
	// ticketCol is the index among the extra columns of the Ticket column
	// (-1: none); addCol says the document names none (the page adds it).
	ticketCol int
	addCol    bool
}

// Columns are the extra columns' headings the page shows: the document's,
// and "Ticket" when items have tickets the document has no column for.
func (d showData) Columns() []string {
	if !d.Tracker.addCol {
		return d.ActionCol
	}
	cols := append([]string(nil), d.ActionCol...)
	for len(cols) < d.Tracker.ticketCol {
		cols = append(cols, "")
	}
	return append(cols, "Ticket")
}

// ColumnLabel is the heading of the j-th extra column, "" past the last
// (a row may have more cells than the table has headings): a phone shows
// it above the cell.
func (d showData) ColumnLabel(j int) string {
	if cols := d.Columns(); j < len(cols) {
		return cols[j]
	}
	return ""
}

// trackerItem is one item's tracker state on the page.
type trackerItem struct {
	IncidentID, Key, Label string
	Revision               int
	Kind                   string
	// CanCreate shows "Create issue".
	CanCreate bool
	// Pending is the reason while the sync is not done ("" when synced).
	Pending  string
	Issue    string
	IssueURL string
	// Return is set on the action item tracker: where Create issue goes
	// back to (the tracker with its filters), and its htmx answer is the
	// item's row instead of the incident page's section.
	Return string
}

func (u *UI) trackerView(r *http.Request, in *hindsight.Incident) trackerView {
	v := trackerView{items: in.Doc.ActionItems, ticketCol: -1}
	if e, ok := in.Doc.Extras[hindsight.SecActionItems]; ok {
		v.ticketCol = hindsight.TicketColumn(e.Columns)
	}
	if v.ticketCol < 0 {
		// tickets without a Ticket column (a JSON write): shown after the
		// other columns, where the Markdown has it
		width := len(in.Doc.Extras[hindsight.SecActionItems].Columns)
		tickets := false
		for _, it := range in.Doc.ActionItems {
			width = max(width, len(it.Cells))
			tickets = tickets || it.Ticket != ""
		}
		if tickets {
			v.ticketCol, v.addCol = width, true
		}
	}
	if t, ok, err := u.svc.TrackerFor(in.Doc); err == nil && ok {
		v.Kind = string(t.Kind)
	}
	if ls, err := u.svc.TrackerLinks(r.Context(), u.actor(r), in.ID); err == nil {
		v.links = ls
	}
	return v
}

func (v trackerView) link(items []hindsight.ActionItem, i int) *hindsight.TrackerLink {
	for j := range v.links {
		if hindsight.FindLinkedItem(items, &v.links[j]) == i {
			return &v.links[j]
		}
	}
	return nil
}

// TrackerItem is the tracker state of the i-th action item.
func (d showData) TrackerItem(i int) trackerItem {
	return d.Tracker.item(d.In.ID, d.In.Revision, d.Doc.ActionItems, i)
}

// item is the tracker state of the i-th of items, the action items of
// incident id at revision rev (the incident page and the action item
// tracker show the same).
func (v trackerView) item(id string, rev int, items []hindsight.ActionItem, i int) trackerItem {
	return itemTracker(id, rev, v.Kind, items[i], i, v.link(items, i))
}

// itemTracker is the tracker state of item it at 0-based position i of
// incident id at revision rev, whose tracker is of kind (""; none) and
// whose link is l (nil: none).
func itemTracker(id string, rev int, kind string, it hindsight.ActionItem, i int, l *hindsight.TrackerLink) trackerItem {
	t := trackerItem{IncidentID: id, Key: hindsight.ItemKeyOf(it, i), Revision: rev, Kind: kind, Issue: it.Ticket}
	t.Label = it.ID
	if t.Label == "" {
		t.Label = "action item " + strconv.Itoa(i+1)
	}
	if len(t.Key) > 1 && t.Key[0] == '#' {
		t.Key = t.Key[1:]
	}
	if l != nil {
		if l.State() != "synced" {
			t.Pending = l.Reason
			if t.Pending == "" {
				t.Pending = "queued"
			}
		}
		if l.IssueKey != "" && (it.Ticket == "" || it.Ticket == l.IssueKey) {
			t.Issue, t.IssueURL = l.IssueKey, l.URL
		}
		return t
	}
	t.CanCreate = t.Kind != "" && it.Ticket == ""
	return t
}

// ItemCells are the i-th action item's extra cells as HTML, its Ticket in
// the Ticket column's place (a link to the issue when Hindsight knows it).
func (d showData) ItemCells(i int) []template.HTML {
	it := d.Doc.ActionItems[i]
	cells := append([]string(nil), it.Cells...)
	col := d.Tracker.ticketCol
	if col >= 0 {
		for len(cells) <= col {
			cells = append(cells, "")
		}
	}
	out := make([]template.HTML, len(cells))
	for j, c := range cells {
		if j != col {
			out[j] = mdHTML(c)
			continue
		}
		ti := d.TrackerItem(i)
		switch {
		case ti.IssueURL != "" && ti.Issue != "":
			out[j] = template.HTML(`<a href="` + template.HTMLEscapeString(ti.IssueURL) + `" rel="noopener">` + template.HTMLEscapeString(ti.Issue) + `</a>`)
		default:
			out[j] = mdHTML(it.Ticket)
		}
	}
	return out
}

// trackerStamp is the part of the incident page's cache key its items'
// issue links make: "Create issue", "sync pending: <reason>" and the
// issue's link change without a new revision of the document. "" when the
// store keeps no links or the incident has none.
func (u *UI) trackerStamp(r *http.Request, id string) (string, error) {
	ts, ok := u.svc.Store().(hindsight.TrackerStore)
	if !ok {
		return "", nil
	}
	links, err := ts.FindTrackerLinks(r.Context(), id)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, l := range links {
		fmt.Fprintf(&b, "%s\x1f%s\x1f%s\x1f%t\x1f%s\x1f%s\x1e", l.ItemKey, l.Kind, l.IssueKey, l.Pending, l.State(), l.Reason)
	}
	return b.String(), nil
}

// createIssue is POST /incidents/{id}/action-items/{item}/issue: queues
// the item's issue (app.Service.CreateIssue); the worker creates it and the
// page shows "sync pending" until then.
func (u *UI) createIssue(w http.ResponseWriter, r *http.Request) {
	id, item := r.PathValue("id"), r.PathValue("item")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	a := u.actor(r)
	back := "/incidents/" + url.PathEscape(id)
	_, err := u.svc.CreateIssue(r.Context(), a, id, item)
	msg, ok := u.itemRefusal(w, r, a, id, err)
	if !ok {
		return
	}
	if ret := r.PostForm.Get("return"); ret != "" {
		// from the action item tracker: its row, or back to it
		u.createIssueAnswer(w, r, a, id, item, trackerReturn(ret), msg)
		return
	}
	if isHTMX(r) {
		in, err := u.svc.Get(r.Context(), a, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		d := u.showData(r, in, msg)
		u.render(w, r, http.StatusOK, "show", page{Title: in.ID + " " + in.Doc.Title, Data: d})
		return
	}
	if msg != "" {
		u.redirectFlash(w, r, back+"#sec-action_items", flashError, msg)
		return
	}
	u.redirectFlash(w, r, back+"#sec-action_items", flashOK, "Issue queued: it is created in the tracker in a moment")
}

// createIssueAnswer answers a Create issue posted from the action item
// tracker: htmx gets the item's row (its "sync pending: queued"), a plain
// form post goes back to the tracker with a message; a refusal (msg) is
// the message, or a note in the row htmx gets.
func (u *UI) createIssueAnswer(w http.ResponseWriter, r *http.Request, a app.Actor, id, item, back, msg string) {
	if !isHTMX(r) {
		if msg != "" {
			u.redirectFlash(w, r, back, flashError, msg)
			return
		}
		u.redirectFlash(w, r, back, flashOK, "Issue queued for "+item+" of "+id+": it is created in the tracker in a moment.")
		return
	}
	it, err := u.fu.Item(r.Context(), a.Viewer, id, item)
	if err != nil {
		if msg != "" {
			// the item is gone (another save removed it): say why
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(msg))
			return
		}
		u.fail(w, r, err)
		return
	}
	// a refusal (someone asked for the issue first) shows the row as it is
	// now, with the reason
	row := itemRow{It: *it, Key: followup.ItemKey(*it), Return: back, Focus: true, Note: msg}
	if ts, _, err := u.teamsOf(r, a); err == nil {
		row = withOwnerTeam(row, newOwnerTeams(ts))
	}
	u.withTrackers(r, []*itemRow{&row})
	u.renderPartial(w, r, http.StatusOK, "action_items", "item-row", row)
}

// withTrackers sets the tracker state of the tracker's rows (issue 20):
// each item's ticket, "sync pending: <reason>" and Create issue, as the
// incident page shows them, only when a tracker is configured or an item
// has a ticket. The state comes from the store (FindItemTrackers: one
// query for the page's incidents, two more when some have links), not from
// the documents: an incident's document is read only when its Tracker
// field's rows cannot tell its tracker (trackersFromDocs), or when the
// store cannot answer.
func (u *UI) withTrackers(r *http.Request, rows []*itemRow) {
	configured := len(u.svc.Trackers()) > 0
	var ids []string
	seen := map[string]bool{}
	for _, row := range rows {
		if !configured && row.It.Ticket == "" {
			continue
		}
		row.TicketCol = true
		if id := row.It.IncidentID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	states, err := u.svc.ItemTrackers(r.Context(), u.actor(r), ids)
	if err != nil {
		u.trackersFromDocs(r, rows)
		return
	}
	type state struct {
		t    *hindsight.ItemTrackers
		kind string
	}
	// an incident left out is one the viewer may not see (nil state);
	// one whose tracker the rows cannot tell is not in byID
	byID := make(map[string]*state, len(ids))
	for _, id := range ids {
		byID[id] = nil
	}
	for i := range states {
		if kind, sure := u.svc.TrackerKind(states[i].TrackerField); sure {
			byID[states[i].IncidentID] = &state{&states[i], kind}
		} else {
			delete(byID, states[i].IncidentID)
		}
	}
	var rest []*itemRow
	for _, row := range rows {
		if !row.TicketCol {
			continue
		}
		it := row.It
		st, ok := byID[it.IncidentID]
		switch {
		case !ok:
			rest = append(rest, row)
		case st == nil:
			// as when the incident's document cannot be read
			row.Tracker = &trackerItem{Issue: it.Ticket}
		default:
			ti := itemTracker(it.IncidentID, st.t.Revision, st.kind, it.ActionItem, it.Position, st.t.LinkAt(it.Position))
			ti.Return = row.Return
			row.Tracker = &ti
		}
	}
	if len(rest) > 0 {
		u.trackersFromDocs(r, rest)
	}
}

// trackersFromDocs sets the tracker state of rows (withTrackers) from
// their incidents' documents, each incident read once.
func (u *UI) trackersFromDocs(r *http.Request, rows []*itemRow) {
	configured := len(u.svc.Trackers()) > 0
	views := map[string]*struct {
		in *hindsight.Incident
		v  trackerView
	}{}
	for _, row := range rows {
		it := row.It
		if !configured && it.Ticket == "" {
			continue
		}
		row.TicketCol = true
		e, seen := views[it.IncidentID]
		if !seen {
			if in, err := u.svc.Get(r.Context(), u.actor(r), it.IncidentID); err == nil {
				e = &struct {
					in *hindsight.Incident
					v  trackerView
				}{in, u.trackerView(r, in)}
			}
			views[it.IncidentID] = e
		}
		if e == nil || it.Position >= len(e.in.Doc.ActionItems) {
			row.Tracker = &trackerItem{Issue: it.Ticket}
			continue
		}
		ti := e.v.item(e.in.ID, e.in.Revision, e.in.Doc.ActionItems, it.Position)
		ti.Return = row.Return
		row.Tracker = &ti
	}
}
