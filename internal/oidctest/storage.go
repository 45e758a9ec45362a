package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the in-memory op.Storage of a Provider.
type storage struct {
	mu               sync.Mutex
	users            map[string]*User // by username
	clients          map[string]*Client
	requests         map[string]*authRequest
	codes            map[string]string // code -> request ID
	refresh          map[string]*refreshToken
	access           map[string]*accessToken
	key              *rsa.PrivateKey
	keyID            string
	idTokenLifetime  time.Duration
	audience         string
	refreshes, ended int
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type notFound struct{ what string }

func (e notFound) Error() string { return e.what + " not found" }
func (notFound) IsNotFound()     {}

// userBySubject; the caller holds mu.
func (s *storage) userBySubject(sub string) *User {
	for _, u := range s.users {
		if u.Subject == sub {
			return u
		}
	}
	return nil
}

// audienceOf is the audience tokens for clientID name; the caller holds mu.
func (s *storage) audienceOf(clientID string) []string {
	if s.audience != "" {
		return []string{s.audience}
	}
	return []string{clientID}
}

type authRequest struct {
	st *storage
	oidc.AuthRequest
	ID       string
	subject  string
	username string
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string       { return a.ID }
func (a *authRequest) GetACR() string      { return "" }
func (a *authRequest) GetAMR() []string    { return []string{"pwd"} }
func (a *authRequest) GetClientID() string { return a.ClientID }
func (a *authRequest) GetAudience() []string {
	a.st.mu.Lock()
	defer a.st.mu.Unlock()
	return a.st.audienceOf(a.ClientID)
}
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: a.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }

type refreshToken struct {
	st       *storage
	token    string
	subject  string
	clientID string
	scopes   []string
	authTime time.Time
	amr      []string
}

func (r *refreshToken) GetAMR() []string { return r.amr }
func (r *refreshToken) GetAudience() []string {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	return r.st.audienceOf(r.clientID)
}
func (r *refreshToken) GetAuthTime() time.Time           { return r.authTime }
func (r *refreshToken) GetClientID() string              { return r.clientID }
func (r *refreshToken) GetScopes() []string              { return r.scopes }
func (r *refreshToken) GetSubject() string               { return r.subject }
func (r *refreshToken) SetCurrentScopes(scopes []string) { r.scopes = scopes }

type accessToken struct {
	subject, clientID string
	expires           time.Time
}

// CreateAuthRequest implements op.AuthStorage.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{st: s, AuthRequest: *req, ID: newID()}
	a.RedirectURI = req.RedirectURI
	s.requests[a.ID] = a
	return a, nil
}

// AuthRequestByID implements op.AuthStorage.
func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, notFound{"auth request"}
}

// AuthRequestByCode implements op.AuthStorage.
func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[s.codes[code]]; ok {
		return a, nil
	}
	return nil, notFound{"code"}
}

// SaveAuthCode implements op.AuthStorage.
func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest implements op.AuthStorage: a code is good once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

// newAccess stores an access token; the caller holds mu.
func (s *storage) newAccess(sub, clientID string) (string, time.Time) {
	id, exp := newID(), time.Now().Add(5*time.Minute)
	s.access[id] = &accessToken{subject: sub, clientID: clientID, expires: exp}
	return id, exp
}

// CreateAccessToken implements op.AuthStorage.
func (s *storage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clientID := ""
	if a, ok := req.(*authRequest); ok {
		clientID = a.ClientID
	}
	id, exp := s.newAccess(req.GetSubject(), clientID)
	return id, exp, nil
}

// CreateAccessAndRefreshTokens implements op.AuthStorage; refresh tokens
// are rotated at every use.
func (s *storage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := &refreshToken{st: s, token: newID(), subject: req.GetSubject(), scopes: req.GetScopes(), amr: []string{"pwd"}}
	switch r := req.(type) {
	case *authRequest:
		rt.clientID, rt.authTime = r.ClientID, r.authTime
	case *refreshToken:
		if _, ok := s.refresh[current]; !ok {
			return "", "", time.Time{}, op.ErrInvalidRefreshToken
		}
		delete(s.refresh, current)
		rt.clientID, rt.authTime = r.clientID, r.authTime
		s.refreshes++
	}
	s.refresh[rt.token] = rt
	id, exp := s.newAccess(rt.subject, rt.clientID)
	return id, rt.token, exp, nil
}

