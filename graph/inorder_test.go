package graph

import (
	"bytes"
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

func responseContext() context.Context {
	return graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
}

// A list gives each element its index in the response path, and an
// element that panics becomes null with an error, its siblings unharmed;
// lists below the first are marshalled in order, without goroutines.
func TestMarshalInOrder(t *testing.T) {
	ctx := responseContext()
	const n = 7
	var index [n]atomic.Int64
	var nestedInRun atomic.Int64
	out := marshalInOrder(ctx, n, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		index[i].Store(int64(*graphql.GetFieldContext(ctx).Index) + 1)
		if ctx.Value(inRun{}) != nil {
			nestedInRun.Add(1)
		}
		if i == 3 {
			panic("element 3 broke")
		}
		return graphql.MarshalInt(i * 10)
	})
	var b bytes.Buffer
	out.MarshalGQL(&b)
	if b.String() != "[0,10,20,null,40,50,60]" {
		t.Fatalf("marshalled %s", b.String())
	}
	for i := range index {
		if got := index[i].Load() - 1; got != int64(i) {
			t.Errorf("element %d had index %d", i, got)
		}
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Fatalf("errors: %v, want the panic's", errs)
	}
	// With more than one CPU the elements ran in runs, and lists within
	// them know it.
	if runs := min(n, runtime.GOMAXPROCS(0)); runs > 1 && nestedInRun.Load() != n {
		t.Errorf("%d of %d elements ran within a run", nestedInRun.Load(), n)
	}
}

// Once the request has ended, the elements left are null, with one error.
func TestMarshalRunStopsWhenTheRequestEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(responseContext())
	marshalled := 0
	out := make(graphql.Array, 4)
	marshalRun(ctx, out, 0, 4, false, func(ctx context.Context, i int) graphql.Marshaler {
		marshalled++
		if i == 1 {
			cancel()
		}
		return graphql.MarshalInt(i)
	})
	var b bytes.Buffer
	out.MarshalGQL(&b)
	if marshalled != 2 || b.String() != "[0,1,null,null]" {
		t.Fatalf("%d marshalled: %s", marshalled, b.String())
	}
	if errs := graphql.GetErrors(ctx); len(errs) != 1 {
		t.Fatalf("errors: %v, want one", errs)
	}
}
