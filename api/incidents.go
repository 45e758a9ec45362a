package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/lint"
	"github.com/hindsight-pm/hindsight/markdown"
)

// etag is the ETag of an incident's revision: the revision number, quoted.
func etag(rev int) string { return `"` + strconv.Itoa(rev) + `"` }

// ifMatch reads the If-Match header: the revision the client's copy is
// from. ok is false when the header is absent.
func ifMatch(r *http.Request) (rev int, ok bool, err error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, false, nil
	}
	if h == "*" {
		return 0, false, httpx.BadRequest(`If-Match: "*" would overwrite any revision: send the ETag of the revision the edit started from`,
			hindsight.FieldError{Field: "If-Match", Message: "want an ETag such as \"3\""})
	}
	if strings.Contains(h, ",") {
		return 0, false, httpx.BadRequest("If-Match: send exactly one ETag, the revision the edit started from",
			hindsight.FieldError{Field: "If-Match", Message: "want one ETag"})
	}
	v := strings.TrimPrefix(h, "W/")
	v = strings.Trim(v, `"`)
	n, convErr := strconv.Atoi(v)
	if convErr != nil || n < 1 {
		return 0, false, httpx.BadRequest(`If-Match: `+strconv.Quote(h)+` is not a revision ETag such as "3"`,
			hindsight.FieldError{Field: "If-Match", Message: "want an ETag such as \"3\""})
	}
	return n, true, nil
}

// conflictAsPrecond turns the store's stale-revision conflict into a 412
// when the client sent If-Match.
func conflictAsPrecond(err error) error {
	var he *hindsight.Error
	// the review gate's refusal is a 409 whatever the If-Match
	if errors.As(err, &he) && he.Code == hindsight.EConflict && !errors.Is(err, hindsight.ErrGateClosed) {
		return &hindsight.Error{Code: hindsight.EPrecond, Message: he.Message, Fields: append([]hindsight.FieldError{{Field: "If-Match", Message: "stale revision"}}, he.Fields...), Err: he}
	}
	return err
}

// writeIncident writes an incident as JSON or canonical Markdown, by Accept,
// with its revision as ETag.
func (a *API) writeIncident(w http.ResponseWriter, r *http.Request, status int, in *hindsight.Incident) {
	mt, err := httpx.Negotiate(r, httpx.MediaJSON, httpx.MediaMarkdown)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(in.Revision))
	w.Header().Set("Vary", "Accept")
	if mt == httpx.MediaMarkdown {
		md := in.Markdown
		if md == nil {
			md = markdown.Render(in.Doc)
		}
		w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(md)
		return
	}
	a.svc.DecorateIncident(r.Context(), in)
	if in.Doc != nil {
		sh := a.svc.Shape(r.Context())
		c := *in
		c.Doc = in.Doc.WithShape(&sh)
		in = &c
	}
	httpx.WriteJSON(w, status, in)
}

// shapeForm is the cache form of a document's JSON typed by shape sh:
// only its multi fields (arrays) change the bytes.
func shapeForm(form string, sh *hindsight.Shape) string {
	for _, f := range sh.Fields {
		if f.Type == hindsight.FieldMulti {
			form += "\x00" + strings.ToLower(f.Name)
		}
	}
	return form
}

func (a *API) getIncident(w http.ResponseWriter, r *http.Request) {
	mt, nerr := httpx.Negotiate(r, httpx.MediaJSON, httpx.MediaMarkdown)
	// custom fields typed by the effective shape as last read (its multi
	// fields are arrays, and name the cached bytes)
	sh := a.svc.LastShape()
	form, render := shapeForm("json", &sh), func(in *hindsight.Incident) ([]byte, error) {
		// the due date and a publication past the gate change with a
		// revision only (the configuration is the process's)
		a.svc.DecorateIncident(r.Context(), in)
		if in.Doc != nil {
			in.Doc = in.Doc.WithShape(&sh)
		}
		return incidentJSON(in)
	}
	if nerr == nil && mt == httpx.MediaMarkdown {
		form, render = "md", incidentMarkdown
	}
	// the bytes of a revision are the same for every reader who may see
	// it: served from the per-revision cache (Rendered checks the reader
	// first, every time)
	b, rev, err := a.svc.Rendered(r.Context(), a.actor(r), r.PathValue("id"), form, render)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if nerr != nil {
		a.writeError(w, r, nerr)
		return
	}
	w.Header().Set("ETag", etag(rev))
	w.Header().Set("Vary", "Accept")
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag(rev) || inm == "W/"+etag(rev)) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	ct := "application/json"
	if form == "md" {
		ct = "text/markdown; charset=utf-8"
	}
	writeBytes(w, ct, b)
}

