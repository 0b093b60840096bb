package community_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/community"
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
64.02.01.2001,Muara Muntai Ulu
64.02.06,Tenggarong
64.02.06.1001,Melayu
`

// fixture is a database with the regions above and one account per actor.
type fixture struct {
	db  *sqlx.DB
	svc *community.Service
	ctx context.Context
	// The actors of the permission matrix; chair registers communities.
	chair, member, stranger, humas, adminKukar, adminPaser, adminKaltim, super access.Actor
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(tree), nil); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: &community.Service{DB: db}, ctx: ctx}
	account := func(name string, super bool, role access.Role, code string) access.Actor {
		var id int64
		db.QueryRow(`INSERT INTO accounts (name, email, password_hash, superadmin) VALUES ($1, $2, 'x', $3) RETURNING id`,
			name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@t.id", super).Scan(&id)
		a := access.Actor{AccountID: id, Superadmin: super}
		if role != "" {
			db.MustExec(`INSERT INTO grants (account_id, role, region_code) VALUES ($1, $2, $3)`, id, role, code)
			a.Grants = []access.Grant{{AccountID: id, Role: role, RegionCode: code}}
		}
		return a
	}
	f.chair = account("Ketua", false, "", "")
	f.member = account("Anggota", false, "", "")
	f.stranger = account("Orang Lain", false, "", "")
	f.humas = account("Humas Kukar", false, access.Humas, "64.02")
	f.adminKukar = account("Admin Kukar", false, access.Admin, "64.02")
	f.adminPaser = account("Admin Paser", false, access.Admin, "64.01")
	f.adminKaltim = account("Admin Kaltim", false, access.Admin, "64")
	f.super = account("Super", true, "", "")
	return f
}

func ptr[T any](v T) *T { return &v }

// decree makes a READY PRIVATE asset of the chair's, as an upload would.
func (f *fixture) decree(t *testing.T) int64 {
	t.Helper()
	var id int64
	err := f.db.QueryRow(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		VALUES ($1, 'private/' || gen_random_uuid(), 'PRIVATE', 'READY', 'GRAPHQL', 'application/pdf', 100, now()) RETURNING id`, f.chair.AccountID).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// submitted registers and submits a community in domicile.
