// Package dissemination keeps the communities' reports that they relayed a
// government programme to their village (diseminasi), and the coverage a
// programme reached through them.
package dissemination

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/idempotency"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/relay"
)

// Channel is how a programme was relayed.
type Channel string

// Channels, as the schema's DisseminationChannel.
var Channels = []Channel{"WHATSAPP", "SOCIAL_MEDIA", "RADIO", "MEETING", "NOTICE_BOARD", "WEBSITE", "OTHER"}

// Limits of one report.
const (
	MaxReach = 10_000_000
	MaxNote  = 2000
)

// wit is Eastern Indonesia Time, the country's latest date: a report dated
// after today there is in the future everywhere in Indonesia, and one dated
// today in Papua is not refused while Jakarta is still on yesterday.
var wit = time.FixedZone("WIT", 9*3600)

// wib is Western Indonesia Time, the zone dates are shown in.
var wib = time.FixedZone("WIB", 7*3600)

// Dissemination is one report.
type Dissemination struct {
	ID             int64     `db:"id"`
	ProgramID      int64     `db:"program_id"`
	CommunityID    int64     `db:"community_id"`
	ReporterID     int64     `db:"reporter_id"`
	Channel        Channel   `db:"channel"`
	DisseminatedOn time.Time `db:"disseminated_on"`
	Reach          int       `db:"reach"`
	Note           string    `db:"note"`
	CreatedAt      time.Time `db:"created_at"`
}

const columns = `id, program_id, community_id, reporter_id, channel, disseminated_on, reach, note, created_at`

// Input is a report.
type Input struct {
	ProgramID, CommunityID int64
	Channel                Channel
	On                     time.Time
	Reach                  int
	Note                   string
	EvidenceIDs            []int64
}

func (in *Input) validate(now time.Time) error {
	known := false
	for _, c := range Channels {
		known = known || c == in.Channel
	}
	if !known {
		return apperr.Invalid("channel", "unknown channel %q", in.Channel)
	}
	today := now.In(wit).Format(time.DateOnly)
	if in.On.Format(time.DateOnly) > today {
		return apperr.Invalid("disseminatedOn", "the date %s is in the future", in.On.Format(time.DateOnly))
	}
	if in.Reach < 0 || in.Reach > MaxReach {
		return apperr.Invalid("reach", "the estimated reach must be 0 to %d people", MaxReach)
	}
	if utf8.RuneCountInString(in.Note) > MaxNote {
		return apperr.Invalid("note", "the note may have at most %d characters", MaxNote)
	}
	if len(in.EvidenceIDs) > publishing.MaxMedia {
		return apperr.Invalid("evidenceIds", "at most %d evidence files", publishing.MaxMedia)
	}
	return nil
}

// Service keeps dissemination reports.
type Service struct{ DB *sqlx.DB }

const opReport = "dissemination.report"

// reporterScope is what the policy needs of the community and of the
// reporter's place in it.
type reporterScope struct {
	Status       string     `db:"status"`
	Domicile     *string    `db:"domicile_code"`
	MembersMay   bool       `db:"members_may_report"`
	Role         *string    `db:"role"`
	ProgramState *string    `db:"program_status"`
	PublishedAt  *time.Time `db:"published_at"`
	Targeted     bool       `db:"targeted"`
}

