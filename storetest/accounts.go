package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/markdown"
)

// RunAccounts runs the conformance suite of hindsight.AccountStore against
// stores made by open (which must also implement AccountStore).
func RunAccounts(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hindsight.AccountStore)
	}{
		{"Users", testUsers},
		{"FirstAdmin", testFirstAdmin},
		{"Sessions", testSessions},
		{"Tokens", testTokens},
		{"LoginFailures", testLoginFailures},
		{"LastAdmin", testLastAdmin},
		{"ResetRevokesTokens", testResetRevokesTokens},
		{"Audit", testAudit},
		{"Identities", testIdentities},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t, Config{Render: markdown.Render, Clock: NewClock(Epoch).Now})
			as, ok := st.(hindsight.AccountStore)
			if !ok {
				t.Fatalf("%T does not implement hindsight.AccountStore", st)
			}
			tc.fn(t, as)
		})
	}
}

func user(id, email string, role hindsight.Role) *hindsight.User {
	return &hindsight.User{ID: id, Email: email, Name: "Name " + id, Role: role, PasswordHash: "$argon2id$fake-" + id}
}

func testUsers(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	if n, err := s.CountUsers(c); err != nil || n != 0 {
		t.Fatalf("CountUsers on a new store = %d, %v", n, err)
	}
	if err := s.CreateUser(c, user("u1", "Ann@Example.com", hindsight.RoleEditor), false, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(c, user("u2", "ann@example.COM", hindsight.RoleViewer), false, "", nil); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("duplicate email (other case): got %v, want conflict", err)
	}
	if err := s.CreateUser(c, &hindsight.User{ID: "u3", Email: "x@example.com", Role: "boss", PasswordHash: "h"}, false, "", nil); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("bad role: got %v, want invalid", err)
	}
	u, err := s.FindUserByEmail(c, " ANN@example.com ")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != "u1" || u.Email != "ann@example.com" || u.Role != hindsight.RoleEditor || u.PasswordHash != "$argon2id$fake-u1" || u.Disabled || u.CreatedAt.IsZero() {
		t.Errorf("found %+v", u)
	}
	if _, err := s.FindUserByID(c, "nobody"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("FindUserByID(nobody): %v", err)
	}
	if _, err := s.FindUserByEmail(c, "nobody@example.com"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("FindUserByEmail(nobody): %v", err)
	}
	admin, yes := hindsight.RoleAdmin, true
	u, err = s.UpdateUser(c, "u1", hindsight.UserUpdate{Role: &admin, Disabled: &yes}, []hindsight.AuditEntry{{Actor: "system", Action: "user.update", Target: "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != hindsight.RoleAdmin || !u.Disabled || u.Name != "Name u1" {
		t.Errorf("after update: %+v", u)
	}
	if _, err := s.UpdateUser(c, "nobody", hindsight.UserUpdate{Role: &admin}, nil); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("update nobody: %v", err)
	}
	at := Epoch.Add(time.Hour)
	if err := s.SetLastLogin(c, "u1", at); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(c, user("u0", "bob@example.com", hindsight.RoleViewer), false, "", nil); err != nil {
		t.Fatal(err)
	}
	all, err := s.FindUsers(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].Email != "ann@example.com" || !all[0].LastLoginAt.Equal(at) || all[1].Email != "bob@example.com" {
		t.Errorf("FindUsers = %+v", all)
	}
}

func testFirstAdmin(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	if err := s.AddSetupToken(c, "h1", Epoch); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.SetupTokenValid(c, "h1"); err != nil || !ok {
		t.Fatalf("SetupTokenValid(h1) = %v, %v", ok, err)
	}
	if ok, _ := s.SetupTokenValid(c, "h2"); ok {
		t.Error("an unknown setup token is valid")
	}
	if err := s.CreateUser(c, user("a1", "admin@example.com", hindsight.RoleAdmin), true, "h2", nil); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("first admin with a wrong setup token: %v", err)
	}
	if err := s.CreateUser(c, user("a1", "admin@example.com", hindsight.RoleAdmin), true, "h1", nil); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.SetupTokenValid(c, "h1"); ok {
		t.Error("the setup token is still valid after use")
	}
	if err := s.CreateUser(c, user("a2", "second@example.com", hindsight.RoleAdmin), true, "", nil); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("a second first admin: %v", err)
	}
}