func (f *fixture) submitted(t *testing.T, slug, domicile string) *community.Community {
	t.Helper()
	c, err := f.svc.Register(f.ctx, f.chair, community.Profile{Name: ptr("KIM " + slug), Slug: ptr(slug), Category: ptr(community.KIM),
		DomicileCode: ptr(domicile), DecreeID: ptr(f.decree(t)), Fields: []string{"TOURISM", "AGRICULTURE"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c, err = f.svc.Submit(f.ctx, f.chair, c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(apperr.CodeOf(err))
}

func TestSlugRules(t *testing.T) {
	for _, good := range []string{"kim-maju-bersama", "abc", "kim123", "k1m", strings.Repeat("a", 63)} {
		if err := community.CheckSlug(good); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for _, bad := range []string{"ab", strings.Repeat("a", 64), "-kim", "kim-", "KIM", "kim maju", "kim_maju", "kim--maju", "kim.maju", "www", "admin", "api", "mail", "ümlaut", ""} {
		if err := community.CheckSlug(bad); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("%q: want BAD_USER_INPUT, got %v", bad, err)
		}
	}
	f := setup(t)
	f.submitted(t, "kim-maju", "64.02.01.2001")
	_, err := f.svc.Register(f.ctx, f.member, community.Profile{Name: ptr("Another"), Slug: ptr("KIM-Maju"), Category: ptr(community.KIM)}, "")
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Field != "slug" {
		t.Fatalf("a taken slug (in capitals): %v", err)
	}
}

func TestRegistrationWorkflowByRoleAndScope(t *testing.T) {
	f := setup(t)
	c, err := f.svc.Register(f.ctx, f.chair, community.Profile{Name: ptr("KIM Maju"), Slug: ptr("kim-maju"), Category: ptr(community.KIM)}, "")
	if err != nil || c.Status != community.Draft || c.MemberCount != 1 {
		t.Fatalf("register: %+v %v", c, err)
	}
	if role, _ := f.svc.RoleOf(f.ctx, f.chair.AccountID, c.ID); role != access.Chair {
		t.Fatalf("the registrant's role: %q", role)
	}
	// Submitting needs a domicile and a decree.
	if _, err := f.svc.Submit(f.ctx, f.chair, c.ID); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("submit without domicile: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, f.chair, c.ID, community.Profile{DomicileCode: ptr("64.02.01.2001")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(f.ctx, f.chair, c.ID); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("submit without decree: %v", err)
	}
	// A public asset, or someone else's, is no decree.
	public := f.decree(t)
	f.db.MustExec(`UPDATE media_assets SET visibility = 'PUBLIC' WHERE id = $1`, public)
	if _, err := f.svc.Update(f.ctx, f.chair, c.ID, community.Profile{DecreeID: &public}); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("a public decree: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, f.chair, c.ID, community.Profile{DecreeID: ptr(f.decree(t))}); err != nil {
		t.Fatal(err)
	}
	others := f.decree(t)
	f.db.MustExec(`UPDATE media_assets SET owner_id = $2 WHERE id = $1`, others, f.stranger.AccountID)
	if _, err := f.svc.Update(f.ctx, f.chair, c.ID, community.Profile{DecreeID: &others}); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("someone else's decree: %v", err)
	}
	// Who may submit: the CHAIR only.
	for _, a := range []access.Actor{f.member, f.adminKukar, f.super} {
		if _, err := f.svc.Submit(f.ctx, a, c.ID); code(err) != "FORBIDDEN" && code(err) != "NOT_FOUND" {
			t.Errorf("submit by %d: %v", a.AccountID, err)
		}
	}
	if c, err = f.svc.Submit(f.ctx, f.chair, c.ID); err != nil || c.Status != community.Submitted {
		t.Fatalf("submit: %+v %v", c, err)
	}
	// Who may approve: ADMINs over the domicile (and superadmins).
	for who, want := range map[string]struct {
		a    access.Actor
		code string
	}{
		"the chair":              {f.chair, "FORBIDDEN"},
		"HUMAS of the regency":   {f.humas, "NOT_FOUND"}, // may not even see a SUBMITTED community
		"the neighbouring ADMIN": {f.adminPaser, "NOT_FOUND"},
		"a stranger":             {f.stranger, "NOT_FOUND"},
		"anonymous":              {access.Anonymous, "NOT_FOUND"},
	} {
		if _, err := f.svc.Approve(f.ctx, want.a, c.ID); code(err) != want.code {
			t.Errorf("approve by %s: got %s want %s", who, code(err), want.code)
		}
	}
	if c, err = f.svc.Approve(f.ctx, f.adminKukar, c.ID); err != nil || c.Status != community.Active || *c.RegistrationNumber != "64.02-0001" {
		t.Fatalf("approve: %+v %v", c, err)
	}
	// Illegal transitions name the current state.
	_, err = f.svc.Approve(f.ctx, f.adminKukar, c.ID)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidTransition || e.Extensions["state"] != "ACTIVE" {
		t.Fatalf("approving twice: %v", err)
	}
	if _, err := f.svc.Reject(f.ctx, f.adminKukar, c.ID, "x"); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("rejecting an active community: %v", err)
	}
	if _, err := f.svc.Submit(f.ctx, f.chair, c.ID); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("submitting an active community: %v", err)
	}
	if _, err := f.svc.Update(f.ctx, f.chair, c.ID, community.Profile{Slug: ptr("kim-lain")}); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("changing the slug after approval: %v", err)
	}
	// Suspension: a reason is required; the province ADMIN may, HUMAS and the neighbour may not.
	if _, err := f.svc.Suspend(f.ctx, f.adminKaltim, c.ID, " "); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("suspend without a reason: %v", err)
	}
	if _, err := f.svc.Suspend(f.ctx, f.humas, c.ID, "hoaks"); code(err) != "FORBIDDEN" {
		t.Fatalf("suspend by HUMAS: %v", err)
	}
	if _, err := f.svc.Suspend(f.ctx, f.adminPaser, c.ID, "hoaks"); code(err) != "FORBIDDEN" {
		t.Fatalf("suspend by the neighbour: %v", err)
	}
	if c, err = f.svc.Suspend(f.ctx, f.adminKaltim, c.ID, "hoaks"); err != nil || c.Status != community.Suspended || c.StatusReason != "hoaks" {
		t.Fatalf("suspend: %+v %v", c, err)
	}
	if _, err := f.svc.Suspend(f.ctx, f.adminKukar, c.ID, "again"); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("suspending twice: %v", err)
	}
	if c, err = f.svc.Reinstate(f.ctx, f.adminKukar, c.ID, "diklarifikasi"); err != nil || c.Status != community.Active || *c.RegistrationNumber != "64.02-0001" {
		t.Fatalf("reinstate: %+v %v", c, err)
	}

	// Rejection, edit, resubmission; the rejected one never took a number.
	r := f.submitted(t, "kim-dua", "64.02.06.1001")
	if _, err := f.svc.Reject(f.ctx, f.adminKukar, r.ID, ""); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("reject without a reason: %v", err)
	}
	if r, err = f.svc.Reject(f.ctx, f.adminKukar, r.ID, "SK tidak terbaca"); err != nil || r.Status != community.Rejected || r.RegistrationNumber != nil {
		t.Fatalf("reject: %+v %v", r, err)
	}
	if _, err := f.svc.Update(f.ctx, f.chair, r.ID, community.Profile{DecreeID: ptr(f.decree(t))}); err != nil {
		t.Fatalf("edit after rejection: %v", err)
	}
	if r, err = f.svc.Submit(f.ctx, f.chair, r.ID); err != nil || r.Status != community.Submitted {
		t.Fatalf("resubmit: %v", err)
	}
	if r, err = f.svc.Approve(f.ctx, f.super, r.ID); err != nil || *r.RegistrationNumber != "64.02-0002" {
		t.Fatalf("approve the second: %+v %v", r, err)
	}
	// And a regency of its own numbering.
	p := f.submitted(t, "kim-paser", "64.01.01.2001")
	if p, err = f.svc.Approve(f.ctx, f.adminPaser, p.ID); err != nil || *p.RegistrationNumber != "64.01-0001" {
		t.Fatalf("approve in Paser: %+v %v", p, err)
	}

	// The audit trail and the notifications.
	var actions []string
	f.db.Select(&actions, `SELECT action FROM audit_entries WHERE target_type = 'Community' AND target_id = $1 ORDER BY id`, fmt.Sprint(c.ID))
	if got := strings.Join(actions, " "); got != "community.register community.update community.update community.submit community.approve community.suspend community.reinstate" {
		t.Fatalf("audit: %s", got)
	}
	var kinds []string
	f.db.Select(&kinds, `SELECT kind FROM notifications WHERE account_id = $1 ORDER BY id`, f.chair.AccountID)
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "COMMUNITY_APPROVED COMMUNITY_SUSPENDED COMMUNITY_REINSTATED COMMUNITY_REJECTED") {
		t.Fatalf("the chair's notifications: %s", got)
	}
	for who, want := range map[int64]int{f.adminKukar.AccountID: 3, f.adminKaltim.AccountID: 4, f.adminPaser.AccountID: 1, f.humas.AccountID: 0} {
		var n int
		f.db.Get(&n, `SELECT count(*) FROM notifications WHERE account_id = $1 AND kind = 'COMMUNITY_SUBMITTED'`, who)
		if n != want {
			t.Errorf("account %d got %d submission notices, want %d", who, n, want)
		}
	}
}

