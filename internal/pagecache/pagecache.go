// Package pagecache keeps rendered responses (an incident's HTML page, its
// JSON and Markdown, a list page) in memory, by a key that names everything
// they depend on, up to a bound in bytes; the least recently used go first.
// Entries belong to a group (an incident's ID, or the lists), so the write
// path can drop a group at once. It is the one response cache of the server:
// app.Service holds it, and web/ and api/ read it through app.
package pagecache

import (
	"container/list"
	"sync"
)

// Cache is a byte-bounded LRU of responses by group and key. Its methods are
// safe for concurrent use. The zero value is not usable: call New.
type Cache struct {
	mu        sync.Mutex
	m         map[string]*list.Element
	groups    map[string]map[*list.Element]struct{}
	lru       *list.List // of *entry, most recently used first
	size, max int
}

type entry struct {
	group, key string
	b          []byte
}

// New returns a cache of at most maxBytes of responses; maxBytes <= 0 keeps
// nothing.
func New(maxBytes int) *Cache {
	return &Cache{m: map[string]*list.Element{}, groups: map[string]map[*list.Element]struct{}{}, lru: list.New(), max: maxBytes}
}

func full(group, key string) string { return group + "\x00" + key }

// Get returns the bytes kept for key in group. The caller must not change
// them.
func (c *Cache) Get(group, key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[full(group, key)]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*entry).b, true
}

// Put keeps b for key in group (replacing what was kept for it). A response
// over a quarter of the bound is not kept, so that one never crowds out the
// rest. The caller must not change b afterwards.
func (c *Cache) Put(group, key string, b []byte) {
	if len(b) > c.max/4 {
		return
	}
	fk := full(group, key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[fk]; ok {
		c.remove(e)
	}
	for c.lru.Len() > 0 && c.size+len(b) > c.max {
		c.remove(c.lru.Back())
	}
	e := c.lru.PushFront(&entry{group: group, key: fk, b: b})
	c.m[fk] = e
	g := c.groups[group]
	if g == nil {
		g = map[*list.Element]struct{}{}
		c.groups[group] = g
	}
	g[e] = struct{}{}
	c.size += len(b)
}

// Keeps reports whether the cache keeps anything (its bound is above 0).
func (c *Cache) Keeps() bool { return c.max > 0 }

// Drop forgets every response of group.
func (c *Cache) Drop(group string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := range c.groups[group] {
		c.remove(e)
	}
}

// Stats returns the responses kept and their bytes.
func (c *Cache) Stats() (entries, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.size
}

func (c *Cache) remove(e *list.Element) {
	ce := c.lru.Remove(e).(*entry)
	delete(c.m, ce.key)
	if g := c.groups[ce.group]; g != nil {
		delete(g, e)
		if len(g) == 0 {
			delete(c.groups, ce.group)
		}
	}
	c.size -= len(ce.b)
}
