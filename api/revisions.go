package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/markdown"
)

// Revisions is the response of GET /incidents/{id}/revisions.
type Revisions struct {
	Revisions []hindsight.Revision `json:"revisions"`
}

// RevisionDoc is one revision with its document, the response of GET
// /incidents/{id}/revisions/{n} in JSON.
type RevisionDoc struct {
	IncidentID string                `json:"incident_id"`
	N          int                   `json:"n"`
	Author     string                `json:"author"`
	At         time.Time             `json:"at"`
	Message    string                `json:"message"`
	Doc        *hindsight.Postmortem `json:"doc"`
}

// Diff is the response of GET /incidents/{id}/diff in JSON.
type Diff struct {
	IncidentID string `json:"incident_id"`
	From       int    `json:"from"`
	To         int    `json:"to"`
	// Diff is a unified diff of the canonical Markdown ("" when equal).
	Diff string `json:"diff"`
}

func (a *API) listRevisions(w http.ResponseWriter, r *http.Request) {
	revs, err := a.svc.Store().FindRevisions(r.Context(), a.actor(r).Viewer, r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if revs == nil {
		revs = []hindsight.Revision{}
	}
	httpx.WriteJSON(w, http.StatusOK, Revisions{Revisions: revs})
}

func revisionNumber(s, name string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, httpx.BadParam(name, strconv.Quote(s)+" is not a revision number (1, 2, ...)")
	}
	return n, nil
}

func (a *API) getRevision(w http.ResponseWriter, r *http.Request) {
	n, err := revisionNumber(r.PathValue("n"), "n")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	mt, err := httpx.Negotiate(r, httpx.MediaJSON, httpx.MediaMarkdown)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	id := r.PathValue("id")
	rev, err := a.svc.Store().FindRevision(r.Context(), a.actor(r).Viewer, id, n)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Vary", "Accept")
	if mt == httpx.MediaMarkdown {
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(rev.Markdown)
		return
	}
	doc, _ := markdown.Parse(rev.Markdown)
	sh := a.svc.LastShape()
	doc = doc.WithShape(&sh)
	httpx.WriteJSON(w, http.StatusOK, RevisionDoc{IncidentID: id, N: rev.N, Author: rev.Author, At: rev.At, Message: rev.Message, Doc: doc})
}

func (a *API) diffRevisions(w http.ResponseWriter, r *http.Request) {
	ctx, v, id := r.Context(), a.actor(r).Viewer, r.PathValue("id")
	q := r.URL.Query()
	mt, err := httpx.Negotiate(r, httpx.MediaJSON, httpx.MediaDiff)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var from, to int
	if s := q.Get("to"); s != "" {
		if to, err = revisionNumber(s, "to"); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	if s := q.Get("from"); s != "" {
		if from, err = revisionNumber(s, "from"); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	if to == 0 {
		in, err := a.svc.Get(ctx, a.actor(r), id)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		to = in.Revision
	}
	if from == 0 {
		from = max(to-1, 1)
	}
	older, err := a.svc.Store().FindRevision(ctx, v, id, from)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	newer, err := a.svc.Store().FindRevision(ctx, v, id, to)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	d := udiff.Unified("revision "+strconv.Itoa(from), "revision "+strconv.Itoa(to), string(older.Markdown), string(newer.Markdown))
	if mt == httpx.MediaDiff {
		w.Header().Set("Content-Type", "text/x-diff; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(d))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, Diff{IncidentID: id, From: from, To: to, Diff: d})
}