// TestConcurrentApprovalsAreNumberedConsecutively approves 30 communities
// of one regency at once.
func TestConcurrentApprovalsAreNumberedConsecutively(t *testing.T) {
	f := setup(t)
	var ids []int64
	for i := 0; i < 30; i++ {
		ids = append(ids, f.submitted(t, fmt.Sprintf("kim-desa-%02d", i), "64.02.01.2001").ID)
	}
	var wg sync.WaitGroup
	numbers := make(chan string, len(ids))
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.svc.Approve(f.ctx, f.adminKukar, id)
			if err != nil {
				errs <- err
				return
			}
			numbers <- *c.RegistrationNumber
		}()
	}
	wg.Wait()
	close(numbers)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []string
	for n := range numbers {
		got = append(got, n)
	}
	sort.Strings(got)
	for i, n := range got {
		if want := fmt.Sprintf("64.02-%04d", i+1); n != want {
			t.Fatalf("number %d is %s, want %s (all: %v)", i, n, want, got)
		}
	}
	if len(got) != 30 {
		t.Fatalf("%d numbers", len(got))
	}
}

func TestMembersAndTheLastChair(t *testing.T) {
	f := setup(t)
	c := f.submitted(t, "kim-maju", "64.02.01.2001")
	if _, err := f.svc.Approve(f.ctx, f.adminKukar, c.ID); err != nil {
		t.Fatal(err)
	}
	// The last CHAIR can neither leave nor be demoted.
	if _, err := f.svc.Leave(f.ctx, f.chair, c.ID); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("the last chair leaving: %v", err)
	}
	if _, err := f.svc.ChangeRole(f.ctx, f.chair, c.ID, f.chair.AccountID, access.Member); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("demoting the last chair: %v", err)
	}
	// Invitations: by a CHAIR only; accepted by the invitee.
	if _, err := f.svc.Invite(f.ctx, f.stranger, c.ID, f.member.AccountID, access.Editor); code(err) != "FORBIDDEN" {
		t.Fatalf("invite by a stranger: %v", err)
	}
	if _, err := f.svc.Invite(f.ctx, f.chair, c.ID, f.member.AccountID, access.Editor); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Invite(f.ctx, f.chair, c.ID, f.member.AccountID, access.Editor); code(err) != "CONFLICT" {
		t.Fatalf("inviting twice: %v", err)
	}
	if _, err := f.svc.AnswerInvitation(f.ctx, f.stranger, c.ID, true); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("accepting someone else's invitation: %v", err)
	}
	if m, err := f.svc.AnswerInvitation(f.ctx, f.member, c.ID, true); err != nil || m.Status != community.Joined || m.Role != access.Editor {
		t.Fatalf("accept: %+v %v", m, err)
	}
	// Join requests: answered by a CHAIR or EDITOR, not a MEMBER.
	if _, err := f.svc.RequestToJoin(f.ctx, f.stranger, c.ID); err != nil {
		t.Fatal(err)
	}
	if m, err := f.svc.AnswerJoinRequest(f.ctx, f.member, c.ID, f.stranger.AccountID, true); err != nil || m.Status != community.Joined || m.Role != access.Member {
		t.Fatalf("the editor admits: %+v %v", m, err)
	}
	if _, err := f.svc.AnswerJoinRequest(f.ctx, f.stranger, c.ID, f.stranger.AccountID, true); code(err) != "FORBIDDEN" {
		t.Fatalf("a member admitting: %v", err)
	}
	got, _ := f.svc.Get(f.ctx, access.Anonymous, c.ID)
	if got.MemberCount != 3 {
		t.Fatalf("member count %d", got.MemberCount)
	}
	// Two CHAIRs demoting each other at once: one of them stays CHAIR.
	if _, err := f.svc.ChangeRole(f.ctx, f.chair, c.ID, f.member.AccountID, access.Chair); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make(chan error, 2)
	for _, pair := range [][2]access.Actor{{f.chair, f.member}, {f.member, f.chair}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.ChangeRole(f.ctx, pair[0], c.ID, pair[1].AccountID, access.Member)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		if err == nil {
			ok++
		} else if code(err) != "INVALID_TRANSITION" && code(err) != "FORBIDDEN" {
			t.Fatalf("unexpected: %v", err)
		}
	}
	var chairs int
	f.db.Get(&chairs, `SELECT count(*) FROM memberships WHERE community_id = $1 AND role = 'CHAIR' AND status = 'ACTIVE'`, c.ID)
	if ok != 1 || chairs != 1 {
		t.Fatalf("%d demotions succeeded, %d chairs left", ok, chairs)
	}
	// Leave and remove keep the count.
	if _, err := f.svc.Leave(f.ctx, f.stranger, c.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = f.svc.Get(f.ctx, access.Anonymous, c.ID)
	if got.MemberCount != 2 {
		t.Fatalf("member count after leaving %d", got.MemberCount)
	}
}

