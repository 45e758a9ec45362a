package webhook

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hindsight-pm/hindsight"
)

// runner is one subscription's delivery loop under Start.
type runner struct {
	wake chan struct{}
}

func (r *runner) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start runs the worker until ctx is done: a dispatcher that, every Poll
// (and when poked), runs the overdue check when due, fans the outbox out
// into deliveries and keeps one runner per active subscription; each
// runner claims and attempts its own subscription's due deliveries,
// Parallel at a time, each attempt bounded by Timeout. No runner waits for
// another's receiver.
func (w *Webhooks) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(w.cfg.Poll)
		defer t.Stop()
		for {
			w.dispatch(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-w.poke:
			}
		}
	}()
}

// pokeDispatcher makes Start's dispatcher run now (a subscription was
// added or enabled).
func (w *Webhooks) pokeDispatcher() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// kickRunner wakes the runner of subscription id, or the dispatcher to
// start one.
func (w *Webhooks) kickRunner(id int64) {
	w.mu.Lock()
	r := w.runners[id]
	if r != nil {
		r.kick()
	}
	w.mu.Unlock()
	if r == nil {
		w.pokeDispatcher()
	}
}

// retire removes runner r of subscription id, unless it was kicked since
// it last looked for work (then it looks again): under w.mu, so a kick
// either reaches a runner that goes on or finds none and starts another.
func (w *Webhooks) retire(id int64, r *runner) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case <-r.wake:
		return false
	default:
	}
	if w.runners[id] == r {
		delete(w.runners, id)
	}
	return true
}

// dispatch is one pass of Start's dispatcher.
func (w *Webhooks) dispatch(ctx context.Context) {
	if w.overdueDue() {
		if _, err := w.CheckOverdue(ctx); err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "overdue check", "err", err)
		}
		w.checkDue(ctx)
	}
	n, err := w.fanOut(ctx)
	if err != nil && ctx.Err() == nil {
		w.log.ErrorContext(ctx, "webhook fan-out", "err", err)
	}
	subs, err := w.store.FindWebhooks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.ErrorContext(ctx, "webhook worker: list subscriptions", "err", err)
		}
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range subs {
		if !s.Active || ctx.Err() != nil {
			continue
		}
		r, running := w.runners[s.ID]
		switch {
		case !running && s.Pending > 0:
			r = &runner{wake: make(chan struct{}, 1)}
			w.runners[s.ID] = r
			go w.run(ctx, s.ID, r)
		case running && n > 0:
			r.kick()
		}
	}
}

// fanOut hands the outbox out as deliveries (up to 10 batches of 200).
func (w *Webhooks) fanOut(ctx context.Context) (int, error) {
	total := 0
	for range 10 {
		n, err := w.store.FanOutOutbox(ctx, w.now(), w.cfg.RetryFor, 200)
		total += n
		if err != nil || n < 200 {
			return total, err
		}
	}
	return total, nil
}

// run is subscription id's runner: it keeps up to Parallel of its due
// deliveries in flight, claiming more as attempts end, and otherwise
// sleeps until woken or Poll passes. It ends with ctx, once the
// subscription is disabled or removed and nothing of it is in flight, or
// once its queue is empty (the dispatcher starts a runner again when
// deliveries are pending): an idle subscription costs nothing.
func (w *Webhooks) run(ctx context.Context, id int64, r *runner) {
	defer func() {
		w.mu.Lock()
		if w.runners[id] == r {
			delete(w.runners, id)
		}
		w.mu.Unlock()
	}()
	t := time.NewTicker(w.cfg.Poll)
	defer t.Stop()
	done := make(chan struct{}, w.cfg.Parallel)
	inflight := 0
	for {
		if ctx.Err() != nil {
			return
		}
		if inflight < w.cfg.Parallel {
			sub, err := w.store.FindWebhookByID(ctx, id)
			switch {
			case hindsight.ErrorCode(err) == hindsight.ENotFound || (err == nil && !sub.Active):
				if inflight == 0 && w.retire(id, r) {
					return
				}
			case err != nil:
				if ctx.Err() == nil {
					w.log.ErrorContext(ctx, "webhook runner", "webhook", id, "err", err)
				}
			default:
				ds, err := w.store.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: id, Now: w.now(), Lease: w.cfg.Lease, Limit: w.cfg.Parallel - inflight})
				if err != nil && ctx.Err() == nil {
					w.log.ErrorContext(ctx, "webhook runner: claim", "webhook", id, "err", err)
				}
				for i := range ds {
					inflight++
					go func(d hindsight.WebhookDelivery) {
						w.attempt(ctx, sub, &d)
						done <- struct{}{}
					}(ds[i])
				}
				if err == nil && len(ds) == 0 && inflight == 0 && sub.Pending == 0 {
					if w.retire(id, r) {
						return
					}
					continue // kicked meanwhile: look again
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-done:
			inflight--
		case <-r.wake:
		case <-t.C:
		}
	}
}

