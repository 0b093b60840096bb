package aspiration_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/testenv"
)

const tree = `code,name
64,Kalimantan Timur
64.01,Kabupaten Paser
64.01.01,Batu Sopang
64.01.01.2001,Batu Kajang
64.02,Kabupaten Kutai Kartanegara
64.02.06,Tenggarong
64.02.06.1001,Jahab
`

var wib = time.FixedZone("WIB", 7*3600)

type fixture struct {
	db  *sqlx.DB
	svc *aspiration.Service
	ctx context.Context
	now time.Time
	// Government: the regency's HUMAS and the province's ADMIN govern
	// Jahab's aspirations; a district HUMAS and the neighbour's ADMIN do not.
	humasKukar, adminKaltim, humasTenggarong, adminPaser access.Actor
	chair, member, stranger, paserChair                  access.Actor
	jahab, paser                                         int64
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(tree), nil); err != nil {
		t.Fatal(err)
	}
	// Thursday 26 November 2026, 10:00 in Jakarta.
	f := &fixture{db: db, ctx: ctx, now: time.Date(2026, 11, 26, 10, 0, 0, 0, wib)}
	f.svc = &aspiration.Service{DB: db, Assets: media.NewService(db, nil, config.Media{}), Levels: aspiration.DefaultServiceLevels,
		Now: func() time.Time { return f.now }}
	account := func(name string, role access.Role, code string) access.Actor {
		var id int64
		if err := db.QueryRow(`INSERT INTO accounts (name, email, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
			name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@t.id").Scan(&id); err != nil {
			t.Fatal(err)
		}
		a := access.Actor{AccountID: id}
		if role != "" {
			db.MustExec(`INSERT INTO grants (account_id, role, region_code) VALUES ($1, $2, $3)`, id, role, code)
			a.Grants = []access.Grant{{AccountID: id, Role: role, RegionCode: code}}
		}
		return a
	}
	f.humasKukar = account("Humas Kukar", access.Humas, "64.02")
	f.adminKaltim = account("Admin Kaltim", access.Admin, "64")
	f.humasTenggarong = account("Humas Tenggarong", access.Humas, "64.02.06")
	f.adminPaser = account("Admin Paser", access.Admin, "64.01")
	f.chair = account("Ketua Jahab", "", "")
	f.member = account("Warga Jahab", "", "")
	f.stranger = account("Orang Lain", "", "")
	f.paserChair = account("Ketua Paser", "", "")
	community := func(slug, village string, people map[int64]string) int64 {
		var id int64
		if err := db.QueryRow(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ($1, $1, 'KIM', $2, 'ACTIVE', $1, 1) RETURNING id`, slug, village).Scan(&id); err != nil {
			t.Fatal(err)
		}
		for a, role := range people {
			db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $2, $3, 'ACTIVE')`, id, a, role)
		}
		return id
	}
	f.jahab = community("kim-jahab", "64.02.06.1001", map[int64]string{f.chair.AccountID: "CHAIR", f.member.AccountID: "MEMBER"})
	f.paser = community("kim-batu-kajang", "64.01.01.2001", map[int64]string{f.paserChair.AccountID: "CHAIR"})
	return f
}

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(apperr.CodeOf(err))
}

func (f *fixture) submit(t *testing.T, v aspiration.Visibility) *aspiration.Aspiration {
	t.Helper()
	a, err := f.svc.Submit(f.ctx, f.member, aspiration.SubmitInput{CommunityID: f.jahab, Title: "Jalan desa rusak",
		Body: "Jalan menuju dermaga berlubang.", Visibility: v}, "")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func wibString(t *time.Time) string {
	if t == nil {
		return "none"
	}
	return t.In(wib).Format("Mon 2006-01-02 15:04")
}

func TestTransitionsByRole(t *testing.T) {
	f := setup(t)
	in := aspiration.SubmitInput{CommunityID: f.jahab, Title: "Lampu jalan", Body: "Mati sejak sebulan.", Visibility: aspiration.Public}
	for name, who := range map[string]access.Actor{"a stranger": f.stranger, "the government": f.humasKukar, "another KIM's chair": f.paserChair} {
		if _, err := f.svc.Submit(f.ctx, who, in, ""); code(err) != "FORBIDDEN" {
			t.Errorf("%s submits for Jahab: %v", name, err)
		}
	}
	a, err := f.svc.Submit(f.ctx, f.member, in, "")
	if err != nil || a.Status != aspiration.Submitted || a.RegencyCode != "64.02" || !strings.HasPrefix(a.TrackingCode, "ASP-") {
		t.Fatalf("a member submits: %+v %v", a, err)
	}
	steps := []struct {
		who    access.Actor
		name   string
		to     aspiration.Status
		reason string
		want   string
	}{
		{f.member, "the member", aspiration.Acknowledged, "", "FORBIDDEN"},
		{f.humasTenggarong, "a district's HUMAS", aspiration.Acknowledged, "", "FORBIDDEN"},
		{f.adminPaser, "the neighbour's ADMIN", aspiration.Acknowledged, "", "FORBIDDEN"},
		{f.humasKukar, "the regency's HUMAS, skipping a step", aspiration.Resolved, "", "INVALID_TRANSITION"},
		{f.humasKukar, "the regency's HUMAS", aspiration.Acknowledged, "", "ok"},
		{f.humasKukar, "the regency's HUMAS again", aspiration.Acknowledged, "", "INVALID_TRANSITION"},
		{f.adminKaltim, "the province's ADMIN", aspiration.InProgress, "", "ok"},
		{f.humasKukar, "the regency's HUMAS", aspiration.Resolved, "Sudah diperbaiki.", "ok"},
		{f.humasKukar, "the regency's HUMAS, after the end", aspiration.Declined, "terlambat", "INVALID_TRANSITION"},
	}
	for _, s := range steps {
		if _, err := f.svc.Move(f.ctx, s.who, a.ID, s.to, s.reason); code(err) != s.want {
			t.Fatalf("%s moves it to %s: %v, want %s", s.name, s.to, err, s.want)
		}
	}
	got, _ := f.svc.Get(f.ctx, f.stranger, a.ID)
	if got.Status != aspiration.Resolved || got.DueAt != nil || got.ClosedAt == nil || got.AcknowledgedAt == nil || got.Overdue(f.now.AddDate(1, 0, 0)) {
		t.Fatalf("resolved: %+v", got)
	}

	// Declining needs a reason, from any open status.
	b := f.submit(t, aspiration.Public)
	if _, err := f.svc.Move(f.ctx, f.humasKukar, b.ID, aspiration.Declined, "  "); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("declined without a reason: %v", err)
	}
	if d, err := f.svc.Move(f.ctx, f.humasKukar, b.ID, aspiration.Declined, "Bukan kewenangan kabupaten."); err != nil || d.StatusReason == "" {
		t.Fatalf("declined: %+v %v", d, err)
	}

	// DECLINED from ACKNOWLEDGED and from IN_PROGRESS; never backwards.
	c, e := f.submit(t, aspiration.Public), f.submit(t, aspiration.Public)
	for _, s := range []struct {
		id   int64
		to   aspiration.Status
		want string
	}{
		{c.ID, aspiration.Acknowledged, "ok"}, {c.ID, aspiration.Submitted, "INVALID_TRANSITION"}, {c.ID, aspiration.Declined, "ok"},
		{e.ID, aspiration.Acknowledged, "ok"}, {e.ID, aspiration.InProgress, "ok"}, {e.ID, aspiration.Acknowledged, "INVALID_TRANSITION"},
		{e.ID, aspiration.Declined, "ok"},
	} {
		if _, err := f.svc.Move(f.ctx, f.humasKukar, s.id, s.to, "Tidak dapat dipenuhi tahun ini."); code(err) != s.want {
			t.Fatalf("aspiration %d to %s: %v, want %s", s.id, s.to, err, s.want)
		}
	}
	f.db.MustExec(`DELETE FROM notifications WHERE target_id IN ($1, $2)`, fmt.Sprint(c.ID), fmt.Sprint(e.ID))

	// The author heard of every move; the government of the submission.
	var kinds []string
	f.db.Select(&kinds, `SELECT kind || '>' || (SELECT name FROM accounts WHERE id = account_id) FROM notifications ORDER BY created_at, 1`)
	want := "ASPIRATION_SUBMITTED>Admin Kaltim ASPIRATION_SUBMITTED>Humas Kukar ASPIRATION_STATUS>Warga Jahab ASPIRATION_STATUS>Warga Jahab " +
		"ASPIRATION_STATUS>Warga Jahab ASPIRATION_SUBMITTED>Admin Kaltim ASPIRATION_SUBMITTED>Humas Kukar ASPIRATION_STATUS>Warga Jahab"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("notifications:\n%s\nwant\n%s", got, want)
	}
}

func TestPrivateAspirationsOnEveryPath(t *testing.T) {
	f := setup(t)
	priv := f.submit(t, aspiration.Private)
	pub := f.submit(t, aspiration.Public)
	page, _ := relay.NewPage(aspiration.CursorKind, relay.Args{})
	for name, who := range map[string]access.Actor{"anyone": access.Anonymous, "a stranger": f.stranger, "a district's HUMAS": f.humasTenggarong,
		"the neighbour's ADMIN": f.adminPaser, "another KIM's chair": f.paserChair} {
		if _, err := f.svc.Get(f.ctx, who, priv.ID); code(err) != "NOT_FOUND" {
			t.Errorf("%s gets it: %v", name, err)
		}
		if _, err := f.svc.ByTrackingCode(f.ctx, who, priv.TrackingCode); code(err) != "NOT_FOUND" {
			t.Errorf("%s tracks it: %v", name, err)
		}
		if _, err := f.svc.Move(f.ctx, who, priv.ID, aspiration.Acknowledged, ""); code(err) != "NOT_FOUND" {
			t.Errorf("%s moves it: %v", name, err)
		}
		if _, err := f.svc.Respond(f.ctx, who, priv.ID, "halo", nil); code(err) != "NOT_FOUND" {
			t.Errorf("%s responds: %v", name, err)
		}
		list, err := f.svc.List(f.ctx, who, aspiration.Filter{RegionCode: "64.02"}, page)
		if err != nil || len(list.Edges) != 1 || list.Edges[0].Node.ID != pub.ID {
			t.Errorf("%s lists: %+v %v", name, list.Edges, err)
		}
		if _, err := f.svc.Get(f.ctx, who, pub.ID); err != nil {
			t.Errorf("%s gets the public one: %v", name, err)
		}
	}
	for name, who := range map[string]access.Actor{"the author": f.member, "the community's chair": f.chair, "the regency's HUMAS": f.humasKukar,
		"the province's ADMIN": f.adminKaltim} {
		if _, err := f.svc.ByTrackingCode(f.ctx, who, strings.ToLower(priv.TrackingCode)); err != nil {
			t.Errorf("%s tracks it: %v", name, err)
		}
		if list, err := f.svc.List(f.ctx, who, aspiration.Filter{CommunityID: f.jahab}, page); err != nil || len(list.Edges) != 2 {
			t.Errorf("%s lists: %+v %v", name, list.Edges, err)
		}
	}
	// The author who leaves the community loses it, and hears no more.
	f.db.MustExec(`UPDATE memberships SET status = 'LEFT' WHERE account_id = $1`, f.member.AccountID)
	if _, err := f.svc.Get(f.ctx, f.member, priv.ID); code(err) != "NOT_FOUND" {
		t.Errorf("the author, having left, reads it: %v", err)
	}
	if _, err := f.svc.Move(f.ctx, f.humasKukar, priv.ID, aspiration.Acknowledged, ""); err != nil {
		t.Fatal(err)
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM notifications WHERE account_id = $1 AND kind = 'ASPIRATION_STATUS'`, f.member.AccountID)
	if n != 0 {
		t.Errorf("the author, having left, was told of a PRIVATE aspiration's move")
	}
	if _, err := f.svc.Submit(f.ctx, access.Anonymous, aspiration.SubmitInput{CommunityID: 1 << 40, Title: "x", Body: "y",
		Visibility: aspiration.Public}, ""); code(err) != "UNAUTHENTICATED" {
		t.Errorf("anyone submits for no community: %v", err)
	}
}

