package alerting

import (
	"context"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// maxEnqueueBatch bounds the deliveries one inbox transaction records.
const maxEnqueueBatch = 128

// enqueuer records deliveries in the inbox with group commit: the
// deliveries that arrive while a transaction runs (or while the applier
// holds SQLite's only writer) are recorded together in the next one, by
// the first of them, so a burst pays one commit, not one per delivery.
type enqueuer struct {
	store hindsight.AlertStore
	mu    sync.Mutex
	queue []*enqueueReq
	busy  bool // a request is leading a transaction
}

type enqueueReq struct {
	q     hindsight.AlertEnqueue
	fresh []string
	err   error
	// done is closed when the request is recorded (or failed); lead when
	// it must lead the next transaction
	done, lead chan struct{}
}

// enqueue records q (hindsight.AlertStore.EnqueueAlerts) and returns its
// new keys.
func (b *enqueuer) enqueue(ctx context.Context, q hindsight.AlertEnqueue) ([]string, error) {
	req := &enqueueReq{q: q, done: make(chan struct{}), lead: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, req)
	if b.busy {
		b.mu.Unlock()
		select {
		case <-req.done:
			return req.fresh, req.err
		case <-req.lead:
		}
		b.mu.Lock()
	}
	b.busy = true
	n := min(len(b.queue), maxEnqueueBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()

	qs := make([]hindsight.AlertEnqueue, len(batch))
	for i, r := range batch {
		qs[i] = r.q
	}
	// the transaction is the batch's, not this request's: it runs to its
	// end when this sender goes away
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	fresh, err := b.store.EnqueueAlerts(tctx, qs)
	cancel()
	for i, r := range batch {
		if err != nil {
			r.err = err
		} else {
			r.fresh = fresh[i]
		}
		close(r.done)
	}

	b.mu.Lock()
	if len(b.queue) > 0 {
		close(b.queue[0].lead)
	} else {
		b.busy = false
	}
	b.mu.Unlock()
	return req.fresh, req.err
}
