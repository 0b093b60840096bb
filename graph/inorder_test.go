package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// A list marshalled in order gives each element its index in the response
// path, and an element that panics becomes null with an error, its
// siblings unharmed.
func TestMarshalInOrder(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	var order []int
	out := marshalInOrder(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		order = append(order, *graphql.GetFieldContext(ctx).Index)
		if i == 1 {
			panic("element 1 broke")
		}
		return graphql.MarshalInt(i * 10)
	})
	var b bytes.Buffer
	out.MarshalGQL(&b)
	if b.String() != "[0,null,20]" {
		t.Fatalf("marshalled %s, want [0,null,20]", b.String())
	}
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("elements marshalled as %v", order)
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Fatalf("errors: %v, want the panic's", errs)
	}
}
