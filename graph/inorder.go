package graph

import (
	"context"
	"runtime"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder marshals a list's elements: the generated code calls it
// where gqlgen wrote graphql.MarshalSliceConcurrently
// (graph/internal/trimgen), with the same arguments and the same results:
// each element under its own field context (its index in the response
// path), and an element that panics becomes null with an error, its
// siblings unharmed. Once the request has ended, the elements left are
// null, with an error.
//
// gqlgen starts a goroutine per element so that the elements' loads can
// gather into batches. kimhub's loaders do not need that: every list
// records its elements as siblings, and the first element to ask for a
// relation fetches it for all of them (graph/loader). The goroutines were
// then mostly cost: on a province's nested dashboard, 1,400 a request,
// each growing its stack, about a quarter of the CPU. So the first list of
// a response that has several elements is cut into one contiguous run per
// CPU, each run marshalled in order on its own goroutine, and every list
// below it is marshalled in order on its run's goroutine: a request uses
// the machine's cores when it is alone, and costs a couple of goroutines
// when it is not. An element's own fields that resolve concurrently still
// do (graphql.FieldSet.Dispatch).
func marshalInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	runs := min(runtime.GOMAXPROCS(0), length)
	if runs < 2 || ctx.Value(inRun{}) != nil {
		marshalRun(ctx, ret, 0, length, omitPanicHandler, marshalElement)
		return ret
	}
	ctx = context.WithValue(ctx, inRun{}, true)
	size := (length + runs - 1) / runs
	var wg sync.WaitGroup
	for lo := size; lo < length; lo += size {
		wg.Go(func() { marshalRun(ctx, ret, lo, min(lo+size, length), omitPanicHandler, marshalElement) })
	}
	marshalRun(ctx, ret, 0, size, omitPanicHandler, marshalElement)
	wg.Wait()
	return ret
}

// inRun marks a context whose list is marshalled within a run of
// marshalInOrder: lists below it are marshalled in order.
type inRun struct{}

// marshalRun marshals elements lo to hi of a list, in order.
func marshalRun(ctx context.Context, ret graphql.Array, lo, hi int, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) {
	for i := lo; i < hi; i++ {
		if err := ctx.Err(); err != nil {
			// The request has ended (the client gone, its time up): the
			// elements left are not worth marshalling.
			graphql.AddError(ctx, err)
			for j := i; j < hi; j++ {
				ret[j] = graphql.Null
			}
			return
		}
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
}
