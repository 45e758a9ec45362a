package web

import (
	"encoding/json"
	"mime"
	"net/http"

	"github.com/hindsight-pm/hindsight/markdown"
)

func attachment(w http.ResponseWriter, ctype, name string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}

// exportMarkdown downloads the canonical Markdown of the latest revision.
func (u *UI) exportMarkdown(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	attachment(w, "text/markdown; charset=utf-8", in.ID+".md")
	_, _ = w.Write(in.Markdown)
}

// exportJSON downloads the document in its JSON form.
func (u *UI) exportJSON(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	b, err := json.MarshalIndent(in.Doc, "", "  ")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	attachment(w, "application/json", in.ID+".json")
	_, _ = w.Write(append(b, '\n'))
}

// exportHTML downloads a standalone, sanitized HTML page with print CSS.
func (u *UI) exportHTML(w http.ResponseWriter, r *http.Request) {
	in, err := u.svc.Get(r.Context(), u.actor(r), r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	attachment(w, "text/html; charset=utf-8", in.ID+".html")
	// the page carries its own <style>: allow it for this download only
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'")
	_, _ = w.Write(markdown.Page(in.Doc))
}
