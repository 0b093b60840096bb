// Command trimgen removes from gqlgen's generated code the bookkeeping of
// @defer, which kimhub refuses (a validation rule, graph/nodefer.go): every object's
// marshaller began with graphql.NewDeferredGroup(ctx), which computes the
// object's response path (walking its field contexts up to the root) and
// allocates a field set and a map, for deferred fields that never come. On
// a province's nested dashboard that was a sixth of the allocations and
// about 15 % of the CPU. The zero DeferredGroup is what those marshallers
// see when nothing is deferred: no deferred fields, so no payloads.
//
// go generate runs it after gqlgen (graph/gen.go):
//
//	go run ./graph/internal/trimgen graph/generated.go
//
// It fails if it finds nothing to trim, so that a gqlgen upgrade that
// changes the generated code is noticed rather than silently untrimmed.
package main

import (
	"bytes"
	"fmt"
	"os"
)

var (
	from = []byte("deferred := graphql.NewDeferredGroup(ctx)")
	to   = []byte("deferred := graphql.DeferredGroup{} // @defer is refused (graph/nodefer.go); trimmed by graph/internal/trimgen")
)

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
	n := bytes.Count(src, from)
	if n == 0 {
		return fmt.Errorf("%s: no %q to trim: has gqlgen's generated code changed? see graph/internal/trimgen", file, from)
	}
	return os.WriteFile(file, bytes.ReplaceAll(src, from, to), 0o644)
}
