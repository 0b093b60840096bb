package graph

import (
	"bytes"
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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

// Within a list's run an object's resolver fields are resolved at once, on
// the caller's goroutine, with what gqlgen's concurrent resolution gives:
// the same values, the same count of invalid results (which makes the
// object null), the same error for a panic. Outside a run they wait for
// Dispatch, as gqlgen's do.
func TestResolveInOrder(t *testing.T) {
	oc := &graphql.OperationContext{RecoverFunc: graphql.DefaultRecover}
	value := func(v graphql.Marshaler) func(context.Context) graphql.Marshaler {
		return func(context.Context) graphql.Marshaler { return v }
	}
	broken := func(context.Context) graphql.Marshaler { panic("field broke") }
	cases := []struct {
		name    string
		nonNull bool
		resolve func(context.Context) graphql.Marshaler
	}{
		{"a value", true, value(graphql.MarshalInt(7))},
		{"a non-null field's null", true, value(graphql.Null)},
		{"a nullable field's null", false, value(graphql.Null)},
		{"a nullable field's required null", false, value(graphql.RequiredNull)},
		{"a non-null field that panics", true, broken},
		{"a nullable field that panics", false, broken},
	}
	fields := []graphql.CollectedField{{Field: &ast.Field{Name: "f", Alias: "f"}}}
	marshal := func(out *graphql.FieldSet) string {
		var b bytes.Buffer
		out.MarshalGQL(&b)
		return b.String()
	}
	for _, c := range cases {
		var deferred graphql.DeferredGroup
		// gqlgen's way.
		gctx := responseContext()
		want := graphql.NewFieldSet(fields)
		want.ResolveConcurrently(oc, &deferred, 0, true, c.nonNull, c.resolve)
		want.Dispatch(gctx)

		ctx := context.WithValue(responseContext(), inRun{}, true)
		out := graphql.NewFieldSet(fields)
		resolveInOrder(ctx, out, oc, &deferred, 0, true, c.nonNull, c.resolve)
		if out.Values[0] == nil {
			t.Fatalf("%s: not resolved at once within a run", c.name)
		}
		if marshal(out) != marshal(want) || out.Invalids != want.Invalids ||
			len(graphql.GetErrors(ctx)) != len(graphql.GetErrors(gctx)) {
			t.Errorf("%s: %s, %d invalid, errors %v; gqlgen: %s, %d invalid, errors %v", c.name,
				marshal(out), out.Invalids, graphql.GetErrors(ctx), marshal(want), want.Invalids, graphql.GetErrors(gctx))
		}

		// Outside a run: nothing until Dispatch, then the same.
		octx := responseContext()
		out = graphql.NewFieldSet(fields)
		resolveInOrder(octx, out, oc, &deferred, 0, true, c.nonNull, c.resolve)
		if out.Values[0] != nil {
			t.Fatalf("%s: resolved before Dispatch outside a run", c.name)
		}
		out.Dispatch(octx)
		if marshal(out) != marshal(want) || out.Invalids != want.Invalids {
			t.Errorf("%s outside a run: %s, %d invalid; gqlgen: %s, %d invalid", c.name,
				marshal(out), out.Invalids, marshal(want), want.Invalids)
		}
	}
}
