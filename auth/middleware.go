package auth

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/internal/httpx"
)

// Protect returns the route tables with every route wrapped by Wrap.
// Pass the result to server.New: the server's own routes (health checks)
// are public and need no wrapping.
func (a *Auth) Protect(tables ...[]httpx.Route) [][]httpx.Route {
	out := make([][]httpx.Route, len(tables))
	for i, t := range tables {
		out[i] = make([]httpx.Route, len(t))
		for j, rt := range t {
			out[i][j] = a.Wrap(rt)
		}
	}
	return out
}

// Wrap returns rt with its handler behind the access check, the one place
// where a route's Access is enforced:
//
//   - (a state-changing request that a browser sent cross-origin was
//     refused before, by the server's one cross-origin check;)
//   - the caller is authenticated by "Authorization: Bearer <token>" (a bad,
//     expired or revoked token is 401 even on public routes) or else by the
//     session cookie (a missing or ended session is anonymous);
//   - the request's context carries the Principal and the app.Actor;
//   - a route above Public needs a signed-in caller: anonymous callers are
//     sent to /login (pages) or get 401 (under /api/); a caller whose role
//     or token scope is below the route's Access gets 403.
//
// Restricted incidents are not decided here: the store hides them (404)
// from every read through the actor's Viewer.
func (a *Auth) Wrap(rt httpx.Route) httpx.Route {
	next := rt.Handler
	access := rt.Access
	rt.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.Authenticate(w, r)
		if err != nil {
			a.deny(w, r, err)
			return
		}
		r = r.WithContext(app.WithActor(context.WithValue(r.Context(), principalKey{}, p), p.Actor()))
		if access > httpx.Public {
			if p.User == nil {
				a.signIn(w, r)
				return
			}
			if p.Level < access {
				a.deny(w, r, hindsight.Errorf(hindsight.EForbidden, "this needs the %s access; you have %s", access, p.Level))
				return
			}
		}
		gw := &guardWriter{ResponseWriter: w, private: p.User != nil && isAPI(r)}
		next.ServeHTTP(gw, r)
		gw.fix() // a handler that wrote nothing
	})
	return rt
}

// Authenticate returns the request's principal: from its bearer token
// (EUnauth when the token is not valid) or its session cookie (anonymous
// when there is none or it ended; the cookie is then cleared through w
// when w is not nil).
func (a *Auth) Authenticate(w http.ResponseWriter, r *http.Request) (*Principal, error) {
	ctx := r.Context()
	p := &Principal{Address: clientAddress(r)}
	if h := r.Header.Get("Authorization"); h != "" {
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			return nil, hindsight.Errorf(hindsight.EUnauth, "the Authorization header must be \"Bearer <token>\"")
		}
		u, t, err := a.checkToken(ctx, strings.TrimSpace(secret), p.Address)
		if err != nil {
			return nil, err
		}
		p.User, p.Token = u, t
		p.Level = min(Level(u.Role), ScopeLevel(t.Scope))
		return p, nil
	}
	if u, ok, err := a.fromProxy(ctx, r); err != nil {
		return nil, err
	} else if ok {
		p.User, p.Level = u, Level(u.Role)
		return p, nil
	}
	c, err := r.Cookie(a.cookie)
	if err != nil || c.Value == "" {
		return p, nil
	}
	s, u, err := a.checkSession(ctx, c.Value)
	if err != nil {
		if hindsight.ErrorCode(err) != hindsight.ENotFound {
			return nil, err
		}
		if w != nil {
			a.clearCookie(w)
		}
		return p, nil
	}
	p.User, p.Session, p.Level = u, s, Level(u.Role)
	return p, nil
}

// deny writes err: JSON under /api/, a short page elsewhere.
func (a *Auth) deny(w http.ResponseWriter, r *http.Request, err error) {
	code := hindsight.ErrorCode(err)
	status := httpx.Status(code)
	if code == hindsight.EInternal {
		a.o.Logger.ErrorContext(r.Context(), "auth", "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hindsight"`)
	}
	if isAPI(r) {
		writeJSONError(w, r, status, string(code), hindsight.ErrorMessage(err), nil)
		return
	}
	a.renderStatus(w, r, status, hindsight.ErrorMessage(err))
}

// signIn answers an anonymous caller of a protected route: 401 under
// /api/, a redirect to the sign-in page elsewhere.
func (a *Auth) signIn(w http.ResponseWriter, r *http.Request) {
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hindsight"`)
		writeJSONError(w, r, http.StatusUnauthorized, string(hindsight.EUnauth), "sign in or send an API token (Authorization: Bearer)", nil)
		return
	}
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		next = ""
	}
	loc := "/login"
	if next != "" && next != "/" {
		loc += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, loc, http.StatusSeeOther)
}

func writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, msg string, fields []hindsight.FieldError) {
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteError(w, r, nil, &httpx.Error{Status: status, Code: code, Message: msg, Fields: fields})
}

// guardWriter fixes the caching headers of an answer just before they are
// sent, whatever the handler set: Vary always names Cookie and
// Authorization (the answer depends on who asks) beside the handler's own
// Vary (Accept, HX-Request), and an authenticated API answer is
// "private, no-cache" unless the handler chose no-store: no shared cache
// may keep it, and a browser revalidates it.
type guardWriter struct {
	http.ResponseWriter
	private bool
	done    bool
}

func (g *guardWriter) fix() {
	if g.done {
		return
	}
	g.done = true
	h := g.Header()
	seen := map[string]bool{}
	var vary []string
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" && !seen[strings.ToLower(f)] {
				seen[strings.ToLower(f)] = true
				vary = append(vary, f)
			}
		}
	}
	for _, f := range []string{"Cookie", "Authorization"} {
		if !seen[strings.ToLower(f)] {
			vary = append(vary, f)
		}
	}
	h.Set("Vary", strings.Join(vary, ", "))
	if g.private {
		if cc := h.Get("Cache-Control"); cc == "" || !strings.Contains(cc, "no-store") {
			h.Set("Cache-Control", "private, no-cache")
		}
	}
}

func (g *guardWriter) WriteHeader(code int) {
	g.fix()
	g.ResponseWriter.WriteHeader(code)
}

func (g *guardWriter) Write(b []byte) (int, error) {
	g.fix()
	return g.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the guard.
func (g *guardWriter) Flush() {
	g.fix()
	_ = http.NewResponseController(g.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (g *guardWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }
