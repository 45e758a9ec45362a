package auth

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
	"github.com/hindsight-pm/hindsight/sqlite"
)

// The principal cache serves a token's account for PrincipalTTL, forgets
// what changes through it at once, and never keeps what it read before a
// change.
func TestPrincipalCache(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, id := range []string{"u1", "u2"} {
		if err := st.CreateUser(ctx, &hindsight.User{ID: id, Email: id + "@example.test", Role: hindsight.RoleEditor, PasswordHash: "x"}, false, "", nil); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateToken(ctx, &hindsight.Token{ID: "t-" + id, UserID: id, Hash: "h-" + id, Scope: hindsight.ScopeRead}, nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c := newPrincipalCache(st)
	c.now = func() time.Time { return now }
	role := func(hash string) hindsight.Role {
		t.Helper()
		_, u, err := c.FindTokenByHash(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		return u.Role
	}
	viewer := hindsight.RoleViewer
	if role("h-u1") != hindsight.RoleEditor {
		t.Fatal("first read")
	}
	// a change by another process (straight to the store) shows after the TTL
	if _, err := st.UpdateUser(ctx, "u1", hindsight.UserUpdate{Role: &viewer}, nil); err != nil {
		t.Fatal(err)
	}
	if role("h-u1") != hindsight.RoleEditor {
		t.Error("the cached account was read again within the TTL")
	}
	now = now.Add(PrincipalTTL)
	if role("h-u1") != hindsight.RoleViewer {
		t.Error("the change of another process not seen after the TTL")
	}
	// a change through the cache shows at once
	editor := hindsight.RoleEditor
	if _, err := c.UpdateUser(ctx, "u1", hindsight.UserUpdate{Role: &editor}, nil); err != nil {
		t.Fatal(err)
	}
	if role("h-u1") != hindsight.RoleEditor {
		t.Error("own change not seen at once")
	}
	role("h-u2")
	if err := c.RevokeToken(ctx, "t-u2", "", now, nil); err != nil {
		t.Fatal(err)
	}
	if tk, _, err := c.FindTokenByHash(ctx, "h-u2"); err != nil || tk.RevokedAt.IsZero() {
		t.Errorf("revoked token read as %+v, %v", tk, err)
	}
	// an entry read before a forget is not put after it
	gen := c.generation()
	c.forgetAll()
	c.put("tstale", principalEntry{token: hindsight.Token{ID: "stale"}}, gen)
	if _, ok := c.get("tstale"); ok {
		t.Error("an entry read before a forget was kept")
	}
	// callers get copies
	tk, _, _ := c.FindTokenByHash(ctx, "h-u1")
	tk.LastUsedAt = now.Add(time.Hour)
	if tk2, _, _ := c.FindTokenByHash(ctx, "h-u1"); !tk2.LastUsedAt.IsZero() {
		t.Error("a caller's change reached the cache")
	}
	// touching a token forgets it
	if err := c.TouchToken(ctx, "t-u1", now, nil); err != nil {
		t.Fatal(err)
	}
	if tk3, _, _ := c.FindTokenByHash(ctx, "h-u1"); !tk3.LastUsedAt.Equal(now) {
		t.Errorf("after touch: %v", tk3.LastUsedAt)
	}
}

// countingStore counts the token reads that reach the store.
type countingStore struct {
	hindsight.AccountStore
	reads int
}

func (c *countingStore) FindTokenByHash(ctx context.Context, hash string) (*hindsight.Token, *hindsight.User, error) {
	c.reads++
	return c.AccountStore.FindTokenByHash(ctx, hash)
}

// TestPrincipalRenewedBeforeExpiry: past half of PrincipalTTL one caller,
// and only one, reads the credentials again while the others are still
// answered from memory; what it read then serves from its own read time.
// Never is an entry PrincipalTTL old or older answered.
func TestPrincipalRenewedBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hindsight.db"), sqlite.Options{Render: markdown.Render})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateUser(ctx, &hindsight.User{ID: "u1", Email: "u1@example.test", Role: hindsight.RoleEditor, PasswordHash: "x"}, false, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, &hindsight.Token{ID: "t-u1", UserID: "u1", Hash: "h-u1", Scope: hindsight.ScopeRead}, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	now := start
	cs := &countingStore{AccountStore: st}
	c := newPrincipalCache(cs)
	c.now = func() time.Time { return now }
	steps := []struct {
		at    time.Duration // after the start
		reads int           // store reads of this call
	}{
		{0, 1},                  // the first read
		{PrincipalTTL / 4, 0},   // from memory
		{PrincipalTTL / 2, 1},   // half the TTL: this caller renews
		{PrincipalTTL/2 + 1, 0}, // read at TTL/2: young again
		{PrincipalTTL - 1, 0},   // from memory
		{PrincipalTTL, 1},       // half the renewal's TTL: one caller renews
		{PrincipalTTL + 1, 0},   // the others: from memory
		{PrincipalTTL * 3, 1},   // expired: read
		{PrincipalTTL*3 + 1, 0}, // from memory
		{PrincipalTTL*3 + PrincipalTTL/2 + 1, 1},
	}
	for _, s := range steps {
		now = start.Add(s.at)
		before := cs.reads
		if _, _, err := c.FindTokenByHash(ctx, "h-u1"); err != nil {
			t.Fatal(err)
		}
		if got := cs.reads - before; got != s.reads {
			t.Errorf("at %v: %d store reads, want %d", s.at, got, s.reads)
		}
	}
	// the renewing caller failed to put (a forget in between): nobody else
	// renews, and at PrincipalTTL the entry is gone
	now = start.Add(10 * PrincipalTTL)
	if _, _, err := c.FindTokenByHash(ctx, "h-u1"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(PrincipalTTL / 2)
	if _, ok := c.get("th-u1"); ok {
		t.Error("the renewing caller was answered from memory")
	}
	if _, ok := c.get("th-u1"); !ok {
		t.Error("a second caller past half the TTL was not answered from memory")
	}
	now = now.Add(PrincipalTTL / 2)
	if _, ok := c.get("th-u1"); ok {
		t.Error("an entry PrincipalTTL old was answered")
	}
}
