// Package oidctest runs a real OpenID provider for tests: the op package of
// github.com/zitadel/oidc/v3 (an OpenID Certified implementation) over an
// in-memory storage, on a random loopback port. It issues ID tokens with a
// groups claim, refresh tokens, and ends sessions; a test changes a user's
// groups (or removes the user) while the test runs, and can make the
// provider misbehave (a wrong audience, expired ID tokens) to test the
// relying party's checks.
//
// Its sign-in page is a plain form: a username and "Sign in", or "Deny"
// (which answers error=access_denied), so a browser or an HTTP client can
// drive it.
package oidctest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"

	"crypto/rand"
	"crypto/rsa"
	"fmt"
	jose "github.com/go-jose/go-jose/v4"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is an account of the provider.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
}

// Client is a registered relying party.
type Client struct {
	ID, Secret             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its URL (http://127.0.0.1:port).
	Issuer string

	srv      *http.Server
	op       *op.Provider
	st       *storage
	callback func(context.Context, string) string
}

// Start runs a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oidctest: listen: %v", err)
	}
	p, err := Serve(ln)
	if err != nil {
		t.Fatalf("oidctest: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// Serve runs a provider on ln until Close.
func Serve(ln net.Listener) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	st := &storage{users: map[string]*User{}, clients: map[string]*Client{}, requests: map[string]*authRequest{},
		codes: map[string]string{}, refresh: map[string]*refreshToken{}, access: map[string]*accessToken{},
		key: key, keyID: "k1", idTokenLifetime: 5 * time.Minute}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), st: st}
	var crypto [32]byte
	_, _ = rand.Read(crypto[:])
	cfg := &op.Config{CryptoKey: crypto, CodeMethodS256: true, AuthMethodPost: true, GrantTypeRefreshToken: true,
		DefaultLogoutRedirectURI: "/signed-out", SupportedScopes: append(slices.Clone(op.DefaultSupportedScopes), "groups")}
	p.op, err = op.NewProvider(cfg, st, op.StaticIssuer(p.Issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	p.callback = op.AuthCallbackURL(p.op)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.loginPage)
	mux.Handle("POST /login", op.NewIssuerInterceptor(p.op.IssuerFromRequest).HandlerFunc(p.login))
	mux.HandleFunc("GET /signed-out", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "signed out of the test provider")
	})
	mux.Handle("/oauth/token", p.tokenEndpoint(p.op))
	mux.Handle("/", p.op)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// Close stops the provider.
func (p *Provider) Close() { _ = p.srv.Close() }

// SetUser adds or replaces a user, by username.
func (p *Provider) SetUser(username string, u User) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	c := u
	c.Groups = slices.Clone(u.Groups)
	p.st.users[username] = &c
}

// SetGroups changes a user's groups: the next token (sign-in or refresh)
// carries them.
func (p *Provider) SetGroups(username string, groups ...string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	if u := p.st.users[username]; u != nil {
		u.Groups = slices.Clone(groups)
	}
}

// RemoveUser deletes a user: its refresh tokens stop working.
func (p *Provider) RemoveUser(username string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	delete(p.st.users, username)
}

// AddClient registers a relying party.
func (p *Provider) AddClient(c Client) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	cc := c
	p.st.clients[c.ID] = &cc
}

// SetIDTokenLifetime sets how long ID tokens are valid from now; a
// negative lifetime issues tokens that expired already.
func (p *Provider) SetIDTokenLifetime(d time.Duration) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.idTokenLifetime = d
}

// SetAudience makes the ID tokens of the token endpoint name only aud,
// not the client that asked for them ("" to stop): the op package always
// adds the client, so the token is signed again with the audience
// replaced, as a provider that mixed up its clients would send it.
func (p *Provider) SetAudience(aud string) {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	p.st.audience = aud
}

// Refreshes counts the refresh token grants answered.
func (p *Provider) Refreshes() int {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return p.st.refreshes
}

// EndedSessions counts the end-session requests answered.
func (p *Provider) EndedSessions() int {
	p.st.mu.Lock()
	defer p.st.mu.Unlock()
	return p.st.ended
}

var loginForm = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head>
<body><h1>Test provider</h1>
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label for="username">Username</label> <input id="username" name="username" autocomplete="username">
<button type="submit" name="action" value="sign-in" id="sign-in">Sign in</button>
<button type="submit" name="action" value="deny" id="deny">Deny</button>
{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
</form></body></html>`))

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginForm.Execute(w, map[string]string{"ID": r.URL.Query().Get("authRequestID")})
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id, name, action := r.FormValue("id"), r.FormValue("username"), r.FormValue("action")
	p.st.mu.Lock()
	req := p.st.requests[id]
	u := p.st.users[name]
	if req != nil && action != "deny" && u != nil {
		req.subject, req.username, req.done, req.authTime = u.Subject, name, true, time.Now()
	}
	p.st.mu.Unlock()
	switch {
	case req == nil:
		http.Error(w, "no such authorization request", http.StatusBadRequest)
	case action == "deny":
		q := url.Values{"error": {"access_denied"}, "error_description": {"the user denied the request"}, "state": {req.State}}
		http.Redirect(w, r, req.RedirectURI+"?"+q.Encode(), http.StatusFound)
	case u == nil:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginForm.Execute(w, map[string]string{"ID": id, "Error": "no such user"})
	default:
		http.Redirect(w, r, p.callback(r.Context(), id), http.StatusFound)
	}
}

// ensure the interfaces
var (
	_ op.Storage     = (*storage)(nil)
	_ op.AuthRequest = (*authRequest)(nil)
	_ op.Client      = (*client)(nil)
)

// tokenEndpoint is the op's token endpoint, with the ID token's audience
// replaced while SetAudience is in effect.
func (p *Provider) tokenEndpoint(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.st.mu.Lock()
		aud := p.st.audience
		p.st.mu.Unlock()
		if aud == "" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			copyResponse(w, rec)
			return
		}
		if raw, ok := body["id_token"].(string); ok {
			if t, err := p.resign(raw, aud); err == nil {
				body["id_token"] = t
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// resign returns the JWT raw with its aud claim replaced, signed again
// with the provider's key.
func (p *Provider) resign(raw, aud string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", err
	}
	claims["aud"] = []string{aud}
	delete(claims, "azp")
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.st.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.st.keyID))
	if err != nil {
		return "", err
	}
	sig, err := signer.Sign(b)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}
