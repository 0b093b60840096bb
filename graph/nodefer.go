package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// noDefer is a validation rule that refuses @defer wherever a document uses
// it (GRAPHQL_VALIDATION_FAILED). kimhub answers every request in one
// response (no transport here delivers incremental payloads), and its
// generated code is built without @defer's bookkeeping (see
// graph/internal/trimgen). As a rule it runs once per document, which the
// query cache then keeps.
var noDefer = core.Rule{
	Name: "NoDefer",
	RuleFunc: func(observers *core.Events, addError core.AddErrFunc) {
		// The walker visits a fragment where it is defined and where it is
		// spread: one error per @defer in the document.
		seen := map[*ast.Directive]bool{}
		observers.OnDirective(func(_ *core.Walker, d *ast.Directive) {
			if d.Name == "defer" && !seen[d] {
				seen[d] = true
				addError(core.Message("@defer is not supported: kimhub answers in one response; remove @defer and the fields come in it"),
					core.At(d.Position))
			}
		})
	},
}

// validationRules are gqlparser's default rules and kimhub's own; a fresh
// set for each document, since the executor edits the set it is given.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule(noDefer.Name, noDefer.RuleFunc)
	return r
}
