package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hindsight-pm/hindsight"
)

// DefaultCacheBytes bounds the rendered responses the service keeps in
// memory (Options.CacheBytes): incident pages, JSON and Markdown of the
// incidents read most, and list pages: the JSON and Markdown of 1,000
// incidents, or the pages of about 1,000. With the garbage collector's
// headroom (twice the live heap) and SQLite's page caches the server stays
// under 150 MiB at 100,000 incidents (docs/benchmarks.md); 24 MiB went past.
const DefaultCacheBytes = 16 << 20

// Rendered returns the bytes render makes of the latest revision of
// incident id, in the form named by form (e.g. "json", "md", or the HTML
// page with what else it depends on), from the per-revision cache when they
// are there, else rendering and keeping them. rev is the revision they are
// of (an ETag).
//
// Every call checks first that the actor may see the incident, with the
// store's viewer filter (FindIncidentVersion): the cache keeps bytes, never
// a permission, and a restricted incident is "not found" to a non-member
// whether or not its bytes are cached. The key is the incident, its
// revision and the time of that revision's save: a revision never changes,
// so the cache is right across several instances sharing a PostgreSQL
// database; only "which revision is latest" is read each time (SQLite
// remembers it for a moment, sqlite.Options.VersionTTL). Every write through
// the service drops the incident's entries. render must give the same bytes
// to every reader the form is for; a form that depends on the reader says
// so in form.
func (s *Service) Rendered(ctx context.Context, a Actor, id, form string, render func(*hindsight.Incident) ([]byte, error)) (b []byte, rev int, err error) {
	rev, at, err := s.store.FindIncidentVersion(ctx, a.Viewer, id)
	if err != nil {
		return nil, 0, err
	}
	if b, ok := s.cache.Get(id, revisionKey(form, rev, at.UnixMicro())); ok {
		return b, rev, nil
	}
	in, err := s.store.FindIncidentByID(ctx, a.Viewer, id)
	if err != nil {
		return nil, 0, err
	}
	b, err = render(in)
	if err != nil {
		return nil, 0, err
	}
	s.cache.Put(in.ID, revisionKey(form, in.Revision, in.UpdatedAt.UnixMicro()), b)
	return b, in.Revision, nil
}

func revisionKey(form string, rev int, at int64) string {
	return strconv.Itoa(rev) + "\x00" + strconv.FormatInt(at, 10) + "\x00" + form
}

// wrote is called after every write of incident id through the service,
// whether it succeeded or not: the incident's cached responses go (a new
// revision has keys of its own; this frees the old ones at once).
func (s *Service) wrote(id string) {
	if id != "" {
		s.cache.Drop(id)
	}
	s.cache.Drop(listGroup) // their generation is gone; free them now
}

// CacheStats returns the responses the service keeps and their bytes.
func (s *Service) CacheStats() (entries, bytes int) { return s.cache.Stats() }

// listGroup is the cache group of list pages.
const listGroup = "\x00lists"

// generations is what a store implements to tell whether anything changed
// (sqlstore: the store_generation row every write transaction raises).
type generations interface {
	Generation(ctx context.Context) (string, error)
}

// Listed returns the bytes render makes of a list page (form names the
// page and what else it depends on, query its normalized query), from the
// list-page cache when nothing was written since they were made: the key
// holds the store's generation, which every write transaction raises, read
// on every call (on PostgreSQL one indexed row, so several instances agree;
// SQLite remembers it for a moment, and forgets it at once when this
// process writes). Lists depend on who reads them (restricted incidents):
// the key holds the actor's viewer, so a list is only ever served to a
// reader who sees the same incidents. Concurrent misses of one key render
// once (the others wait for those bytes), when the cache keeps anything.
// Without a store generation, or without a cache, every call renders.
func (s *Service) Listed(ctx context.Context, a Actor, form, query string, render func() ([]byte, error)) ([]byte, error) {
	g, ok := s.store.(generations)
	if !ok {
		return render()
	}
	gen, err := g.Generation(ctx)
	if err != nil {
		return nil, err
	}
	key := strings.Join([]string{form, fmt.Sprintf("%+v", a.Viewer), gen, query}, "\x00")
	if b, ok := s.cache.Get(listGroup, key); ok {
		return b, nil
	}
	if !s.cache.Keeps() {
		// no cache: every request computes, as the operator asked
		return render()
	}
	// Concurrent misses of one key (the readers of a page right after a
	// write) render it once: the first renders and keeps it, the others
	// wait for its bytes. The key holds the generation, so a waiter never
	// gets a page older than what it would have rendered itself.
	for {
		ch := s.lists.DoChan(key, func() (any, error) {
			if b, ok := s.cache.Get(listGroup, key); ok {
				return b, nil // kept between this caller's Get and now
			}
			b, err := render()
			if err != nil {
				return nil, err
			}
			if len(b) <= maxListBytes {
				s.cache.Put(listGroup, key, b)
			}
			return b, nil
		})
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case r := <-ch:
			if r.Err != nil && r.Shared && ctx.Err() == nil &&
				(errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				// the renderer's own request went away (its context
				// stopped the render), not this one: render again
				continue
			}
			if r.Err != nil {
				return nil, r.Err
			}
			return r.Val.([]byte), nil
		}
	}
}

// maxListBytes is the largest list page kept: the pages people and
// dashboards read again (50 or 100 rows), not exports that walk every
// incident 1,000 at a time, which would push the read pages out.
const maxListBytes = 256 << 10
