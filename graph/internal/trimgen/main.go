// Command trimgen rewrites four things in gqlgen's generated code.
//
//   - The bookkeeping of @defer, which kimhub refuses (a validation rule,
//     graph/nodefer.go): every object's marshaller began with
//     graphql.NewDeferredGroup(ctx), which computes the object's response
//     path (walking its field contexts up to the root) and allocates a
//     field set and a map, for deferred fields that never come. On a
//     province's nested dashboard that was a sixth of the allocations and
//     about 15 % of the CPU. The zero DeferredGroup is what those
//     marshallers see when nothing is deferred: no deferred fields, so no
//     payloads.
//
//   - Lists marshalled one goroutine per element
//     (graphql.MarshalSliceConcurrently): kimhub marshals them in order
//     (graph/inorder.go), since what a list's elements load is fetched for
//     all of them at the first ask (graph/loader's sibling groups), not
//     gathered from concurrent askers. On the same dashboard the goroutines
//     (1,400 a request, each growing its stack) were a quarter of the CPU.
//
//   - The fields of an object that have a resolver, each started on a
//     goroutine of its own when the object's fields are dispatched
//     (graphql.FieldSet.ResolveConcurrently): within a list's run they
//     are resolved in order, on the run's goroutine (graph/inorder.go
//     resolveInOrder), for the same reason. A regency feed of twenty
//     posts started sixty such goroutines a request.
//
//   - A field context per scalar that is a plain struct field
//     (graphql.ResolveField around "return obj.Title, nil"): a
//     FieldContext, a context.Context, the value boxed, a deferred recover
//     and three closures for each string, integer or boolean of an
//     answer, so that field middleware could see it. kimhub installs no
//     field middleware (graph.NewHandler; TestNoFieldMiddleware), and
//     these marshallers cannot fail, so such a field is marshalled
//     straight from the struct. Fields with arguments, directives, a
//     resolver, or a type whose marshaller can report an error (times,
//     floats, enums, objects, whose children need their field context
//     for their paths) keep gqlgen's code. On the province's nested
//     dashboard these are about 3,900 fields a request.
//
// go generate runs it after gqlgen (graph/gen.go):
//
//	go run ./graph/internal/trimgen graph/generated.go
//
// It fails if a rule finds nothing to rewrite, so that a gqlgen upgrade
// that changes the generated code is noticed rather than silently left as
// gqlgen wrote it.
package main

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
)

// rules are the rewrites, each from what gqlgen writes to what kimhub
// runs.
var rules = []struct{ from, to []byte }{
	{
		[]byte("deferred := graphql.NewDeferredGroup(ctx)"),
		[]byte("deferred := graphql.DeferredGroup{} // @defer is refused (graph/nodefer.go); trimmed by graph/internal/trimgen"),
	},
	{
		[]byte("graphql.MarshalSliceConcurrently("),
		[]byte("marshalInOrder("),
	},
	{
		[]byte("out.ResolveConcurrently(ec.OperationContext, &deferred, i,"),
		[]byte("resolveInOrder(ctx, out, ec.OperationContext, &deferred, i,"),
	},
}

// plainScalar matches gqlgen's code for a scalar field that returns a
// struct field (obj.X) with no middleware, for the marshallers listed:
// those that cannot fail, and so never need the field's context.
var plainScalar = regexp.MustCompile(`\treturn graphql\.ResolveField\(
\t\tctx,
\t\tec\.OperationContext,
\t\tfield,
\t\tfunc\(ctx context\.Context, field graphql\.CollectedField\) \(\*graphql\.FieldContext, error\) \{
\t\t\treturn ec\.fieldContext_\w+\(ctx, field\)
\t\t\},
\t\tfunc\(ctx context\.Context\) \(any, error\) \{
\t\t\treturn obj\.(\w+), nil
\t\t\},
\t\tnil,
\t\tfunc\(ctx context\.Context, selections ast\.SelectionSet, v \*?\w+\) graphql\.Marshaler \{
\t\t\treturn ec\.(marshal(?:NString2string|NInt2int|NInt2int64|NBoolean2bool|OString2ᚖstring|OString2string|OInt2ᚖint|OInt2ᚖint64|OInt2int64|OBoolean2ᚖbool))\(ctx, selections, v\)
\t\t\},
\t\ttrue,
\t\t(?:true|false),
\t\)
`)

// plainScalarTo is what such a field becomes.
const plainScalarTo = "\treturn ec.${2}(ctx, field.Selections, obj.${1}) // a plain scalar: no field context (graph/internal/trimgen)\n"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trimgen graph/generated.go")
		os.Exit(2)
	}
	if err := trim(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "trimgen:", err)
		os.Exit(1)
	}
}

func trim(file string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if !bytes.Contains(src, r.from) {
			return fmt.Errorf("%s: no %q to rewrite: has gqlgen's generated code changed? see graph/internal/trimgen", file, r.from)
		}
		src = bytes.ReplaceAll(src, r.from, r.to)
	}
	if !plainScalar.Match(src) {
		return fmt.Errorf("%s: no plain scalar field to rewrite: has gqlgen's generated code changed? see graph/internal/trimgen", file)
	}
	src = plainScalar.ReplaceAll(src, []byte(plainScalarTo))
	return os.WriteFile(file, src, 0o644)
}
