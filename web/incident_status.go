package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hindsight-pm/hindsight"
)

// incidentStatus moves an incident along the workflow. With htmx the page
// swaps the status box and the findings panel in place; without, it
// redirects back to the incident page.
func (u *UI) incidentStatus(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("revision"))
	to, ok := hindsight.ParseStatus(r.PostForm.Get("to"))
	if !ok || !to.Valid() {
		u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: "unknown status: want Draft, In Review or Published",
			Fields: []hindsight.FieldError{{Field: "to", Message: "want Draft, In Review or Published"}}})
		return
	}
	a := u.actor(r)
	if to == hindsight.StatusPublished && r.PostForm.Get("confirm") != "1" {
		// publishing a document with lint errors asks first: the same
		// status box (or page, without JS) with a confirm step, whose
		// button posts again with confirm=1
		cur, err := u.svc.Get(r.Context(), a, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if cur.Revision == base {
			if d := u.showData(r, cur, ""); d.Lint.Errors > 0 {
				d.Status.Confirm = d.Lint.Errors
				if isHTMX(r) {
					u.renderPartial(w, r, http.StatusOK, "show", "status-swap", d)
				} else {
					u.render(w, r, http.StatusOK, "show", page{Title: cur.ID + " " + cur.Doc.Title, Data: d})
				}
				return
			}
		}
	}
	in, err := u.svc.SetStatus(r.Context(), a, id, base, to)
	if err != nil {
		code := hindsight.ErrorCode(err)
		if code != hindsight.EConflict && code != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		// show the message in the status box, on the current revision
		cur, gerr := u.svc.Get(r.Context(), a, id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		msg := hindsight.ErrorMessage(err)
		// a conflict is a newer revision, or the review gate refusing to
		// publish this one (its message lists what is missing)
		if code == hindsight.EConflict && cur.Revision != base {
			msg += " — the page now shows the latest revision; choose again."
		}
		if isHTMX(r) {
			u.renderPartial(w, r, http.StatusOK, "show", "status-swap", u.showData(r, cur, msg))
			return
		}
		u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id), flashError, msg)
		return
	}
	if isHTMX(r) {
		d := u.showData(r, in, "")
		d.Status.Saved = savedAs(in.Revision)
		u.renderPartial(w, r, http.StatusOK, "show", "status-swap", d)
		return
	}
	u.redirectFlash(w, r, "/incidents/"+url.PathEscape(id), flashOK, savedAs(in.Revision)+" Status: "+in.Doc.Status.Label()+".")
}