// TokenRequestByRefreshToken implements op.AuthStorage: a removed user's
// refresh tokens are refused.
func (s *storage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || s.userBySubject(rt.subject) == nil {
		return nil, op.ErrInvalidRefreshToken
	}
	c := *rt
	return &c, nil
}

// TerminateSession implements op.AuthStorage.
func (s *storage) TerminateSession(_ context.Context, userID, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended++
	for k, rt := range s.refresh {
		if rt.subject == userID && rt.clientID == clientID {
			delete(s.refresh, k)
		}
	}
	return nil
}

// GetRefreshTokenInfo implements op.AuthStorage.
func (s *storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt, ok := s.refresh[token]
	if !ok || rt.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return rt.subject, rt.token, nil
}

// RevokeToken implements op.AuthStorage.
func (s *storage) RevokeToken(_ context.Context, token, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refresh, token)
	delete(s.access, token)
	return nil
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// SigningKey implements op.AuthStorage.
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	return signingKey{s.keyID, s.key}, nil
}

// SignatureAlgorithms implements op.AuthStorage.
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

// KeySet implements op.AuthStorage.
func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.keyID, s.key}}}, nil
}

type client struct {
	st *storage
	c  Client
}

func (c *client) GetID() string                       { return c.c.ID }
func (c *client) RedirectURIs() []string              { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string    { return c.c.PostLogoutRedirectURIs }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string           { return "/login?authRequestID=" + id }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	return c.st.idTokenLifetime
}
func (c *client) DevMode() bool { return true }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(scope string) bool     { return scope == "groups" }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }

// GetClientByClientID implements op.OPStorage.
func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		return &client{st: s, c: *c}, nil
	}
	return nil, notFound{"client"}
}

// AuthorizeClientIDSecret implements op.OPStorage.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok && c.Secret == secret {
		return nil
	}
	return errors.New("invalid client credentials")
}

// setUserinfo fills info from the user with subject sub.
func (s *storage) setUserinfo(info *oidc.UserInfo, sub string, scopes []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userBySubject(sub)
	if u == nil {
		return notFound{"user"}
	}
	info.Subject = u.Subject
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeEmail:
			info.Email = u.Email
			info.EmailVerified = oidc.Bool(u.EmailVerified)
			if !u.EmailVerified {
				info.AppendClaims("email_verified", false)
			}
		case oidc.ScopeProfile:
			info.Name = u.Name
		case "groups":
			info.AppendClaims("groups", slices.Clone(u.Groups))
		}
	}
	return nil
}

// SetUserinfoFromScopes implements op.OPStorage.
func (s *storage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, sub, _ string, scopes []string) error {
	return s.setUserinfo(info, sub, scopes)
}

// SetUserinfoFromToken implements op.OPStorage.
func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("access token is not valid")
	}
	return s.setUserinfo(info, t.subject, []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile, "groups"})
}

// SetIntrospectionFromToken implements op.OPStorage.
func (s *storage) SetIntrospectionFromToken(_ context.Context, in *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	s.mu.Lock()
	t, ok := s.access[tokenID]
	s.mu.Unlock()
	if !ok || time.Now().After(t.expires) {
		return errors.New("access token is not valid")
	}
	in.Active, in.Subject, in.ClientID = true, t.subject, t.clientID
	return nil
}

// GetPrivateClaimsFromScopes implements op.OPStorage.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID implements op.OPStorage.
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, notFound{"key"}
}

// ValidateJWTProfileScopes implements op.OPStorage.
func (s *storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

// Health implements op.Storage.
func (s *storage) Health(context.Context) error { return nil }

// TerminateSessionFromRequest implements op.CanTerminateSessionFromRequest:
// it counts the end-session requests.
func (s *storage) TerminateSessionFromRequest(ctx context.Context, r *op.EndSessionRequest) (string, error) {
	if err := s.TerminateSession(ctx, r.UserID, r.ClientID); err != nil {
		return "", err
	}
	return r.RedirectURI, nil
}
