package pagecache

import (
	"fmt"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New(100)
	page := func(n int) []byte { return make([]byte, n) }
	c.Put("g", "a", page(20))
	c.Put("g", "b", page(20))
	c.Put("g", "c", page(20))
	if _, ok := c.Get("g", "a"); !ok { // a is now the most recently used
		t.Fatal("a missing")
	}
	c.Put("g", "d", page(25))
	c.Put("g", "e", page(25)) // 110 bytes: b, the least recently used, goes
	if _, ok := c.Get("g", "b"); ok {
		t.Error("b kept past the byte bound")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, ok := c.Get("g", k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if n, size := c.Stats(); size != 90 || n != 4 || len(c.m) != 4 {
		t.Errorf("size %d, %d entries, %d keys", size, n, len(c.m))
	}
	c.Put("g", "a", page(5)) // replacing a page counts its new size only
	if _, size := c.Stats(); size != 75 {
		t.Errorf("size after replace %d", size)
	}
	c.Put("g", "huge", page(26)) // over a quarter of the bound: not cached
	if _, ok := c.Get("g", "huge"); ok {
		t.Error("a page over a quarter of the bound was cached")
	}
	for i := range 50 {
		c.Put("h", fmt.Sprint(i), page(10))
	}
	if n, size := c.Stats(); size > 100 || n != 10 {
		t.Errorf("after many puts: size %d, %d entries", size, n)
	}
	if len(c.groups) != 1 || len(c.groups["h"]) != 10 {
		t.Errorf("groups after eviction: %d groups, %d in h", len(c.groups), len(c.groups["h"]))
	}
}

func TestDropGroup(t *testing.T) {
	c := New(1000)
	for _, g := range []string{"INC-1", "INC-2"} {
		for _, k := range []string{"json", "md", "html"} {
			c.Put(g, k, []byte(g+k))
		}
	}
	// a key of one group never answers for another
	if b, ok := c.Get("INC-1", "json"); !ok || string(b) != "INC-1json" {
		t.Fatalf("Get = %q, %v", b, ok)
	}
	c.Drop("INC-1")
	for _, k := range []string{"json", "md", "html"} {
		if _, ok := c.Get("INC-1", k); ok {
			t.Errorf("INC-1 %s kept after Drop", k)
		}
		if _, ok := c.Get("INC-2", k); !ok {
			t.Errorf("INC-2 %s dropped with INC-1", k)
		}
	}
	if n, size := c.Stats(); n != 3 || size != len("INC-2jsonINC-2mdINC-2html") {
		t.Errorf("after Drop: %d entries, %d bytes", n, size)
	}
	c.Drop("INC-3") // nothing to drop
	z := New(0)
	z.Put("g", "k", []byte("x"))
	if _, ok := z.Get("g", "k"); ok {
		t.Error("a cache of 0 bytes kept a response")
	}
}