// Report records that a community relayed a programme. The reporter is an
// EDITOR or CHAIR of the community, or any MEMBER where the community lets
// members report; the programme must be PUBLISHED and target the
// community's domicile. A resent request with the same idempotency key
// returns the first report.
func (s *Service) Report(ctx context.Context, actor access.Actor, in Input, idemKey string) (*Dissemination, error) {
	if !actor.SignedIn() {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to report a dissemination")
	}
	if err := in.validate(time.Now()); err != nil {
		return nil, err
	}
	key, err := idempotency.Check(idemKey)
	if err != nil {
		return nil, err
	}
	var d Dissemination
	replayed, err := idempotency.Do(ctx, s.DB, actor.AccountID, opReport, key, &d.ID, func(tx *sqlx.Tx) error {
		var sc reporterScope
		err := tx.GetContext(ctx, &sc, `SELECT c.status, c.domicile_code, c.members_may_report,
				(SELECT m.role FROM memberships m WHERE m.community_id = c.id AND m.account_id = $2 AND m.status = 'ACTIVE') AS role,
				(SELECT g.status FROM programs g WHERE g.id = $3) AS program_status,
				(SELECT g.published_at FROM programs g WHERE g.id = $3) AS published_at,
				EXISTS (SELECT 1 FROM program_targets t WHERE t.program_id = $3
					AND c.domicile_code >= t.region_code AND c.domicile_code < t.region_code || '/') AS targeted
			FROM communities c WHERE c.id = $1 FOR SHARE OF c`, in.CommunityID, actor.AccountID, in.ProgramID)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Invalid("communityId", "no such community")
		}
		if err != nil {
			return err
		}
		domicile := ""
		if sc.Domicile != nil {
			domicile = *sc.Domicile
		}
		res := access.Resource{RegionCode: domicile}
		if sc.Role != nil {
			res.CommunityRole = access.CommunityRole(*sc.Role)
		}
		action := access.ReportDissemination
		if sc.MembersMay {
			action = access.ReportDisseminationOpen
		}
		if err := access.Check(actor, action, res); err != nil {
			return err
		}
		if sc.Status != "ACTIVE" || domicile == "" {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE community reports", sc.Status).
				With("state", sc.Status)
		}
		if sc.ProgramState == nil || *sc.ProgramState == "DRAFT" {
			return apperr.Invalid("programId", "no such programme")
		}
		if *sc.ProgramState != "PUBLISHED" {
			return apperr.New(apperr.InvalidTransition, "the programme is %s; report only on a PUBLISHED one", *sc.ProgramState).
				With("state", *sc.ProgramState).With("field", "programId")
		}
		if !sc.Targeted {
			return apperr.New(apperr.Forbidden, "the programme does not target %s, where the community lies", domicile).
				With("field", "programId")
		}
		// Not before the programme was published: a day's grace covers
		// the dates of the country's zones either side of UTC's.
		if on, earliest := in.On.Format(time.DateOnly), sc.PublishedAt.UTC().AddDate(0, 0, -1).Format(time.DateOnly); on < earliest {
			return apperr.Invalid("disseminatedOn", "the programme was published on %s; a report cannot be dated %s",
				sc.PublishedAt.In(wib).Format(time.DateOnly), on)
		}
		if len(in.EvidenceIDs) > 0 {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(DISTINCT id) FROM media_assets WHERE id = ANY($1) AND status = 'READY'
				AND visibility = 'PUBLIC' AND owner_id = $2`,
				pq.Array(in.EvidenceIDs), actor.AccountID); err != nil {
				return err
			}
			if n != len(in.EvidenceIDs) {
				return apperr.Invalid("evidenceIds", "give only READY, PUBLIC media you uploaded, each once")
			}
		}
		if err := tx.GetContext(ctx, &d, `INSERT INTO disseminations (program_id, community_id, reporter_id, channel, disseminated_on, reach, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+columns,
			in.ProgramID, in.CommunityID, actor.AccountID, in.Channel, in.On.Format(time.DateOnly), in.Reach, in.Note); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dissemination_evidence (dissemination_id, asset_id, position)
			SELECT $1, a, o FROM unnest($2::bigint[]) WITH ORDINALITY AS u(a, o)`, d.ID, pq.Array(in.EvidenceIDs)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor.AccountID, "dissemination.report", "Dissemination", fmt.Sprint(d.ID), domicile, "",
			map[string]any{"program": in.ProgramID, "community": in.CommunityID, "channel": in.Channel, "reach": in.Reach}); err != nil {
			return err
		}
		return nil
	})
	if replayed != 0 {
		return s.Get(ctx, replayed)
	}
	if err != nil {
		return nil, postgres.MapError(err, "report dissemination", "")
	}
	return &d, nil
}

// Get returns a report. Reports on published programmes are public, as
// the programmes are.
func (s *Service) Get(ctx context.Context, id int64) (*Dissemination, error) {
	var d Dissemination
	if err := s.DB.GetContext(ctx, &d, `SELECT `+columns+` FROM disseminations WHERE id = $1`, id); err != nil {
		return nil, postgres.MapError(err, "get dissemination", "no such dissemination")
	}
	return &d, nil
}

// Evidence returns the evidence asset IDs of reports, in order.
func (s *Service) Evidence(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	return postgres.SelectGrouped[int64, int64](ctx, s.DB, "dissemination evidence", `SELECT dissemination_id, asset_id FROM dissemination_evidence
		WHERE dissemination_id = ANY($1) ORDER BY dissemination_id, position`, pq.Array(ids))
}

// CursorKind tags dissemination cursors.
const CursorKind = "dissemination"

// ByPrograms pages the reports of several programmes at once, newest
// first: one statement for them all.
func (s *Service) ByPrograms(ctx context.Context, programIDs []int64, p relay.Page) (map[int64]relay.Connection[*Dissemination], error) {
	args := []any{pq.Array(programIDs)}
	cond, dir, op := "", "DESC", "<"
	if p.Backward {
		dir, op = "ASC", ">"
	}
	if p.HasCursor() {
		var id int64
		if err := p.Cursor(&id); err != nil {
			return nil, err
		}
		args = append(args, id)
		cond = fmt.Sprintf(" AND d.id %s $2", op)
	}
	var rows []Dissemination
	err := s.DB.SelectContext(ctx, &rows, `SELECT x.* FROM unnest($1::bigint[]) AS k(program_id)
		CROSS JOIN LATERAL (
			SELECT `+postgres.Qualify(columns, "d")+` FROM disseminations d
			WHERE d.program_id = k.program_id`+cond+`
			ORDER BY d.id `+dir+` LIMIT `+p.FetchSQL()+`
		) x ORDER BY x.program_id, x.id `+dir, args...)
	if err != nil {
		return nil, postgres.MapError(err, "programme disseminations", "")
	}
	by := map[int64][]*Dissemination{}
	for i := range rows {
		by[rows[i].ProgramID] = append(by[rows[i].ProgramID], &rows[i])
	}
	out := make(map[int64]relay.Connection[*Dissemination], len(programIDs))
	for _, id := range programIDs {
		out[id] = relay.Build(p, by[id], func(d *Dissemination) string { return relay.Cursor(CursorKind, d.ID) })
	}
	return out, nil
}
