package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// rawData is the raw Markdown editor's data.
type rawData struct {
	ID       string
	Title    string
	Base     int
	Markdown string
	Lint     lintPanel
	Fields   []hindsight.FieldError
}

func (u *UI) newRawData(r *http.Request, id, title string, base int, md string) rawData {
	return rawData{ID: id, Title: title, Base: base, Markdown: md, Lint: newLintPanel(id, "markdown", u.svc.LintSource(r.Context(), "", []byte(md)))}
}

// incidentRaw shows the latest revision as Markdown in a text area.
func (u *UI) incidentRaw(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "raw", page{Title: "Edit " + in.ID + " as Markdown", Data: u.newRawData(r, in.ID, in.Doc.Title, in.Revision, string(in.Markdown))})
}

func saveOpts(msg string) app.SaveOptions {
	if msg == "" {
		msg = "edited in the web editor"
	}
	return app.SaveOptions{Message: msg}
}

// incidentRawSave saves posted Markdown on the revision it was edited from.
func (u *UI) incidentRawSave(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	base, _ := strconv.Atoi(r.PostForm.Get("revision"))
	md := strings.ReplaceAll(r.PostForm.Get("markdown"), "\r\n", "\n")
	msg := normalizeText(r.PostForm.Get("message"))
	in, err := u.svc.SaveMarkdown(r.Context(), u.actor(r), id, base, []byte(md), saveOpts(msg))
	switch hindsight.ErrorCode(err) {
	case "":
		u.redirectFlash(w, r, "/incidents/"+url.PathEscape(in.ID), flashOK, savedAs(in.Revision))
	case hindsight.EConflict:
		u.conflict(w, r, id, base, []byte(md), msg, err)
	case hindsight.EInvalid, hindsight.ETooLarge:
		cur, gerr := u.svc.Get(r.Context(), u.actor(r), id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		d := u.newRawData(r, cur.ID, cur.Doc.Title, base, md)
		d.Fields = fieldsOf(err)
		u.render(w, r, httpx.Status(hindsight.ErrorCode(err)), "raw", page{Title: "Edit " + cur.ID + " as Markdown", Error: hindsight.ErrorMessage(err), Data: d})
	default:
		u.fail(w, r, err)
	}
}

// incidentRawLint lints posted Markdown and returns the findings panel.
func (u *UI) incidentRawLint(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	md := strings.ReplaceAll(r.PostForm.Get("markdown"), "\r\n", "\n")
	panel := newLintPanel(r.PathValue("id"), "markdown", u.svc.LintSource(r.Context(), "", []byte(md)))
	u.renderPartial(w, r, http.StatusOK, "raw", "lint-panel", panel)
}

// conflictData is the conflict page: what the other person changed since
// the base revision, and the person's own text to merge and save again on
// top of the current revision.
type conflictData struct {
	ID       string
	Title    string
	Message  string
	Base     int
	Current  int
	Theirs   []diffLine // base -> current: what was saved in between
	Mine     []diffLine // base -> the person's text
	MyText   string
	CurText  string
	SaveNote string
}

func (u *UI) conflict(w http.ResponseWriter, r *http.Request, id string, base int, mine []byte, msg string, cerr error) {
	a := u.actor(r)
	cur, err := u.svc.Get(r.Context(), a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	rev, err := u.svc.Store().FindRevision(r.Context(), a.Viewer, id, base)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := conflictData{ID: cur.ID, Title: cur.Doc.Title, Message: savedBy(cur, cerr), Base: base, Current: cur.Revision,
		Theirs: diffLines(fmt.Sprintf("revision %d (yours started here)", base), fmt.Sprintf("revision %d (saved since)", cur.Revision), rev.Markdown, cur.Markdown),
		Mine:   diffLines(fmt.Sprintf("revision %d", base), "your edit", rev.Markdown, mine),
		MyText: string(mine), CurText: string(cur.Markdown), SaveNote: msg}
	u.render(w, r, http.StatusConflict, "conflict", page{Title: "Edit conflict on " + cur.ID, Error: "Not saved: someone else saved this postmortem while you were editing.", Data: d})
}

// savedBy says who saved the revision a stale save ran into, and when
// ("Revision 2 was saved by dana@example.com at 2026-12-06 13:11 UTC."),
// for the merge page; the store's error text ("reload it and apply your
// changes again") contradicted the page's offer to merge.
func savedBy(cur *hindsight.Incident, cerr error) string {
	if cur.UpdatedBy == "" || cur.UpdatedAt.IsZero() {
		return hindsight.ErrorMessage(cerr)
	}
	return fmt.Sprintf("Revision %d was saved by %s at %s UTC.", cur.Revision, cur.UpdatedBy, cur.UpdatedAt.UTC().Format("2006-01-02 15:04"))
}
