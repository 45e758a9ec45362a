package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
	"github.com/hindsight-pm/hindsight/lint"
)

// The "Fields & taxonomy" admin page (/admin/fields, issue 19): the custom
// fields, the contributing-factor taxonomy, the tag policy and the template
// variants in effect, each change saved as the shape in the database
// (app.Service.SaveShapeAt) on top of the version the page was loaded
// from, so two admins editing at once cannot lose each other's change;
// "Export YAML" downloads it, "Import YAML" replaces it.

// fieldsData is the page's data.
type fieldsData struct {
	Set        *app.ShapeSetting
	Types      []hindsight.FieldType
	Statuses   []hindsight.Status
	Severities []hindsight.Severity
	// Factors and Suggested are the taxonomy and the suggested tags, one a
	// line, for their text areas.
	Factors, Suggested string
	// Form is a refused add-field form, shown again; Edit a refused edit
	// of a declared field (shown open in its row); Template a refused
	// template form; Import a refused import's text with its problems.
	Form        fieldForm
	Edit        fieldForm
	Template    templateForm
	Import      string
	ImportError string
	// Conflict says the shape changed since the form was loaded.
	Conflict bool
	// TaxonomyKept and TagsKept say Factors, or Suggested and Free, are a
	// refused form's as typed, not the shape's.
	TaxonomyKept, TagsKept bool
	// Free is the tags form's "free tags" box.
	Free bool
}

// fieldForm is the add or edit form of a field.
type fieldForm struct {
	Old, Name, Type, Values, Help string
	Status                        []string
	Severity                      []string
}

func (f fieldForm) Has(list []string, v string) bool { return slices.Contains(list, v) }

// templateForm is the add or replace form of a template, as typed.
type templateForm struct {
	Name, Extends, Sections, Fields string
	Restricted                      bool
}

func readTemplateForm(r *http.Request) templateForm {
	return templateForm{Name: strings.TrimSpace(r.PostFormValue("name")), Extends: strings.TrimSpace(r.PostFormValue("extends")),
		Sections: r.PostFormValue("sections"), Fields: r.PostFormValue("fields"), Restricted: r.PostFormValue("restricted") != ""}
}

// typed is what a refused change's form shows again: the add-field or
// template form as the admin typed it (the other forms show the shape in
// effect).
func typed(r *http.Request) fieldsData {
	switch r.PostFormValue("action") {
	case "add-field":
		return fieldsData{Form: readFieldForm(r)}
	case "update-field":
		return fieldsData{Edit: readFieldForm(r)}
	case "taxonomy":
		return fieldsData{Factors: r.PostFormValue("factors"), TaxonomyKept: true}
	case "tags":
		return fieldsData{Suggested: r.PostFormValue("suggested"), Free: r.PostFormValue("free") != "", TagsKept: true}
	case "add-template", "update-template":
		return fieldsData{Template: readTemplateForm(r)}
	}
	return fieldsData{}
}

// kept says whether the page shows a refused form's typed values again.
func (d fieldsData) kept() bool {
	return d.Form.Name != "" || d.Edit.Old != "" || d.Template.Name != "" || d.TaxonomyKept || d.TagsKept
}

func (u *UI) adminFields(w http.ResponseWriter, r *http.Request) {
	u.showFields(w, r, http.StatusOK, page{}, fieldsData{})
}

func (u *UI) showFields(w http.ResponseWriter, r *http.Request, status int, p page, d fieldsData) {
	set, err := u.svc.ShapeSetting(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Set = set
	d.Types = hindsight.FieldTypes
	d.Statuses = hindsight.Statuses
	d.Severities = hindsight.Severities
	if !d.TaxonomyKept {
		d.Factors = strings.Join(set.Shape.Factors, "\n")
	}
	if !d.TagsKept {
		d.Suggested = strings.Join(set.Shape.Tags.Suggested, "\n")
		d.Free = set.Shape.Tags.Free
	}
	if d.Form.Type == "" {
		d.Form.Type = string(hindsight.FieldText)
	}
	p.Title, p.Nav, p.Data = "Fields & taxonomy", "fields", d
	u.render(w, r, status, "fields", p)
}

// adminFieldsExport downloads the effective shape as YAML.
func (u *UI) adminFieldsExport(w http.ResponseWriter, r *http.Request) {
	set, err := u.svc.ShapeSetting(r.Context())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/yaml; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="hindsight-shape.yaml"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(set.YAML)
}

// adminFieldsImport replaces the shape with pasted or uploaded YAML.
func (u *UI) adminFieldsImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, u.opts.MaxFormBytes)
	var text string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			u.fail(w, r, formError(err))
			return
		}
		text = r.PostFormValue("yaml")
		if f, _, err := r.FormFile("file"); err == nil {
			b, err := io.ReadAll(io.LimitReader(f, hindsight.MaxSettingBytes+1))
			_ = f.Close()
			if err != nil {
				u.fail(w, r, hindsight.Errorf(hindsight.EInvalid, "cannot read the uploaded file: %v", err))
				return
			}
			if len(b) > 0 {
				text = string(b)
			}
		}
	} else if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	} else {
		text = r.PostFormValue("yaml")
	}
	base, _ := strconv.Atoi(r.PostFormValue("version"))
	if strings.TrimSpace(text) == "" {
		u.showFields(w, r, http.StatusUnprocessableEntity, page{Error: "Nothing imported: paste YAML or choose a file."}, fieldsData{ImportError: "yaml: paste YAML or choose a file"})
		return
	}
	set, err := u.svc.SaveShapeAt(r.Context(), u.actor(r), []byte(text), base)
	if err != nil {
		u.shapeRefused(w, r, err, "Not imported", fieldsData{Import: text, ImportError: hindsight.ErrorMessage(err)})
		return
	}
	u.redirectFlash(w, r, "/admin/fields", flashOK, fmt.Sprintf("Imported: the shape is now version %d (%d fields). Stored documents are not changed.", set.Version, len(set.Shape.Fields)))
}

