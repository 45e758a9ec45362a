package hindsight

import (
	"encoding/json"
	"reflect"
)

// The JSON forms the document's value types accept, for error messages: a
// value's UnmarshalJSON returns typeError for JSON of another kind, which
// encoding/json completes with the field's path (summary.start_time) and
// the HTTP layer words as "want <JSONForm>, got a JSON number".

// JSONForm names the JSON a Time accepts.
func (Time) JSONForm() string { return "a time string (2026-11-18 14:02 or RFC 3339) or null" }

// JSONForm names the JSON a Date accepts.
func (Date) JSONForm() string { return "a date string (2026-11-18) or null" }

// JSONForm names the JSON a Duration accepts.
func (Duration) JSONForm() string {
	return "a duration: an HH:MM string, a whole number of minutes, an object or null"
}

// typeError is the error of an UnmarshalJSON given JSON b of the wrong
// kind for v.
func typeError(b []byte, v any) error {
	return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeOf(v)}
}

// jsonKind names the kind of the JSON value b as encoding/json does.
func jsonKind(b []byte) string {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return "object"
		case '[':
			return "array"
		case '"':
			return "string"
		case 't', 'f':
			return "bool"
		case 'n':
			return "null"
		}
		return "number"
	}
	return "value"
}
