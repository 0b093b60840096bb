package loader

import (
	"context"
	"errors"
)

var errFetchPanicked = errors.New("loader: the fetch failed (it panicked)")

// once is one fetch that others wait for: a sibling group's page
// (PageLoader) or keys (Keyed). done closes when it is over.
type once struct {
	done chan struct{}
	err  error
}

func newOnce() once { return once{done: make(chan struct{})} }

// run runs fetch, which stores what the waiters read, and keeps its error.
// The error stands if fetch panics: the waiters must neither wait for ever
// nor take a missing value for the answer.
func (o *once) run(fetch func() error) {
	o.err = errFetchPanicked
	defer close(o.done)
	o.err = fetch()
}

// wait returns the fetch's error once it is over, or ctx's if ctx ends
// first.
func (o *once) wait(ctx context.Context) error {
	select {
	case <-o.done: // over already (as for the caller that ran it)
		return o.err
	default:
	}
	select {
	case <-o.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}
