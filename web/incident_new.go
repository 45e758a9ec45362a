package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

type newData struct {
	Title, Severity, Start, Services, Commander string
	Severities                                  []hindsight.Severity
	Fields                                      map[string]string // field path -> message
	// Visibility is "" (as configured), "restricted" or "public";
	// Members the members of a restricted incident, comma-separated;
	// DefaultRestricted says which new incidents are restricted by
	// default ("" for none).
	Visibility, Members, DefaultRestricted string
	// Templates are the shape's template variants other than default
	// (none: no choice shown); Default the shape's own declaration of the
	// default template (nil: none), which the Default choice describes;
	// Template the one chosen ("" or "default": the default).
	Templates []hindsight.TemplateDef
	Default   *hindsight.TemplateDef
	Template  string
}

// templateChoice splits the shape's templates into the declared default
// (offered as the Default choice, not a second one) and the others.
func templateChoice(sh hindsight.Shape) (others []hindsight.TemplateDef, def *hindsight.TemplateDef) {
	for i, t := range sh.Templates {
		if strings.EqualFold(t.Name, hindsight.DefaultTemplate) {
			def = &sh.Templates[i]
			continue
		}
		others = append(others, t)
	}
	return others, def
}

func (u *UI) incidentNew(w http.ResponseWriter, r *http.Request) {
	d := newData{Severities: hindsight.Severities, Start: u.svc.Now().UTC().Format(hindsight.TimeLayout), DefaultRestricted: u.svc.DefaultVisibility(),
		Template: r.URL.Query().Get("template")}
	d.Templates, d.Default = templateChoice(u.svc.Shape(r.Context()))
	u.render(w, r, http.StatusOK, "new", page{Title: "New incident", Nav: "new", Data: d})
}

// incidentCreate opens a Draft from the short form and goes to the editor.
func (u *UI) incidentCreate(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	f := r.PostForm
	d := newData{Title: f.Get("title"), Severity: f.Get("severity"), Start: f.Get("start"), Services: f.Get("services"),
		Commander: f.Get("commander"), Severities: hindsight.Severities, Fields: map[string]string{},
		Visibility: f.Get("visibility"), Members: f.Get("members"), DefaultRestricted: u.svc.DefaultVisibility(),
		Template: f.Get("template")}
	d.Templates, d.Default = templateChoice(u.svc.Shape(r.Context()))
	n := app.NewIncident{Title: d.Title, Commander: d.Commander, Services: []string{d.Services}, Template: d.Template}
	// restricted in the create's transaction: never visible, listed,
	// searched or sent to webhooks before
	switch d.Visibility {
	case "restricted":
		n.Restricted = true
		for _, m := range strings.Split(d.Members, ",") {
			if m = strings.TrimSpace(m); m != "" {
				n.Members = append(n.Members, m)
			}
		}
	case "public":
		n.Public = true
	case "":
	default:
		d.Fields["visibility"] = "choose who may see the incident"
	}
	if s := strings.TrimSpace(d.Severity); s != "" {
		n.Severity, _ = hindsight.ParseSeverity(s)
	}
	if s := strings.TrimSpace(d.Start); s != "" {
		t, ok := hindsight.ParseTime(s)
		if !ok {
			d.Fields["summary.start_time"] = "want a UTC date and time: 2026-11-26 14:02, 2026-11-26 2:02 PM, or with a zone (2026-11-26 9:02 EST)"
		}
		n.Start = t
	}
	var in *hindsight.Incident
	var err error
	if len(d.Fields) == 0 {
		in, err = u.svc.Open(r.Context(), u.actor(r), n)
	}
	if err != nil {
		if hindsight.ErrorCode(err) != hindsight.EInvalid {
			u.fail(w, r, err)
			return
		}
		for _, fe := range fieldsOf(err) {
			if strings.HasPrefix(fe.Field, "members") {
				fe.Field = "members" // one input holds them all
			}
			d.Fields[fe.Field] = fe.Message
		}
		if len(d.Fields) == 0 {
			d.Fields["title"] = hindsight.ErrorMessage(err)
		}
	}
	if len(d.Fields) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "new", page{Title: "New incident", Nav: "new", Error: "Please correct the fields marked below.", Data: d})
		return
	}
	http.Redirect(w, r, "/incidents/"+url.PathEscape(in.ID)+"/edit", http.StatusSeeOther)
}
