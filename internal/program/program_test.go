package program_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/program"
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
64.02.01,Muara Muntai
64.02.01.2001,Perian
64.02.06,Tenggarong
64.02.06.1001,Jahab
`

type fixture struct {
	db                                            *sqlx.DB
	svc                                           *program.Service
	ctx                                           context.Context
	humasTenggarong, humasKukar, adminKaltim, kim access.Actor
	jahab, perian, paser                          int64 // communities
	jahabMember, perianMember, paserMember        int64 // accounts
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(tree), nil); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: &program.Service{DB: db}, ctx: ctx}
	account := func(name string, role access.Role, code string) access.Actor {
		var id int64
		db.QueryRow(`INSERT INTO accounts (name, email, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
			name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@t.id").Scan(&id)
		a := access.Actor{AccountID: id}
		if role != "" {
			a.Grants = []access.Grant{{AccountID: id, Role: role, RegionCode: code}}
		}
		return a
	}
	f.humasTenggarong = account("Humas Tenggarong", access.Humas, "64.02.06")
	f.humasKukar = account("Humas Kukar", access.Humas, "64.02")
	f.adminKaltim = account("Admin Kaltim", access.Admin, "64")
	f.kim = account("Ketua", "", "")
	community := func(slug, village string) (int64, int64) {
		member := account("Warga "+slug, "", "")
		var id int64
		db.QueryRow(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
			VALUES ($1, $1, 'KIM', $2, 'ACTIVE', $1, $3) RETURNING id`, slug, village, member.AccountID).Scan(&id)
		db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $2, 'CHAIR', 'ACTIVE')`, id, member.AccountID)
		return id, member.AccountID
	}
	f.jahab, f.jahabMember = community("kim-jahab", "64.02.06.1001")
	f.perian, f.perianMember = community("kim-perian", "64.02.01.2001")
	f.paser, f.paserMember = community("kim-paser", "64.01.01.2001")
	return f
}

func ptr[T any](v T) *T { return &v }

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(apperr.CodeOf(err))
}

func TestScopesAndWorkflow(t *testing.T) {
	f := setup(t)
	in := program.Input{Title: ptr("Vaksinasi Anak"), Summary: ptr("Jadwal vaksinasi"), Body: ptr("**Datang** ke posyandu."),
		Category: ptr("HEALTH"), Targets: []string{"64.02.06"}}
	// HUMAS of one district cannot target another; a KIM cannot publish.
	other := in
	other.Targets = []string{"64.02.01"}
	if _, err := f.svc.Create(f.ctx, f.humasTenggarong, other, ""); code(err) != "FORBIDDEN" {
		t.Fatalf("HUMAS of Tenggarong targeting Muara Muntai: %v", err)
	}
	if _, err := f.svc.Create(f.ctx, f.kim, in, ""); code(err) != "FORBIDDEN" {
		t.Fatalf("a KIM publishes: %v", err)
	}
	bad := in
	bad.Category = ptr("NOPE")
	if _, err := f.svc.Create(f.ctx, f.humasTenggarong, bad, ""); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("an unknown category: %v", err)
	}
	p, err := f.svc.Create(f.ctx, f.humasTenggarong, in, "p-1")
	if err != nil || p.Status != program.Draft || !strings.Contains(p.BodyHTML, "<strong>Datang</strong>") {
		t.Fatalf("create: %+v %v", p, err)
	}
	if again, _ := f.svc.Create(f.ctx, f.humasTenggarong, in, "p-1"); again.ID != p.ID {
		t.Fatal("the same key made a second programme")
	}
	// A DRAFT is the publishers'.
	if _, err := f.svc.Get(f.ctx, access.Anonymous, p.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("the public reads a draft: %v", err)
	}
	if _, err := f.svc.Get(f.ctx, f.humasKukar, p.ID); err != nil {
		t.Fatalf("HUMAS of the regency reads it: %v", err)
	}
	if _, err := f.svc.Publish(f.ctx, f.kim, p.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("a KIM publishes the draft: %v", err)
	}
	if p, err = f.svc.Publish(f.ctx, f.adminKaltim, p.ID); err != nil || p.Status != program.Published || p.PublishedAt == nil {
		t.Fatalf("publish: %+v %v", p, err)
	}
	if _, err := f.svc.Publish(f.ctx, f.adminKaltim, p.ID); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("publishing twice: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, f.humasTenggarong, p.ID, program.Input{Title: ptr("x")}); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("editing a published programme: %v", err)
	}
	// The members of communities under the target were told; others not.
	for who, want := range map[int64]int{f.jahabMember: 1, f.perianMember: 0, f.paserMember: 0} {
		var n int
		f.db.Get(&n, `SELECT count(*) FROM notifications WHERE account_id = $1 AND kind = 'PROGRAM_PUBLISHED'`, who)
		if n != want {
			t.Errorf("account %d: %d notices, want %d", who, n, want)
		}
	}
	// The feed of each community.
	page, _ := relay.NewPage(program.CursorKind, relay.Args{})
	feed, err := f.svc.Feed(f.ctx, map[int64]string{f.jahab: "64.02.06.1001", f.perian: "64.02.01.2001"}, page)
	if err != nil || len(feed[f.jahab].Edges) != 1 || len(feed[f.perian].Edges) != 0 {
		t.Fatalf("feeds: %+v %v", feed, err)
	}
	list, err := f.svc.List(f.ctx, "64.02", page)
	if err != nil || len(list.Edges) != 1 {
		t.Fatalf("programmes of Kukar: %+v %v", list, err)
	}
	if list, _ := f.svc.List(f.ctx, "64.01", page); len(list.Edges) != 0 {
		t.Fatal("a Kukar programme listed in Paser")
	}
	if p, err = f.svc.Archive(f.ctx, f.humasTenggarong, p.ID); err != nil || p.Status != program.Archived {
		t.Fatalf("archive: %+v %v", p, err)
	}
	var actions []string
	f.db.Select(&actions, `SELECT action FROM audit_entries WHERE target_type = 'Program' ORDER BY id`)
	if got := strings.Join(actions, " "); got != "program.create program.publish program.archive" {
		t.Fatalf("audit: %s", got)
	}
}
