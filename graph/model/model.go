// Package model holds the GraphQL-only types of kimhub's API: the domain
// types of internal/ are bound directly where they fit (see gqlgen.yml).
package model

import (
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
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

// CommunityConnection is a page of communities.
type CommunityConnection = relay.Connection[*community.Community]

// CommunityEdge is one community of a page.
type CommunityEdge = relay.Edge[*community.Community]

// MembershipConnection is a page of memberships.
type MembershipConnection = relay.Connection[*community.Membership]

// MembershipEdge is one membership of a page.
type MembershipEdge = relay.Edge[*community.Membership]

// NotificationConnection is a page of notifications.
type NotificationConnection = relay.Connection[*notify.Notification]

// NotificationEdge is one notification of a page.
type NotificationEdge = relay.Edge[*notify.Notification]

// PostConnection is a page of posts.
type PostConnection = relay.Connection[*publishing.Post]

// PostEdge is one post of a page.
type PostEdge = relay.Edge[*publishing.Post]

// ShowcaseConnection is a page of showcases.
type ShowcaseConnection = relay.Connection[*publishing.Showcase]

// ShowcaseEdge is one showcase of a page.
type ShowcaseEdge = relay.Edge[*publishing.Showcase]

// AspirationConnection is a page of aspirations.
type AspirationConnection = relay.Connection[*aspiration.Aspiration]

// AspirationEdge is one aspiration of a page.
type AspirationEdge = relay.Edge[*aspiration.Aspiration]

// DisseminationConnection is a page of dissemination reports.
type DisseminationConnection = relay.Connection[*dissemination.Dissemination]

// DisseminationEdge is one report of a page.
type DisseminationEdge = relay.Edge[*dissemination.Dissemination]

// ProgramConnection is a page of programmes.
type ProgramConnection = relay.Connection[*program.Program]

// ProgramEdge is one programme of a page.
type ProgramEdge = relay.Edge[*program.Program]
