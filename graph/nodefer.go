package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// noDefer refuses documents that use @defer. kimhub answers every request
// in one response (no transport delivers incremental payloads), and its
// generated code is built without @defer's bookkeeping: gqlgen's objects
// each computed their response path and a group for deferred fields, a
// sixth of the allocations of a nested dashboard query, for a directive
// no transport here could honour (see trimgen).
type noDefer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noDefer{}

func (noDefer) ExtensionName() string                   { return "NoDefer" }
func (noDefer) Validate(graphql.ExecutableSchema) error { return nil }
func (noDefer) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Doc == nil {
		return nil
	}
	// Every selection set of the document once: operations, then fragment
	// definitions (a spread is checked where its fragment is defined).
	var at *ast.Directive
	for _, op := range oc.Doc.Operations {
		if at == nil {
			at = findDefer(op.SelectionSet)
		}
	}
	for _, f := range oc.Doc.Fragments {
		if at == nil {
			at = findDefer(f.SelectionSet)
		}
	}
	if at == nil {
		return nil
	}
	err := gqlerror.ErrorPosf(at.Position, "@defer is not supported: kimhub answers in one response; remove @defer and the fields come in it")
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// findDefer returns the first @defer in a selection set, or nil.
func findDefer(set ast.SelectionSet) *ast.Directive {
	for _, sel := range set {
		var d *ast.Directive
		switch s := sel.(type) {
		case *ast.Field:
			d = findDefer(s.SelectionSet)
		case *ast.InlineFragment:
			if d = s.Directives.ForName("defer"); d == nil {
				d = findDefer(s.SelectionSet)
			}
		case *ast.FragmentSpread:
			d = s.Directives.ForName("defer")
		}
		if d != nil {
			return d
		}
	}
	return nil
}
