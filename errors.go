package hindsight

import (
	"errors"
	"fmt"
)

// Code classifies an error for every layer: the HTTP API maps it to a status
// and the CLI to an exit code, each in one table.
type Code string

// The error codes.
const (
	EInvalid     Code = "invalid"           // bad input: a field, a document, a flag
	EMalformed   Code = "bad_request"       // a request that cannot be read: malformed JSON, a wrong JSON type, an unknown field, a bad query parameter
	ENotFound    Code = "not_found"         // no such thing, or not visible to the viewer
	EConflict    Code = "conflict"          // a stale revision, a duplicate
	EForbidden   Code = "forbidden"         // the viewer may not do this
	EUnauth      Code = "unauthorized"      // no or bad credentials
	ETooLarge    Code = "too_large"         // over a size limit
	EInternal    Code = "internal"          // a bug or an outside failure
	EPrecond     Code = "precondition"      // If-Match did not match
	EUnsupport   Code = "unsupported"       // unsupported media type or format
	EUnavailable Code = "unavailable"       // try again later: the database cannot be reached or cannot write (disk full)
	ETooMany     Code = "too_many_requests" // throttled: too many attempts (failed sign-ins) in a window
)

// FieldError names one bad field: its JSON path (e.g. "summary.start_time")
// or, for documents, its line.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Error is an error with a code, a message for people, and the fields at fault.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// Err is the underlying error, if any (not shown to clients).
	Err error
}

func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code c.
func Errorf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err: its own, EInternal for an unclassified
// error, or "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of err fit for a client: its own for an
// *Error, a generic one otherwise (internal details stay in the logs).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error"
}
