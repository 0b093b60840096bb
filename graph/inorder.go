package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder marshals a list's elements one after another, in the
// request's goroutine; the generated code calls it where gqlgen wrote
// graphql.MarshalSliceConcurrently (graph/internal/trimgen), with the same
// arguments and the same results: each element under its own field context
// (its index in the response path), and an element that panics becomes
// null with an error, its siblings unharmed.
//
// gqlgen starts a goroutine per element so that the elements' loads can
// gather into batches. kimhub's loaders do not need that: every list
// records its elements as siblings, and the first element to ask for a
// relation fetches it for all of them (graph/loader). The goroutines were
// then only cost: on a province's nested dashboard, 1,400 a request, each
// growing its stack, about a quarter of the CPU. An element's own fields
// that resolve concurrently still do (graphql.FieldSet.Dispatch).
func marshalInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
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
	return ret
}