// formError makes a multipart form's read error a coded one.
func formError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return hindsight.Errorf(hindsight.ETooLarge, "The form is larger than %s, the most this server takes in one form: nothing was saved.", sizeText(mbe.Limit))
	}
	return hindsight.Errorf(hindsight.EInvalid, "cannot read the form: %v", err)
}

// sizeText is a byte count as people write it: 2 MiB, 64 KiB, 1000 bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// shapeRefused shows the page again after a refused save: 409 with the
// other admin's version when it conflicts, 422 naming the problem when it
// is invalid.
func (u *UI) shapeRefused(w http.ResponseWriter, r *http.Request, err error, what string, d fieldsData) {
	switch hindsight.ErrorCode(err) {
	case hindsight.EConflict:
		d.Conflict = true
		again := "Nothing of yours was saved; the page now shows their version: make your change again."
		if d.kept() {
			again = "Nothing of yours was saved yet; the page now shows their version, and the form below keeps what you typed: check it against their version and submit it again."
		}
		u.showFields(w, r, http.StatusConflict, page{Error: what + ": another administrator changed the fields and taxonomy since you loaded this page (" +
			hindsight.ErrorMessage(err) + "). " + again}, d)
	case hindsight.EInvalid, hindsight.ETooLarge:
		u.showFields(w, r, httpx.Status(hindsight.ErrorCode(err)), page{Error: what + ": " + hindsight.ErrorMessage(err)}, d)
	default:
		u.fail(w, r, err)
	}
}

// adminFieldsChange applies one change of the page's forms (action) to the
// shape the form was loaded from (version) and saves it on top of it.
func (u *UI) adminFieldsChange(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	ctx := r.Context()
	base, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || base < 0 {
		u.fail(w, r, &hindsight.Error{Code: hindsight.EInvalid, Message: "version: want the version the page was loaded from",
			Fields: []hindsight.FieldError{{Field: "version", Message: "want a whole number"}}})
		return
	}
	set, err := u.svc.ShapeSetting(ctx)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if set.Version != base {
		u.shapeRefused(w, r, hindsight.Errorf(hindsight.EConflict, "it is version %d now, saved by %s, and you loaded version %d", set.Version, set.UpdatedBy, base), "Not saved", typed(r))
		return
	}
	sh := cloneShape(set.Shape)
	var done string
	d := typed(r)
	switch r.PostFormValue("action") {
	case "add-field", "update-field":
		f := readFieldForm(r)
		def, err := f.def()
		if err != nil {
			u.shapeRefused(w, r, err, "Field not saved", d)
			return
		}
		i := -1
		if f.Old != "" {
			i = fieldIndex(sh.Fields, f.Old)
			if i < 0 {
				u.shapeRefused(w, r, hindsight.Errorf(hindsight.EConflict, "the field %q is no longer declared", f.Old), "Field not saved", fieldsData{})
				return
			}
		}
		if j := fieldIndex(sh.Fields, def.Name); j >= 0 && j != i {
			u.shapeRefused(w, r, fieldErr("name", fmt.Sprintf("a field named %q is already declared", sh.Fields[j].Name)), "Field not saved", d)
			return
		}
		if i >= 0 {
			sh.Fields[i] = def
			done = "Field " + def.Name + " is changed."
		} else {
			sh.Fields = append(sh.Fields, def)
			done = "Field " + def.Name + " is added."
		}
	case "remove-field":
		name := r.PostFormValue("name")
		i := fieldIndex(sh.Fields, name)
		if i < 0 {
			u.redirectFlash(w, r, "/admin/fields", flashError, "Field "+name+" is not declared.")
			return
		}
		sh.Fields = slices.Delete(sh.Fields, i, i+1)
		done = "Field " + name + " is removed: documents keep their " + name + " lines, shown as text."
	case "move-field":
		name := r.PostFormValue("name")
		i := fieldIndex(sh.Fields, name)
		if i > 0 {
			sh.Fields[i-1], sh.Fields[i] = sh.Fields[i], sh.Fields[i-1]
		}
		done = "Field " + name + " is moved up."
	case "taxonomy":
		sh.Factors = splitList(r.PostFormValue("factors"))
		done = fmt.Sprintf("The factor taxonomy has %d categories.", len(sh.Factors))
	case "tags":
		sh.Tags = hindsight.TagPolicy{Free: r.PostFormValue("free") != "", Suggested: splitList(r.PostFormValue("suggested"))}
		done = "The tag policy is saved."
	case "add-template", "update-template":
		tf := d.Template
		if !lint.TemplateNameOK(tf.Name) {
			u.shapeRefused(w, r, fieldErr("name", fmt.Sprintf("%q is not a template name: use letters, digits, - and _ (no spaces)", tf.Name)), "Template not saved", d)
			return
		}
		t := hindsight.TemplateDef{Name: tf.Name, Extends: tf.Extends, Sections: splitList(tf.Sections), Fields: splitList(tf.Fields), Restricted: tf.Restricted}
		i := templateIndex(sh.Templates, t.Name)
		if r.PostFormValue("action") == "add-template" && i >= 0 {
			u.shapeRefused(w, r, fieldErr("name", fmt.Sprintf("a template named %q is already declared", t.Name)), "Template not saved", d)
			return
		}
		if i >= 0 {
			sh.Templates[i] = t
		} else {
			sh.Templates = append(sh.Templates, t)
		}
		done = "Template " + t.Name + " is saved."
	case "remove-template":
		name := r.PostFormValue("name")
		if i := templateIndex(sh.Templates, name); i >= 0 {
			sh.Templates = slices.Delete(sh.Templates, i, i+1)
		}
		done = "Template " + name + " is removed."
	default:
		u.redirectFlash(w, r, "/admin/fields", flashError, "Unknown change: want add-field, update-field, remove-field, move-field, taxonomy, tags, add-template, update-template or remove-template.")
		return
	}
	y, err := lint.MarshalShape(sh)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if _, err := u.svc.SaveShapeAt(ctx, u.actor(r), y, base); err != nil {
		u.shapeRefused(w, r, err, "Not saved", d)
		return
	}
	u.redirectFlash(w, r, "/admin/fields", flashOK, done+" Stored documents are not changed.")
}

