package storetest

import (
	"testing"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// testIdentities: accounts linked to identity providers' subjects, the
// break-glass and link flags, and sessions' external refresh state.
func testIdentities(t *testing.T, s hindsight.AccountStore) {
	c := ctx(t)
	const iss = "https://idp.example.com"
	u := user("u1", "Ann@example.com", hindsight.RoleViewer)
	if err := s.CreateLinkedUser(c, u, hindsight.Identity{Issuer: iss, Subject: "sub-1"},
		[]hindsight.AuditEntry{{Actor: "u1", Action: "user.create", Target: "u1"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindUserByIdentity(c, iss, "sub-1")
	if err != nil || got.ID != "u1" || got.Email != "ann@example.com" || got.BreakGlass || got.LinkOnSignIn {
		t.Fatalf("FindUserByIdentity = %+v, %v", got, err)
	}
	if _, err := s.FindUserByIdentity(c, iss, "sub-2"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("unknown subject: %v, want not found", err)
	}
	if _, err := s.FindUserByIdentity(c, "https://other.example.com", "sub-1"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("same subject of another issuer: %v, want not found", err)
	}

	// Neither half of a refused linked account is kept.
	err = s.CreateLinkedUser(c, user("u2", "ann@example.com", hindsight.RoleViewer), hindsight.Identity{Issuer: iss, Subject: "sub-2"}, nil)
	if hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("linked account with a taken email: %v, want conflict", err)
	}
	if _, err := s.FindUserByIdentity(c, iss, "sub-2"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("identity of the refused account kept: %v", err)
	}
	err = s.CreateLinkedUser(c, user("u3", "bob@example.com", hindsight.RoleViewer), hindsight.Identity{Issuer: iss, Subject: "sub-1"}, nil)
	if hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("linked account with a taken subject: %v, want conflict", err)
	}
	if _, err := s.FindUserByEmail(c, "bob@example.com"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("account of the refused identity kept: %v", err)
	}
	if err := s.CreateLinkedUser(c, user("u4", "cy@example.com", hindsight.RoleViewer), hindsight.Identity{Issuer: "", Subject: "x"}, nil); hindsight.ErrorCode(err) != hindsight.EInvalid {
		t.Errorf("empty issuer: %v, want invalid", err)
	}

	// A local account linked by an admin's permission.
	if err := s.CreateUser(c, user("u5", "dee@example.com", hindsight.RoleEditor), false, "", nil); err != nil {
		t.Fatal(err)
	}
	yes := true
	if got, err := s.UpdateUser(c, "u5", hindsight.UserUpdate{LinkOnSignIn: &yes, BreakGlass: &yes}, nil); err != nil || !got.LinkOnSignIn || !got.BreakGlass {
		t.Fatalf("set flags: %+v, %v", got, err)
	}
	if err := s.LinkIdentity(c, hindsight.Identity{Issuer: iss, Subject: "sub-5", UserID: "u5"},
		[]hindsight.AuditEntry{{Actor: "u5", Action: "user.link", Target: "u5"}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.FindUserByIdentity(c, iss, "sub-5")
	if err != nil || got.ID != "u5" || got.LinkOnSignIn || !got.BreakGlass {
		t.Errorf("after link: %+v, %v (want linked, link flag cleared, break-glass kept)", got, err)
	}
	if err := s.LinkIdentity(c, hindsight.Identity{Issuer: iss, Subject: "sub-6", UserID: "u5"}, nil); hindsight.ErrorCode(err) != hindsight.EConflict {
		t.Errorf("second subject of one issuer: %v, want conflict", err)
	}
	if err := s.LinkIdentity(c, hindsight.Identity{Issuer: iss, Subject: "sub-7", UserID: "nobody"}, nil); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("link to a missing account: %v, want not found", err)
	}
	ids, err := s.FindIdentities(c, "u5")
	if err != nil || len(ids) != 1 || ids[0].Subject != "sub-5" || ids[0].Issuer != iss || ids[0].CreatedAt.IsZero() {
		t.Errorf("FindIdentities = %+v, %v", ids, err)
	}
	if es, err := s.FindAudit(c, hindsight.AuditFilter{Action: "user.link"}); err != nil || len(es) != 1 {
		t.Errorf("audit of the link: %+v, %v", es, err)
	}

	// Sessions: external state kept, replaced and ended.
	at := Epoch.Add(5 * time.Minute)
	ext := &hindsight.ExternalSession{Issuer: iss, RefreshToken: "rt-1", RefreshAt: at, IDToken: "idt-1"}
	for _, h := range []string{"s1", "s2"} {
		if err := s.CreateSession(c, hindsight.Session{IDHash: h, UserID: "u1", CreatedAt: Epoch, LastSeenAt: Epoch, External: ext}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(c, hindsight.Session{IDHash: "local", UserID: "u5", CreatedAt: Epoch, LastSeenAt: Epoch}); err != nil {
		t.Fatal(err)
	}
	ss, _, err := s.FindSession(c, "s1")
	if err != nil || ss.External == nil || *ss.External != *ext {
		t.Fatalf("FindSession external = %+v, %v; want %+v", ss, err, ext)
	}
	if ss, _, err := s.FindSession(c, "local"); err != nil || ss.External != nil {
		t.Errorf("password session: %+v, %v; want no external state", ss, err)
	}
	next := hindsight.ExternalSession{Issuer: iss, RefreshToken: "rt-2", RefreshAt: at.Add(5 * time.Minute), IDToken: "idt-2"}
	if err := s.UpdateSessionExternal(c, "s1", next); err != nil {
		t.Fatal(err)
	}
	if ss, _, err := s.FindSession(c, "s1"); err != nil || ss.External == nil || *ss.External != next {
		t.Errorf("after UpdateSessionExternal: %+v, %v", ss, err)
	}
	if err := s.UpdateSessionExternal(c, "gone", next); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Errorf("UpdateSessionExternal of a missing session: %v", err)
	}
	if err := s.EndUserSessions(c, "u1", []hindsight.AuditEntry{{Actor: "system", Action: "session.end", Target: "u1"}}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"s1", "s2"} {
		if _, _, err := s.FindSession(c, h); hindsight.ErrorCode(err) != hindsight.ENotFound {
			t.Errorf("session %s after EndUserSessions: %v", h, err)
		}
	}
	if _, _, err := s.FindSession(c, "local"); err != nil {
		t.Errorf("another account's session ended: %v", err)
	}
}
