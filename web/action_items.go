package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
	"github.com/hindsight-pm/hindsight/followup"
	"github.com/hindsight-pm/hindsight/insights"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// actionItemsData is the action items tracker's data.
type actionItemsData struct {
	Q      url.Values
	Query  hindsight.ActionItemQuery
	Page   *hindsight.ActionItemPage
	Owners []hindsight.OwnerCount
	Me     string
	Today  string
	Week   string
	CSV    string
	Prev   string
	Next   string
	// Start links back to the first page from a keyset page (cursor=)
	Start    string
	Return   string
	First    int
	Last     int
	Obj      string
	Sorts    []string
	Problems []string

	// Teams are every team (the team filters), MyTeams the reader's
	// ("Owned by my team"), OwnerTeams the teams by owner key.
	Teams      []hindsight.Team
	MyTeams    []hindsight.Team
	OwnerTeams ownerTeams
	// Filters are the shape's filters, Shape their values (issue 19).
	Filters shapeFilters
	Shape   httpx.Shape
	// Rows are the page's items as the table shows them; TicketCol says
	// whether it has the Ticket column.
	Rows      []itemRow
	TicketCol bool
}

// itemRow is one row of the tracker (also the htmx answer to close and
// reopen).
type itemRow struct {
	It     hindsight.TrackedItem
	Key    string
	Return string
	// Focus marks the row of the htmx answer to a close or reopen: its
	// button gets autofocus, so htmx keeps keyboard focus on the row.
	Focus bool
	// OwnerTeam is the team the owner names (its slug or name), if any.
	OwnerTeam *hindsight.Team
	// TicketCol shows the Ticket column (a tracker is configured or an
	// item has a ticket); Tracker is the item's ticket, sync state and
	// Create issue (nil: none), as on the incident page (withTrackers).
	TicketCol bool
	Tracker   *trackerItem
	// Note says why an action on the row was refused (htmx answer).
	Note string
}

// itemSetSwap is the htmx answer to a close or reopen: the item's row and
// the counts by owner (out of band).
type itemSetSwap struct {
	Row       itemRow
	Owners    []hindsight.OwnerCount
	HasOwners bool
}

// withParam returns q's encoding with k set to v (removed when v is "").
func withParam(q url.Values, k, v string) string {
	c := url.Values{}
	for key, vs := range q {
		c[key] = append([]string(nil), vs...)
	}
	if v == "" {
		c.Del(k)
	} else {
		c.Set(k, v)
	}
	return c.Encode()
}

// actionItems is the tracker: every action item the viewer may see, with
// filters, counts by owner, close and reopen, and a CSV download
// (?format=csv).
func (u *UI) actionItems(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !q.Has("status") && q.Get("format") != "csv" {
		// the tracker opens on what is left to do; status=any shows all
		q.Set("status", string(hindsight.ItemOpen))
	}
	x, err := u.fu.ItemQuery(q)
	if q.Get("format") == "csv" {
		if err != nil {
			httpx.WriteError(w, r, u.log, err)
			return
		}
		u.fu.ServeItemsCSV(w, r, x)
		return
	}
	p := page{Title: "Action items", Nav: "items"}
	today := u.fu.Today()
	from, before := insights.Week(today)
	d := actionItemsData{Q: q, Query: x, Page: &hindsight.ActionItemPage{}, Today: today.Format(hindsight.DateLayout),
		Week: from.Format("Jan 2") + " – " + before.AddDate(0, 0, -1).Format("Jan 2"),
		CSV:  "/action-items?" + withParam(q, "format", "csv"), Return: r.URL.RequestURI(),
		Obj: insights.FormatObjectives(u.fu.Objectives()), Sorts: []string{"target", "priority", "owner", "incident", "severity"}}
	if a := u.actor(r); a.ID != "" && a.ID != "system" {
		d.Me = a.ID
	}
	var terr error
	if d.Teams, d.MyTeams, terr = u.teamsOf(r, u.actor(r)); terr != nil {
		u.fail(w, r, terr)
		return
	}
	d.OwnerTeams = newOwnerTeams(d.Teams)
	d.Filters = newShapeFilters(u.svc.Shape(r.Context()))
	d.Shape = httpx.Shape{Fields: x.Fields, Tag: x.Tag, Factor: x.FactorCategory}
	status := http.StatusOK
	if err != nil {
		if c := hindsight.ErrorCode(err); c != hindsight.EMalformed && c != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		// show the filters again with the problem, and no items
		d.Problems = append(d.Problems, hindsight.ErrorMessage(err))
		p.Data = d
		u.render(w, r, httpx.Status(hindsight.ErrorCode(err)), "action_items", p)
		return
	}
	if x.Limit == 0 {
		x.Limit = 50
	}
	v := u.actor(r).Viewer
	if d.Page, err = u.fu.Track(r.Context(), v, x); err != nil {
		u.fail(w, r, err)
		return
	}
	cq := x
	cq.Limit, cq.Offset = 50, 0
	if d.Owners, err = u.fu.Owners(r.Context(), v, cq); err != nil {
		u.fail(w, r, err)
		return
	}
	d.Query = x
	rows := make([]*itemRow, len(d.Page.Items))
	for i, it := range d.Page.Items {
		row := withOwnerTeam(itemRow{It: it, Key: followup.ItemKey(it), Return: d.Return}, d.OwnerTeams)
		rows[i] = &row
	}
	u.withTrackers(r, rows)
	for _, row := range rows {
		d.Rows = append(d.Rows, *row)
		d.TicketCol = d.TicketCol || row.TicketCol
	}
	if d.TicketCol {
		// one column for every row
		for i := range d.Rows {
			d.Rows[i].TicketCol = true
		}
	}
	// keyset pages (cursor=): "start" carries where the page starts, for
	// "showing 51-100" only; the first page link drops both
	at, _ := strconv.Atoi(q.Get("start"))
	if x.Cursor == "" {
		at = x.Offset
	}
	at = max(at, 0)
	d.First = at + 1
	d.Last = at + len(d.Page.Items)
	switch {
	case x.Offset > 0:
		d.Prev = "/action-items?" + withParam(q, "offset", strconv.Itoa(max(0, x.Offset-x.Limit)))
	case x.Cursor != "":
		first := url.Values{}
		for k, vs := range q {
			if k != "cursor" && k != "start" {
				first[k] = vs
			}
		}
		d.Start = "/action-items?" + first.Encode()
	}
	if d.Page.Next != "" {
		next := url.Values{}
		for k, vs := range q {
			if k != "offset" {
				next[k] = vs
			}
		}
		next.Set("cursor", d.Page.Next)
		next.Set("start", strconv.Itoa(at+len(d.Page.Items)))
		d.Next = "/action-items?" + next.Encode()
	}
	p.Data = d
	u.render(w, r, status, "action_items", p)
}

