package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// Media types the API reads and writes.
const (
	mediaJSON     = "application/json"
	mediaMarkdown = "text/markdown"
	mediaDiff     = "text/x-diff"
)

// readBody reads the request body under the size limit: ETooLarge (413)
// beyond it.
func (a *API) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, a.opts.MaxBodyBytes)
	b, err := io.ReadAll(body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, hindsight.Errorf(hindsight.ETooLarge, "request body is over the limit of %d bytes", mbe.Limit)
		}
		return nil, badRequest("reading the request body: " + err.Error())
	}
	return b, nil
}

// contentType returns the media type of the request body: mediaJSON or
// mediaMarkdown (EUnsupport, 415, for anything else). md says whether
// Markdown is accepted.
func contentType(r *http.Request, md bool) (string, error) {
	want := "application/json"
	if md {
		want += " or text/markdown"
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type is missing: want %s", want)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type %q is malformed: want %s", ct, want)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return "", hindsight.Errorf(hindsight.EUnsupport, "charset %q is not supported: send UTF-8", cs)
	}
	switch {
	case mt == mediaJSON:
		return mediaJSON, nil
	case md && (mt == mediaMarkdown || mt == "text/x-markdown"):
		return mediaMarkdown, nil
	}
	return "", hindsight.Errorf(hindsight.EUnsupport, "Content-Type %s is not supported: want %s", mt, want)
}

// decodeJSON decodes one JSON value into v strictly: valid UTF-8, nesting
// at most maxDepth, no unknown fields, nothing after the value. Every
// failure is a 400 that says where.
func decodeJSON(b []byte, v any, maxDepth int) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("the request body is empty: want a JSON object")
	}
	if !utf8.Valid(b) {
		off := 0
		for off < len(b) {
			r, n := utf8.DecodeRune(b[off:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			off += n
		}
		return badRequest(fmt.Sprintf("the request body is not valid UTF-8 (at byte offset %d)", off))
	}
	if d, off := jsonDepth(b); d > maxDepth {
		return badRequest(fmt.Sprintf("JSON nests deeper than %d levels (at byte offset %d)", maxDepth, off))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest(fmt.Sprintf("unexpected data after the JSON value (at byte offset %d)", dec.InputOffset()))
	}
	return nil
}

// jsonDepth returns the deepest nesting of arrays and objects in b, and the
// offset where it is first reached beyond the previous maximum.
func jsonDepth(b []byte) (max, at int) {
	depth := 0
	inStr, esc := false, false
	for i, c := range b {
		switch {
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				max, at = depth, i
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return max, at
}

// jsonError turns an encoding/json error into a 400 naming the field or
// the offset.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the JSON body ends too early")
	case errors.As(err, &se):
		return badRequest(fmt.Sprintf("malformed JSON at byte offset %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: ")))
	case errors.As(err, &te):
		field := te.Field
		msg := fmt.Sprintf("want %s, got a JSON %s", jsonType(te.Type.String()), te.Value)
		if field == "" {
			return badRequest("the body must be a JSON object: " + msg)
		}
		return badRequest(field+": "+msg, hindsight.FieldError{Field: field, Message: msg})
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return badRequest(fmt.Sprintf("unknown field %q", name), hindsight.FieldError{Field: name, Message: "unknown field"})
	}
	return badRequest("invalid JSON: " + msg)
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string" || strings.HasSuffix(goType, "Severity") || strings.HasSuffix(goType, "Status") || strings.HasSuffix(goType, "Priority") || strings.HasSuffix(goType, "YesNo"):
		return "a string"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "map["):
		return "an object"
	}
	return "an object"
}

// negotiate picks the first of offers the Accept header takes with the
// highest quality; no Accept header takes the first offer. It returns a
// 406 error when none is acceptable.
func negotiate(r *http.Request, offers ...string) (string, error) {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return offers[0], nil
	}
	type rng struct {
		typ string
		q   float64
	}
	var ranges []rng
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(qs, 64); err == nil && f >= 0 && f <= 1 {
					q = f
				}
			}
			ranges = append(ranges, rng{mt, q})
		}
	}
	if len(ranges) == 0 {
		return offers[0], nil
	}
	quality := func(offer string) float64 {
		best, spec := 0.0, -1
		typ, _, _ := strings.Cut(offer, "/")
		for _, g := range ranges {
			s := -1
			switch {
			case g.typ == offer:
				s = 2
			case g.typ == typ+"/*":
				s = 1
			case g.typ == "*/*":
				s = 0
			}
			if s > spec {
				best, spec = g.q, s
			}
		}
		return best
	}
	type cand struct {
		offer string
		q     float64
		i     int
	}
	var cs []cand
	for i, o := range offers {
		if q := quality(o); q > 0 {
			cs = append(cs, cand{o, q, i})
		}
	}
	if len(cs) == 0 {
		return "", &apiError{status: http.StatusNotAcceptable, code: CodeNotAcceptable,
			msg: "none of the media types in Accept is available: want " + strings.Join(offers, " or ")}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].offer, nil
}
