package auth_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
	"github.com/hindsight-pm/hindsight/auth"
)

// TestLastAdminRace is the last-admin race of issue 15: two admins demoting
// (or disabling) each other at once both counted two admins and both
// succeeded, leaving none. Every round must leave one active admin.
func TestLastAdminRace(t *testing.T) {
	w := newWorld(t, worldOpts{})
	viewer, yes := hindsight.RoleViewer, true
	for round := range 10 {
		a, _ := w.addUser(t, fmt.Sprintf("a%d@example.com", round), hindsight.RoleAdmin)
		b, _ := w.addUser(t, fmt.Sprintf("b%d@example.com", round), hindsight.RoleAdmin)
		us, err := w.auth.Users(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			if u.Role == hindsight.RoleAdmin && u.ID != a.ID && u.ID != b.ID {
				if _, err := w.auth.ChangeUser(t.Context(), app.System, u.ID, auth.Change{Role: &viewer}); err != nil {
					t.Fatal(err)
				}
			}
		}
		var wg sync.WaitGroup
		for _, pair := range [][2]*hindsight.User{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := auth.Change{Role: &viewer}
				if round%2 == 1 {
					c = auth.Change{Disabled: &yes}
				}
				actor := app.Actor{ID: pair[0].ID, Name: pair[0].Email, Viewer: pair[0].Viewer()}
				_, err := w.auth.ChangeUser(t.Context(), actor, pair[1].ID, c)
				if err != nil && hindsight.ErrorCode(err) != hindsight.EConflict {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		us, err = w.auth.Users(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, u := range us {
			if u.Role == hindsight.RoleAdmin && !u.Disabled {
				active++
			}
		}
		if active != 1 {
			t.Fatalf("round %d: %d active admins after two admins demoted each other, want 1", round, active)
		}
	}
}
