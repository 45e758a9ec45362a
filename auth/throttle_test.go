package auth_test

import (
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/auth"
)

// checked counts the password checks the audit log shows: every checked
// wrong password is a login.failed "wrong password", every checked right
// one a login.
func checked(t *testing.T, w *world) (wrong, right int) {
	t.Helper()
	es, err := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	right = len(es)
	es, err = w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login.failed", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Detail == "wrong password" {
			wrong++
		}
	}
	return wrong, right
}

// TestLoginThrottleConcurrent is the throttle race of issue 15: the count
// was read before the password check and written after it, so parallel
// guesses all read 0 and were all checked, and the right password among
// them signed in. Now at most MaxAccountFailures wrong passwords are
// checked per window however many arrive at once.
func TestLoginThrottleConcurrent(t *testing.T) {
	const guesses = 100
	t.Run("guesses then the right password", func(t *testing.T) {
		w := newWorld(t, worldOpts{auth: auth.Options{MaxAddressFailures: 1000}})
		_, pw := w.addUser(t, "ann@example.com", hindsight.RoleAdmin)
		var wg sync.WaitGroup
		for i := range guesses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.auth.CheckLogin(t.Context(), "ann@example.com", "wrong password "+string(rune('a'+i%26))+" 123", "192.0.2.7")
				if c := hindsight.ErrorCode(err); c != hindsight.EUnauth && c != hindsight.ETooMany {
					t.Errorf("guess: %v", err)
				}
			}()
		}
		wg.Wait()
		if wrong, _ := checked(t, w); wrong > auth.DefaultMaxAccountFailures {
			t.Errorf("%d concurrent guesses: %d checked, want at most %d", guesses, wrong, auth.DefaultMaxAccountFailures)
		}
		if _, err := w.auth.CheckLogin(t.Context(), "ann@example.com", pw, "192.0.2.7"); hindsight.ErrorCode(err) != hindsight.ETooMany {
			t.Errorf("the right password after the guesses: %v, want refused (throttled)", err)
		}
		es, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login.throttled", Limit: 1000})
		if len(es) != 1 {
			t.Errorf("%d login.throttled records, want 1 per account and window", len(es))
		}
	})
	t.Run("guesses and the right password at once", func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		_, pw := w.addUser(t, "ann@example.com", hindsight.RoleAdmin)
		var wg sync.WaitGroup
		var rightErr error
		for i := range guesses + 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// from many addresses, so only the account's limit applies
				addr := "198.51.100." + string(rune('0'+i%10)) + string(rune('0'+i/10%10))
				if i == guesses/2 {
					_, rightErr = w.auth.CheckLogin(t.Context(), "ann@example.com", pw, addr)
					return
				}
				_, _ = w.auth.CheckLogin(t.Context(), "ann@example.com", "wrong password 123", addr)
			}()
		}
		wg.Wait()
		wrong, right := checked(t, w)
		if wrong > auth.DefaultMaxAccountFailures {
			t.Errorf("%d concurrent guesses: %d wrong passwords checked, want at most %d", guesses, wrong, auth.DefaultMaxAccountFailures)
		}
		switch {
		case rightErr == nil && right != 1:
			t.Errorf("the right password signed in but %d sign-ins are recorded", right)
		case rightErr != nil && (hindsight.ErrorCode(rightErr) != hindsight.ETooMany || right != 0):
			t.Errorf("the right password: %v (%d sign-ins), want a sign-in or throttled", rightErr, right)
		}
	})
}

// TestThrottledAuditNotFlooded: refused sign-ins write one login.throttled
// record per address (or account) and window, however many follow and
// whatever email text they carry (issue 15: the audit log could be filled
// with chosen text).
func TestThrottledAuditNotFlooded(t *testing.T) {
	w := newWorld(t, worldOpts{auth: auth.Options{MaxAccountFailures: 3, MaxAddressFailures: 5}})
	for i := range 60 {
		email := "x" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "@chosen.example"
		if i%2 == 0 {
			email = "same@chosen.example"
		}
		_, _ = w.auth.CheckLogin(t.Context(), email, "wrong password 123", "192.0.2.9")
	}
	for i := range 20 {
		_, _ = w.auth.CheckLogin(t.Context(), "same@chosen.example", "wrong password 123", "192.0.2."+string(rune('a'+i)))
	}
	es, err := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login.throttled", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// one for the address 192.0.2.9, one for the account same@ (locked by
	// the attempts from other addresses)
	if len(es) != 2 {
		t.Errorf("%d login.throttled records, want 2: %+v", len(es), es)
	}
	failed, _ := w.store.FindAudit(t.Context(), hindsight.AuditFilter{Action: "login.failed", Limit: 1000})
	if len(failed) > 5+3 {
		t.Errorf("%d login.failed records, want at most 8 (5 from the address, 3 for the account)", len(failed))
	}
}

// TestResetLiftsLockout: an admin's password reset clears the account's
// failures, so its owner signs in with the new password at once.
func TestResetLiftsLockout(t *testing.T) {
	w := newWorld(t, worldOpts{})
	u, _ := w.addUser(t, "ann@example.com", hindsight.RoleViewer)
	for range auth.DefaultMaxAccountFailures + 1 {
		_, _ = w.auth.CheckLogin(t.Context(), "ann@example.com", "wrong password 123", "192.0.2.1")
	}
	np := "a brand new passphrase 2026"
	w.secret = append(w.secret, np)
	if _, err := w.auth.ChangeUser(t.Context(), systemActor, u.ID, auth.Change{Password: &np}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.auth.CheckLogin(t.Context(), "ann@example.com", np, "192.0.2.1"); err != nil {
		t.Errorf("sign-in after the reset: %v", err)
	}
}
