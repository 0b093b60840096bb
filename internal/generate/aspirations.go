package generate

import (
	"time"

	"github.com/kimhub/kimhub/internal/aspiration"
)

var (
	fates         = []string{"RESOLVED", "DECLINED", "STALLED"}
	fateWeights   = []float64{80, 15, 5}
	declineStages = []string{"SUBMITTED", "ACKNOWLEDGED", "IN_PROGRESS"}
	stageWeights  = []float64{25, 50, 25}
	declineWhy    = []string{"di luar kewenangan pemerintah kabupaten", "sudah dianggarkan tahun depan", "usulan ganda",
		"data pendukung tidak lengkap"}
	trackingAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
)

// aspirations loads aspirations of ACTIVE communities, drawn by a Zipf
// law, each by a member, to the regency of the community's domicile, more
// of them lately. Each follows a timeline (acknowledged hours to days after
// submission, taken up days later, resolved weeks later; or declined at
// some step; or stalled at one) and its status is the last step reached by
// now, with due_at set as the aspiration service sets it: working days
// from submission, then from acknowledgement, none once closed. So stalled
// ones become overdue, and one declined before acknowledgement has no
// acknowledged_at.
func (g *gen) aspirations() (int, error) {
	n := g.o.Aspirations
	if n == 0 {
		return 0, nil
	}
	communityOf, err := g.activeOf("aspirations", 1.05, 10, g.active)
	if err != nil {
		return 0, err
	}
	levels := aspiration.DefaultServiceLevels
	codes := make(map[string]bool, n)
	code := func() string {
		for {
			b := []byte("ASP-XXXX-XXXX")
			for _, k := range []int{4, 5, 6, 7, 9, 10, 11, 12} {
				b[k] = trackingAlphabet[g.rng.IntN(len(trackingAlphabet))]
			}
			if s := string(b); !codes[s] {
				codes[s] = true
				return s
			}
		}
	}
	return n, copyRows(g.ctx, g.db, "aspirations", []string{"tracking_code", "community_id", "author_id", "program_id", "regency_code",
		"title", "body", "visibility", "status", "status_reason", "due_at", "submitted_at", "acknowledged_at", "closed_at",
		"updated_at"}, n, func(i int) []any {
		c := communityOf()
		var programID *int64
		if g.rng.IntN(100) < 15 {
			if p := g.programFor(c); p >= 0 {
				id := g.firstProgram + int64(p)
				programID = &id
			}
		}
		visibility := "PUBLIC"
		if g.rng.IntN(100) < 12 {
			visibility = "PRIVATE"
		}
		// The timeline, from which the status by now follows.
		submitted := g.ago(730*day, 1.5)
		fate := pick(g.rng, fates, fateWeights)
		stop := "RESOLVED" // the last step it would ever reach
		switch fate {
		case "DECLINED":
			stop = pick(g.rng, declineStages, stageWeights)
		case "STALLED":
			stop = pick(g.rng, declineStages, stageWeights)
		}
		hours := func(median, sigma float64) time.Duration {
			return time.Duration(g.lognormal(0, sigma) * median * float64(time.Hour))
		}
		acked := submitted.Add(time.Hour + hours(30, 1))
		started := acked.Add(hours(72, 1))
		closed := started.Add(hours(14*24, 1))
		status, reason := "SUBMITTED", ""
		var ackAt, closedAt, due *time.Time
		last := submitted
		dueAt := aspiration.AddWorkingDays(submitted, levels.AcknowledgeDays)
		due = &dueAt
		step := func(at time.Time, to string) bool {
			if at.After(g.now) {
				return false
			}
			status, last = to, at
			return true
		}
		// Steps past the stalling or declining point are not reached.
		if stop != "SUBMITTED" && step(acked, "ACKNOWLEDGED") {
			ackAt = &acked
			dueAt := aspiration.AddWorkingDays(acked, levels.RespondDays)
			due = &dueAt
			if stop != "ACKNOWLEDGED" && step(started, "IN_PROGRESS") && stop == "RESOLVED" && step(closed, "RESOLVED") {
				closedAt, due = &closed, nil
			}
		}
		if fate == "DECLINED" {
			// Declined at its stop, a while after reaching it.
			at := last.Add(time.Hour + hours(48, 1))
			if status == stop && step(at, "DECLINED") {
				closedAt, due = &at, nil
				reason = declineWhy[g.rng.IntN(len(declineWhy))]
			}
		}
		cm := &g.comms[c]
		return []any{code(), g.firstCommunity + int64(c), g.member(c), programID, cm.domicile[:5], "Usulan " + g.sentence(5),
			g.sentence(40), visibility, status, reason, due, submitted, ackAt, closedAt, last}
	})
}
