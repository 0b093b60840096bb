package generate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// community is what later tables need of a generated community.
type community struct {
	domicile string
	category string
	status   string
	created  time.Time
	// members are the accounts of its ACTIVE memberships: the CHAIR first,
	// then the EDITORs (reporters of them in all), then the MEMBERs.
	members   []int32
	reporters int
}

// membership is one planned memberships row.
type membership struct {
	community int32
	account   int32
	role      string
	status    string
	joined    time.Time
	updated   time.Time
}

var (
	categories      = []string{"KIM", "TRADITIONAL_MEDIA", "POSITIVE_CONTENT_CREATOR", "STRATEGIC_GROUP"}
	categoryWeights = []float64{85, 5, 5, 5}
	categoryPrefix  = map[string]string{"KIM": "KIM", "TRADITIONAL_MEDIA": "Kelompok Seni", "POSITIVE_CONTENT_CREATOR": "Kreator Konten",
		"STRATEGIC_GROUP": "Karang Taruna"}
	communityStatuses       = []string{"ACTIVE", "SUSPENDED", "SUBMITTED", "DRAFT", "REJECTED"}
	communityStatusWeights  = []float64{90, 2, 4, 2, 2}
	communityReasons        = map[string]string{"REJECTED": "SK kepala desa tidak terbaca", "SUSPENDED": "tidak aktif lebih dari setahun"}
	membershipEndings       = []string{"ACTIVE", "LEFT", "REMOVED"}
	membershipEndingWeights = []float64{92, 5, 3}
)

