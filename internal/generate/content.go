package generate

import (
	"fmt"
	"math/rand/v2"
	"time"
)

var (
	showcaseKinds         = []string{"PRODUCT", "UMKM", "TOURISM", "CULTURE", "CULINARY", "AGRICULTURE", "CRAFT", "OTHER"}
	showcaseKindWeights   = []float64{15, 25, 15, 10, 15, 10, 7, 3}
	showcaseStatuses      = []string{"PUBLISHED", "DRAFT", "IN_REVIEW", "ARCHIVED", "TAKEN_DOWN"}
	showcaseStatusWeights = []float64{90, 4, 3, 2, 1}
)

// activeOf returns a drawer of ACTIVE communities by a Zipf law over the
// activity ranking: a few communities do most of the work.
func (g *gen) activeOf(kind string, s, v float64, among []int) (func() int, error) {
	if len(among) == 0 {
		return nil, fmt.Errorf("%s need an ACTIVE community: generate some communities", kind)
	}
	z := rand.NewZipf(g.rng, s, v, uint64(len(among)-1))
	return func() int { return among[z.Uint64()] }, nil
}

// member returns one of community c's ACTIVE members.
func (g *gen) member(c int) int32 {
	m := g.comms[c].members
	return m[g.rng.IntN(len(m))]
}

// posts loads published posts over two years, by ACTIVE communities drawn
// by a Zipf law, each by a member, about the community's domicile.
func (g *gen) posts() (int, error) {
	n := g.o.Posts
	if n == 0 {
		return 0, nil
	}
	communityOf, err := g.activeOf("posts", 1.05, 8, g.active)
	if err != nil {
		return 0, err
	}
	return n, copyRows(g.ctx, g.db, "posts", []string{"community_id", "author_id", "title", "slug", "body", "body_html", "excerpt",
		"region_code", "status", "publish_at", "view_count"}, n, func(i int) []any {
		c := communityOf()
		body := g.sentence(30)
		return []any{g.firstCommunity + int64(c), g.member(c), g.sentence(6), fmt.Sprintf("berita-%d", i+1), body, "<p>" + body + "</p>",
			body[:min(len(body), 120)], g.comms[c].domicile, "PUBLISHED", g.ago(730*day, 1), int64(g.lognormal(3.8, 1.4))}
	})
}

// showcases loads local products, businesses and places, like posts: most
// PUBLISHED over two years, a few in other states.
func (g *gen) showcases() (int, error) {
	n := g.o.Showcases
	if n == 0 {
		return 0, nil
	}
	communityOf, err := g.activeOf("showcases", 1.1, 8, g.active)
	if err != nil {
		return 0, err
	}
	return n, copyRows(g.ctx, g.db, "showcases", []string{"community_id", "author_id", "kind", "title", "slug", "description",
		"description_html", "latitude", "longitude", "contact", "region_code", "status", "publish_at", "view_count"}, n, func(i int) []any {
		c := communityOf()
		desc := g.sentence(25)
		var lat, lng *float64
		if g.rng.IntN(10) < 6 {
			a, b := -8+g.rng.Float64()*10, 95+g.rng.Float64()*45
			lat, lng = &a, &b
		}
		status := pick(g.rng, showcaseStatuses, showcaseStatusWeights)
		var publish *time.Time
		views := int64(0)
		if status != "DRAFT" && status != "IN_REVIEW" {
			at := g.ago(730*day, 1)
			publish = &at
			views = int64(g.lognormal(3.5, 1.5))
		}
		return []any{g.firstCommunity + int64(c), g.member(c), pick(g.rng, showcaseKinds, showcaseKindWeights), g.sentence(4),
			fmt.Sprintf("potensi-%d", i+1), desc, "<p>" + desc + "</p>", lat, lng, fmt.Sprintf("+62812%08d", g.rng.IntN(100_000_000)),
			g.comms[c].domicile, status, publish, views}
	})
}
