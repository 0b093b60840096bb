package generate

import (
	"fmt"
	"math"
	"time"
)

// program is what disseminations and aspirations need of a programme.
type program struct {
	status    string
	published time.Time
}

var (
	programStatuses       = []string{"PUBLISHED", "DRAFT", "ARCHIVED"}
	programStatusWeights  = []float64{85, 8, 7}
	channels              = []string{"WHATSAPP", "SOCIAL_MEDIA", "RADIO", "MEETING", "NOTICE_BOARD", "WEBSITE", "OTHER"}
	channelWeights        = []float64{40, 25, 5, 12, 8, 7, 3}
	targetKinds           = []string{"REGENCY", "DISTRICTS", "PROVINCE"}
	targetKindWeights     = []float64{60, 28, 12}
	publisherPoolAccounts = 500
)

// dateOf is t's date in UTC, as a time at midnight UTC.
func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// reportWindow is the range of dates a report on a programme published at
// may bear, safe in every time zone within a day of UTC: from the day
// after its UTC date to the day before today's. ok is false when empty.
func (g *gen) reportWindow(published time.Time) (first time.Time, days int, ok bool) {
	first = dateOf(published).AddDate(0, 0, 1)
	last := dateOf(g.now).AddDate(0, 0, -1)
	days = int(last.Sub(first)/day) + 1
	return first, days, days > 0
}

// programs loads programmes, published by a few accounts over two years,
// and draws their targets: most one regency or a few of its districts, some
// a province, where communities are (the anchor is a random community's
// domicile). Programme 0 is PUBLISHED a month ago at least, so that
// reports always have one.
func (g *gen) programs() (int, error) {
	n := g.o.Programs
	if n == 0 {
		return 0, nil
	}
	var fields []string
	if err := g.db.SelectContext(g.ctx, &fields, `SELECT code FROM fields ORDER BY code`); err != nil {
		return 0, err
	}
	publishers := make([]int32, min(publisherPoolAccounts, g.o.Accounts))
	for i := range publishers {
		publishers[i] = int32(1 + g.rng.IntN(g.o.Accounts))
	}
	g.progs = make([]program, n)
	targets := make([][]string, n)
	rng := g.rng
	if err := copyRows(g.ctx, g.db, "programs", []string{"publisher_id", "title", "summary", "body", "body_html", "category",
		"starts_on", "ends_on", "status", "published_at", "created_at", "updated_at"}, n, func(i int) []any {
		p := &g.progs[i]
		p.status = pick(rng, programStatuses, programStatusWeights)
		var published *time.Time
		var created, updated time.Time
		if i == 0 {
			p.status = "PUBLISHED"
		}
		switch p.status {
		case "DRAFT":
			created = g.ago(180*day, 1)
			updated = created
		default:
			p.published = g.ago(730*day, 1)
			if i == 0 {
				p.published = g.ago(700*day, 1).Add(-30 * day)
			}
			published = &p.published
			created = p.published.Add(-time.Duration(rng.Int64N(int64(14 * day))))
			updated = p.published
			if p.status == "ARCHIVED" {
				updated = p.published.Add(time.Duration(rng.Int64N(int64(g.now.Sub(p.published)) + 1)))
			}
		}
		var starts, ends *string
		if rng.IntN(10) < 8 {
			s := dateOf(created).AddDate(0, 0, rng.IntN(45))
			e := s.AddDate(0, 0, 7+rng.IntN(358))
			ss, es := s.Format(time.DateOnly), e.Format(time.DateOnly)
			starts, ends = &ss, &es
		}
		var category *string
		if rng.IntN(10) < 9 {
			category = &fields[rng.IntN(len(fields))]
		}
		body := g.sentence(60)
		targets[i] = g.targetsOf()
		return []any{publishers[rng.IntN(len(publishers))], "Program " + g.sentence(4), g.sentence(15), body, "<p>" + body + "</p>",
			category, starts, ends, p.status, published, created, updated}
	}); err != nil {
		return 0, err
	}
	var err error
	if g.firstProgram, err = g.firstID("programs", n); err != nil {
		return 0, err
	}
	g.targets = targets
	return n, nil
}

