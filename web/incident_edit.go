package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// editData is the section editor's data.
type editData struct {
	ID    string
	Title string
	// Base is the revision the edit started from; every save sends it.
	Base       int
	Doc        *hindsight.Postmortem
	Lint       lintPanel
	Errors     map[string]string // field path -> message
	Services   string
	Focus      string // the input to focus after a row operation
	TimelineCo []string
	ActionCo   []string
	Severities []hindsight.Severity
	Priorities []hindsight.Priority
	Sources    []hindsight.DetectionSource
}

func (u *UI) newEditData(id string, base int, doc *hindsight.Postmortem) editData {
	d := editData{ID: id, Title: doc.Title, Base: base, Doc: doc, Errors: map[string]string{}, Services: serviceLines(doc.Summary.Services),
		Severities: hindsight.Severities, Priorities: hindsight.Priorities,
		Sources: []hindsight.DetectionSource{hindsight.DetectedMonitoring, hindsight.DetectedCustomer, hindsight.DetectedInternal, hindsight.DetectedOther},
		Lint:    newLintPanel(id, "form", u.svc.LintSource("", markdown.Render(doc)))}
	if e, ok := doc.Extras[hindsight.SecTimeline]; ok {
		d.TimelineCo = e.Columns
	}
	if e, ok := doc.Extras[hindsight.SecActionItems]; ok {
		d.ActionCo = e.Columns
	}
	return d
}

// incidentEdit shows the section editor on the latest revision.
func (u *UI) incidentEdit(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "edit", page{Title: "Edit " + in.ID, Data: u.newEditData(in.ID, in.Revision, in.Doc)})
}

// baseDoc loads the model of the revision the editor started from, so a
// form edit changes only what the form shows.
func (u *UI) baseDoc(r *http.Request, id string, base int) (*hindsight.Incident, *hindsight.Postmortem, error) {
	a := u.actor(r)
	in, err := u.svc.Get(r.Context(), a, id)
	if err != nil {
		return nil, nil, err
	}
	if base < 1 || base > in.Revision {
		return nil, nil, &hindsight.Error{Code: hindsight.EInvalid, Message: "the form does not say which revision it edits; reload the editor",
			Fields: []hindsight.FieldError{{Field: "revision", Message: "required"}}}
	}
	if base == in.Revision {
		doc := *in.Doc
		return in, &doc, nil
	}
	rev, err := u.svc.Store().FindRevision(r.Context(), a.Viewer, id, base)
	if err != nil {
		return nil, nil, err
	}
	doc, _ := markdown.Parse(rev.Markdown)
	return in, doc, nil
}

// incidentSave handles the section editor's posts: a row operation (add,
// remove, move: the editor comes back with the change, not yet saved) or
// a save with the base revision.
func (u *UI) incidentSave(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("revision"))
	cur, doc, err := u.baseDoc(r, id, base)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ferrs := applyForm(doc, r.PostForm)
	if op, ok := parseOp(r.PostForm.Get("op")); ok {
		row := op.apply(doc)
		d := u.newEditData(cur.ID, base, doc)
		for _, fe := range ferrs {
			d.Errors[fe.Field] = fe.Message
		}
		if op.Verb != "del" && row >= 0 {
			d.Focus = op.Table + "-" + strconv.Itoa(row)
		}
		u.render(w, r, http.StatusOK, "edit", page{Title: "Edit " + cur.ID, Data: d})
		return
	}
	if len(ferrs) > 0 {
		d := u.newEditData(cur.ID, base, doc)
		for _, fe := range ferrs {
			d.Errors[fe.Field] = fe.Message
		}
		u.render(w, r, http.StatusUnprocessableEntity, "edit", page{Title: "Edit " + cur.ID, Error: "Some fields could not be read; nothing was saved.", Data: d})
		return
	}
	msg := normalizeText(r.PostForm.Get("message"))
	in, err := u.svc.Save(r.Context(), u.actor(r), id, base, doc, saveOpts(msg))
	switch hindsight.ErrorCode(err) {
	case "":
		u.redirectFlash(w, r, "/incidents/"+url.PathEscape(in.ID), flashOK, savedAs(in.Revision))
	case hindsight.EConflict:
		u.conflict(w, r, id, base, markdown.Render(doc), msg, err)
	case hindsight.EInvalid:
		d := u.newEditData(cur.ID, base, doc)
		for _, fe := range fieldsOf(err) {
			d.Errors[fe.Field] = fe.Message
		}
		u.render(w, r, http.StatusUnprocessableEntity, "edit", page{Title: "Edit " + cur.ID, Error: hindsight.ErrorMessage(err), Data: d})
	default:
		u.fail(w, r, err)
	}
}

// incidentLint lints the editor's form as it stands (live lint) and
// returns the findings panel.
func (u *UI) incidentLint(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("revision"))
	cur, doc, err := u.baseDoc(r, id, base)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	applyForm(doc, r.PostForm)
	panel := newLintPanel(cur.ID, "form", u.svc.LintSource("", markdown.Render(doc)))
	u.renderPartial(w, r, http.StatusOK, "edit", "lint-panel", panel)
}
