// Command trimgen rewrites two things in gqlgen's generated code.
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
//   - Lists marshalled one goroutine per element
//     (graphql.MarshalSliceConcurrently): kimhub marshals them in order
//     (graph/inorder.go), since what a list's elements load is fetched for
//     all of them at the first ask (graph/loader's sibling groups), not
//     gathered from concurrent askers. On the same dashboard the goroutines
//     (1,400 a request, each growing its stack) were a quarter of the CPU.
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
}

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
	return os.WriteFile(file, src, 0o644)
}
