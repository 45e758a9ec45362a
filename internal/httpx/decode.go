package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hindsight-pm/hindsight"
)

// Media types the JSON handlers read and write.
const (
	MediaJSON     = "application/json"
	MediaMarkdown = "text/markdown"
	MediaDiff     = "text/x-diff"
)

// Limits of a JSON request body.
const (
	// DefaultMaxBytes bounds a request body when Decoder.MaxBytes is 0.
	DefaultMaxBytes = 1 << 20
	// DefaultMaxDepth bounds the nesting of arrays and objects when
	// Decoder.MaxDepth is 0.
	DefaultMaxDepth = 32
)

// Decoder reads JSON request bodies the one way every handler does:
// under a size limit (413 too_large beyond), valid UTF-8, nested at most
// MaxDepth deep, no unknown fields unless AllowUnknown, nothing after the
// value. Every other failure is a 400 bad_request that names the field as
// the client sent it (its JSON path, "summary.severity") or the byte
// offset; no Go type or field name ever reaches the client.
type Decoder struct {
	MaxBytes int64 // DefaultMaxBytes when 0
	MaxDepth int   // DefaultMaxDepth when 0
	// AllowUnknown accepts unknown fields (payloads of outside senders,
	// which add fields over time).
	AllowUnknown bool
}

// Decode is Decoder{}.Request.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	return Decoder{}.Request(w, r, v)
}

// Request decodes the JSON body of r into v. The Content-Type must be
// application/json (charset UTF-8 only) when one is sent; another is 415
// unsupported.
func (d Decoder) Request(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if _, err := ContentType(r, false); err != nil {
			return err
		}
	}
	b, err := d.ReadBody(w, r)
	if err != nil {
		return err
	}
	return d.Bytes(b, v)
}

// ReadBody reads the request body under MaxBytes: 413 too_large beyond.
func (d Decoder) ReadBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(mbe.Limit)
		}
		return nil, BadRequest("reading the request body: " + err.Error())
	}
	return b, nil
}

func tooLarge(limit int64) error {
	return hindsight.Errorf(hindsight.ETooLarge, "the request body is over the limit of %d bytes", limit)
}

// Bytes decodes b, a whole JSON request body, into v.
func (d Decoder) Bytes(b []byte, v any) error {
	maxDepth := d.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return BadRequest("the request body is empty: want a JSON object")
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
		return BadRequest(fmt.Sprintf("the request body is not valid UTF-8 (at byte offset %d)", off))
	}
	if depth, off := jsonDepth(b); depth > maxDepth {
		return BadRequest(fmt.Sprintf("JSON nests deeper than %d levels (at byte offset %d)", maxDepth, off))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if !d.AllowUnknown {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return BadRequest(fmt.Sprintf("unexpected data after the JSON value (at byte offset %d)", dec.InputOffset()))
	}
	return nil
}

// jsonDepth returns the deepest nesting of arrays and objects in b, and the
// offset where it is first reached.
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

// jsonError turns an encoding/json error into a 400 naming the field (its
// JSON path) or the byte offset.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var he *hindsight.Error
	switch {
	case errors.As(err, &he):
		// a value's own UnmarshalJSON said what is wrong with it
		return BadRequest(he.Error(), he.Fields...)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return BadRequest("malformed JSON: the body ends too early")
	case errors.As(err, &se):
		return BadRequest(fmt.Sprintf("malformed JSON at byte offset %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: ")))
	case errors.As(err, &te):
		msg := fmt.Sprintf("want %s, got %s", jsonKind(te.Type), jsonValue(te.Value))
		if te.Field == "" {
			return BadRequest("the body must be a JSON object: " + msg)
		}
		return BadRequest(te.Field+": "+msg, hindsight.FieldError{Field: te.Field, Message: msg})
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return BadRequest(fmt.Sprintf("unknown field %q", name), hindsight.FieldError{Field: name, Message: "unknown field"})
	}
	if strings.Contains(msg, "Go ") {
		// never show Go type names (an encoding/json message about a Go
		// value); what is left is a value a client sent of the wrong form
		return BadRequest("the JSON body does not have the expected form")
	}
	return BadRequest("invalid JSON: " + msg)
}

// jsonForm is implemented by value types that read several JSON forms
// (hindsight.Time, Date, Duration): it names them.
type jsonForm interface{ JSONForm() string }

var jsonFormType = reflect.TypeFor[jsonForm]()

// jsonKind names what a Go type accepts, in JSON terms.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another JSON type"
	}
	if t.Implements(jsonFormType) {
		return reflect.Zero(t).Interface().(jsonForm).JSONForm()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another JSON type"
}

// jsonValue names the JSON value encoding/json found ("number",
// "string", "number 1.5", "bool", "array", "object").
func jsonValue(v string) string {
	switch {
	case v == "bool":
		return "a JSON boolean"
	case v == "array" || v == "object" || v == "number" || v == "string":
		return "a JSON " + v
	case strings.HasPrefix(v, "number "):
		return "the JSON number " + strings.TrimPrefix(v, "number ")
	}
	return v
}
