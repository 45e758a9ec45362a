package authtest

import "net/http"

// AuthEntries are the matrix entries of auth's own routes (sign-in pages,
// account and admin pages, and their API), for every matrix that includes
// them: auth's own and the full table serve registers.
var AuthEntries = map[string]Entry{
	// auth's pages
	"GET /login":   {OK: http.StatusSeeOther, Override: map[Principal]int{Anonymous: http.StatusOK}},
	"POST /login":  {OK: http.StatusUnauthorized, Body: "email=nobody%40example.test&password=not+the+password"},
	"POST /logout": {OK: http.StatusSeeOther},
	// single sign-on (not configured in the matrix: back to the sign-in page)
	"GET /auth/oidc/login":    {OK: http.StatusSeeOther},
	"GET /auth/oidc/callback": {OK: http.StatusSeeOther},
	"GET /setup":              {OK: http.StatusNotFound},
	"POST /setup":             {OK: http.StatusNotFound, Body: "token=x&email=a%40example.test&password=aaaaaaaaaaaaaa&confirm=aaaaaaaaaaaaaa"},
	"GET /account":            {OK: http.StatusOK},
	"POST /account/password":  {OK: http.StatusSeeOther, Body: "current=wrong&password=x"}, // refused: back to /account with the error
	"POST /account/tokens": {OK: http.StatusSeeOther, Body: "name=matrix&scope=read&expires_in_days=1",
		Override: map[Principal]int{TokenRead: http.StatusForbidden, TokenReadWrite: http.StatusForbidden}}, // tokens cannot create tokens
	"POST /account/tokens/{id}/revoke": {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /admin/users":                 {OK: http.StatusOK},
	"POST /admin/users":                {OK: http.StatusUnprocessableEntity, Body: "email=bad"},
	"POST /admin/users/{id}":           {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: "action=disable"},
	"GET /admin/audit":                 {OK: http.StatusOK},
	"GET /incidents/{id}/access":       {OK: http.StatusOK},
	"POST /incidents/{id}/access":      {OK: http.StatusSeeOther, Body: "members="},
	// auth's API
	"GET /api/v1/me":     {OK: http.StatusOK},
	"GET /api/v1/tokens": {OK: http.StatusOK},
	"POST /api/v1/tokens": {OK: http.StatusCreated, Body: `{"name":"matrix","scope":"read"}`,
		Override: map[Principal]int{TokenRead: http.StatusForbidden, TokenReadWrite: http.StatusForbidden}}, // tokens cannot create tokens
	"DELETE /api/v1/tokens/{id}":             {OK: http.StatusNotFound, Restricted: http.StatusNotFound},
	"GET /api/v1/users":                      {OK: http.StatusOK},
	"POST /api/v1/users":                     {OK: http.StatusUnprocessableEntity, Body: `{"email":"bad"}`},
	"PATCH /api/v1/users/{id}":               {OK: http.StatusNotFound, Restricted: http.StatusNotFound, Body: `{}`},
	"GET /api/v1/audit":                      {OK: http.StatusOK},
	"PUT /api/v1/incidents/{id}/restriction": {OK: http.StatusOK, Body: `{"restricted":false}`},
}