// communities plans every community and its memberships, then loads the
// communities (with member_count, the number of ACTIVE memberships) and
// the registration counters their numbers came from. Community 0 is an
// ACTIVE KIM, so that every later kind has one to draw.
func (g *gen) communities() (int, error) {
	n := g.o.Communities
	if n == 0 {
		return 0, nil
	}
	rng := g.rng
	// Domiciles: villages drawn by a Zipf law over a shuffled list, so a
	// few places hold many.
	rng.Shuffle(len(g.villages), func(i, j int) { g.villages[i], g.villages[j] = g.villages[j], g.villages[i] })
	villageOf := rand.NewZipf(rng, 1.1, 4, uint64(len(g.villages)-1))

	type row struct {
		name, slug, reason             string
		submitted, registered, updated *time.Time
		number                         *string
		lat, lng                       *float64
		createdBy                      int32
		memberCount                    int
	}
	rows := make([]row, n)
	g.comms = make([]community, n)
	var plan []membership
	for i := range g.comms {
		c := &g.comms[i]
		r := &rows[i]
		c.domicile = g.villages[villageOf.Uint64()]
		c.category = pick(rng, categories, categoryWeights)
		c.status = pick(rng, communityStatuses, communityStatusWeights)
		if i == 0 {
			c.category, c.status = "KIM", "ACTIVE"
		}
		r.name = categoryPrefix[c.category] + " " + g.names[c.domicile]
		r.slug = fmt.Sprintf("kim-gen-%d", i+1)
		r.reason = communityReasons[c.status]
		// The registration timeline: started, submitted, approved.
		var last time.Time
		switch c.status {
		case "ACTIVE", "SUSPENDED":
			reg := g.ago(6*365*day, 1.5).Add(-day)
			sub := reg.Add(-time.Duration(1+rng.IntN(45)) * day)
			c.created = sub.Add(-time.Duration(rng.Int64N(int64(30 * day))))
			r.registered, r.submitted, last = &reg, &sub, reg
		case "SUBMITTED", "REJECTED":
			span := 60 * day
			if c.status == "REJECTED" {
				span = 2 * 365 * day
			}
			sub := g.ago(span, 1)
			c.created = sub.Add(-time.Duration(rng.Int64N(int64(10 * day))))
			r.submitted, last = &sub, sub
			if c.status == "REJECTED" {
				last = sub.Add(time.Duration(rng.Int64N(int64(g.now.Sub(sub)))))
			}
		default: // DRAFT
			c.created = g.ago(365*day, 1)
			last = c.created
		}
		if c.status == "SUSPENDED" {
			last = last.Add(time.Duration(rng.Int64N(int64(g.now.Sub(last)))))
		}
		r.updated = &last
		if rng.IntN(10) < 8 {
			lat, lng := -8+rng.Float64()*10, 95+rng.Float64()*45
			r.lat, r.lng = &lat, &lng
		}
		// Members: most have 3 to 15, a few have many; a registration
		// not yet approved has its founder and perhaps a few others.
		size := 1
		switch {
		case c.status == "DRAFT":
		case r.registered == nil:
			size = 1 + rng.IntN(4)
		case rng.IntN(100) < 5:
			size = min(2000, int(16*math.Pow(rng.Float64(), -1/1.1)))
		default:
			size = 3 + int(13*math.Pow(rng.Float64(), 1.3))
		}
		size = min(size, g.o.Accounts)
		editors := 0
		switch {
		case size >= 100:
			editors = 2 + size/100
		case size >= 10:
			editors = 2
		case size >= 4:
			editors = 1
		}
		seen := make(map[int32]bool, size)
		for k := 0; k < size; k++ {
			a := int32(1 + rng.IntN(g.o.Accounts))
			for seen[a] {
				a = int32(1 + rng.IntN(g.o.Accounts))
			}
			seen[a] = true
			m := membership{community: int32(i), account: a, role: "MEMBER", status: "ACTIVE"}
			switch {
			case k == 0:
				m.role, m.joined = "CHAIR", c.created
				r.createdBy = a
			default:
				if k <= editors {
					m.role = "EDITOR"
				} else {
					m.status = pick(rng, membershipEndings, membershipEndingWeights)
				}
				// Joined over the last two years since the community
				// began, recent joins likelier.
				span := min(730*day, g.now.Sub(c.created))
				m.joined = g.now.Add(-time.Duration(float64(span) * rng.Float64() * rng.Float64()))
			}
			m.updated = m.joined
			if m.status != "ACTIVE" {
				m.updated = m.joined.Add(time.Duration(rng.Int64N(int64(g.now.Sub(m.joined)) + 1)))
			} else {
				c.members = append(c.members, a)
				if m.role != "MEMBER" {
					c.reporters++
				}
			}
			plan = append(plan, m)
		}
		r.memberCount = len(c.members)
	}
	g.plan = plan

	// Registration numbers, as the service issues them: per regency, in the
	// order of approval, <regency>-<at least 4 digits>.
	var registered []int
	for i := range rows {
		if rows[i].registered != nil {
			registered = append(registered, i)
		}
	}
	sort.SliceStable(registered, func(a, b int) bool { return rows[registered[a]].registered.Before(*rows[registered[b]].registered) })
	counters := map[string]int{}
	for _, i := range registered {
		regency := g.comms[i].domicile[:5]
		counters[regency]++
		num := fmt.Sprintf("%s-%04d", regency, counters[regency])
		rows[i].number = &num
	}

	if err := copyRows(g.ctx, g.db, "communities", []string{"name", "slug", "category", "domicile_code", "description", "status",
		"status_reason", "registration_number", "registered_at", "submitted_at", "latitude", "longitude", "member_count",
		"created_by", "created_at", "updated_at"}, n, func(i int) []any {
		r, c := &rows[i], &g.comms[i]
		return []any{r.name, r.slug, c.category, c.domicile, g.sentence(12), c.status, r.reason, r.number, r.registered, r.submitted,
			r.lat, r.lng, r.memberCount, r.createdBy, c.created, *r.updated}
	}); err != nil {
		return 0, err
	}
	var err error
	if g.firstCommunity, err = g.firstID("communities", n); err != nil {
		return 0, err
	}
	regencies := make([]string, 0, len(counters))
	for r := range counters {
		regencies = append(regencies, r)
	}
	sort.Strings(regencies)
	if err := copyRows(g.ctx, g.db, "registration_counters", []string{"regency_code", "last_number"}, len(regencies), func(i int) []any {
		return []any{regencies[i], counters[regencies[i]]}
	}); err != nil {
		return 0, err
	}
	for i, c := range g.comms {
		if c.status == "ACTIVE" {
			g.active = append(g.active, i)
			if c.category == "KIM" {
				g.activeKIM = append(g.activeKIM, i)
			}
		}
	}
	return n, nil
}

// membershipRows loads the memberships planned with the communities.
func (g *gen) membershipRows() (int, error) {
	plan := g.plan
	g.plan = nil
	return len(plan), copyRows(g.ctx, g.db, "memberships", []string{"community_id", "account_id", "role", "status", "joined_at",
		"created_at", "updated_at"}, len(plan), func(i int) []any {
		m := &plan[i]
		return []any{g.firstCommunity + int64(m.community), m.account, m.role, m.status, m.joined, m.joined, m.updated}
	})
}

// membershipEvents records each membership's history as the triggers would
// have: a JOIN when it joined, and a LEAVE when a LEFT or REMOVED one last
// changed.
func (g *gen) membershipEvents() (int, error) {
	res, err := g.db.ExecContext(g.ctx, `INSERT INTO membership_events (community_id, account_id, kind, at)
		SELECT community_id, account_id, 'JOIN', joined_at FROM memberships
		WHERE joined_at IS NOT NULL AND status IN ('ACTIVE', 'LEFT', 'REMOVED')
		UNION ALL
		SELECT community_id, account_id, 'LEAVE', updated_at FROM memberships
		WHERE joined_at IS NOT NULL AND status IN ('LEFT', 'REMOVED')
		ORDER BY 4`)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
