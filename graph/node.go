package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"strconv"
	"strings"

	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/graph/model"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/relay"
)

// The type names inside global IDs.
const (
	typeRegion        = "Region"
	typeAccount       = "Account"
	typeGrant         = "Grant"
	typeAuditEntry    = "AuditEntry"
	typeMediaAsset    = "MediaAsset"
	typeCommunity     = "Community"
	typeMembership    = "Membership"
	typeNotification  = "Notification"
	typePost          = "Post"
	typeShowcase      = "Showcase"
	typeProgram       = "Program"
	typeDissemination = "Dissemination"
	typeAspiration    = "Aspiration"
)

// maxNodes bounds nodes(ids:).
const maxNodes = 100

// node fetches any object by global ID through the same loaders (and, for
// later types, the same permission checks) as every other path to it.
func (r *Resolver) node(ctx context.Context, id string) (model.Node, error) {
	typ, key, err := relay.ParseID(id)
	if err != nil {
		return nil, err
	}
	l := loader.For(ctx)
	switch typ {
	case typeRegion:
		return loader.Get(ctx, l.Region, key, fmt.Sprintf("no region has code %s", key))
	case typeAccount, typeGrant, typeAuditEntry, typeMediaAsset, typeCommunity, typeMembership, typeNotification, typePost, typeShowcase, typeProgram, typeDissemination, typeAspiration:
		n, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			break
		}
		switch typ {
		case typeAccount:
			return loader.Get(ctx, l.Account, n, "no such account")
		case typeGrant:
			return r.Svc.Grants.Get(ctx, access.ActorFrom(ctx), n)
		case typeAuditEntry:
			return r.Svc.Audit.Get(ctx, access.ActorFrom(ctx), n)
		case typeMediaAsset:
			return r.Svc.Media.Get(ctx, access.ActorFrom(ctx), n)
		case typeCommunity:
			return r.Svc.Communities.Get(ctx, access.ActorFrom(ctx), n)
		case typeMembership:
			return r.Svc.Communities.GetMembership(ctx, access.ActorFrom(ctx), n)
		case typeNotification:
			return r.Svc.Notifications.Get(ctx, access.ActorFrom(ctx), n)
		case typePost:
			return r.Svc.Posts.Get(ctx, access.ActorFrom(ctx), n)
		case typeShowcase:
			return r.Svc.Posts.GetShowcase(ctx, access.ActorFrom(ctx), n)
		case typeProgram:
			return r.Svc.Programs.Get(ctx, access.ActorFrom(ctx), n)
		case typeDissemination:
			return r.Svc.Disseminations.Get(ctx, n)
		case typeAspiration:
			return r.Svc.Aspirations.Get(ctx, access.ActorFrom(ctx), n)
		}
	}
	return nil, apperr.NotFoundf("nothing has the ID %q", id)
}

// int64ID decodes the global ID of an object of type typ with a numeric
// key, given in the input field field.
func int64ID(id, typ, field string) (int64, error) {
	t, key, err := relay.ParseID(id)
	if err == nil && t == typ {
		if n, err := strconv.ParseInt(key, 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, apperr.Invalid(field, "%s is not the ID of a%s %s", field, article(typ), typ)
}

func article(typ string) string {
	if strings.ContainsRune("AEIOU", rune(typ[0])) {
		return "n"
	}
	return ""
}

// nodes fetches each ID as node does; an ID that fails gives null in its
// place and an error whose path names its index.
func (r *Resolver) nodes(ctx context.Context, ids []string) ([]model.Node, error) {
	if len(ids) > maxNodes {
		return nil, apperr.Invalid("ids", "ask for at most %d IDs at once", maxNodes)
	}
	out := make([]model.Node, len(ids))
	errs := make([]error, len(ids))
	done := make(chan int, len(ids))
	for i, id := range ids {
		go func() {
			out[i], errs[i] = r.node(ctx, id)
			done <- i
		}()
	}
	for range ids {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			out[i] = nil
			graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err)
		}
	}
	return out, nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
