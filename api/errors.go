package api

import (
	"net/http"

	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// ErrorBody is the JSON of every error response (httpx.ErrorBody): the API
// writes errors, decodes bodies and negotiates media types through httpx,
// like every other JSON handler of the server.
type ErrorBody = httpx.ErrorBody

// ErrorDetail is the error object of ErrorBody.
type ErrorDetail = httpx.ErrorDetail

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, a.opts.Logger, err)
}

// decoder reads JSON bodies under the API's limits.
func (a *API) decoder() httpx.Decoder {
	return httpx.Decoder{MaxBytes: a.opts.MaxBodyBytes, MaxDepth: a.opts.MaxDepth}
}
