package auth

import (
	"context"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// PrincipalTTL is how long a token's or session's account, once read, is
// trusted without reading it again. Changes made through this process
// (revoking a token, disabling an account, changing a role or password,
// signing out) take effect at once; changes made by another process (the
// CLI, another instance behind the load balancer) within PrincipalTTL.
const PrincipalTTL = 2 * time.Second

// maxPrincipals bounds the cache; when full it starts again empty.
const maxPrincipals = 10000

// principalCache is an AccountStore that remembers, for PrincipalTTL, the
// token or session and account that FindTokenByHash and FindSession return:
// every request of a client carries the same credentials, and reading them
// is most of an access check's cost. Every change to accounts, tokens or
// sessions through it forgets what it changed.
type principalCache struct {
	hindsight.AccountStore
	mu      sync.Mutex
	entries map[string]principalEntry // by "t"+token hash or "s"+session hash
	tokens  map[string]string         // token ID -> its entry key
	// gen counts forgets: an entry read from the store before a forget
	// is not put after it
	gen uint64
	now func() time.Time
}

type principalEntry struct {
	token   hindsight.Token
	session hindsight.Session
	user    hindsight.User
	at      time.Time
	// renewing: past half PrincipalTTL, one caller was sent to read it
	// again
	renewing bool
}

func newPrincipalCache(s hindsight.AccountStore) *principalCache {
	return &principalCache{AccountStore: s, entries: map[string]principalEntry{}, tokens: map[string]string{}, now: time.Now}
}

// get returns the entry of key while it is younger than PrincipalTTL.
// Past half of it, one caller (and only one) is told there is none, so it
// reads the credentials again while the others are still answered from
// memory: a client's entry is renewed before it expires, instead of all of
// its concurrent requests reading it from the store at the moment it does
// (a burst once per PrincipalTTL, the tail of the latency).
func (c *principalCache) get(key string) (principalEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return e, false
	}
	age := c.now().Sub(e.at)
	if age >= PrincipalTTL || age < 0 {
		delete(c.entries, key)
		return e, false
	}
	if age >= PrincipalTTL/2 && !e.renewing {
		e.renewing = true
		c.entries[key] = e
		return e, false
	}
	return e, true
}

func (c *principalCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *principalCache) put(key string, e principalEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= maxPrincipals {
		clear(c.entries)
		clear(c.tokens)
	}
	e.at = c.now()
	c.entries[key] = e
	if key[0] == 't' {
		c.tokens[e.token.ID] = key
	}
}

func (c *principalCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.entries, key)
}

func (c *principalCache) forgetAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
	clear(c.tokens)
}

// FindTokenByHash implements hindsight.AccountStore.
func (c *principalCache) FindTokenByHash(ctx context.Context, hash string) (*hindsight.Token, *hindsight.User, error) {
	if e, ok := c.get("t" + hash); ok {
		return &e.token, &e.user, nil // copies: callers may change them
	}
	gen := c.generation()
	t, u, err := c.AccountStore.FindTokenByHash(ctx, hash)
	if err == nil {
		c.put("t"+hash, principalEntry{token: *t, user: *u}, gen)
	}
	return t, u, err
}

// FindSession implements hindsight.AccountStore.
func (c *principalCache) FindSession(ctx context.Context, idHash string) (*hindsight.Session, *hindsight.User, error) {
	if e, ok := c.get("s" + idHash); ok {
		return &e.session, &e.user, nil
	}
	gen := c.generation()
	s, u, err := c.AccountStore.FindSession(ctx, idHash)
	if err == nil {
		c.put("s"+idHash, principalEntry{session: *s, user: *u}, gen)
	}
	return s, u, err
}

// TouchToken implements hindsight.AccountStore.
func (c *principalCache) TouchToken(ctx context.Context, id string, at time.Time, audit []hindsight.AuditEntry) error {
	err := c.AccountStore.TouchToken(ctx, id, at, audit)
	c.mu.Lock()
	c.gen++
	if key, ok := c.tokens[id]; ok {
		delete(c.entries, key)
		delete(c.tokens, id)
	}
	c.mu.Unlock()
	return err
}

// TouchSession implements hindsight.AccountStore.
func (c *principalCache) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	err := c.AccountStore.TouchSession(ctx, idHash, at)
	c.forget("s" + idHash)
	return err
}

// DeleteSession implements hindsight.AccountStore.
func (c *principalCache) DeleteSession(ctx context.Context, idHash string) error {
	err := c.AccountStore.DeleteSession(ctx, idHash)
	c.forget("s" + idHash)
	return err
}

// RevokeToken implements hindsight.AccountStore.
func (c *principalCache) RevokeToken(ctx context.Context, id, userID string, at time.Time, audit []hindsight.AuditEntry) error {
	err := c.AccountStore.RevokeToken(ctx, id, userID, at, audit)
	c.forgetAll()
	return err
}

// UpdateUser implements hindsight.AccountStore.
func (c *principalCache) UpdateUser(ctx context.Context, id string, up hindsight.UserUpdate, audit []hindsight.AuditEntry) (*hindsight.User, error) {
	u, err := c.AccountStore.UpdateUser(ctx, id, up, audit)
	c.forgetAll()
	return u, err
}

// UpdateSessionExternal implements hindsight.IdentityStore.
func (c *principalCache) UpdateSessionExternal(ctx context.Context, idHash string, ext hindsight.ExternalSession) error {
	err := c.AccountStore.UpdateSessionExternal(ctx, idHash, ext)
	c.forget("s" + idHash)
	return err
}

// EndUserSessions implements hindsight.IdentityStore.
func (c *principalCache) EndUserSessions(ctx context.Context, userID string, audit []hindsight.AuditEntry) error {
	err := c.AccountStore.EndUserSessions(ctx, userID, audit)
	c.forgetAll()
	return err
}

// LinkIdentity implements hindsight.IdentityStore.
func (c *principalCache) LinkIdentity(ctx context.Context, id hindsight.Identity, audit []hindsight.AuditEntry) error {
	err := c.AccountStore.LinkIdentity(ctx, id, audit)
	c.forgetAll()
	return err
}
