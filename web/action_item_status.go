package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// actionItemStatus closes or reopens one action item of the incident page
// (a new revision through app.Service.SetActionItemStatus). With htmx the
// page swaps the action items, the status box and the findings in place;
// without, it redirects back to the action items.
func (u *UI) actionItemStatus(w http.ResponseWriter, r *http.Request) {
	id, item := r.PathValue("id"), r.PathValue("item")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("revision"))
	st, ok := hindsight.ParseItemStatus(r.PostForm.Get("status"))
	if !ok {
		u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: "status must be Open or Closed",
			Fields: []hindsight.FieldError{{Field: "status", Message: "want Open or Closed"}}})
		return
	}
	a := u.actor(r)
	back := "/incidents/" + url.PathEscape(id)
	if base == 0 {
		// the revision the page showed is required: never act on a newer one unseen
		base = -1
	}
	in, err := u.svc.SetActionItemStatus(r.Context(), a, id, base, item, st)
	msg, ok := u.itemRefusal(w, r, a, id, err)
	if !ok {
		return
	}
	if err != nil {
		// refused: the page shows the latest revision with the message
		if hindsight.ErrorCode(err) == hindsight.EConflict {
			msg += " — the page now shows the latest revision; choose again."
		}
		if in, err = u.svc.Get(r.Context(), a, id); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if isHTMX(r) {
		d := u.showData(r, in, msg)
		if msg == "" {
			// a refused change focuses the status box's message instead
			d.FocusItem = item
		}
		p := page{Title: in.ID + " " + in.Doc.Title, Data: d}
		u.render(w, r, http.StatusOK, "show", p)
		return
	}
	if msg != "" {
		u.redirectFlash(w, r, back+"#sec-action_items", flashError, msg)
		return
	}
	u.redirectFlash(w, r, back+"#sec-action_items", flashOK, savedAs(in.Revision))
}

// itemRefusal words the error of an action on one action item for the
// incident page: "" when there is none, the error's message when the item
// refused it (a stale revision, a bad item, an item not found). ok is false
// when the answer is an error page instead, already written: the incident
// itself is missing or hidden from the actor, or the error is not the item's.
func (u *UI) itemRefusal(w http.ResponseWriter, r *http.Request, a app.Actor, id string, err error) (msg string, ok bool) {
	switch code := hindsight.ErrorCode(err); code {
	case "":
		return "", true
	case hindsight.EConflict, hindsight.EInvalid, hindsight.ENotFound:
		if code == hindsight.ENotFound {
			if _, gerr := u.svc.Get(r.Context(), a, id); gerr != nil {
				u.fail(w, r, gerr)
				return "", false
			}
		}
		return hindsight.ErrorMessage(err), true
	}
	u.fail(w, r, err)
	return "", false
}
