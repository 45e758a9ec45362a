package sqlstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// versions remembers the revision of unrestricted live incidents for a short
// time (Options.VersionTTL), so that the incident page's cache check does not
// query the database on every request. Every write transaction of this
// Store forgets all of them (a generation counter), so what this process
// saved is seen at once; what another process saved is seen within the TTL.
type versions struct {
	ttl time.Duration
	// pushed, when not nil, opens the memory only while it is true: while
	// another process's writes arrive as notifications (PostgreSQL LISTEN),
	// each calling changed
	pushed *atomic.Bool
	gen    atomic.Uint64
	mu     sync.Mutex
	m      map[string]version
}

type version struct {
	rev int
	key int64     // updated_key
	at  time.Time // when it was read
	gen uint64    // the generation it was read in
	// renewing: past half its TTL, one caller was sent to read it again
	renewing bool
}

// versionsMax bounds the entries kept (a few MiB); past it they are dropped
// all at once.
const versionsMax = 20000

// memo reports whether answers may come from memory now.
func (v *versions) memo() bool { return v.ttl > 0 && (v.pushed == nil || v.pushed.Load()) }

// changed is called after every write transaction, committed or not.
func (v *versions) changed() { v.gen.Add(1) }

// get returns the remembered version of id, if it is still good. Any viewer
// may have it: only unrestricted incidents are remembered. Past half its
// TTL, one caller (and only one) is told it has none, so it reads the
// version again while the others are still answered from memory: a busy
// incident's version is renewed before it expires, instead of every
// concurrent request reading it at the moment it does (a burst of queries
// once per TTL, the tail of the latency).
func (v *versions) get(id string, now time.Time) (version, bool) {
	if !v.memo() {
		return version{}, false
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.m[id]
	if !ok || e.gen != v.gen.Load() {
		return version{}, false
	}
	age := now.Sub(e.at)
	if age < 0 || age >= v.ttl {
		return version{}, false
	}
	if age >= v.ttl/2 && !e.renewing {
		e.renewing = true
		v.m[id] = e
		return version{}, false
	}
	return e, true
}

// put remembers the version of an unrestricted live incident, read in
// generation gen (taken before the read, so a write that commits meanwhile
// makes it stale at once).
func (v *versions) put(id string, e version) {
	if !v.memo() {
		return
	}
	v.mu.Lock()
	if v.m == nil || len(v.m) >= versionsMax {
		v.m = make(map[string]version)
	}
	v.m[id] = e
	v.mu.Unlock()
}
