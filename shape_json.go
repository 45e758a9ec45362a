package hindsight

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// The JSON form of the shape's values (issue 19). A document's JSON gains,
// computed from the document:
//
//	"custom_fields": {"Region": "us-east-1", "Customer tier": ["pro", "enterprise"]},
//	"tags": ["dns"],
//	"root_cause": {..., "factors": [{"category": "change/config", "text": "..."}]}
//
// A multi field is an array when the shape the document is encoded with
// (WithShape) says multi, else every value is the string as written. On
// input they are applied with the setters (SetCustomField, SetTags, the
// factors' strings): a value is kept as written, as text, whatever its
// declared type (lint reports what does not fit). When the same input also
// sends the raw form (extras.summary.fields, contributing_factors) and the
// two disagree, the input is refused naming both: nothing is dropped
// silently.

// pmJSON is Postmortem without its JSON methods.
type pmJSON Postmortem

// WithShape returns a shallow copy of p whose JSON types custom fields by
// s (a multi field as an array). The document is not changed.
func (p *Postmortem) WithShape(s *Shape) *Postmortem {
	c := *p
	c.shape = s
	return &c
}

// MarshalJSON writes the document's fields, then custom_fields and tags.
func (p Postmortem) MarshalJSON() ([]byte, error) {
	fields := customFieldsJSON{}
	seen := map[string]bool{}
	for _, f := range p.CustomFields() {
		k := strings.ToLower(f.Label)
		if seen[k] {
			continue // the first line of a label is its value (CustomField)
		}
		seen[k] = true
		var v any = f.Value
		if d := p.shape.Field(f.Label); d != nil && d.Type == FieldMulti {
			v = nonNil(splitList(f.Value))
		}
		fields = append(fields, customFieldJSON{f.Label, v})
	}
	return json.Marshal(struct {
		pmJSON
		CustomFields customFieldsJSON `json:"custom_fields"`
		Tags         []string         `json:"tags"`
	}{pmJSON(p), fields, nonNil(p.Tags())})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type customFieldJSON struct {
	name  string
	value any
}

// customFieldsJSON is an object whose keys keep the document's order.
type customFieldsJSON []customFieldJSON

func (c customFieldsJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes. Unknown fields are errors.
func (p *Postmortem) UnmarshalJSON(b []byte) error {
	var in struct {
		*pmJSON
		CustomFields json.RawMessage `json:"custom_fields"`
		Tags         *[]string       `json:"tags"`
	}
	in.pmJSON = (*pmJSON)(p)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			// the path of a field, not of the embedding
			te.Field = strings.TrimPrefix(te.Field, "pmJSON.")
			te.Struct = "Postmortem"
		}
		return err
	}
	raw := p.Extras[SecSummary].Fields != nil // the input sent the raw lines too
	if len(in.CustomFields) > 0 && !bytes.Equal(bytes.TrimSpace(in.CustomFields), []byte("null")) {
		fields, err := readCustomFields(in.CustomFields)
		if err != nil {
			return err
		}
		for _, f := range fields {
			if cur, _ := p.CustomField(f.Label); cur == f.Value || slices.Equal(splitList(cur), splitList(f.Value)) {
				continue
			}
			if raw {
				return conflict("custom_fields."+f.Label, "custom_fields."+f.Label+" and extras.summary.fields disagree; send one of them")
			}
			p.SetCustomField(f.Label, f.Value)
		}
	}
	if in.Tags != nil {
		var want []string
		for _, t := range *in.Tags {
			if t = strings.TrimSpace(t); t != "" {
				want = append(want, t)
			}
		}
		if !slices.Equal(want, p.Tags()) {
			if raw {
				return conflict("tags", "tags and the Tags line in extras.summary.fields disagree; send one of them")
			}
			p.SetTags(want)
		}
	}
	return nil
}

func conflict(field, msg string) error {
	return &Error{Code: EMalformed, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// readCustomFields reads the custom_fields object in order: each value a
// string, an array of strings (joined with ", ") or null (removes it).
func readCustomFields(b []byte) ([]Field, error) {
	bad := func(field string) error {
		msg := "want a string, an array of strings or null"
		if field == "" {
			return &Error{Code: EMalformed, Message: "custom_fields: want an object of field names to values", Fields: []FieldError{{Field: "custom_fields", Message: "want an object"}}}
		}
		return &Error{Code: EMalformed, Message: "custom_fields." + field + ": " + msg, Fields: []FieldError{{Field: "custom_fields." + field, Message: msg}}}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad("")
	}
	var out []Field
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad("")
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, bad(name)
		}
		if strings.TrimSpace(name) == "" {
			return nil, bad(name)
		}
		var s *string
		if err := json.Unmarshal(v, &s); err == nil {
			val := ""
			if s != nil {
				val = *s
			}
			out = append(out, Field{Label: name, Value: val})
			continue
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			return nil, bad(name)
		}
		var keep []string
		for _, x := range list {
			if x = strings.TrimSpace(x); x != "" {
				keep = append(keep, x)
			}
		}
		out = append(out, Field{Label: name, Value: strings.Join(keep, ", ")})
	}
	return out, nil
}

// rcJSON is RootCause without its JSON methods.
type rcJSON RootCause

// MarshalJSON writes primary, contributing_factors and factors (the
// contributing factors with their categories).
func (r RootCause) MarshalJSON() ([]byte, error) {
	factors := make([]Factor, len(r.Factors))
	for i, s := range r.Factors {
		factors[i] = ParseFactor(s)
	}
	return json.Marshal(struct {
		rcJSON
		Categorized []Factor `json:"factors"`
	}{rcJSON(r), factors})
}

// UnmarshalJSON reads primary, contributing_factors and factors; factors
// set the contributing factors ("[category] text") unless
// contributing_factors is sent too and differs (an error).
func (r *RootCause) UnmarshalJSON(b []byte) error {
	var in struct {
		Primary     string    `json:"primary"`
		Factors     *[]string `json:"contributing_factors"`
		Categorized *[]Factor `json:"factors"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return err
	}
	*r = RootCause{Primary: in.Primary}
	if in.Factors != nil {
		r.Factors = *in.Factors
	}
	if in.Categorized == nil {
		return nil
	}
	var want []string
	for _, f := range *in.Categorized {
		f.Category = strings.TrimSpace(f.Category)
		if f.Category != "" && !ValidCategory(f.Category) {
			const msg = "a category cannot hold [, ] or a line break, nor be x (a task list's box)"
			return &Error{Code: EMalformed, Message: "root_cause.factors: " + msg, Fields: []FieldError{{Field: "root_cause.factors", Message: msg}}}
		}
		want = append(want, f.String())
	}
	if in.Factors != nil {
		if !slices.Equal(want, *in.Factors) && (len(want) > 0 || len(*in.Factors) > 0) {
			return conflict("root_cause.factors", "root_cause.factors and root_cause.contributing_factors disagree; send one of them")
		}
		return nil
	}
	r.Factors = want
	return nil
}
