package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/stats"
)

const codeDepthLimit = "DEPTH_LIMIT_EXCEEDED"

// depthLimit refuses operations whose selections nest deeper than max, or
// that expand to more than maxFields fields. Fragments are measured once
// each and remembered, so a document that spreads fragments into each other
// (each spread doubling the work) costs linear time to measure, and is
// refused before gqlgen's complexity count would expand it. Introspection
// fields (__schema, __type) are not counted: GraphiQL's own introspection
// query nests its type references deeply.
type depthLimit struct{ max, maxFields int }

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
	m := measurer{memo: map[string]measure{}, visiting: map[string]bool{}}
	got := m.set(oc.Operation.SelectionSet)
	if got.depth > d.max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the query nests %d levels deep; the limit is %d: split it into several queries", got.depth, d.max),
			Extensions: map[string]any{"code": codeDepthLimit},
		}
	}
	if got.fields > d.maxFields {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("the query expands to more than %d fields (fragments count each time they are spread): ask for less", d.maxFields),
			Extensions: map[string]any{"code": codeDepthLimit},
		}
	}
	return nil
}

// measure is the depth and the expanded field count of a selection set.
type measure struct{ depth, fields int }

type measurer struct {
	memo     map[string]measure
	visiting map[string]bool
}

// fieldCap keeps counts from overflowing: anything past it is refused anyway.
const fieldCap = 1 << 40

func (m *measurer) set(set ast.SelectionSet) measure {
	var out measure
	for _, sel := range set {
		var x measure
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			x = m.set(s.SelectionSet)
			x.depth++
			x.fields++
		case *ast.InlineFragment:
			x = m.set(s.SelectionSet)
		case *ast.FragmentSpread:
			if s.Definition == nil || m.visiting[s.Name] {
				continue // validation rejects cycles; do not loop on them
			}
			var ok bool
			if x, ok = m.memo[s.Name]; !ok {
				m.visiting[s.Name] = true
				x = m.set(s.Definition.SelectionSet)
				delete(m.visiting, s.Name)
				m.memo[s.Name] = x
			}
		}
		out.depth = max(out.depth, x.depth)
		out.fields = min(out.fields+x.fields, fieldCap)
	}
	return out
}

// costlyMutation is the complexity of a mutation that hashes a password:
// the default limit lets a request carry a handful.
const costlyMutation = 3000

// coverageCost is the complexity of one Program.coverage: a handful fit
// in the default limit, a page of them does not.
const coverageCost = 2000

// statsCost is the complexity of one dashboard read (regionStats, a
// ranking): a handful of aggregate statements over a subtree, whatever its
// rows. The default limit fits about five; a list of regions cannot ask
// each.
const statsCost = 3000

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
	c.Query.AuditEntries = func(child int, _ *string, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Account.Grants = func(child int) int { return 1 + 10*child }
	c.MediaAsset.Variants = func(child int) int { return 1 + 2*child }
	c.Query.Communities = func(child int, _ *model.CommunityFilter, _ *community.Order, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Region.Communities = func(child int, _ *model.CommunityFilter, _ *community.Order, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Community.Members = func(child int, _ *bool, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Query.Notifications = func(child int, _ *bool, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Account.Memberships = func(child int) int { return 1 + 10*child }
	c.Query.Posts = func(child int, _ *model.PostFilter, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Region.Posts = func(child int, _ *model.PostFilter, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Community.Posts = func(child int, _ *publishing.Status, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Post.Media = func(child int) int { return 1 + 10*child }
	c.Showcase.Gallery = func(child int) int { return 1 + 10*child }
	c.Program.Targets = func(child int) int { return 1 + 10*child }
	c.Program.Attachments = func(child int) int { return 1 + 10*child }
	// Coverage is a statement over every target village: priced so that a
	// page of programmes cannot ask it of each.
	c.Program.Coverage = func(child int) int { return coverageCost + child }
	c.Dissemination.Evidence = func(child int) int { return 1 + 10*child }
	c.Query.Aspirations = func(child int, _ *string, _ *string, _ *aspiration.Status, _ *bool, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Aspiration.Responses = func(child int) int { return 1 + aspiration.MaxResponses*child }
	c.AspirationResponse.Attachments = func(child int) int { return 1 + 10*child }
	c.Program.Disseminations = func(child int, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Query.Programs = func(child int, _ *string, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Community.ProgramFeed = func(child int, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Query.Showcases = func(child int, _ *model.ShowcaseFilter, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Community.Showcases = func(child int, _ *publishing.Status, first *int, _ *string, last *int, _ *string) int {
		return pageCost(child, first, last)
	}
	c.Community.Fields = func(child int) int { return 1 + 8*child }
	// Dashboards: a fixed price per read plus what it returns (regions have
	// at most about 100 children; a series, a dozen buckets typically).
	c.Query.RegionStats = func(child int, _ string, _, _ model.Date, _ *stats.Granularity) int { return statsCost + child }
	c.Region.ChildrenStats = func(child int, _, _ model.Date, _ *stats.Granularity) int { return statsCost + 50*child }
	c.RegionStats.Series = func(child int) int { return 1 + 12*child }
	c.Community.Activity = func(child int, _ *model.Date) int { return 100 + child }
	c.Query.ActivityRanking = func(child int, _ string, _ *model.Date, _ *community.Category, first *int) int {
		return statsCost + min(max(deref(first, 20), 1), stats.MaxRanking)*child
	}
	c.Query.RegionRanking = func(child int, _ string, _ *model.Date, _ *community.Category) int { return statsCost + 50*child }
	// Each of these hashes a password (argon2id, 19 MiB): aliasing many
	// into one request is refused by the complexity limit.
	c.Mutation.SignUp = func(child int, _ model.SignUpInput) int { return costlyMutation + child }
	c.Mutation.LogIn = func(child int, _ model.LogInInput) int { return costlyMutation + child }
	return c
}
