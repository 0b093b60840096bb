// Package access decides who may do what. One policy table (policy.go)
// answers "may this actor do this action on this resource" for every path
// to the data; services ask Check before they act, and nothing else decides.
package access

import (
	"context"
	"time"

	"github.com/kimhub/kimhub/internal/region"
)

// Role is a government role, always held over a region and everything
// below it.
type Role string

// The government roles of DESIGN.md §3.
const (
	Admin Role = "ADMIN" // Diskominfo staff
	Humas Role = "HUMAS" // public-relations staff
)

// Valid reports whether r is a government role.
func (r Role) Valid() bool { return r == Admin || r == Humas }

// CommunityRole is an account's role in one community.
type CommunityRole string

// The community roles of DESIGN.md §3.
const (
	Chair  CommunityRole = "CHAIR"  // ketua: manages profile and members, publishes
	Editor CommunityRole = "EDITOR" // reviews and publishes
	Member CommunityRole = "MEMBER" // writes drafts and submits them
)

// Grant is a government role at a region.
type Grant struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"account_id"`
	Role       Role       `db:"role" json:"role"`
	RegionCode string     `db:"region_code" json:"region_code"`
	GrantedBy  *int64     `db:"granted_by" json:"granted_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at"`
	RevokedBy  *int64     `db:"revoked_by" json:"revoked_by"`
}

// Actor is who makes a request: anonymous (AccountID 0) or an account with
// its superadmin flag and active government grants.
type Actor struct {
	AccountID  int64
	SessionID  int64
	Superadmin bool
	Grants     []Grant
}

// Anonymous is the actor of a request without a valid token.
var Anonymous = Actor{}

// SignedIn reports whether the actor is an account.
func (a Actor) SignedIn() bool { return a.AccountID != 0 }

// Covers reports whether the actor holds one of roles over code (the region
// itself or one above it). A superadmin covers everything.
func (a Actor) Covers(code string, roles ...Role) bool {
	if a.Superadmin {
		return true
	}
	for _, g := range a.Grants {
		if region.InSubtree(code, g.RegionCode) && hasRole(roles, g.Role) {
			return true
		}
	}
	return false
}

// Scopes returns the region codes under which the actor holds one of roles,
// for filtering lists; nil with all=true for a superadmin.
func (a Actor) Scopes(roles ...Role) (codes []string, all bool) {
	if a.Superadmin {
		return nil, true
	}
	for _, g := range a.Grants {
		if hasRole(roles, g.Role) {
			codes = append(codes, g.RegionCode)
		}
	}
	return codes, false
}

func hasRole(roles []Role, r Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// WithActor returns ctx carrying the request's actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, ctxKey{}, a)
}

// ActorFrom returns the request's actor; Anonymous when none was set.
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(ctxKey{}).(Actor)
	return a
}