// programTargets loads the programmes' targets and indexes the PUBLISHED
// programmes that may be reported on by target region.
func (g *gen) programTargets() (int, error) {
	type target struct {
		program int
		code    string
	}
	var rows []target
	g.byTarget = map[string][]int{}
	for i, ts := range g.targets {
		_, _, reportable := g.reportWindow(g.progs[i].published)
		for _, t := range ts {
			rows = append(rows, target{i, t})
			if g.progs[i].status == "PUBLISHED" && reportable {
				g.byTarget[t] = append(g.byTarget[t], i)
			}
		}
	}
	g.targets = nil
	return len(rows), copyRows(g.ctx, g.db, "program_targets", []string{"program_id", "region_code"}, len(rows), func(i int) []any {
		return []any{g.firstProgram + int64(rows[i].program), rows[i].code}
	})
}

// targetsOf draws one programme's target regions, distinct.
func (g *gen) targetsOf() []string {
	var anchor string
	if len(g.comms) > 0 {
		anchor = g.comms[g.rng.IntN(len(g.comms))].domicile
	} else {
		anchor = g.villages[g.rng.IntN(len(g.villages))]
	}
	regency := anchor[:5]
	switch pick(g.rng, targetKinds, targetKindWeights) {
	case "PROVINCE":
		return []string{anchor[:2]}
	case "DISTRICTS":
		ds := g.districts[regency]
		out := []string{anchor[:8]}
		for k := g.rng.IntN(4); k > 0 && len(out) < len(ds); k-- {
			d := ds[g.rng.IntN(len(ds))]
			fresh := true
			for _, o := range out {
				fresh = fresh && o != d
			}
			if fresh {
				out = append(out, d)
			}
		}
		return out
	default:
		return []string{regency}
	}
}

// programFor draws a PUBLISHED programme targeting community c's domicile
// (its province, regency, district or village), or -1 when none does.
func (g *gen) programFor(c int) int {
	d := g.comms[c].domicile
	levels := [][]int{g.byTarget[d[:2]], g.byTarget[d[:5]], g.byTarget[d[:8]], g.byTarget[d]}
	total := 0
	for _, l := range levels {
		total += len(l)
	}
	if total == 0 {
		return -1
	}
	k := g.rng.IntN(total)
	for _, l := range levels {
		if k < len(l) {
			return l[k]
		}
		k -= len(l)
	}
	panic("unreachable")
}

// disseminations loads reports by ACTIVE KIM communities, drawn by a Zipf
// law, on PUBLISHED programmes that target their domicile (when no such
// programme is found for the communities drawn, any PUBLISHED one), filed
// by their CHAIR or an EDITOR, dated on or after the programme's
// publication (mostly soon after) and not in the future.
func (g *gen) disseminations() (int, error) {
	n := g.o.Disseminations
	if n == 0 {
		return 0, nil
	}
	communityOf, err := g.activeOf("disseminations", 1.1, 5, g.activeKIM)
	if err != nil {
		return 0, err
	}
	var reportable []int
	for i, p := range g.progs {
		if _, _, ok := g.reportWindow(p.published); ok && p.status == "PUBLISHED" {
			reportable = append(reportable, i)
		}
	}
	if len(reportable) == 0 {
		return 0, fmt.Errorf("disseminations need a PUBLISHED programme: generate some programmes")
	}
	untargeted := 0
	if err := copyRows(g.ctx, g.db, "disseminations", []string{"program_id", "community_id", "reporter_id", "channel",
		"disseminated_on", "reach", "note", "created_at"}, n, func(i int) []any {
		c, p := communityOf(), -1
		for try := 0; try < 20 && p < 0; try++ {
			if try > 0 {
				c = communityOf()
			}
			p = g.programFor(c)
		}
		if p < 0 {
			p = reportable[g.rng.IntN(len(reportable))]
			untargeted++
		}
		first, days, _ := g.reportWindow(g.progs[p].published)
		on := first.AddDate(0, 0, int(float64(days)*math.Pow(g.rng.Float64(), 2)))
		created := on.Add(8*time.Hour + time.Duration(g.rng.Int64N(int64(3*day))))
		if created.After(g.now) {
			created = g.now
		}
		reach := min(10_000_000, 1+int(g.lognormal(3.5, 1.3)))
		cm := &g.comms[c]
		return []any{g.firstProgram + int64(p), g.firstCommunity + int64(c), cm.members[g.rng.IntN(cm.reporters)],
			pick(g.rng, channels, channelWeights), on.Format(time.DateOnly), reach, g.sentence(8), created}
	}); err != nil {
		return 0, err
	}
	if untargeted > 0 {
		g.say("%d of %d reports are on a programme not targeting their community (none found for it)", untargeted, n)
	}
	return n, nil
}
