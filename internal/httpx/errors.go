package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/hindsight-pm/hindsight"
)

// The HTTP layer's own error codes, for what is not a domain error: the
// request itself is malformed or asks for what the server cannot give.
// Domain errors (hindsight.Code) map to statuses through Status.
const (
	// CodeBadRequest is a request that cannot be read: malformed JSON, a
	// value of the wrong JSON type, an unknown field, a bad query
	// parameter or header (400). It is the domain code
	// hindsight.EMalformed, so pages and the CLI classify it too.
	CodeBadRequest = string(hindsight.EMalformed)
	// CodeNotAcceptable is an Accept header the server cannot satisfy (406).
	CodeNotAcceptable = "not_acceptable"
	// CodeMethodNotAllowed is a known path with another method (405).
	CodeMethodNotAllowed = "method_not_allowed"
	// CodePreconditionRequired is a change without the If-Match it needs (428).
	CodePreconditionRequired = "precondition_required"
)

// ErrorBody is the JSON of every error response:
//
//	{"error": {"code": "invalid", "message": "...", "fields": [{"field": "title", "message": "..."}]}}
//
// fields is always present (an empty array when no field is at fault).
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object of ErrorBody.
type ErrorDetail struct {
	// Code is a domain error code (hindsight.Code) or one of the HTTP
	// layer's own (CodeBadRequest...).
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields name the fields (JSON paths as the client sent them, query
	// parameters, headers) or the document lines at fault.
	Fields []hindsight.FieldError `json:"fields"`
}

// Error is an error with an explicit status, for the HTTP layer's own
// codes.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  []hindsight.FieldError
}

func (e *Error) Error() string { return e.Message }

// BadRequest is a 400 bad_request (hindsight.EMalformed): the request
// cannot be read.
func BadRequest(msg string, fields ...hindsight.FieldError) *hindsight.Error {
	return &hindsight.Error{Code: hindsight.EMalformed, Message: msg, Fields: fields}
}

// BadParam is a 400 bad_request naming a query parameter (or a header).
func BadParam(name, msg string) *hindsight.Error {
	return BadRequest(name+": "+msg, hindsight.FieldError{Field: name, Message: msg})
}

// ParamError makes err, returned while reading query parameters, a bad
// parameter: a domain EInvalid becomes a 400 bad_request with the same
// message and fields, so a bad query parameter is 400 on every route.
// Other errors are returned as they are.
func ParamError(err error) error {
	var he *hindsight.Error
	if errors.As(err, &he) && he.Code == hindsight.EInvalid {
		return BadRequest(he.Error(), he.Fields...)
	}
	return err
}

// Describe returns the status and the error object err is answered with:
// an *Error's own, a domain error's code through Status, and for anything
// else (an internal error) 500 "internal error". internal reports the last
// case: its details belong in the log, never in the answer.
func Describe(err error) (status int, d ErrorDetail, internal bool) {
	var ae *Error
	var he *hindsight.Error
	switch {
	case errors.As(err, &ae):
		status, d = ae.Status, ErrorDetail{Code: ae.Code, Message: ae.Message, Fields: ae.Fields}
	case errors.As(err, &he) && he.Code != hindsight.EInternal && he.Code != "":
		status, d = Status(he.Code), ErrorDetail{Code: string(he.Code), Message: he.Error(), Fields: he.Fields}
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return Describe(tooLarge(mbe.Limit))
		}
		status, d, internal = http.StatusInternalServerError, ErrorDetail{Code: string(hindsight.EInternal), Message: "internal error"}, true
	}
	if d.Fields == nil {
		d.Fields = []hindsight.FieldError{}
	}
	return status, d, internal
}

// WriteError writes err as the JSON error body with its status (see
// Describe). Internal errors are logged to logger (slog.Default() when
// nil) with the request's method and path; their details never reach the
// client. A 503 (the store cannot write, say) is logged as a warning with
// its cause.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status, d, internal := Describe(err)
	if logger == nil {
		logger = slog.Default()
	}
	switch {
	case r.Context().Err() != nil:
		// the client left (or its deadline passed): nobody reads the answer,
		// and it is not the server's failure
		logger.InfoContext(r.Context(), "request ended by the client", "method", r.Method, "path", r.URL.Path, "err", err)
	case internal:
		logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case status == http.StatusServiceUnavailable:
		args := []any{"method", r.Method, "path", r.URL.Path, "err", err}
		var he *hindsight.Error
		if errors.As(err, &he) && he.Err != nil {
			args = append(args, "cause", he.Err)
		}
		logger.WarnContext(r.Context(), "unavailable", args...)
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("ETag")
	h.Del("Content-Disposition")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	if status == http.StatusServiceUnavailable && h.Get("Retry-After") == "" {
		h.Set("Retry-After", "30")
	}
	WriteJSON(w, status, ErrorBody{Error: d})
}

// WriteJSON writes v as JSON (one line) with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("httpx: encode response", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":"internal","message":"internal error","fields":[]}}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
