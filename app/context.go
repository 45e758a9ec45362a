package app

import (
	"context"

	"github.com/hindsight-pm/hindsight"
)

type actorKey struct{}

// WithActor returns a context that carries the actor of a request; the
// authentication middleware sets it.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor a request's context carries. Without one (no
// authentication middleware in front, as in handler tests and before the
// first account exists), it is System.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return System
}

// Alive returns nil while ctx is live, else an EUnavailable error: a request
// whose client left (or whose deadline passed) stops between its stages
// (parse, lint, store) instead of finishing work nobody will read.
func Alive(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return hindsight.Errorf(hindsight.EUnavailable, "the request ended before it was done: %v", err)
	}
	return nil
}
