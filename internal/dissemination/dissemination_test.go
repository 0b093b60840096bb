package dissemination_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/testenv"
)

type fixture struct {
	db    *sqlx.DB
	svc   *dissemination.Service
	progs *program.Service
	ctx   context.Context
	// Government.
	humasKukar, humasTenggarong, adminKaltim, adminPaser access.Actor
	// Communities and their people.
	perian, jantur, jahab, loaIpuh, paser                           int64
	perianChair, perianMember, janturChair, jahabEditor, paserChair access.Actor
	stranger                                                        access.Actor
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(testenv.KaltimRegions), nil); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: &dissemination.Service{DB: db}, progs: &program.Service{DB: db}, ctx: ctx}
	account := func(name string, role access.Role, code string) access.Actor {
		var id int64
		if err := db.QueryRow(`INSERT INTO accounts (name, email, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
			name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@t.id").Scan(&id); err != nil {
			t.Fatal(err)
		}
		a := access.Actor{AccountID: id}
		if role != "" {
			a.Grants = []access.Grant{{AccountID: id, Role: role, RegionCode: code}}
		}
		return a
	}
	f.humasKukar = account("Humas Kukar", access.Humas, "64.02")
	f.humasTenggarong = account("Humas Tenggarong", access.Humas, "64.02.06")
	f.adminKaltim = account("Admin Kaltim", access.Admin, "64")
	f.adminPaser = account("Admin Paser", access.Admin, "64.01")
	f.stranger = account("Orang Lain", "", "")
	community := func(slug, village, status string, people map[string]*access.Actor) int64 {
		var id int64
		var creator int64
		for role, a := range people {
			*a = account(slug+" "+role, "", "")
			creator = a.AccountID
		}
		if creator == 0 {
			creator = f.stranger.AccountID
		}
		if err := db.QueryRow(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ($1, $1, 'KIM', $2, $3, $1, $4) RETURNING id`, slug, village, status, creator).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for role, a := range people {
			db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $2, $3, 'ACTIVE')`, id, a.AccountID, role)
		}
		return id
	}
	f.perian = community("kim-perian", "64.02.01.2001", "ACTIVE", map[string]*access.Actor{"CHAIR": &f.perianChair, "MEMBER": &f.perianMember})
	f.jantur = community("kim-jantur", "64.02.01.2002", "ACTIVE", map[string]*access.Actor{"CHAIR": &f.janturChair})
	f.jahab = community("kim-jahab", "64.02.06.1001", "ACTIVE", map[string]*access.Actor{"EDITOR": &f.jahabEditor})
	f.loaIpuh = community("kim-loa-ipuh", "64.02.06.1002", "SUSPENDED", nil)
	f.paser = community("kim-batu-kajang", "64.01.01.2001", "ACTIVE", map[string]*access.Actor{"CHAIR": &f.paserChair})
	return f
}

func ptr[T any](v T) *T { return &v }

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(apperr.CodeOf(err))
}

// programme creates one for the targets as HUMAS of Kukar, published
// unless draft.
func (f *fixture) programme(t *testing.T, draft bool, targets ...string) int64 {
	t.Helper()
	p, err := f.progs.Create(f.ctx, f.humasKukar, program.Input{Title: ptr("Sosialisasi Stunting"), Targets: targets}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !draft {
		if _, err := f.progs.Publish(f.ctx, f.humasKukar, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	return p.ID
}

func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour).Add(-24 * time.Hour) }

func TestReportRules(t *testing.T) {
	f := setup(t)
	muaraMuntai := f.programme(t, false, "64.02.01")
	draft := f.programme(t, true, "64.02.01")
	in := dissemination.Input{ProgramID: muaraMuntai, CommunityID: f.perian, Channel: "WHATSAPP", On: today(), Reach: 120, Note: "Grup WA desa"}

	cases := []struct {
		name  string
		actor access.Actor
		edit  func(*dissemination.Input)
		want  string
	}{
		{"a stranger", f.stranger, nil, "FORBIDDEN"},
		{"a plain member, where members may not report", f.perianMember, nil, "FORBIDDEN"},
		{"the government", f.adminKaltim, nil, "FORBIDDEN"},
		{"a KIM the programme does not target", f.paserChair, func(in *dissemination.Input) { in.CommunityID = f.paser }, "FORBIDDEN"},
		{"a KIM of another district", f.jahabEditor, func(in *dissemination.Input) { in.CommunityID = f.jahab }, "FORBIDDEN"},
		{"a draft programme", f.perianChair, func(in *dissemination.Input) { in.ProgramID = draft }, "BAD_USER_INPUT"},
		{"no programme", f.perianChair, func(in *dissemination.Input) { in.ProgramID = 1 << 40 }, "BAD_USER_INPUT"},
		{"no community", f.perianChair, func(in *dissemination.Input) { in.CommunityID = 1 << 40 }, "BAD_USER_INPUT"},
		{"an unknown channel", f.perianChair, func(in *dissemination.Input) { in.Channel = "PIGEON" }, "BAD_USER_INPUT"},
		{"a date in the future", f.perianChair, func(in *dissemination.Input) { in.On = time.Now().Add(72 * time.Hour) }, "BAD_USER_INPUT"},
		{"a date before the programme", f.perianChair, func(in *dissemination.Input) { in.On = today().AddDate(0, 0, -30) }, "BAD_USER_INPUT"},
		{"a negative reach", f.perianChair, func(in *dissemination.Input) { in.Reach = -1 }, "BAD_USER_INPUT"},
		{"someone else's evidence", f.perianChair, func(in *dissemination.Input) { in.EvidenceIDs = []int64{f.asset(t, f.janturChair)} }, "BAD_USER_INPUT"},
		{"the chair", f.perianChair, nil, "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := in
			if c.edit != nil {
				c.edit(&in)
			}
			if _, err := f.svc.Report(f.ctx, c.actor, in, ""); code(err) != c.want {
				t.Fatalf("got %s (%v), want %s", code(err), err, c.want)
			}
		})
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM disseminations`)
	if n != 1 {
		t.Fatalf("%d reports written, want the chair's one", n)
	}

	// Where the community allows it, every member reports.
	f.db.MustExec(`UPDATE communities SET members_may_report = true WHERE id = $1`, f.perian)
	if _, err := f.svc.Report(f.ctx, f.perianMember, in, ""); err != nil {
		t.Fatalf("a member of an open community: %v", err)
	}

	// Evidence of one's own, kept in order.
	a, b := f.asset(t, f.perianChair), f.asset(t, f.perianChair)
	withEvidence := in
	withEvidence.EvidenceIDs = []int64{b, a}
	d, err := f.svc.Report(f.ctx, f.perianChair, withEvidence, "")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := f.svc.Evidence(f.ctx, []int64{d.ID})
	if err != nil || len(ev[d.ID]) != 2 || ev[d.ID][0] != b || ev[d.ID][1] != a {
		t.Fatalf("evidence: %v %v", ev, err)
	}

	// An archived programme takes no more reports.
	if _, err := f.progs.Archive(f.ctx, f.humasKukar, muaraMuntai); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Report(f.ctx, f.perianChair, in, ""); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("reporting on an archived programme: %v", err)
	}
}

