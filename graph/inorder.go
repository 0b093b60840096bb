package graph

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

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
// when it is not. Within a run an element's own fields are resolved in
// order too (resolveInOrder).
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
		ret[i] = recovered(childCtx, !omitPanicHandler, func(ctx context.Context) graphql.Marshaler {
			return marshalElement(ctx, i)
		})
	}
}

// resolveInOrder resolves field i of an object: the generated code calls
// it where gqlgen wrote out.ResolveConcurrently (graph/internal/trimgen),
// with the same arguments after the object's context and field set.
//
// gqlgen runs every field that has a resolver (an id, a post's author, a
// cover) on a goroutine of its own when the object's fields are
// dispatched, so that fields that load can wait together. Within a list's
// run (marshalInOrder) that buys nothing: what an element's fields load is
// fetched for all its siblings at the first ask, and the run is already
// one of the request's goroutines. There the field is resolved at once,
// on the run's goroutine, with gqlgen's results: its value in
// out.Values[i], a null where the field is non-null (or a required null
// where it is nullable) counted in out.Invalids so that the object
// becomes null, and a panic reported as an error and made null. A
// regency feed's twenty posts asked for id, author, community and cover
// started sixty goroutines a request; now none.
//
// Outside a run (a root field's object, a connection) the field goes to
// gqlgen, which resolves it concurrently with its siblings at Dispatch: a
// community page's members, showcases and posts are still read at the
// same time.
func resolveInOrder(ctx context.Context, out *graphql.FieldSet, oc *graphql.OperationContext, deferred *graphql.DeferredGroup, i int,
	recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler) {
	if ctx.Value(inRun{}) == nil {
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	v := recovered(ctx, recoverFromPanic, resolve)
	out.Values[i] = v
	if (nonNull && v == graphql.Null) || (!nonNull && v == graphql.RequiredNull) {
		atomic.AddUint32(&out.Invalids, 1)
	}
}

// recovered runs f; with recoverFromPanic set, a panic in it is reported
// as an error at ctx's path and gives null, as gqlgen's own list and field
// code does (the response context's recover function is the one the
// operation context holds: both are the executor's).
func recovered(ctx context.Context, recoverFromPanic bool,
	f func(ctx context.Context) graphql.Marshaler) (v graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				graphql.AddError(ctx, graphql.Recover(ctx, r))
				v = graphql.Null
			}
		}()
	}
	return f(ctx)
}