func TestRegisterResentConcurrentlyGivesOneCommunity(t *testing.T) {
	f := setup(t)
	ids := make(chan int64, 8)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.svc.Register(f.ctx, f.chair, community.Profile{Name: ptr("KIM Sama"), Slug: ptr("kim-sama"), Category: ptr(community.KIM)}, "same-key")
			if err != nil {
				errs <- err
				return
			}
			ids <- c.ID
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatalf("a resend failed: %v", err)
	}
	var first int64
	for id := range ids {
		if first == 0 {
			first = id
		} else if id != first {
			t.Fatalf("two communities: %d and %d", first, id)
		}
	}
}

func TestAnAttachedDecreeStaysWithItsCommunity(t *testing.T) {
	f := setup(t)
	a := f.submitted(t, "kim-a", "64.02.01.2001")
	b, err := f.svc.Register(f.ctx, f.chair, community.Profile{Name: ptr("KIM B"), Slug: ptr("kim-b"), Category: ptr(community.KIM)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(f.ctx, f.chair, b.ID, community.Profile{DecreeID: a.DecreeID}); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("moving A's decree to B: %v", err)
	}
}

func TestListPagesInEveryOrder(t *testing.T) {
	f := setup(t)
	f.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, member_count, created_by, created_at)
		SELECT 'KIM ' || chr(64 + i), 'kim-' || i, 'KIM', CASE WHEN i % 2 = 0 THEN '64.02.01.2001' ELSE '64.02.06.1001' END, 'ACTIVE',
			'64.02-' || lpad(i::text, 4, '0'), i % 3, $1, now() - i * interval '1 hour'
		FROM generate_series(1, 7) i`, f.chair.AccountID)
	f.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Paser', 'kim-paser', 'KIM', '64.01.01.2001', 'ACTIVE', '64.01-0001', $1)`, f.chair.AccountID)
	for _, o := range []community.Order{community.ByName, community.Newest, community.MostActive} {
		// All of 64.02, two at a time, forwards and then backwards.
		var forward []int64
		var after *string
		for i := 0; i < 10; i++ {
			p, _ := relay.NewPage(community.CursorKind(o), relay.Args{First: ptr(2), After: after})
			got, err := f.svc.List(f.ctx, access.Anonymous, []string{"64.02"}, community.Filter{}, o, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range got["64.02"].Nodes() {
				forward = append(forward, c.ID)
			}
			if !got["64.02"].PageInfo.HasNextPage {
				break
			}
			after = got["64.02"].PageInfo.EndCursor()
		}
		var backward []int64
		var before *string
		for i := 0; i < 10; i++ {
			p, _ := relay.NewPage(community.CursorKind(o), relay.Args{Last: ptr(3), Before: before})
			got, err := f.svc.List(f.ctx, access.Anonymous, []string{"64.02"}, community.Filter{}, o, p)
			if err != nil {
				t.Fatal(err)
			}
			backward = append(append([]int64{}, idsOf(got["64.02"].Nodes())...), backward...)
			if !got["64.02"].PageInfo.HasPreviousPage {
				break
			}
			before = got["64.02"].PageInfo.StartCursor()
		}
		if len(forward) != 7 || fmt.Sprint(forward) != fmt.Sprint(backward) {
			t.Errorf("%s: forwards %v, backwards %v", o, forward, backward)
		}
	}
}