func fieldErr(field, msg string) error {
	return &hindsight.Error{Code: hindsight.EInvalid, Message: field + ": " + msg, Fields: []hindsight.FieldError{{Field: field, Message: msg}}}
}

func readFieldForm(r *http.Request) fieldForm {
	return fieldForm{Old: r.PostFormValue("old"), Name: strings.TrimSpace(r.PostFormValue("name")), Type: r.PostFormValue("type"),
		Values: r.PostFormValue("values"), Help: strings.TrimSpace(r.PostFormValue("help")),
		Status: r.PostForm["required_status"], Severity: r.PostForm["required_severity"]}
}

// def reads the form as a field declaration (the shape's own checks run
// when it is saved).
func (f fieldForm) def() (hindsight.FieldDef, error) {
	d := hindsight.FieldDef{Name: f.Name, Type: hindsight.FieldType(f.Type), Values: splitList(f.Values), Help: f.Help}
	if d.Name == "" {
		return d, fieldErr("name", "a field needs a name")
	}
	if strings.ContainsAny(d.Name, ":*\n") {
		return d, fieldErr("name", "a field's name cannot hold ':', '*' or a line break")
	}
	if !d.Type.Valid() {
		return d, fieldErr("type", "want one of text, enum, multi, date, time, number, account, team, url")
	}
	if d.Type == hindsight.FieldEnum && len(d.Values) == 0 {
		return d, fieldErr("values", "an enum field needs its values")
	}
	for _, s := range f.Status {
		d.Required.Status = append(d.Required.Status, hindsight.Status(s))
	}
	for _, s := range f.Severity {
		d.Required.Severity = append(d.Required.Severity, hindsight.Severity(s))
	}
	return d, nil
}

func fieldIndex(fs []hindsight.FieldDef, name string) int {
	for i, f := range fs {
		if strings.EqualFold(f.Name, strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

func templateIndex(ts []hindsight.TemplateDef, name string) int {
	for i, t := range ts {
		if strings.EqualFold(t.Name, strings.TrimSpace(name)) {
			return i
		}
	}
	return -1
}

// cloneShape copies the slices a change edits in place.
func cloneShape(s hindsight.Shape) hindsight.Shape {
	s.Fields = slices.Clone(s.Fields)
	s.Templates = slices.Clone(s.Templates)
	s.Factors = slices.Clone(s.Factors)
	s.Tags.Suggested = slices.Clone(s.Tags.Suggested)
	return s
}

// fieldEditForm is the edit form of a declared field.
func fieldEditForm(d hindsight.FieldDef) fieldForm {
	f := fieldForm{Old: d.Name, Name: d.Name, Type: string(d.Type), Values: strings.Join(d.Values, "\n"), Help: d.Help}
	for _, s := range d.Required.Status {
		f.Status = append(f.Status, string(s))
	}
	for _, s := range d.Required.Severity {
		f.Severity = append(f.Severity, string(s))
	}
	return f
}

// fieldFormData is the data of the "field-form" template.
type fieldFormData struct {
	ID, Action string
	F          fieldForm
	Version    int
	Types      []hindsight.FieldType
	Statuses   []hindsight.Status
	Severities []hindsight.Severity
}