// trackerReturn is where a close or reopen posted from the tracker goes
// back to: the tracker with its filters, never another site.
func trackerReturn(back string) string {
	if back = auth.SafeNext(back); !strings.HasPrefix(back, "/action-items") {
		return "/action-items"
	}
	return back
}

// actionItemSet closes or reopens an item from the tracker (a new
// revision of its postmortem through app.Service). An htmx request gets
// the item's new row; a plain form post is redirected back to the tracker
// with a message.
func (u *UI) actionItemSet(st hindsight.ItemStatus) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, item := r.PathValue("id"), r.PathValue("item")
		if err := u.parseForm(w, r); err != nil {
			u.fail(w, r, err)
			return
		}
		base := 0
		if b := r.PostForm.Get("base"); b != "" {
			n, err := strconv.Atoi(b)
			if err != nil || n < 1 {
				u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: "base: " + strconv.Quote(b) + " is not a revision number",
					Fields: []hindsight.FieldError{{Field: "base", Message: "not a revision number"}}})
				return
			}
			base = n
		}
		back := trackerReturn(r.PostForm.Get("return"))
		it, err := u.fu.SetItem(r.Context(), u.actor(r), id, base, item, st)
		if err != nil {
			if isHTMX(r) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				st, _, internal := httpx.Describe(err)
				if internal {
					u.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
				}
				w.WriteHeader(st)
				_, _ = w.Write([]byte(hindsight.ErrorMessage(err)))
				return
			}
			u.fail(w, r, err)
			return
		}
		if isHTMX(r) {
			// the new row, and the counts by owner of the tracker's query
			// swapped in out of band so they agree with it
			res := itemSetSwap{Row: itemRow{It: *it, Key: followup.ItemKey(*it), Return: back, Focus: true}}
			if ts, _, err := u.teamsOf(r, u.actor(r)); err == nil {
				res.Row = withOwnerTeam(res.Row, newOwnerTeams(ts))
			}
			u.withTrackers(r, []*itemRow{&res.Row})
			if bu, err := url.Parse(back); err == nil {
				bq := bu.Query()
				if !bq.Has("status") {
					bq.Set("status", string(hindsight.ItemOpen))
				}
				if x, err := u.fu.ItemQuery(bq); err == nil {
					x.Limit, x.Offset = 50, 0
					if owners, err := u.fu.Owners(r.Context(), u.actor(r).Viewer, x); err == nil {
						res.Owners, res.HasOwners = owners, true
					}
				}
			}
			u.renderPartial(w, r, http.StatusOK, "action_items", "item-set", res)
			return
		}
		verb := "closed"
		if st == hindsight.ItemOpen {
			verb = "reopened"
		}
		label := it.ID
		if label == "" {
			label = "Action item " + strconv.Itoa(it.Position+1)
		}
		u.redirectFlash(w, r, back, flashOK, label+" of "+it.IncidentID+" is "+verb+".")
	})
}
