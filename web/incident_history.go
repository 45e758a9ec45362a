package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/hindsight-pm/hindsight"
)

type historyData struct {
	In        *hindsight.Incident
	Revisions []hindsight.Revision // newest first
	From, To  int
}

func (u *UI) incidentHistory(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	id := r.PathValue("id")
	in, err := u.svc.Get(r.Context(), a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	revs, err := u.svc.Store().FindRevisions(r.Context(), a.Viewer, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := historyData{In: in, To: in.Revision, From: max(in.Revision-1, 1)}
	for i := len(revs) - 1; i >= 0; i-- {
		d.Revisions = append(d.Revisions, revs[i])
	}
	u.render(w, r, http.StatusOK, "history", page{Title: "History of " + in.ID, Data: d})
}

// diffLine is one line of a unified diff with its kind.
type diffLine struct {
	Kind string // "add", "del", "hunk", "head" or "ctx"
	Text string
}

// diffLines renders old -> new as a unified diff split into classed lines.
func diffLines(oldLabel, newLabel string, old, new []byte) []diffLine {
	u := udiff.Unified(oldLabel, newLabel, string(old), string(new))
	if u == "" {
		return nil
	}
	var out []diffLine
	for _, l := range strings.Split(strings.TrimSuffix(u, "\n"), "\n") {
		k := "ctx"
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			k = "head"
		case strings.HasPrefix(l, "@@"):
			k = "hunk"
		case strings.HasPrefix(l, "+"):
			k = "add"
		case strings.HasPrefix(l, "-"):
			k = "del"
		}
		out = append(out, diffLine{Kind: k, Text: l})
	}
	return out
}

type diffData struct {
	In        *hindsight.Incident
	From, To  hindsight.Revision
	Lines     []diffLine
	Added     int
	Removed   int
	Revisions []hindsight.Revision
}

// incidentDiff shows the unified diff between two revisions (?from=&to=).
func (u *UI) incidentDiff(w http.ResponseWriter, r *http.Request) {
	a := u.actor(r)
	id := r.PathValue("id")
	in, err := u.svc.Get(r.Context(), a, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	from, to := in.Revision-1, in.Revision
	for _, p := range []struct {
		name string
		dst  *int
	}{{"from", &from}, {"to", &to}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > in.Revision {
				u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: fmt.Sprintf("%s: want a revision from 1 to %d", p.name, in.Revision),
					Fields: []hindsight.FieldError{{Field: p.name, Message: "no such revision"}}})
				return
			}
			*p.dst = n
		}
	}
	if from < 1 {
		from = 1
	}
	fr, err := u.svc.Store().FindRevision(r.Context(), a.Viewer, id, from)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	tr, err := u.svc.Store().FindRevision(r.Context(), a.Viewer, id, to)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	revs, err := u.svc.Store().FindRevisions(r.Context(), a.Viewer, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := diffData{In: in, From: *fr, To: *tr, Revisions: revs,
		Lines: diffLines(fmt.Sprintf("revision %d", from), fmt.Sprintf("revision %d", to), fr.Markdown, tr.Markdown)}
	for _, l := range d.Lines {
		switch l.Kind {
		case "add":
			d.Added++
		case "del":
			d.Removed++
		}
	}
	u.render(w, r, http.StatusOK, "diff", page{Title: fmt.Sprintf("%s: revision %d → %d", in.ID, from, to), Data: d})
}
