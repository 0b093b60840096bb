package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

const codeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// depthLimit refuses operations whose selections nest deeper than max.
// Introspection fields (__schema, __type) are not counted: GraphiQL's own
// introspection query nests its type references deeply.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, 0, map[string]bool{}); depth > d.max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the query nests %d levels deep; the limit is %d: split it into several queries", depth, d.max),
			Extensions: map[string]any{"code": codeDepthLimit},
		}
	}
	return nil
}

// selectionDepth returns the deepest field nesting under set. Fragment
// spreads are followed once per path (visiting guards against cycles, which
// validation rejects anyway).
func selectionDepth(set ast.SelectionSet, depth int, visiting map[string]bool) int {
	deepest := depth
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = selectionDepth(s.SelectionSet, depth+1, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, depth, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, depth, visiting)
			delete(visiting, s.Name)
		}
		if d > deepest {
			deepest = d
		}
	}
	return deepest
}

// pageCost is the complexity of a connection field: its page size times the
// cost of one item, so that nesting lists multiplies as it does in the
// database.
func pageCost(child int, first, last *int) int {
	n := relay.DefaultPageSize
	if first != nil {
		n = *first
	} else if last != nil {
		n = *last
	}
	if n < 1 {
		n = 1
	}
	// A page larger than the maximum is refused by the resolver with a
	// message about the argument; price it at the maximum so that the
	// complexity limit does not answer first with a vaguer one.
	if n > relay.MaxPageSize {
		n = relay.MaxPageSize
	}
	return 1 + n*child
}

// complexity prices the fields whose cost grows with what they return.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Regions = func(child int, _ *string, _ *region.Level, _ *string, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Query.Nodes = func(child int, ids []string) int { return 1 + len(ids)*child }
	c.Region.Children = func(child int, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Region.Ancestors = func(child int) int { return 1 + 3*child }
	return c
}