func TestDueDatesAcrossAWeekendAndTheOverdueList(t *testing.T) {
	f := setup(t)
	a := f.submit(t, aspiration.Public) // Thursday 10:00
	if got := wibString(a.DueAt); got != "Tue 2026-12-01 10:00" {
		t.Fatalf("acknowledgement due %s, want Tuesday after the weekend", got)
	}
	f.now = time.Date(2026, 11, 27, 15, 0, 0, 0, wib) // acknowledged Friday 15:00
	a, err := f.svc.Move(f.ctx, f.humasKukar, a.ID, aspiration.Acknowledged, "")
	if err != nil || wibString(a.DueAt) != "Fri 2026-12-04 15:00" {
		t.Fatalf("response due %s (%v), want the next Friday", wibString(a.DueAt), err)
	}
	late := f.submit(t, aspiration.Public) // Friday 15:00: due Wednesday
	paser, err := f.svc.Submit(f.ctx, f.paserChair, aspiration.SubmitInput{CommunityID: f.paser, Title: "Air bersih", Body: "Sumur kering.",
		Visibility: aspiration.Public}, "")
	if err != nil {
		t.Fatal(err)
	}

	overdue := func(region string) []int64 {
		t.Helper()
		page, err := relay.NewPage(aspiration.OverdueCursorKind, relay.Args{})
		if err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.List(f.ctx, f.adminKaltim, aspiration.Filter{RegionCode: region, OverdueOnly: true}, page)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, e := range list.Edges {
			ids = append(ids, e.Node.ID)
		}
		return ids
	}
	f.now = time.Date(2026, 12, 3, 12, 0, 0, 0, wib) // Thursday: only the unacknowledged ones are late
	if got := overdue("64.02"); len(got) != 1 || got[0] != late.ID {
		t.Fatalf("overdue in Kukar on Thursday: %v, want [%d]", got, late.ID)
	}
	if got := overdue("64"); len(got) != 2 {
		t.Fatalf("overdue in the province: %v", got)
	}
	f.now = time.Date(2026, 12, 7, 9, 0, 0, 0, wib) // the next Monday: the acknowledged one too, after the others
	if got := overdue("64.02"); len(got) != 2 || got[0] != late.ID || got[1] != a.ID {
		t.Fatalf("overdue in Kukar on Monday: %v, want [%d %d]", got, late.ID, a.ID)
	}
	if got, _ := f.svc.Get(f.ctx, f.stranger, paser.ID); !got.Overdue(f.now) {
		t.Fatal("Paser's aspiration is not overdue")
	}
}

