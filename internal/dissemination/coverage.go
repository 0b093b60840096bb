package dissemination

import (
	"context"
	"math"
	"strings"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
)

// Area is coverage within one region: how many of the programme's target
// villages lie there, how many of them have at least one ACTIVE community,
// and how many of those were reached (a community of the village reported
// relaying it).
type Area struct {
	Code            string `db:"code"`
	Name            string `db:"name"`
	TargetVillages  int    `db:"target_villages"`
	VillagesWithKIM int    `db:"with_kim"`
	VillagesReached int    `db:"reached"`
	Reach           int64  `db:"reach"`
}

// Percent is the share of villages with a KIM that were reached, to two
// decimals; nil where no target village has one.
func (a Area) Percent() *float64 {
	if a.VillagesWithKIM == 0 {
		return nil
	}
	p := math.Round(float64(a.VillagesReached)*10000/float64(a.VillagesWithKIM)) / 100
	return &p
}

// Village is one target village with an ACTIVE community.
type Village struct {
	Code    string `db:"code"`
	Name    string `db:"name"`
	Reached bool   `db:"reached"`
	Reach   int64  `db:"reach"`
}

// Coverage is a programme's reach through the communities.
type Coverage struct {
	Total     Area
	Regencies []Area
	Districts []Area
	// Villages are the target villages with an ACTIVE community, by code.
	Villages []Village
}

// Coverage computes a programme's coverage, for its publisher and for the
// ADMINs over any of its targets.
func (s *Service) Coverage(ctx context.Context, actor access.Actor, programID int64) (*Coverage, error) {
	var p struct {
		Publisher int64    `db:"publisher_id"`
		Targets   []string `db:"-"`
	}
	if err := s.DB.GetContext(ctx, &p, `SELECT publisher_id FROM programs WHERE id = $1`, programID); err != nil {
		return nil, postgres.MapError(err, "get programme", "no such programme")
	}
	if err := s.DB.SelectContext(ctx, &p.Targets, `SELECT region_code FROM program_targets WHERE program_id = $1`, programID); err != nil {
		return nil, err
	}
	allowed := access.Allowed(actor, access.ReadCoverage, access.Resource{OwnerID: p.Publisher})
	for _, t := range p.Targets {
		allowed = allowed || access.Allowed(actor, access.ReadCoverage, access.Resource{RegionCode: t})
	}
	if !allowed {
		return nil, apperr.New(apperr.Forbidden, "only the publisher and the ADMINs over its targets see a programme's coverage")
	}

	// One row per target village with its KIM and reports; the areas are
	// sums over them.
	var villages []struct {
		Code    string `db:"code"`
		Name    string `db:"name"`
		HasKIM  bool   `db:"has_kim"`
		Reached bool   `db:"reached"`
	}
	if err := s.DB.SelectContext(ctx, &villages, `
		WITH v AS (
			SELECT DISTINCT r.code, r.name FROM program_targets t
			JOIN regions r ON r.level = 'VILLAGE' AND r.code >= t.region_code AND r.code < t.region_code || '/'
			WHERE t.program_id = $1)
		SELECT v.code, v.name,
			EXISTS (SELECT 1 FROM communities c WHERE c.domicile_code = v.code AND c.status = 'ACTIVE' AND c.category = 'KIM') AS has_kim,
			EXISTS (SELECT 1 FROM disseminations d JOIN communities c ON c.id = d.community_id
				WHERE d.program_id = $1 AND c.domicile_code = v.code AND c.status = 'ACTIVE' AND c.category = 'KIM') AS reached
		FROM v ORDER BY v.code`, programID); err != nil {
		return nil, err
	}
	// The estimated reach of every report, by where its community lies
	// (a village, or a district or regency for those based there).
	var reaches []struct {
		Domicile string `db:"domicile_code"`
		Reach    int64  `db:"reach"`
	}
	if err := s.DB.SelectContext(ctx, &reaches, `SELECT c.domicile_code, sum(d.reach) AS reach
		FROM disseminations d JOIN communities c ON c.id = d.community_id
		WHERE d.program_id = $1 GROUP BY c.domicile_code`, programID); err != nil {
		return nil, err
	}
	reachUnder := func(code string) (n int64) {
		for _, r := range reaches {
			if r.Domicile == code || strings.HasPrefix(r.Domicile, code+".") {
				n += r.Reach
			}
		}
		return n
	}

	var codes []string
	for _, v := range villages {
		codes = append(codes, v.Code[:5], v.Code[:8])
	}
	names := map[string]string{}
	var rows []struct {
		Code string `db:"code"`
		Name string `db:"name"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT code, name FROM regions WHERE code = ANY($1)`, pq.Array(codes)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		names[r.Code] = r.Name
	}

	c := &Coverage{Total: Area{}}
	add := func(list []Area, code string) []Area {
		if n := len(list); n == 0 || list[n-1].Code != code {
			list = append(list, Area{Code: code, Name: names[code]})
		}
		return list
	}
	bump := func(a *Area, hasKIM, reached bool) {
		a.TargetVillages++
		if hasKIM {
			a.VillagesWithKIM++
			if reached {
				a.VillagesReached++
			}
		}
	}
	// Villages come in code order, so a regency's and a district's
	// villages are consecutive.
	regencies := map[string]int{}
	for _, v := range villages {
		rc := v.Code[:5]
		if _, ok := regencies[rc]; !ok {
			c.Regencies = add(c.Regencies, rc)
			regencies[rc] = len(c.Regencies) - 1
		}
		c.Districts = add(c.Districts, v.Code[:8])
		bump(&c.Total, v.HasKIM, v.Reached)
		bump(&c.Regencies[regencies[rc]], v.HasKIM, v.Reached)
		bump(&c.Districts[len(c.Districts)-1], v.HasKIM, v.Reached)
		if v.HasKIM {
			c.Villages = append(c.Villages, Village{Code: v.Code, Name: v.Name, Reached: v.Reached, Reach: reachUnder(v.Code)})
		}
	}
	for _, r := range reaches {
		c.Total.Reach += r.Reach
	}
	for i := range c.Regencies {
		c.Regencies[i].Reach = reachUnder(c.Regencies[i].Code)
	}
	for i := range c.Districts {
		c.Districts[i].Reach = reachUnder(c.Districts[i].Code)
	}
	return c, nil
}