func (f *fixture) asset(t *testing.T, owner access.Actor) int64 {
	t.Helper()
	var id int64
	if err := f.db.QueryRow(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		VALUES ($1, 'public/x/' || gen_random_uuid() || '.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, now()) RETURNING id`,
		owner.AccountID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestReportIsIdempotent(t *testing.T) {
	f := setup(t)
	p := f.programme(t, false, "64.02")
	in := dissemination.Input{ProgramID: p, CommunityID: f.jahab, Channel: "RADIO", On: today(), Reach: 500}
	first, err := f.svc.Report(f.ctx, f.jahabEditor, in, "lapor-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Report(f.ctx, f.jahabEditor, in, "lapor-1")
	if err != nil || again.ID != first.ID {
		t.Fatalf("a retry: %+v %v, want report %d", again, err, first.ID)
	}
	other, err := f.svc.Report(f.ctx, f.jahabEditor, in, "lapor-2")
	if err != nil || other.ID == first.ID {
		t.Fatalf("a new key: %+v %v", other, err)
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM disseminations`)
	if n != 2 {
		t.Fatalf("%d reports, want 2", n)
	}
}

func TestCoverage(t *testing.T) {
	f := setup(t)
	// The whole regency, and Tenggarong again (overlapping targets count
	// each village once).
	p := f.programme(t, false, "64.02", "64.02.06")
	report := func(who access.Actor, community int64, reach int) {
		t.Helper()
		if _, err := f.svc.Report(f.ctx, who, dissemination.Input{ProgramID: p, CommunityID: community, Channel: "MEETING", On: today(), Reach: reach}, ""); err != nil {
			t.Fatal(err)
		}
	}
	report(f.perianChair, f.perian, 100)
	report(f.perianChair, f.perian, 50)
	report(f.jahabEditor, f.jahab, 30)
	// Jantur has a KIM that did not report; Loa Ipuh's KIM is suspended.
	// Muara Leka has no KIM, only a traditional-media group, whose report
	// adds reach but does not make the village a KIM village; a group
	// based at the district adds reach to the district.
	var leka, district int64
	f.db.QueryRow(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('Sanggar Leka', 'sanggar-leka', 'TRADITIONAL_MEDIA', '64.02.01.2003', 'ACTIVE', 'x-1', $1),
			('KIM Kecamatan', 'kim-kecamatan', 'KIM', '64.02.01', 'ACTIVE', 'x-2', $1) RETURNING id`, f.stranger.AccountID).Scan(&leka)
	f.db.Get(&district, `SELECT id FROM communities WHERE slug = 'kim-kecamatan'`)
	f.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $3, 'CHAIR', 'ACTIVE'), ($2, $3, 'CHAIR', 'ACTIVE')`,
		leka, district, f.stranger.AccountID)
	report(f.stranger, leka, 7)
	report(f.stranger, district, 13)

	for name, who := range map[string]access.Actor{"HUMAS of a district": f.humasTenggarong, "ADMIN elsewhere": f.adminPaser, "a KIM": f.perianChair, "anyone": access.Anonymous} {
		if _, err := f.svc.Coverage(f.ctx, who, p); code(err) != "FORBIDDEN" {
			t.Errorf("%s reads the coverage: %v", name, err)
		}
	}
	if _, err := f.svc.Coverage(f.ctx, f.adminKaltim, p); err != nil {
		t.Fatalf("the province's ADMIN: %v", err)
	}
	c, err := f.svc.Coverage(f.ctx, f.humasKukar, p)
	if err != nil {
		t.Fatalf("the publisher: %v", err)
	}
	pct := func(a dissemination.Area) string {
		if a.Percent() == nil {
			return "-"
		}
		return fmt.Sprintf("%g", *a.Percent())
	}
	row := func(a dissemination.Area) string {
		return fmt.Sprintf("%s %s %d/%d/%d %s%% %d", a.Code, a.Name, a.TargetVillages, a.VillagesWithKIM, a.VillagesReached, pct(a), a.Reach)
	}
	want := []string{
		"  5/3/2 66.67% 200",
		"64.02 Kabupaten Kutai Kartanegara 5/3/2 66.67% 200",
		"64.02.01 Muara Muntai 3/2/1 50% 170",
		"64.02.06 Tenggarong 2/1/1 100% 30",
	}
	got := []string{row(c.Total)}
	for _, a := range c.Regencies {
		got = append(got, row(a))
	}
	for _, a := range c.Districts {
		got = append(got, row(a))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("coverage:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var villages []string
	for _, v := range c.Villages {
		villages = append(villages, v.Name+":"+map[bool]string{true: "reached", false: "not reached"}[v.Reached])
	}
	if got := strings.Join(villages, " "); got != "Perian:reached Jantur:not reached Jahab:reached" {
		t.Fatalf("villages with a KIM: %s", got)
	}

	// A programme with no village under an active KIM has no percentage.
	paser, err := f.progs.Create(f.ctx, f.adminKaltim, program.Input{Title: ptr("Paser"), Targets: []string{"64.02.06.1002"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := f.svc.Coverage(f.ctx, f.adminKaltim, paser.ID); err != nil || c.Total.TargetVillages != 1 || c.Total.Percent() != nil {
		t.Fatalf("coverage without a KIM: %+v %v", c, err)
	}
}

func TestByProgramsPages(t *testing.T) {
	f := setup(t)
	a, b := f.programme(t, false, "64.02"), f.programme(t, false, "64.02.06")
	var ids []int64
	for i := 0; i < 3; i++ {
		d, err := f.svc.Report(f.ctx, f.jahabEditor, dissemination.Input{ProgramID: a, CommunityID: f.jahab, Channel: "OTHER", On: today(), Reach: i}, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	page, err := relay.NewPage(dissemination.CursorKind, relay.Args{First: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ByPrograms(f.ctx, []int64{a, b}, page)
	if err != nil {
		t.Fatal(err)
	}
	first := got[a]
	if len(first.Edges) != 2 || first.Edges[0].Node.ID != ids[2] || first.Edges[1].Node.ID != ids[1] || !first.PageInfo.HasNextPage || len(got[b].Edges) != 0 {
		t.Fatalf("first page: %+v; other programme: %+v", first, got[b])
	}
	page, err = relay.NewPage(dissemination.CursorKind, relay.Args{First: ptr(2), After: first.PageInfo.EndCursor()})
	if err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.ByPrograms(f.ctx, []int64{a}, page)
	if err != nil || len(got[a].Edges) != 1 || got[a].Edges[0].Node.ID != ids[0] || got[a].PageInfo.HasNextPage {
		t.Fatalf("second page: %+v %v", got[a], err)
	}
}
