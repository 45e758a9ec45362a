package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// The incident list's shape filters and chosen columns (issue 19): a
// select per declared enum (and multi) field, the tag and the factor
// category; optional columns (each declared field, Tags, Factor
// categories) chosen per browser in a cookie, so the page stays rendered
// on the server and a link shows the same columns to whoever chose them.

// columnsCookie holds the chosen columns, keys joined by "\x1f" in a
// query-escaped string.
const columnsCookie = "hindsight_columns"

// shapeFilters are the filters the shape adds to a list.
type shapeFilters struct {
	Fields    []fieldFilter
	Tags      []string // suggested tags, offered
	Factors   []string // the taxonomy
	Available bool     // any of them
}

type fieldFilter struct {
	Label, Param string
	Options      []string
	ID           string
}

// shapeFilterView is the data of the "shape-filters" template: the
// filters, their current values and the prefix of the inputs' IDs.
type shapeFilterView struct {
	F      shapeFilters
	S      httpx.Shape
	Prefix string
}

// Value is the current value of the field filter of label.
func (v shapeFilterView) Value(label string) string {
	for k, x := range v.S.Fields {
		if strings.EqualFold(k, label) {
			return x
		}
	}
	return ""
}

// listColumn is an optional column: Key is "tags", "factors" or
// "field:<Name>".
type listColumn struct {
	Key, Label string
	Chosen     bool
}

func newShapeFilters(sh hindsight.Shape) shapeFilters {
	var f shapeFilters
	for i, d := range sh.Fields {
		if (d.Type == hindsight.FieldEnum || d.Type == hindsight.FieldMulti) && len(d.Values) > 0 {
			f.Fields = append(f.Fields, fieldFilter{Label: d.Name, Param: httpx.FieldParam + d.Name, Options: d.Values, ID: "field-" + strconv.Itoa(i)})
		}
	}
	f.Tags = sh.Tags.Suggested
	f.Factors = sh.Factors
	f.Available = len(f.Fields) > 0 || len(f.Tags) > 0 || len(f.Factors) > 0 || sh.Tags.Free
	return f
}

// chosenColumns is the column cookie's value ("" when none).
func chosenColumns(r *http.Request) string {
	c, err := r.Cookie(columnsCookie)
	if err != nil {
		return ""
	}
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return v
}

// listShape fills the shape's filters, the optional columns and their
// cells, and the CSV link of the list page.
func (u *UI) listShape(r *http.Request, f listForm, d *listData) error {
	sh := u.svc.Shape(r.Context())
	d.Filters = newShapeFilters(sh)
	chosen := strings.Split(chosenColumns(r), "\x1f")
	add := func(key, label string) {
		d.Columns = append(d.Columns, listColumn{Key: key, Label: label, Chosen: slices.Contains(chosen, key)})
	}
	for _, fd := range sh.Fields {
		add("field:"+fd.Name, fd.Name)
	}
	add("tags", "Tags")
	add("factors", "Factor categories")
	q := f.values()
	d.Back = q.Encode()
	q.Del("sort")
	q.Del("dir")
	// the API's CSV export (GET /api/v1/incidents.csv) takes the list's
	// filters except the postmortem-due one, which only this page applies:
	// with it, or sorted by due date (which lists unpublished postmortems
	// only), the link would download more than the page lists
	if f.Due == "" && f.Sort != string(sortDue) {
		d.CSV = "/api/v1/incidents.csv"
		if e := q.Encode(); e != "" {
			d.CSV += "?" + e
		}
	}
	if !slices.ContainsFunc(d.Columns, func(c listColumn) bool { return c.Chosen }) || len(d.Rows) == 0 {
		return nil
	}
	// the chosen columns' values come from the documents of the page's
	// rows (25 at most; the page is cached until anything is written)
	a := u.actor(r)
	d.Cells = map[string][]string{}
	for _, row := range d.Rows {
		in, err := u.svc.Store().FindIncidentByID(r.Context(), a.Viewer, row.ID)
		if err != nil {
			if hindsight.ErrorCode(err) == hindsight.ENotFound {
				continue
			}
			return err
		}
		var cells []string
		for _, c := range d.Columns {
			if !c.Chosen {
				continue
			}
			switch {
			case c.Key == "tags":
				cells = append(cells, strings.Join(in.Doc.Tags(), ", "))
			case c.Key == "factors":
				var cats []string
				for _, fc := range in.Doc.Factors() {
					if fc.Category != "" && !slices.Contains(cats, fc.Category) {
						cats = append(cats, fc.Category)
					}
				}
				cells = append(cells, strings.Join(cats, ", "))
			default:
				v, _ := in.Doc.CustomField(strings.TrimPrefix(c.Key, "field:"))
				cells = append(cells, v)
			}
		}
		d.Cells[row.ID] = cells
	}
	return nil
}

// listColumnsSet remembers the chosen columns in the browser's cookie and
// goes back to the list with its query.
func (u *UI) listColumnsSet(w http.ResponseWriter, r *http.Request) {
	if err := u.parseForm(w, r); err != nil {
		u.fail(w, r, err)
		return
	}
	var keys []string
	for _, k := range r.PostForm["col"] {
		if k = strings.TrimSpace(k); k != "" && len(k) <= 200 && !slices.Contains(keys, k) && !strings.ContainsRune(k, '\x1f') {
			keys = append(keys, k)
		}
	}
	if len(keys) > 50 {
		keys = keys[:50]
	}
	http.SetCookie(w, &http.Cookie{Name: columnsCookie, Value: url.QueryEscape(strings.Join(keys, "\x1f")), Path: "/incidents",
		MaxAge: 400 * 24 * 3600, HttpOnly: true, Secure: u.secure, SameSite: http.SameSiteLaxMode})
	back := "/incidents"
	if q, err := url.ParseQuery(r.PostFormValue("back")); err == nil && len(q) > 0 {
		back += "?" + q.Encode()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
