package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// input has the shapes a handler decodes: strings, numbers, booleans,
// nested objects, lists and a named string type.
type input struct {
	Title    string           `json:"title"`
	Email    *string          `json:"email"`
	Days     int              `json:"expires_in_days"`
	Disabled *bool            `json:"disabled"`
	Members  []string         `json:"members"`
	Role     hindsight.Role   `json:"role"`
	Summary  *summary         `json:"summary"`
	Labels   map[string]int64 `json:"labels"`
}

type summary struct {
	Severity hindsight.Severity `json:"severity"`
	Services []string           `json:"services_affected"`
}

// goNames are what must never reach a client: Go type and field names.
var goNames = []string{"Go ", "struct", "input", "summary.Severity", "hindsight.", "int64", "[]string", "*bool", "Unmarshal"}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, ct, body string
		status         int
		code           string
		field          string // the field the error names ("" for none)
		msg            string // in the message
	}{
		{"OK", "application/json", `{"title":"x","email":"a@b","members":["a"],"summary":{"severity":"SEV-1"}}`, 200, "", "", ""},
		{"OKNoContentType", "", `{"title":"x"}`, 200, "", "", ""},
		{"OKCharset", "application/json; charset=utf-8", `{"title":"x"}`, 200, "", "", ""},
		{"NumberForString", "application/json", `{"title":5}`, 400, "bad_request", "title", "want a string, got a JSON number"},
		{"NumberForPointerString", "application/json", `{"email":5}`, 400, "bad_request", "email", "want a string"},
		{"StringForInt", "application/json", `{"expires_in_days":"7"}`, 400, "bad_request", "expires_in_days", "want an integer, got a JSON string"},
		{"FloatForInt", "application/json", `{"expires_in_days":1.5}`, 400, "bad_request", "expires_in_days", "want an integer, got the JSON number 1.5"},
		{"StringForBool", "application/json", `{"disabled":"yes"}`, 400, "bad_request", "disabled", "want true or false"},
		{"ObjectForList", "application/json", `{"members":{}}`, 400, "bad_request", "members", "want an array, got a JSON object"},
		{"NumberInList", "application/json", `{"members":["a",2]}`, 400, "bad_request", "members", "want a string"},
		{"NamedString", "application/json", `{"role":true}`, 400, "bad_request", "role", "want a string, got a JSON boolean"},
		{"Nested", "application/json", `{"summary":{"severity":1}}`, 400, "bad_request", "summary.severity", "want a string"},
		{"NestedList", "application/json", `{"summary":{"services_affected":"checkout"}}`, 400, "bad_request", "summary.services_affected", "want an array"},
		{"MapValue", "application/json", `{"labels":{"a":"b"}}`, 400, "bad_request", "labels", "want an integer"},
		{"NotAnObject", "application/json", `[1,2]`, 400, "bad_request", "", "must be a JSON object"},
		{"StringBody", "application/json", `"x"`, 400, "bad_request", "", "must be a JSON object"},
		{"UnknownField", "application/json", `{"title":"x","admin":true}`, 400, "bad_request", "admin", `unknown field "admin"`},
		{"Syntax", "application/json", `{"title" "x"}`, 400, "bad_request", "", "malformed JSON at byte offset"},
		{"Truncated", "application/json", `{"title":`, 400, "bad_request", "", "ends too early"},
		{"Empty", "application/json", ``, 400, "bad_request", "", "empty"},
		{"Trailing", "application/json", `{"title":"x"} {}`, 400, "bad_request", "", "after the JSON value"},
		{"BadUTF8", "application/json", "{\"title\":\"\xff\"}", 400, "bad_request", "", "not valid UTF-8"},
		{"TooDeep", "application/json", `{"labels":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, 400, "bad_request", "", "deeper than 32"},
		{"TooLarge", "application/json", `{"title":"` + strings.Repeat("x", 2000) + `"}`, 413, "too_large", "", "over the limit of 1024 bytes"},
		{"OtherContentType", "text/plain", `{"title":"x"}`, 415, "unsupported", "", "application/json"},
		{"OtherCharset", "application/json; charset=latin1", `{"title":"x"}`, 415, "unsupported", "", "charset"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(tc.body))
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			w := httptest.NewRecorder()
			var in input
			err := httpx.Decoder{MaxBytes: 1024}.Request(w, req, &in)
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			httpx.WriteError(w, req, nil, err)
			b := checkShape(t, w)
			if w.Code != tc.status || b.Error.Code != tc.code || !strings.Contains(b.Error.Message, tc.msg) {
				t.Fatalf("%d %s, want %d %s with %q", w.Code, w.Body, tc.status, tc.code, tc.msg)
			}
			var fields []string
			for _, f := range b.Error.Fields {
				fields = append(fields, f.Field)
			}
			if tc.field == "" && len(fields) != 0 || tc.field != "" && (len(fields) != 1 || fields[0] != tc.field) {
				t.Fatalf("fields %q, want [%s]", fields, tc.field)
			}
		})
	}
}

// checkShape decodes the one error shape strictly and checks that no Go
// name leaks.
func checkShape(t *testing.T, w *httptest.ResponseRecorder) httpx.ErrorBody {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil || len(raw) != 1 || len(raw["error"]) != 3 {
		t.Fatalf("not the error shape: %s", w.Body)
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
	dec.DisallowUnknownFields()
	var b httpx.ErrorBody
	if err := dec.Decode(&b); err != nil || b.Error.Fields == nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not the error shape (%v): %s", err, w.Body)
	}
	for _, n := range goNames {
		if strings.Contains(w.Body.String(), n) {
			t.Fatalf("the answer shows %q: %s", n, w.Body)
		}
	}
	return b
}

func TestWriteError(t *testing.T) {
	cause := errors.New("disk I/O error: database or disk is full")
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		msg    string
		log    string // in the log
	}{
		{"Invalid", &hindsight.Error{Code: hindsight.EInvalid, Message: "title: required", Fields: []hindsight.FieldError{{Field: "title", Message: "required"}}}, 422, "invalid", "title: required", ""},
		{"Malformed", httpx.BadParam("limit", "want 1 to 1000"), 400, "bad_request", "limit: want 1 to 1000", ""},
		{"NotFound", hindsight.Errorf(hindsight.ENotFound, "no incident"), 404, "not_found", "no incident", ""},
		{"Unavailable", &hindsight.Error{Code: hindsight.EUnavailable, Message: "the database cannot write: the disk is full", Err: cause}, 503, "unavailable", "disk is full", "database or disk is full"},
		{"Internal", errors.New("sql: connection refused at 10.0.0.1"), 500, "internal", "internal error", "connection refused"},
		{"Own", &httpx.Error{Status: 405, Code: httpx.CodeMethodNotAllowed, Message: "use GET"}, 405, "method_not_allowed", "use GET", ""},
		{"Wrapped", errors.Join(errors.New("context"), hindsight.Errorf(hindsight.EConflict, "taken")), 409, "conflict", "taken", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			w := httptest.NewRecorder()
			w.Header().Set("ETag", `"3"`)
			httpx.WriteError(w, httptest.NewRequest("GET", "/api/v1/x", nil), slog.New(slog.NewTextHandler(&logs, nil)), tc.err)
			b := checkShape(t, w)
			if w.Code != tc.status || b.Error.Code != tc.code || !strings.Contains(b.Error.Message, tc.msg) {
				t.Fatalf("%d %s, want %d %s %q", w.Code, w.Body, tc.status, tc.code, tc.msg)
			}
			if w.Header().Get("ETag") != "" || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", w.Header())
			}
			if tc.log == "" && logs.Len() > 0 || !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log %q, want %q", logs.String(), tc.log)
			}
			if tc.status == 500 && strings.Contains(w.Body.String(), "10.0.0.1") {
				t.Errorf("internal details reached the client: %s", w.Body)
			}
		})
	}
}

// A request whose client left is not the server's failure: its error is
// logged at INFO, never as an ERROR or a WARN about the store.
func TestWriteErrorClientGone(t *testing.T) {
	for _, err := range []error{
		hindsight.Errorf(hindsight.EUnavailable, "the request ended before it was done: context canceled"),
		errors.New("sql: interrupted"),
	} {
		var logs bytes.Buffer
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := httptest.NewRequest("POST", "/api/v1/lint", nil).WithContext(ctx)
		httpx.WriteError(httptest.NewRecorder(), r, slog.New(slog.NewTextHandler(&logs, nil)), err)
		if !strings.Contains(logs.String(), "level=INFO") || strings.Contains(logs.String(), "level=ERROR") || strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("%v: log %q, want one INFO line", err, logs.String())
		}
	}
}

func TestStatus(t *testing.T) {
	for code, want := range map[hindsight.Code]int{
		"": 200, hindsight.EMalformed: 400, hindsight.EInvalid: 422, hindsight.ENotFound: 404, hindsight.EConflict: 409,
		hindsight.EForbidden: 403, hindsight.EUnauth: 401, hindsight.ETooLarge: 413, hindsight.EPrecond: 412,
		hindsight.EUnsupport: 415, hindsight.EUnavailable: 503, hindsight.ETooMany: 429, hindsight.EInternal: 500, "nonsense": 500,
	} {
		if got := httpx.Status(code); got != want {
			t.Errorf("Status(%q) = %d, want %d", code, got, want)
		}
	}
}

func TestParamError(t *testing.T) {
	in := &hindsight.Error{Code: hindsight.EInvalid, Message: "severity: bad", Fields: []hindsight.FieldError{{Field: "severity", Message: "bad"}}}
	got := httpx.ParamError(in)
	if hindsight.ErrorCode(got) != hindsight.EMalformed || hindsight.ErrorMessage(got) != "severity: bad" {
		t.Errorf("ParamError = %v", got)
	}
	nf := hindsight.Errorf(hindsight.ENotFound, "x")
	if httpx.ParamError(nf) != error(nf) {
		t.Error("ParamError changed a not-found")
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept, want string
		status       int
	}{
		{"", httpx.MediaJSON, 0},
		{"text/markdown", httpx.MediaMarkdown, 0},
		{"text/*;q=0.5, application/json;q=0.4", httpx.MediaMarkdown, 0},
		{"*/*", httpx.MediaJSON, 0},
		{"image/png", "", 406},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		got, err := httpx.Negotiate(r, httpx.MediaJSON, httpx.MediaMarkdown)
		st, _, _ := httpx.Describe(err)
		if got != tc.want || (err != nil) != (tc.status != 0) || err != nil && st != tc.status {
			t.Errorf("Accept %q: %q %v, want %q %d", tc.accept, got, err, tc.want, tc.status)
		}
	}
}

// TestDecodeDocumentValues: the document's own value types (times, dates,
// durations) name the field and the forms they take.
func TestDecodeDocumentValues(t *testing.T) {
	for _, tc := range []struct{ body, field, want string }{
		{`{"summary":{"start_time":5}}`, "summary.start_time", "want a time string"},
		{`{"summary":{"end_time":{}}}`, "summary.end_time", "got a JSON object"},
		{`{"summary":{"duration":true}}`, "summary.duration", "want a duration"},
		{`{"last_updated":[1]}`, "last_updated", "want a date string"},
		{`{"summary":{"severity":5}}`, "summary.severity", "want a string"},
	} {
		var p hindsight.Postmortem
		err := httpx.Decoder{}.Bytes([]byte(tc.body), &p)
		st, d, _ := httpx.Describe(err)
		if st != 400 || len(d.Fields) != 1 || d.Fields[0].Field != tc.field || !strings.Contains(d.Message, tc.want) {
			t.Errorf("%s: %d %+v, want 400 naming %s with %q", tc.body, st, d, tc.field, tc.want)
		}
		for _, n := range goNames {
			if strings.Contains(d.Message, n) {
				t.Errorf("%s: %q shows %q", tc.body, d.Message, n)
			}
		}
	}
}
