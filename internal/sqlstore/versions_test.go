package sqlstore

import (
	"testing"
	"time"
)

// TestVersionsRenewedBeforeExpiry: a remembered version is answered until
// its TTL; past half of it one caller (and only one) is told to read it
// again while the others are still answered; a write (changed) forgets
// every version at once.
func TestVersionsRenewedBeforeExpiry(t *testing.T) {
	const ttl = time.Second
	v := &versions{ttl: ttl}
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	v.put("INC-1", version{rev: 3, key: 7, at: start, gen: v.gen.Load()})
	steps := []struct {
		at     time.Duration
		ok     bool
		reread bool // the caller reads it and puts it (at that time)
	}{
		{0, true, false},
		{ttl / 4, true, false},
		{ttl / 2, false, true}, // the renewing caller
		{ttl/2 + 1, true, false},
		{ttl - 1, true, false}, // put at ttl/2: young
		{ttl, false, false},    // half of the renewed one's TTL: one caller
		{ttl + 1, true, false}, // the others
		{ttl * 3 / 2, false, false},
	}
	for _, s := range steps {
		now := start.Add(s.at)
		e, ok := v.get("INC-1", now)
		if ok != s.ok {
			t.Fatalf("at %v: answered %v, want %v", s.at, ok, s.ok)
		}
		if ok && e.rev != 3 {
			t.Fatalf("at %v: revision %d", s.at, e.rev)
		}
		if s.reread {
			v.put("INC-1", version{rev: 3, key: 7, at: now, gen: v.gen.Load()})
		}
	}
	v.put("INC-1", version{rev: 4, key: 8, at: start, gen: v.gen.Load()})
	if _, ok := v.get("INC-1", start); !ok {
		t.Fatal("a fresh version not answered")
	}
	v.changed()
	if _, ok := v.get("INC-1", start); ok {
		t.Fatal("a version answered after a write")
	}
}
