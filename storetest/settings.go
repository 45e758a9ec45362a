package storetest

import (
	"strings"
	"sync"
	"testing"

	"github.com/hindsight-pm/hindsight"
)

// testSettings: a setting is saved as version 1, then only on top of the
// version it was loaded from (EConflict naming who saved in between), with
// its audit entry in the same transaction; of two concurrent saves on the
// same version exactly one wins.
func testSettings(t *testing.T, open Opener) {
	st := newStore(t, open)
	s, ok := st.(hindsight.SettingStore)
	if !ok {
		t.Skip("the store keeps no settings")
	}
	c := ctx(t)
	if _, err := s.FindSetting(c, "shape"); hindsight.ErrorCode(err) != hindsight.ENotFound {
		t.Fatalf("FindSetting before any save: err = %v, want not_found", err)
	}
	audit := []hindsight.AuditEntry{{Actor: "u1", Action: "settings.shape", Target: "shape"}}
	v1, err := s.PutSetting(c, hindsight.SettingPut{Key: "shape", Value: "fields: []\n", By: "u1", Audit: audit})
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || v1.Value != "fields: []\n" || v1.UpdatedBy != "u1" || v1.UpdatedAt.IsZero() {
		t.Fatalf("first save = %+v", v1)
	}
	if got, err := s.FindSetting(c, "shape"); err != nil || got.Version != 1 || got.Value != v1.Value {
		t.Fatalf("FindSetting = %+v, %v", got, err)
	}
	cases := []struct {
		name string
		put  hindsight.SettingPut
		code hindsight.Code
		want int // version after, when no error
	}{
		{"CreateAgain", hindsight.SettingPut{Key: "shape", Value: "x", By: "u2"}, hindsight.EConflict, 0},
		{"StaleBase", hindsight.SettingPut{Key: "shape", Value: "x", By: "u2", Base: 2}, hindsight.EConflict, 0},
		{"NeverSaved", hindsight.SettingPut{Key: "other", Value: "x", By: "u2", Base: 1}, hindsight.EConflict, 0},
		{"EmptyKey", hindsight.SettingPut{Key: "", Value: "x", By: "u2"}, hindsight.EInvalid, 0},
		{"NUL", hindsight.SettingPut{Key: "shape", Value: "a\x00b", By: "u2", Base: 1}, hindsight.EInvalid, 0},
		{"TooLarge", hindsight.SettingPut{Key: "shape", Value: strings.Repeat("a", hindsight.MaxSettingBytes+1), By: "u2", Base: 1}, hindsight.ETooLarge, 0},
		{"OnTop", hindsight.SettingPut{Key: "shape", Value: "tags: {free: true}\n", By: "u2", Base: 1, Audit: audit}, "", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.PutSetting(c, tc.put)
			if tc.code != "" {
				if hindsight.ErrorCode(err) != tc.code {
					t.Fatalf("err = %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || got.Version != tc.want || got.Value != tc.put.Value || got.UpdatedBy != tc.put.By {
				t.Fatalf("PutSetting = %+v, %v", got, err)
			}
		})
	}
	_, err = s.PutSetting(c, hindsight.SettingPut{Key: "shape", Value: "x", By: "u3", Base: 1})
	if err == nil || !strings.Contains(err.Error(), "u2") || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("a stale save's conflict should name who saved and the version: %v", err)
	}
	// two saves on version 2 at once: one wins, the other conflicts
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.PutSetting(c, hindsight.SettingPut{Key: "shape", Value: "v3", By: "racer", Base: 2})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch hindsight.ErrorCode(err) {
		case "":
			won++
		case hindsight.EConflict:
		default:
			t.Errorf("concurrent save: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of two concurrent saves on one version won, want 1 (%v)", won, errs)
	}
	if as, ok := st.(hindsight.AccountStore); ok {
		es, err := as.FindAudit(c, hindsight.AuditFilter{Action: "settings.shape"})
		if err != nil || len(es) != 2 {
			t.Errorf("audit of the two saves that carried one = %+v, %v", es, err)
		}
	}
}
