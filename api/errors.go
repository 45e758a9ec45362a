package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// API-level error codes, for what is not a domain error: the request itself
// is malformed or asks for what the API cannot give.
const (
	// CodeBadRequest is a malformed request: bad JSON, a bad query
	// parameter, an unknown field (400).
	CodeBadRequest = "bad_request"
	// CodeNotAcceptable is an Accept header the API cannot satisfy (406).
	CodeNotAcceptable = "not_acceptable"
	// CodeMethodNotAllowed is a known path with another method (405).
	CodeMethodNotAllowed = "method_not_allowed"
	// CodePreconditionRequired is a replace without If-Match (428).
	CodePreconditionRequired = "precondition_required"
)

// ErrorBody is the JSON of every error response:
// {"error": {"code": ..., "message": ..., "fields": [...]}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the error object of ErrorBody.
type ErrorDetail struct {
	// Code is a domain error code (hindsight.Code) or one of the API's own.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Fields name the fields (JSON paths) or document lines at fault.
	Fields []hindsight.FieldError `json:"fields"`
}

// apiError is an error with an explicit status, for the API's own codes.
type apiError struct {
	status int
	code   string
	msg    string
	fields []hindsight.FieldError
}

func (e *apiError) Error() string { return e.msg }

func badRequest(msg string, fields ...hindsight.FieldError) error {
	return &apiError{status: http.StatusBadRequest, code: CodeBadRequest, msg: msg, fields: fields}
}

func badParam(name, msg string) error {
	return badRequest(name+": "+msg, hindsight.FieldError{Field: name, Message: msg})
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(a.opts.Logger, w, r, err)
}

// writeError writes err as the JSON error body with its status. Domain
// errors map through httpx.Status; internal errors are logged and shown as
// "internal error" (no details, no stack traces).
func writeError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	var body ErrorBody
	status := http.StatusInternalServerError
	var ae *apiError
	var he *hindsight.Error
	switch {
	case errors.As(err, &ae):
		status = ae.status
		body.Error = ErrorDetail{Code: ae.code, Message: ae.msg, Fields: ae.fields}
	case errors.As(err, &he) && he.Code != hindsight.EInternal && he.Code != "":
		status = httpx.Status(he.Code)
		body.Error = ErrorDetail{Code: string(he.Code), Message: he.Error(), Fields: he.Fields}
	default:
		logger.ErrorContext(r.Context(), "api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Error = ErrorDetail{Code: string(hindsight.EInternal), Message: "internal error"}
	}
	if body.Error.Fields == nil {
		body.Error.Fields = []hindsight.FieldError{}
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("api: encode response", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":"internal","message":"internal error","fields":[]}}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