// writeBytes answers 200 with b, a response made whole beforehand (from
// the response cache or just rendered), as contentType with its length.
func writeBytes(w http.ResponseWriter, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// incidentJSON is an incident as GET /incidents/{id} answers it in JSON:
// what httpx.WriteJSON writes.
func incidentJSON(in *hindsight.Incident) ([]byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// incidentMarkdown is an incident's canonical Markdown.
func incidentMarkdown(in *hindsight.Incident) ([]byte, error) {
	if in.Markdown == nil {
		return markdown.Render(in.Doc), nil
	}
	return in.Markdown, nil
}

// readDocument reads a posted document: JSON (the model) or Markdown. sm is
// set for Markdown, whose errors can then name lines.
func (a *API) readDocument(w http.ResponseWriter, r *http.Request) (doc *hindsight.Postmortem, md []byte, sm *hindsight.SourceMap, err error) {
	ct, err := httpx.ContentType(r, true)
	if err != nil {
		return nil, nil, nil, err
	}
	b, err := a.decoder().ReadBody(w, r)
	if err != nil {
		return nil, nil, nil, err
	}
	if ct == httpx.MediaMarkdown {
		if !utf8Valid(b) {
			return nil, nil, nil, httpx.BadRequest("the Markdown body is not valid UTF-8")
		}
		if len(b) > hindsight.DefaultMaxDocBytes {
			return nil, nil, nil, hindsight.Errorf(hindsight.ETooLarge, "document is %d bytes; the limit is %d", len(b), hindsight.DefaultMaxDocBytes)
		}
		doc, sm = markdown.Parse(b)
		if err := app.Alive(r.Context()); err != nil {
			return nil, nil, nil, err // the client left while it was parsed
		}
		return doc, b, sm, nil
	}
	var p *hindsight.Postmortem
	if err := a.decoder().Bytes(b, &p); err != nil {
		return nil, nil, nil, err
	}
	if p == nil {
		return nil, nil, nil, httpx.BadRequest("the body is null: want a postmortem object")
	}
	return p, nil, nil, nil
}

func (a *API) location(id string) string {
	return a.opts.BaseURL + Prefix + "/incidents/" + id
}

func (a *API) createIncident(w http.ResponseWriter, r *http.Request) {
	doc, _, sm, err := a.readDocument(w, r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	opts, err := createVisibility(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	opts.Message = r.URL.Query().Get("message")
	in, err := a.svc.Create(r.Context(), a.actor(r), doc, opts)
	if err != nil {
		a.writeError(w, r, app.WithLines(err, sm))
		return
	}
	w.Header().Set("Location", a.location(in.ID))
	a.writeIncident(w, r, http.StatusCreated, in)
}

// createVisibility reads the visibility of a new incident from the query:
// restricted=true (to members=, emails or account IDs separated by commas,
// and admins; the creator is always a member; members= alone means
// restricted too), restricted=false (visible to every reader whatever
// restricted_by_default says), or neither (the configuration decides). It is in the query so the JSON and the Markdown
// bodies take it alike.
func createVisibility(r *http.Request) (app.CreateOptions, error) {
	q := r.URL.Query()
	var o app.CreateOptions
	switch v := strings.TrimSpace(q.Get("restricted")); v {
	case "":
	case "true", "1":
		o.Restricted = true
	case "false", "0":
		o.Public = true
	default:
		return o, &hindsight.Error{Code: hindsight.EInvalid, Message: "restricted: want true or false",
			Fields: []hindsight.FieldError{{Field: "restricted", Message: "want true or false"}}}
	}
	for _, m := range q["members"] {
		for _, x := range strings.Split(m, ",") {
			if x = strings.TrimSpace(x); x != "" {
				o.Members = append(o.Members, x)
			}
		}
	}
	if len(o.Members) > 0 {
		if o.Public {
			return o, &hindsight.Error{Code: hindsight.EInvalid, Message: "members: only a restricted incident has members",
				Fields: []hindsight.FieldError{{Field: "members", Message: "only a restricted incident has members"}}}
		}
		o.Restricted = true // members mean restricted: the safe reading
	}
	return o, nil
}

func (a *API) replaceIncident(w http.ResponseWriter, r *http.Request) {
	base, ok, err := ifMatch(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if !ok {
		a.writeError(w, r, &httpx.Error{Status: http.StatusPreconditionRequired, Code: httpx.CodePreconditionRequired,
			Message: "If-Match is required: send the ETag of the revision the edit started from (GET the incident to read it)",
			Fields:  []hindsight.FieldError{{Field: "If-Match", Message: "required"}}})
		return
	}
	ctx, act, id := r.Context(), a.actor(r), r.PathValue("id")
	cur, err := a.svc.Get(ctx, act, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if cur.Revision != base {
		// refused before the body is read; the store checks base again
		// in the save's transaction
		a.writeError(w, r, conflictAsPrecond(app.Stale(cur, base)))
		return
	}
	doc, md, sm, err := a.readDocument(w, r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	opts := app.SaveOptions{Message: r.URL.Query().Get("message")}
	var in *hindsight.Incident
	if md != nil {
		in, err = a.svc.SaveMarkdown(ctx, act, id, base, md, opts)
	} else {
		in, err = a.svc.Save(ctx, act, id, base, doc, opts)
		err = app.WithLines(err, sm)
	}
	if err != nil {
		a.writeError(w, r, conflictAsPrecond(err))
		return
	}
	a.writeIncident(w, r, http.StatusOK, in)
}

func (a *API) deleteIncident(w http.ResponseWriter, r *http.Request) {
	ctx, act, id := r.Context(), a.actor(r), r.PathValue("id")
	base, ok, err := ifMatch(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if !ok {
		base = 0 // no If-Match: delete whatever the revision
	}
	// the store compares base in the delete's own transaction
	if err := a.svc.Delete(ctx, act, id, base); err != nil {
		a.writeError(w, r, conflictAsPrecond(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// StatusChange is the body of POST /incidents/{id}/status.
type StatusChange struct {
	// Status is Draft, In Review or Published.
	Status string `json:"status"`
	// Reason publishes past an unmet review gate (admins only; recorded in
	// the audit log and shown on the incident as publish_override).
	Reason string `json:"reason,omitempty"`
}

func (a *API) setStatus(w http.ResponseWriter, r *http.Request) {
	base, hasBase, err := ifMatch(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	// a JSON-only route: httpx's one decoder (no Content-Type is JSON)
	var sc StatusChange
	if err := a.decoder().Request(w, r, &sc); err != nil {
		a.writeError(w, r, err)
		return
	}
	to, _ := hindsight.ParseStatus(sc.Status)
	if sc.Status == "" {
		to = ""
	}
	ctx, act, id := r.Context(), a.actor(r), r.PathValue("id")
	var in *hindsight.Incident
	if sc.Reason != "" && to == hindsight.StatusPublished {
		in, err = a.svc.Publish(ctx, act, id, base, sc.Reason)
	} else {
		in, err = a.svc.SetStatus(ctx, act, id, base, to)
	}
	if err != nil {
		if hasBase {
			err = conflictAsPrecond(err)
		}
		a.writeError(w, r, err)
		return
	}
	a.writeIncident(w, r, http.StatusOK, in)
}

// LintResult is the response of the lint endpoints.
type LintResult struct {
	Findings []lint.Finding `json:"findings"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Infos    int            `json:"infos"`
}

func lintResult(fs []lint.Finding) LintResult {
	res := LintResult{Findings: fs}
	if res.Findings == nil {
		res.Findings = []lint.Finding{}
	}
	for _, f := range fs {
		switch f.Level {
		case lint.Error:
			res.Errors++
		case lint.Warning:
			res.Warnings++
		case lint.Info:
			res.Infos++
		}
	}
	return res
}

func (a *API) lintIncident(w http.ResponseWriter, r *http.Request) {
	in, err := a.svc.Get(r.Context(), a.actor(r), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	md := in.Markdown
	if md == nil {
		md = markdown.Render(in.Doc)
	}
	w.Header().Set("ETag", etag(in.Revision))
	httpx.WriteJSON(w, http.StatusOK, lintResult(a.svc.LintSource(r.Context(), in.ID+".md", md)))
}

func (a *API) lint(w http.ResponseWriter, r *http.Request) {
	doc, md, sm, err := a.readDocument(w, r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var fs []lint.Finding
	if md != nil {
		fs = a.svc.LintSource(r.Context(), "", md)
	} else {
		if err := a.svc.CheckSize(doc); err != nil {
			a.writeError(w, r, err) // the JSON form of a document a save would refuse
			return
		}
		fs = a.svc.Lint(r.Context(), doc, sm)
	}
	if err := app.Alive(r.Context()); err != nil {
		a.writeError(w, r, err) // nobody reads it; the work stops here
		return
	}
	httpx.WriteJSON(w, http.StatusOK, lintResult(fs))
}