// TickStats says what one pass did.
type TickStats struct {
	FannedOut int // outbox events handed out
	Attempted int // deliveries attempted
	Delivered int // of which succeeded
	Overdue   int // overdue events queued
}

// Tick does one synchronous pass of the worker: the overdue check when
// due, the fan-out of the outbox, and, for every active subscription at
// once, attempts of its due deliveries until none is due (an incident's
// next event is attempted in the same pass once the earlier one is
// delivered). Tests and commands call it; serve runs Start.
func (w *Webhooks) Tick(ctx context.Context) (TickStats, error) {
	var st TickStats
	if w.overdueDue() {
		n, err := w.CheckOverdue(ctx)
		if err != nil {
			w.log.ErrorContext(ctx, "overdue check", "err", err)
		}
		st.Overdue = n
		w.checkDue(ctx)
	}
	n, err := w.fanOut(ctx)
	st.FannedOut = n
	if err != nil {
		return st, err
	}
	subs, err := w.store.FindWebhooks(ctx)
	if err != nil {
		return st, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for i := range subs {
		sub := &subs[i]
		if !sub.Active {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, ok, err := w.drain(ctx, sub)
			mu.Lock()
			defer mu.Unlock()
			st.Attempted += a
			st.Delivered += ok
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	return st, firstErr
}

// drain attempts sub's due deliveries, Parallel at a time, until none is
// due (at most 50 rounds).
func (w *Webhooks) drain(ctx context.Context, sub *hindsight.WebhookSubscription) (attempted, delivered int, err error) {
	for range 50 {
		ds, err := w.store.ClaimDeliveries(ctx, hindsight.DeliveryClaim{Subscription: sub.ID, Now: w.now(), Lease: w.cfg.Lease, Limit: w.cfg.Batch})
		if err != nil || len(ds) == 0 {
			return attempted, delivered, err
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		sem := make(chan struct{}, w.cfg.Parallel)
		for i := range ds {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if w.attempt(ctx, sub, &ds[i]) {
					mu.Lock()
					delivered++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		attempted += len(ds)
	}
	return attempted, delivered, nil
}

func (w *Webhooks) overdueDue() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	if !w.lastOverdue.IsZero() && now.Sub(w.lastOverdue) < w.cfg.OverdueEvery {
		return false
	}
	w.lastOverdue = now
	return true
}

// attempt sends one delivery once and records the outcome (and ends its
// lease). When ctx ends during the attempt, nothing is recorded: the lease
// lapses and the delivery is attempted again, by this process after a
// restart or by another.
func (w *Webhooks) attempt(ctx context.Context, sub *hindsight.WebhookSubscription, d *hindsight.WebhookDelivery) bool {
	a := hindsight.DeliveryAttempt{ID: d.ID}
	var retryAfter time.Duration
	a.StatusCode, retryAfter, a.Error = w.send(ctx, sub, d)
	a.OK = a.Error == ""
	if !a.OK && ctx.Err() != nil {
		return false
	}
	a.At = w.now()
	if !a.OK {
		a.Next = w.nextAttempt(d, a.At, retryAfter)
	}
	if err := w.store.RecordAttempt(context.WithoutCancel(ctx), a); err != nil && hindsight.ErrorCode(err) != hindsight.ENotFound {
		w.log.ErrorContext(ctx, "record webhook attempt", "delivery", d.ID, "err", err)
	}
	outcome := "delivered"
	switch {
	case !a.OK && a.Next.IsZero():
		outcome = "gave_up"
	case !a.OK:
		outcome = "retry"
	}
	w.attempts.WithLabelValues(strconv.FormatInt(sub.ID, 10), outcome).Inc()
	if !a.OK {
		w.log.WarnContext(ctx, "webhook delivery failed", "webhook", sub.ID, "delivery", d.ID, "event", d.Event, "attempt", d.Attempts+1, "status", a.StatusCode, "err", a.Error, "gave_up", a.Next.IsZero())
	}
	return a.OK
}
