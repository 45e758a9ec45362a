// Package httpx holds what the web pages and the JSON API share: the route
// table entry, the access levels every route declares, and the mapping of
// domain error codes to HTTP statuses (defined once).
package httpx

import (
	"net/http"

	"github.com/hindsight-pm/hindsight"
)

// Access is what a caller needs to use a route. Every route declares one;
// the server enforces it in one place (the accounts issue puts every route
// behind it).
type Access int

// The access levels, weakest first.
const (
	Public Access = iota // anyone, signed in or not (health checks, static assets, login)
	Read                 // viewer role or above; read tokens
	Write                // editor role or above; read-write tokens
	Admin                // admin role
)

func (a Access) String() string {
	switch a {
	case Public:
		return "public"
	case Read:
		return "read"
	case Write:
		return "write"
	case Admin:
		return "admin"
	}
	return "unknown"
}

// Route is one entry of the route table: a net/http.ServeMux pattern with
// its method ("GET /incidents/{id}"), the access it needs, and its handler.
type Route struct {
	Pattern string // "GET /incidents/{id}"
	Access  Access
	Name    string // short, stable name for logs and metrics ("incident.show")
	Handler http.Handler
}

// Status maps a domain error code to its HTTP status. This is the only such
// table in the project.
func Status(c hindsight.Code) int {
	switch c {
	case "":
		return http.StatusOK
	case hindsight.EMalformed:
		return http.StatusBadRequest
	case hindsight.EInvalid:
		return http.StatusUnprocessableEntity
	case hindsight.ENotFound:
		return http.StatusNotFound
	case hindsight.EConflict:
		return http.StatusConflict
	case hindsight.EForbidden:
		return http.StatusForbidden
	case hindsight.EUnauth:
		return http.StatusUnauthorized
	case hindsight.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case hindsight.EPrecond:
		return http.StatusPreconditionFailed
	case hindsight.EUnsupport:
		return http.StatusUnsupportedMediaType
	case hindsight.EUnavailable:
		return http.StatusServiceUnavailable
	case hindsight.ETooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
