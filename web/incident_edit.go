package web

import (
	"net/http"
	"net/url"
	"slices"
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
	// KeepSorted sorts the timeline by time on save (the default).
	KeepSorted bool
	// Owners are the names offered for action item owners (accounts, and
	// the owners the document names); free text stays allowed.
	Owners []string
	// Checks are the time inputs' checks by element id.
	Checks map[string]timeCheck
	// PasteOpen shows the paste box open (a paste that added nothing).
	PasteOpen bool
	// ChatImport links the Import chat page.
	ChatImport bool
	// Shape is the inputs of the effective shape's fields, tags and
	// factor categories (editor_shape.go).
	Shape shapeInputs
}

func (u *UI) newEditData(r *http.Request, id string, base int, doc *hindsight.Postmortem) editData {
	d := editData{ID: id, Title: doc.Title, Base: base, Doc: doc, Errors: map[string]string{}, Services: serviceLines(doc.Summary.Services),
		KeepSorted: true, Owners: u.ownerNames(r, doc), Checks: map[string]timeCheck{}, ChatImport: u.opts.Chat != nil,
		Severities: hindsight.Severities, Priorities: hindsight.Priorities,
		Sources: []hindsight.DetectionSource{hindsight.DetectedMonitoring, hindsight.DetectedCustomer, hindsight.DetectedInternal, hindsight.DetectedOther},
		Lint:    newLintPanel(id, "form", u.svc.LintSource(r.Context(), "", markdown.Render(doc)))}
	d.Shape = newShapeInputs(u.svc.Shape(r.Context()), doc)
	if ts, err := u.svc.Teams(r.Context(), ""); err == nil {
		for _, t := range ts {
			d.Shape.Teams = append(d.Shape.Teams, t.Slug)
		}
	}
	if e, ok := doc.Extras[hindsight.SecTimeline]; ok {
		d.TimelineCo = e.Columns
	}
	if e, ok := doc.Extras[hindsight.SecActionItems]; ok {
		d.ActionCo = e.Columns
	}
	return d
}

// withForm carries what the posted form said into the editor shown again:
// the field errors, the time checks and the keep-sorted choice.
func (d *editData) withForm(v url.Values, ferrs []hindsight.FieldError, checks []timeCheck) {
	for _, fe := range ferrs {
		d.Errors[fe.Field] = fe.Message
	}
	for _, c := range checks {
		d.Checks[c.ID] = c
		if c.Error != "" {
			delete(d.Errors, c.Field) // the check beside the input says it
		}
	}
	if v.Has("tl_sort_field") {
		d.KeepSorted = v.Get("tl_keep_sorted") == "1"
	}
}

// ownerNames are the names offered for action item owners: the enabled
// accounts' names and the owners the document already names, sorted.
func (u *UI) ownerNames(r *http.Request, doc *hindsight.Postmortem) []string {
	var names []string
	if as, ok := u.svc.Store().(hindsight.AccountStore); ok {
		if users, err := as.FindUsers(r.Context()); err == nil {
			for _, us := range users {
				if !us.Disabled && us.Name != "" {
					names = append(names, us.Name)
				}
			}
		}
	}
	for _, a := range doc.ActionItems {
		if a.Owner != "" {
			names = append(names, a.Owner)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// incidentEdit shows the section editor on the latest revision.
func (u *UI) incidentEdit(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "edit", page{Title: "Edit " + in.ID, Data: u.newEditData(r, in.ID, in.Revision, in.Doc)})
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
	ferrs, checks := readForm(doc, r.PostForm)
	readShapeForm(doc, r.PostForm)
	if op, ok := parseOp(r.PostForm.Get("op")); ok {
		op.Paste = r.PostForm.Get("tl_paste")
		row := op.apply(doc)
		d := u.newEditData(r, cur.ID, base, doc)
		d.withForm(r.PostForm, ferrs, checks)
		if op.Verb != "del" && row >= 0 {
			d.Focus = op.Table + "-" + strconv.Itoa(row)
		}
		if op.Verb != "add" {
			// the rows moved: the checks by row number no longer apply
			d.Checks = map[string]timeCheck{}
		}
		u.render(w, r, http.StatusOK, "edit", page{Title: "Edit " + cur.ID, Data: d})
		return
	}
	if len(ferrs) > 0 {
		d := u.newEditData(r, cur.ID, base, doc)
		d.withForm(r.PostForm, ferrs, checks)
		u.render(w, r, http.StatusUnprocessableEntity, "edit", page{Title: "Edit " + cur.ID, Error: "Some fields could not be read; nothing was saved.", Data: d})
		return
	}
	if r.PostForm.Has("tl_sort_field") && r.PostForm.Get("tl_keep_sorted") == "1" {
		doc.Timeline = sortTimeline(doc.Timeline)
	}
	msg := normalizeText(r.PostForm.Get("message"))
	in, err := u.svc.Save(r.Context(), u.actor(r), id, base, doc, saveOpts(msg))
	switch hindsight.ErrorCode(err) {
	case "":
		u.redirectFlash(w, r, "/incidents/"+url.PathEscape(in.ID), flashOK, savedAs(in.Revision))
	case hindsight.EConflict:
		u.conflict(w, r, id, base, markdown.Render(doc), msg, err)
	case hindsight.EInvalid:
		d := u.newEditData(r, cur.ID, base, doc)
		d.withForm(r.PostForm, fieldsOf(err), nil)
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
	_, checks := readForm(doc, r.PostForm)
	readShapeForm(doc, r.PostForm)
	panel := newLintPanel(cur.ID, "form", u.svc.LintSource(r.Context(), "", markdown.Render(doc)))
	u.renderPartial(w, r, http.StatusOK, "edit", "lint-checks", lintChecks{Panel: panel, Checks: checks})
}

// lintChecks is the live lint's answer: the findings panel, and the time
// inputs' checks swapped in beside them out of band.
type lintChecks struct {
	Panel  lintPanel
	Checks []timeCheck
}
