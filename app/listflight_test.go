package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/hindsight-pm/hindsight"
	"github.com/hindsight-pm/hindsight/app"
)

// genStore is a store whose generation never changes: Listed reads
// nothing else of it.
type genStore struct{ hindsight.Store }

func (genStore) Generation(context.Context) (string, error) { return "7", nil }

// TestListedCoalescesMisses: n readers missing one list page at once (right
// after a write) render it once and all get its bytes; without a cache
// every reader renders (the operator asked for no cache); a reader whose
// renderer's request went away renders again instead of failing. synctest
// makes "all n are waiting" exact: Wait returns once every goroutine is
// blocked, so without coalescing all n would be in render.
func TestListedCoalescesMisses(t *testing.T) {
	const n = 8
	for _, tc := range []struct {
		name    string
		bytes   int
		renders int32
	}{
		{"Cache", 0, 1},
		{"NoCache", -1, n},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := app.New(genStore{}, app.Options{CacheBytes: tc.bytes})
				release := make(chan struct{})
				var calls atomic.Int32
				render := func() ([]byte, error) {
					calls.Add(1)
					<-release
					return []byte("page"), nil
				}
				var wg sync.WaitGroup
				got := make([]string, n)
				for i := range n {
					wg.Go(func() {
						b, err := s.Listed(context.Background(), alice, "test", "q=1", render)
						if err != nil {
							t.Errorf("reader %d: %v", i, err)
						}
						got[i] = string(b)
					})
				}
				synctest.Wait() // every reader is rendering or waiting for a render
				if c := calls.Load(); c != tc.renders {
					t.Errorf("%d concurrent misses: %d renders at once, want %d", n, c, tc.renders)
				}
				close(release)
				wg.Wait()
				if c := calls.Load(); c != tc.renders {
					t.Errorf("%d concurrent misses: %d renders, want %d", n, c, tc.renders)
				}
				for i, b := range got {
					if b != "page" {
						t.Errorf("reader %d got %q, want the page", i, b)
					}
				}
			})
		})
	}
	t.Run("RendererGone", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			s := app.New(genStore{}, app.Options{})
			release := make(chan struct{})
			var calls atomic.Int32
			first, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var firstErr error
			wg.Go(func() {
				_, firstErr = s.Listed(first, alice, "test", "q=1", func() ([]byte, error) {
					calls.Add(1)
					<-release
					return nil, first.Err() // its request went away meanwhile
				})
			})
			synctest.Wait()
			var got string
			var err error
			wg.Go(func() {
				var b []byte
				b, err = s.Listed(context.Background(), alice, "test", "q=1", func() ([]byte, error) {
					calls.Add(1)
					return []byte("page"), nil
				})
				got = string(b)
			})
			synctest.Wait() // the second reader waits for the first's render
			cancel()
			close(release)
			wg.Wait()
			if firstErr == nil {
				t.Errorf("the cancelled reader got no error")
			}
			if err != nil || got != "page" || calls.Load() != 2 {
				t.Errorf("the other reader: %q, %v after %d renders; want the page, rendered again", got, err, calls.Load())
			}
		})
	})
}