func idsOf(cs []*community.Community) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// A batch of regions of every level gets each region's own subtree: the
// regions are read level by level, each by its level's prefix of the
// domicile code, and what a viewer may see is the same at every level.
func TestListRegionsOfEveryLevelAtOnce(t *testing.T) {
	f := setup(t)
	f.db.MustExec(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM A', 'kim-a', 'KIM', '64.02.01.2001', 'ACTIVE', '64.02-0001', $1),
		       ('KIM B', 'kim-b', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0002', $1),
		       ('KIM C', 'kim-c', 'KIM', '64.02.06.1001', 'SUSPENDED', '64.02-0003', $1),
		       ('KIM D', 'kim-d', 'KIM', '64.01.01.2001', 'ACTIVE', '64.01-0001', $1)`, f.chair.AccountID)
	// The member belongs to the suspended KIM C, which only it (and the
	// governments above it) may see.
	f.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status, joined_at)
		SELECT id, $1, 'MEMBER', 'ACTIVE', now() FROM communities WHERE slug = 'kim-c'`, f.member.AccountID)
	regions := []string{"64.02.06.1001", "64", "64.02.06", "64.02", "64.01.01", "64.02.01.2001"}
	for _, tc := range []struct {
		name  string
		actor access.Actor
		want  map[string]string
	}{
		{"anonymous", access.Anonymous, map[string]string{
			"64": "KIM A,KIM B,KIM D", "64.02": "KIM A,KIM B", "64.02.06": "KIM B", "64.02.06.1001": "KIM B",
			"64.01.01": "KIM D", "64.02.01.2001": "KIM A"}},
		{"member of the suspended KIM", f.member, map[string]string{
			"64": "KIM A,KIM B,KIM C,KIM D", "64.02": "KIM A,KIM B,KIM C", "64.02.06": "KIM B,KIM C", "64.02.06.1001": "KIM B,KIM C",
			"64.01.01": "KIM D", "64.02.01.2001": "KIM A"}},
	} {
		p, _ := relay.NewPage(community.CursorKind(community.ByName), relay.Args{First: ptr(10)})
		got, err := f.svc.List(f.ctx, tc.actor, regions, community.Filter{}, community.ByName, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range regions {
			var names []string
			for _, c := range got[r].Nodes() {
				names = append(names, c.Name)
			}
			if s := strings.Join(names, ","); s != tc.want[r] {
				t.Errorf("%s, %s: got %q, want %q", tc.name, r, s, tc.want[r])
			}
		}
	}
	p, _ := relay.NewPage(community.CursorKind(community.ByName), relay.Args{First: ptr(10)})
	if got, err := f.svc.List(f.ctx, access.Anonymous, []string{}, community.Filter{}, community.ByName, p); err != nil || len(got) != 0 {
		t.Fatalf("no regions: %v, %v", got, err)
	}
	if _, err := f.svc.List(f.ctx, access.Anonymous, []string{"64", "64.2"}, community.Filter{}, community.ByName, p); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("a malformed region code: %v", err)
	}
}