func testSessions(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	if err := s.CreateUser(c, user("u1", "ann@example.com", hindsight.RoleViewer), false, "", nil); err != nil {
		t.Fatal(err)
	}
	ss := hindsight.Session{IDHash: "s1", UserID: "u1", CreatedAt: Epoch, LastSeenAt: Epoch, Address: "192.0.2.1", UserAgent: "test"}
	if err := s.CreateSession(c, ss); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(c, hindsight.Session{IDHash: "s2", UserID: "u1", CreatedAt: Epoch, LastSeenAt: Epoch}); err != nil {
		t.Fatal(err)
	}
	got, gu, err := s.FindSession(c, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != "u1" || !got.CreatedAt.Equal(Epoch) || got.Address != "192.0.2.1" {
		t.Errorf("FindSession = %+v", got)
	}
	if gu == nil || gu.ID != "u1" || gu.Email != "ann@example.com" || gu.Role != hindsight.RoleViewer || gu.Disabled {
		t.Errorf("FindSession's account = %+v", gu)
	}
	later := Epoch.Add(time.Minute)
	if err := s.TouchSession(c, "s1", later); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = s.FindSession(c, "s1"); got == nil || !got.LastSeenAt.Equal(later) {
		t.Errorf("after touch: %+v", got)
	}
	if err := s.DeleteSession(c, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FindSession(c, "s1"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("deleted session: %v", err)
	}
	h := "new-hash"
	if _, err := s.UpdateUser(c, "u1", hindsight.UserUpdate{PasswordHash: &h, EndSessions: true}, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FindSession(c, "s2"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("session after EndSessions: %v", err)
	}
}

func testTokens(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	for _, u := range []*hindsight.User{user("u1", "ann@example.com", hindsight.RoleEditor), user("u2", "bob@example.com", hindsight.RoleEditor)} {
		if err := s.CreateUser(c, u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	tk := &hindsight.Token{ID: "t1", UserID: "u1", Name: "ci", Hash: "th1", Scope: hindsight.ScopeRead, ExpiresAt: Epoch.Add(24 * time.Hour)}
	if err := s.CreateToken(c, tk, []hindsight.AuditEntry{{Actor: "u1", Action: "token.create", Target: "t1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(c, &hindsight.Token{ID: "t2", UserID: "u2", Hash: "th2", Scope: hindsight.ScopeReadWrite}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(c, &hindsight.Token{ID: "t3", UserID: "u2", Hash: "th3", Scope: "admin"}, nil); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("bad scope: %v", err)
	}
	got, gu, err := s.FindTokenByHash(c, "th1")
	if err != nil {
		t.Fatal(err)
	}
	if gu == nil || gu.ID != "u1" || gu.Email != "ann@example.com" || gu.Role != hindsight.RoleEditor {
		t.Errorf("FindTokenByHash's account = %+v", gu)
	}
	if got.ID != "t1" || got.UserID != "u1" || got.Scope != hindsight.ScopeRead || !got.ExpiresAt.Equal(Epoch.Add(24*time.Hour)) || !got.LastUsedAt.IsZero() {
		t.Errorf("FindTokenByHash = %+v", got)
	}
	if _, _, err := s.FindTokenByHash(c, "nope"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("unknown token: %v", err)
	}
	used := Epoch.Add(time.Hour)
	if err := s.TouchToken(c, "t1", used, []hindsight.AuditEntry{{Actor: "u1", Action: "token.use", Target: "t1"}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = s.FindTokenByHash(c, "th1"); got == nil || !got.LastUsedAt.Equal(used) {
		t.Errorf("after touch: %+v", got)
	}
	if ts, err := s.FindTokens(c, "u1"); err != nil || len(ts) != 1 || ts[0].ID != "t1" {
		t.Errorf("FindTokens(u1) = %+v, %v", ts, err)
	}
	if ts, err := s.FindTokens(c, ""); err != nil || len(ts) != 2 {
		t.Errorf("FindTokens(all) = %+v, %v", ts, err)
	}
	if err := s.RevokeToken(c, "t2", "u1", used, nil); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("revoking another account's token: %v", err)
	}
	if err := s.RevokeToken(c, "t2", "u2", used, nil); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = s.FindTokenByHash(c, "th2"); got == nil || !got.RevokedAt.Equal(used) || got.Active(used) {
		t.Errorf("after revoke: %+v", got)
	}
	// a second revocation (another tab) changes nothing and is not audited
	// again
	again := used.Add(time.Minute)
	if err := s.RevokeToken(c, "t2", "u2", again, []hindsight.AuditEntry{{Actor: "u2", Action: "token.revoke", Target: "t2"}}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = s.FindTokenByHash(c, "th2"); got == nil || !got.RevokedAt.Equal(used) {
		t.Errorf("after a second revoke: %+v, want the first revocation's time", got)
	}
	if es, err := s.FindAudit(c, hindsight.AuditFilter{Action: "token.revoke"}); err != nil || len(es) != 0 {
		t.Errorf("audit of a second revoke: %+v, %v; want none", es, err)
	}
	if err := s.RevokeToken(c, "t9", "", again, nil); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("revoking a missing token: %v", err)
	}
}

func testLoginFailures(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	w := 15 * time.Minute
	for i := 1; i <= 3; i++ {
		n, err := s.LoginAttempt(c, "user:ann", Epoch.Add(time.Duration(i)*time.Minute), w)
		if err != nil || n != i {
			t.Fatalf("attempt %d: n = %d, %v", i, n, err)
		}
	}
	// the window started at the first attempt (minute 1): minute 15 is in it
	if n, err := s.LoginAttempt(c, "user:ann", Epoch.Add(15*time.Minute), w); err != nil || n != 4 {
		t.Errorf("within the window: %d, %v", n, err)
	}
	if n, _ := s.LoginAttempt(c, "user:ann", Epoch.Add(16*time.Minute), w); n != 1 {
		t.Errorf("an attempt at the window's end starts a new one: %d", n)
	}
	if n, _ := s.LoginAttempt(c, "user:ann", Epoch.Add(20*time.Minute), w); n != 2 {
		t.Errorf("within the new window: %d", n)
	}
	if n, _ := s.LoginAttempt(c, "addr:192.0.2.1", Epoch.Add(20*time.Minute), w); n != 1 {
		t.Errorf("other key: %d", n)
	}
	if err := s.ForgiveLoginAttempt(c, "user:ann"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.LoginAttempt(c, "user:ann", Epoch.Add(21*time.Minute), w); n != 2 {
		t.Errorf("after forgiving one: %d, want 2", n)
	}
	if err := s.ForgiveLoginAttempt(c, "user:nobody"); err != nil {
		t.Errorf("forgiving an unknown key: %v", err)
	}
	if err := s.ClearLoginFailures(c, "user:ann"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.LoginAttempt(c, "user:ann", Epoch.Add(22*time.Minute), w); n != 1 {
		t.Errorf("after clear: %d", n)
	}

	// Concurrent attempts each get their own number: the count is read in
	// the statement that makes it, never before (issue 15: 59 parallel
	// guesses all read the same count and were all checked).
	const parallel = 40
	got := make(chan int, parallel)
	errs := make(chan error, parallel)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.LoginAttempt(c, "user:bob", Epoch.Add(40*time.Minute), w)
			if err != nil {
				errs <- err
				return
			}
			got <- n
		}()
	}
	wg.Wait()
	close(got)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for n := range got {
		if seen[n] || n < 1 || n > parallel {
			t.Errorf("concurrent attempt got count %d twice or out of 1..%d", n, parallel)
		}
		seen[n] = true
	}
	if len(seen) != parallel {
		t.Errorf("%d concurrent attempts got %d distinct counts", parallel, len(seen))
	}
}

// testLastAdmin: the store keeps an active admin. Two admins demoting (or
// disabling) each other at once: one wins, the other is EConflict, and an
// active admin is left (issue 15: both read "two admins" and both
// succeeded).
func testLastAdmin(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	viewer, yes := hindsight.RoleViewer, true
	for _, u := range []*hindsight.User{user("a1", "a1@example.com", hindsight.RoleAdmin), user("e1", "e1@example.com", hindsight.RoleEditor)} {
		if err := s.CreateUser(c, u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateUser(c, "a1", hindsight.UserUpdate{Role: &viewer}, nil); hindsight.ErrorCode(err) != hindsight.EConflict ||
		!strings.Contains(hindsight.ErrorMessage(err), "a1@example.com is the last active admin") {
		t.Errorf("demote the last admin: %v, want conflict naming it", err)
	}
	if _, err := s.UpdateUser(c, "a1", hindsight.UserUpdate{Disabled: &yes}, nil); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("disable the last admin: %v, want conflict", err)
	}
	name := "still an admin"
	if _, err := s.UpdateUser(c, "a1", hindsight.UserUpdate{Name: &name}, nil); err != nil {
		t.Errorf("rename the last admin: %v", err)
	}
	if _, err := s.UpdateUser(c, "e1", hindsight.UserUpdate{Role: &viewer, Disabled: &yes}, nil); err != nil {
		t.Errorf("a non-admin: %v", err)
	}
	for round := range 12 {
		ids := []string{fmt.Sprintf("r%da", round), fmt.Sprintf("r%db", round)}
		for _, id := range ids {
			if err := s.CreateUser(c, user(id, id+"@example.com", hindsight.RoleAdmin), false, "", nil); err != nil {
				t.Fatal(err)
			}
		}
		// leave only the two of this round active
		us, err := s.FindUsers(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.Role == hindsight.RoleAdmin && u.ID != ids[0] && u.ID != ids[1] {
				if _, err := s.UpdateUser(c, u.ID, hindsight.UserUpdate{Role: &viewer}, nil); err != nil {
					t.Fatal(err)
				}
			}
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				up := hindsight.UserUpdate{Role: &viewer}
				if round%2 == 1 {
					up = hindsight.UserUpdate{Disabled: &yes}
				}
				_, errs[i] = s.UpdateUser(c, id, up, nil)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch hindsight.ErrorCode(err) {
			case "":
				ok++
			case hindsight.EConflict:
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		us, err = s.FindUsers(c)
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, u := range us {
			if u.Role == hindsight.RoleAdmin && !u.Disabled {
				active++
			}
		}
		if ok != 1 || active != 1 {
			t.Fatalf("round %d: %d demotions succeeded, %d active admins left; want 1 and 1 (%v)", round, ok, active, errs)
		}
	}
}

// testResetRevokesTokens: RevokeTokens revokes every live token of the
// account in the update's transaction, and no one else's.
func testResetRevokesTokens(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	for _, u := range []*hindsight.User{user("u1", "u1@example.com", hindsight.RoleEditor), user("u2", "u2@example.com", hindsight.RoleEditor)} {
		if err := s.CreateUser(c, u, false, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, owner := range []string{"u1", "u1", "u2"} {
		tk := &hindsight.Token{ID: fmt.Sprint("t", i), UserID: owner, Name: "t", Hash: fmt.Sprint("h", i), Scope: hindsight.ScopeRead}
		if err := s.CreateToken(c, tk, nil); err != nil {
			t.Fatal(err)
		}
	}
	h := "$argon2id$new"
	if _, err := s.UpdateUser(c, "u1", hindsight.UserUpdate{PasswordHash: &h, EndSessions: true, RevokeTokens: true}, nil); err != nil {
		t.Fatal(err)
	}
	ts, err := s.FindTokens(c, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if revoked := !tk.RevokedAt.IsZero(); revoked != (tk.UserID == "u1") {
			t.Errorf("token %s of %s: revoked %v", tk.ID, tk.UserID, revoked)
		}
	}
}

func testAudit(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	st := s.(hindsight.Store)
	inc, err := st.CreateIncident(c, hindsight.IncidentCreate{Doc: &hindsight.Postmortem{Title: "audited"}, Author: "ann",
		Audit: []hindsight.AuditRecord{{Actor: "u1", Action: "incident.create", Detail: "created"}}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.WriteAudit(c, []hindsight.AuditEntry{
		{Actor: "u1", Action: "login", Address: "192.0.2.1"},
		{Actor: "bob@example.com", Action: "login.failed", Address: "192.0.2.2", Detail: "wrong password"},
		{Actor: "u1", Action: "user.create", Target: "u2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.FindAudit(c, hindsight.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].Action != "user.create" || all[3].Action != "incident.create" || all[3].IncidentID != inc.ID || all[0].At.IsZero() {
		t.Fatalf("FindAudit = %+v", all)
	}
	cases := []struct {
		name string
		f    hindsight.AuditFilter
		want []string
	}{
		{"actor", hindsight.AuditFilter{Actor: "u1"}, []string{"user.create", "login", "incident.create"}},
		{"action", hindsight.AuditFilter{Action: "login"}, []string{"login"}},
		{"action prefix", hindsight.AuditFilter{Action: "login."}, []string{"login.failed"}},
		{"target", hindsight.AuditFilter{Target: "u2"}, []string{"user.create"}},
		{"incident as target", hindsight.AuditFilter{Target: inc.ID}, []string{"incident.create"}},
		{"limit", hindsight.AuditFilter{Limit: 1}, []string{"user.create"}},
		{"before id", hindsight.AuditFilter{BeforeID: all[1].ID}, []string{"login", "incident.create"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindAudit(c, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var acts []string
			for _, e := range got {
				acts = append(acts, e.Action)
			}
			if strings.Join(acts, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", acts, tc.want)
			}
		})
	}
}
