// Package model holds the GraphQL-only types of kimhub's API: the domain
// types of internal/ are bound directly where they fit (see gqlgen.yml).
package model

import (
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
)

// Node is any object with a global ID; the concrete types are domain types.
type Node any

// RegionConnection is a page of regions.
type RegionConnection = relay.Connection[*region.Region]

// RegionEdge is one region of a page.
type RegionEdge = relay.Edge[*region.Region]

// AuditEntryConnection is a page of audit entries.
type AuditEntryConnection = relay.Connection[*audit.Entry]

// AuditEntryEdge is one audit entry of a page.
type AuditEntryEdge = relay.Edge[*audit.Entry]