func TestSubmitIsIdempotent(t *testing.T) {
	f := setup(t)
	in := aspiration.SubmitInput{CommunityID: f.jahab, Title: "Sinyal", Body: "Tidak ada sinyal di RT 5.", Visibility: aspiration.Public}
	a, err := f.svc.Submit(f.ctx, f.member, in, "asp-1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Submit(f.ctx, f.member, in, "asp-1")
	if err != nil || b.ID != a.ID || b.TrackingCode != a.TrackingCode {
		t.Fatalf("a retry: %+v %v", b, err)
	}
	var n, notices int
	f.db.Get(&n, `SELECT count(*) FROM aspirations`)
	f.db.Get(&notices, `SELECT count(*) FROM notifications`)
	if n != 1 || notices != 2 {
		t.Fatalf("%d aspirations and %d notifications after a retry", n, notices)
	}
}

func TestThread(t *testing.T) {
	f := setup(t)
	a := f.submit(t, aspiration.Public)
	var photo int64
	f.db.QueryRow(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		VALUES ($1, 'public/x/jalan.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, now()) RETURNING id`, f.humasKukar.AccountID).Scan(&photo)
	if _, err := f.svc.Respond(f.ctx, f.stranger, a.ID, "Saya juga", nil); code(err) != "FORBIDDEN" {
		t.Fatalf("a stranger responds: %v", err)
	}
	if _, err := f.svc.Respond(f.ctx, f.chair, a.ID, "Foto", []int64{photo}); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("someone else's photo: %v", err)
	}
	// A PUBLIC aspiration takes PUBLIC files only: anyone reading it is
	// given its files' addresses.
	var private int64
	f.db.QueryRow(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		VALUES ($1, 'private/x/surat.pdf', 'PRIVATE', 'READY', 'GRAPHQL', 'application/pdf', 100, now()) RETURNING id`, f.humasKukar.AccountID).Scan(&private)
	if _, err := f.svc.Respond(f.ctx, f.humasKukar, a.ID, "Surat", []int64{photo, private}); code(err) != "BAD_USER_INPUT" ||
		!strings.Contains(err.Error(), "PUBLIC media") {
		t.Fatalf("a PRIVATE file on a PUBLIC aspiration: %v", err)
	}
	// One attached before Respond refused it stays out of the thread.
	var early int64
	f.db.QueryRow(`INSERT INTO aspiration_responses (aspiration_id, author_id, side, body)
		VALUES ($1, $2, 'GOVERNMENT', 'Surat lama') RETURNING id`, a.ID, f.humasKukar.AccountID).Scan(&early)
	f.db.MustExec(`INSERT INTO aspiration_response_attachments (response_id, asset_id, position) VALUES ($1, $2, 1), ($1, $3, 2)`,
		early, private, photo)
	if got, err := f.svc.Files(f.ctx, []int64{early}); err != nil || len(got[early]) != 1 || got[early][0].ID != photo {
		t.Fatalf("an earlier PRIVATE file on a PUBLIC aspiration's thread: %v %v", got[early], err)
	}
	f.db.MustExec(`DELETE FROM aspiration_responses WHERE id = $1`, early)
	gov, err := f.svc.Respond(f.ctx, f.humasKukar, a.ID, "Akan kami cek minggu ini.", []int64{photo})
	if err != nil || gov.Side != aspiration.GovernmentSide {
		t.Fatalf("the government responds: %+v %v", gov, err)
	}
	kim, err := f.svc.Respond(f.ctx, f.chair, a.ID, "Terima kasih.", nil)
	if err != nil || kim.Side != aspiration.CommunitySide {
		t.Fatalf("the community responds: %+v %v", kim, err)
	}
	thread, err := f.svc.Responses(f.ctx, []int64{a.ID})
	if err != nil || len(thread[a.ID]) != 2 || thread[a.ID][0].ID != gov.ID {
		t.Fatalf("thread: %+v %v", thread, err)
	}
	att, err := f.svc.Attachments(f.ctx, []int64{gov.ID, kim.ID})
	if err != nil || len(att[gov.ID]) != 1 || att[gov.ID][0] != photo || len(att[kim.ID]) != 0 {
		t.Fatalf("attachments: %v %v", att, err)
	}
	files, err := f.svc.Files(f.ctx, []int64{gov.ID, kim.ID})
	if err != nil || len(files[gov.ID]) != 1 || files[gov.ID][0].ID != photo || len(files[kim.ID]) != 0 {
		t.Fatalf("files: %v %v", files, err)
	}
	var told []string
	f.db.Select(&told, `SELECT (SELECT name FROM accounts WHERE id = account_id) FROM notifications WHERE kind = 'ASPIRATION_RESPONSE' ORDER BY created_at, 1`)
	// The author heard of both; the government of the community's.
	if got := strings.Join(told, ", "); got != "Warga Jahab, Admin Kaltim, Humas Kukar, Warga Jahab" {
		t.Fatalf("told of responses: %s", got)
	}
	// A PRIVATE aspiration takes PRIVATE files only.
	priv := f.submit(t, aspiration.Private)
	if _, err := f.svc.Respond(f.ctx, f.humasKukar, priv.ID, "Foto lokasi", []int64{photo}); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("a PUBLIC photo on a PRIVATE aspiration: %v", err)
	}
	if _, err := f.svc.Move(f.ctx, f.humasKukar, a.ID, aspiration.Declined, "Di luar kewenangan."); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Respond(f.ctx, f.chair, a.ID, "Kenapa?", nil); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("responding on a closed aspiration: %v", err)
	}
}

// TestRegionAndCommunityListsArePlannedForTheirValues: a region's or a
// community's list is planned for its code or id (a plan made once for
// all walks every aspiration for a quiet province); a list by status alone
// keeps its one plan. The rows are the same either way.
func TestRegionAndCommunityListsArePlannedForTheirValues(t *testing.T) {
	f := setup(t)
	pub := f.submit(t, aspiration.Public)
	counting, st := testenv.CountingDB(t)
	svc := *f.svc
	svc.DB = counting
	page, _ := relay.NewPage(aspiration.CursorKind, relay.Args{})
	for _, c := range []struct {
		name     string
		filter   aspiration.Filter
		byValues bool
	}{
		{"a region", aspiration.Filter{RegionCode: "64.02"}, true},
		{"a region's overdue", aspiration.Filter{RegionCode: "64", OverdueOnly: true}, true},
		{"a community", aspiration.Filter{CommunityID: f.jahab}, true},
		{"a status", aspiration.Filter{Status: aspiration.Submitted}, false},
	} {
		n := st.Load()
		list, err := svc.List(f.ctx, f.adminKaltim, c.filter, page)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := st.PlannedForValues(n, "FROM aspirations a"); got != c.byValues {
			t.Errorf("%s: planned for its values %v, want %v (%q)", c.name, got, c.byValues, st.Since(n))
		}
		if !c.filter.OverdueOnly && (len(list.Edges) != 1 || list.Edges[0].Node.ID != pub.ID) {
			t.Errorf("%s: %+v", c.name, list.Edges)
		}
	}
}
