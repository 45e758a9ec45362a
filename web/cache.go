package web

import (
	"container/list"
	"sync"
)

// pageCache keeps rendered pages by a key that names everything they
// depend on (incident, revision, reader, day), up to max bytes of pages.
// When a page would not fit, the least recently used pages go first.
type pageCache struct {
	mu        sync.Mutex
	m         map[string]*list.Element
	lru       *list.List // of *cacheEntry, most recently used first
	size, max int
}

type cacheEntry struct {
	key string
	b   []byte
}

func newPageCache(maxBytes int) *pageCache {
	return &pageCache{m: map[string]*list.Element{}, lru: list.New(), max: maxBytes}
}

func (c *pageCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(e)
	return e.Value.(*cacheEntry).b, true
}

func (c *pageCache) put(key string, b []byte) {
	if len(b) > c.max/4 {
		return // one page never crowds out the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.remove(e)
	}
	for c.lru.Len() > 0 && c.size+len(b) > c.max {
		c.remove(c.lru.Back())
	}
	c.m[key] = c.lru.PushFront(&cacheEntry{key: key, b: b})
	c.size += len(b)
}

func (c *pageCache) remove(e *list.Element) {
	ce := c.lru.Remove(e).(*cacheEntry)
	delete(c.m, ce.key)
	c.size -= len(ce.b)
}
