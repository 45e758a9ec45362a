package web

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
)

// relatedData is the related incidents page's data.
type relatedData struct {
	ID, Title   string
	Related     []hindsight.Related
	Recurrences []hindsight.Recurrence
}

// related shows the incidents related to one (same services, same
// causes) and the recurrences on its services; with htmx, the section
// alone.
func (u *UI) related(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	in, err := u.svc.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	rel, err := u.fu.Related(r.Context(), a.Viewer, in.ID, r.URL.Query())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := relatedData{ID: in.ID, Title: in.Doc.Title, Related: rel.Related, Recurrences: rel.Recurrences}
	if isHTMX(r) {
		u.renderPartial(w, r, http.StatusOK, "related", "related-section", d)
		return
	}
	u.render(w, r, http.StatusOK, "related", page{Title: "Related to " + in.ID, Data: d})
}
