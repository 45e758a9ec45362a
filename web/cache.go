package web

import "sync"

// pageCache keeps rendered pages by a key that names everything they
// depend on (incident, revision, reader, day). It holds at most max pages;
// when full it drops an arbitrary half.
type pageCache struct {
	mu  sync.Mutex
	m   map[string][]byte
	max int
}

func newPageCache(max int) *pageCache { return &pageCache{m: map[string][]byte{}, max: max} }

func (c *pageCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *pageCache) put(key string, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		n := 0
		for k := range c.m {
			delete(c.m, k)
			if n++; n >= c.max/2 {
				break
			}
		}
	}
	c.m[key] = b
}
