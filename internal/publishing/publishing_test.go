package publishing_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/relay"
	"github.com/kimhub/kimhub/internal/reqlog"
	"github.com/kimhub/kimhub/internal/testenv"
)

const tree = `code,name
64,Kalimantan Timur
64.01,Kabupaten Paser
64.01.01,Batu Sopang
64.02,Kabupaten Kutai Kartanegara
64.02.06,Tenggarong
64.02.06.1001,Jahab
`

type fixture struct {
	db  *sqlx.DB
	svc *publishing.Service
	ctx context.Context
	// A community in Jahab with a CHAIR, an EDITOR and a MEMBER (who writes).
	community                                                      int64
	chair, editor, writer, stranger, adminKukar, adminPaser, humas access.Actor
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := testenv.DB(t)
	ctx := context.Background()
	if _, err := region.NewStore(db).Import(ctx, strings.NewReader(tree), nil); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, svc: &publishing.Service{DB: db}, ctx: ctx}
	account := func(name string, role access.Role, code string) access.Actor {
		var id int64
		db.QueryRow(`INSERT INTO accounts (name, email, password_hash) VALUES ($1, $2, 'x') RETURNING id`,
			name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@t.id").Scan(&id)
		a := access.Actor{AccountID: id}
		if role != "" {
			db.MustExec(`INSERT INTO grants (account_id, role, region_code) VALUES ($1, $2, $3)`, id, role, code)
			a.Grants = []access.Grant{{AccountID: id, Role: role, RegionCode: code}}
		}
		return a
	}
	f.chair, f.editor, f.writer, f.stranger = account("Ketua", "", ""), account("Editor", "", ""), account("Penulis", "", ""), account("Orang Lain", "", "")
	f.adminKukar, f.adminPaser, f.humas = account("Admin Kukar", access.Admin, "64.02"), account("Admin Paser", access.Admin, "64.01"), account("Humas", access.Humas, "64.02")
	db.QueryRow(`INSERT INTO communities (name, slug, category, domicile_code, status, registration_number, created_by)
		VALUES ('KIM Jahab', 'kim-jahab', 'KIM', '64.02.06.1001', 'ACTIVE', '64.02-0001', $1) RETURNING id`, f.chair.AccountID).Scan(&f.community)
	for a, role := range map[int64]string{f.chair.AccountID: "CHAIR", f.editor.AccountID: "EDITOR", f.writer.AccountID: "MEMBER"} {
		db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $2, $3, 'ACTIVE')`, f.community, a, role)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func code(err error) string {
	if err == nil {
		return "ok"
	}
	return string(apperr.CodeOf(err))
}

func (f *fixture) draft(t *testing.T, title, body string) *publishing.Post {
	t.Helper()
	p, err := f.svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: &title, Body: &body, Tags: []string{"Desa", "panen"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) published(t *testing.T, title, body string) *publishing.Post {
	t.Helper()
	p := f.draft(t, title, body)
	if _, err := f.svc.Submit(f.ctx, f.writer, p.ID); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Publish(f.ctx, f.editor, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWorkflowByRole(t *testing.T) {
	f := setup(t)
	if _, err := f.svc.Create(f.ctx, f.stranger, f.community, publishing.DraftInput{Title: ptr("x")}, ""); code(err) != "FORBIDDEN" {
		t.Fatalf("a stranger writes: %v", err)
	}
	if _, err := f.svc.Create(f.ctx, f.adminKukar, f.community, publishing.DraftInput{Title: ptr("x")}, ""); code(err) != "FORBIDDEN" {
		t.Fatalf("an admin writes for a community: %v", err)
	}
	p := f.draft(t, "Panen Raya di Desa Jahab!", "Petani **menanam** padi.")
	if p.Status != publishing.Draft || p.Slug != "panen-raya-di-desa-jahab" || !strings.Contains(p.BodyHTML, "<strong>menanam</strong>") {
		t.Fatalf("draft: %+v", p)
	}
	if _, err := f.svc.Submit(f.ctx, f.writer, p.ID+1000); code(err) != "NOT_FOUND" {
		t.Fatalf("submitting a post that is not there: %v", err)
	}
	// Only the author submits.
	if _, err := f.svc.Submit(f.ctx, f.editor, p.ID); code(err) != "FORBIDDEN" {
		t.Fatalf("someone else submits: %v", err)
	}
	if p, _ = f.svc.Submit(f.ctx, f.writer, p.ID); p.Status != publishing.InReview {
		t.Fatalf("submit: %+v", p)
	}
	// Who publishes: EDITOR, CHAIR, ADMIN over it; not the MEMBER, not HUMAS, not the neighbour.
	for who, want := range map[string]struct {
		a    access.Actor
		code string
	}{
		"the writer (MEMBER)": {f.writer, "FORBIDDEN"}, "HUMAS": {f.humas, "NOT_FOUND"},
		"the neighbouring ADMIN": {f.adminPaser, "NOT_FOUND"}, "a stranger": {f.stranger, "NOT_FOUND"},
	} {
		if _, err := f.svc.Publish(f.ctx, want.a, p.ID, nil); code(err) != want.code {
			t.Errorf("publish by %s: %s, want %s", who, code(err), want.code)
		}
	}
	if _, err := f.svc.Reject(f.ctx, f.editor, p.ID, " "); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("reject without a note: %v", err)
	}
	if p, _ = f.svc.Reject(f.ctx, f.editor, p.ID, "lengkapi sumber"); p.Status != publishing.Rejected {
		t.Fatalf("reject: %+v", p)
	}
	// Editing a rejected post makes it a DRAFT; its slug follows the title.
	if p, _ = f.svc.Update(f.ctx, f.writer, p.ID, publishing.DraftInput{Title: ptr("Panen Raya 2026")}); p.Status != publishing.Draft || p.Slug != "panen-raya-2026" {
		t.Fatalf("edit after rejection: %+v", p)
	}
	f.svc.Submit(f.ctx, f.writer, p.ID)
	if p, _ = f.svc.Publish(f.ctx, f.adminKukar, p.ID, nil); p.Status != publishing.Published || p.PublishAt == nil {
		t.Fatalf("publish by the admin: %+v", p)
	}
	if _, err := f.svc.Update(f.ctx, f.writer, p.ID, publishing.DraftInput{Title: ptr("Lain")}); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("editing a published post: %v", err)
	}
	if _, err := f.svc.Publish(f.ctx, f.editor, p.ID, nil); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("publishing twice: %v", err)
	}
	// Featuring and taking down: ADMINs over it only.
	if _, err := f.svc.SetFeatured(f.ctx, f.chair, p.ID, true); code(err) != "FORBIDDEN" {
		t.Fatalf("the chair features: %v", err)
	}
	if p, _ = f.svc.SetFeatured(f.ctx, f.adminKukar, p.ID, true); !p.Featured {
		t.Fatal("not featured")
	}
	if _, err := f.svc.TakeDown(f.ctx, f.editor, p.ID, "hoaks"); code(err) != "FORBIDDEN" {
		t.Fatalf("the editor takes down: %v", err)
	}
	if _, err := f.svc.TakeDown(f.ctx, f.adminKukar, p.ID, ""); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("take down without a reason: %v", err)
	}
	if p, _ = f.svc.TakeDown(f.ctx, f.adminKukar, p.ID, "hoaks"); p.Status != publishing.TakenDown {
		t.Fatalf("take down: %+v", p)
	}
	var kinds []string
	f.db.Select(&kinds, `SELECT kind FROM notifications WHERE account_id = $1 ORDER BY id`, f.writer.AccountID)
	if got := strings.Join(kinds, " "); got != "POST_REJECTED POST_PUBLISHED POST_TAKEN_DOWN" {
		t.Fatalf("the author's notifications: %s", got)
	}
	// Every step is in the trail: by whom, about which post and region,
	// why, and to what state.
	var entries []string
	f.db.Select(&entries, `SELECT concat_ws(' ', action, actor_id, target_id, region_code, quote_literal(reason), details::text)
		FROM audit_entries WHERE target_type = 'Post' ORDER BY id`)
	w, e, ak := f.writer.AccountID, f.editor.AccountID, f.adminKukar.AccountID
	want := []string{
		fmt.Sprintf(`post.create %d %d 64.02.06.1001 '' {}`, w, p.ID),
		fmt.Sprintf(`post.submit %d %d 64.02.06.1001 '' {"status": "IN_REVIEW"}`, w, p.ID),
		fmt.Sprintf(`post.reject %d %d 64.02.06.1001 'lengkapi sumber' {"status": "REJECTED"}`, e, p.ID),
		fmt.Sprintf(`post.revise %d %d 64.02.06.1001 '' {"status": "DRAFT"}`, w, p.ID),
		fmt.Sprintf(`post.submit %d %d 64.02.06.1001 '' {"status": "IN_REVIEW"}`, w, p.ID),
		fmt.Sprintf(`post.publish %d %d 64.02.06.1001 '' {"status": "PUBLISHED"}`, ak, p.ID),
		fmt.Sprintf(`post.feature %d %d 64.02.06.1001 '' {"featured": true}`, ak, p.ID),
		fmt.Sprintf(`post.take_down %d %d 64.02.06.1001 'hoaks' {"status": "TAKEN_DOWN"}`, ak, p.ID),
	}
	if !slices.Equal(entries, want) {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(entries, "\n"), strings.Join(want, "\n"))
	}
	// Archiving is the community's, not a MEMBER's, nor an ADMIN's.
	q := f.published(t, "Kedua", "")
	if _, err := f.svc.Archive(f.ctx, f.writer, q.ID); code(err) != "FORBIDDEN" {
		t.Fatalf("a member archives: %v", err)
	}
	if _, err := f.svc.Archive(f.ctx, f.adminKukar, q.ID); code(err) != "FORBIDDEN" {
		t.Fatalf("an admin archives: %v", err)
	}
	if q, _ = f.svc.Archive(f.ctx, f.chair, q.ID); q.Status != publishing.Archived {
		t.Fatalf("archive: %+v", q)
	}
}

func TestDraftsAndTakenDownPostsAreNeverPublic(t *testing.T) {
	f := setup(t)
	d := f.draft(t, "Rahasia", "draf")
	// Another MEMBER of the community does not read a colleague's draft.
	var other int64
	f.db.QueryRow(`INSERT INTO accounts (name, email, password_hash) VALUES ('Anggota Lain', 'lain@t.id', 'x') RETURNING id`).Scan(&other)
	f.db.MustExec(`INSERT INTO memberships (community_id, account_id, role, status) VALUES ($1, $2, 'MEMBER', 'ACTIVE')`, f.community, other)
	if _, err := f.svc.Get(f.ctx, access.Actor{AccountID: other}, d.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("another member reads a draft: %v", err)
	}
	p := f.published(t, "Terbit", "isi")
	gone := f.published(t, "Diturunkan", "isi")
	f.svc.TakeDown(f.ctx, f.adminKukar, gone.ID, "hoaks")
	for _, id := range []int64{d.ID, gone.ID} {
		for _, a := range []access.Actor{access.Anonymous, f.stranger, f.adminPaser} {
			if _, err := f.svc.Get(f.ctx, a, id); code(err) != "NOT_FOUND" {
				t.Errorf("post %d read by %d: %v", id, a.AccountID, err)
			}
		}
		for _, a := range []access.Actor{f.writer, f.chair, f.adminKukar} {
			if _, err := f.svc.Get(f.ctx, a, id); err != nil {
				t.Errorf("post %d for %d: %v", id, a.AccountID, err)
			}
		}
	}
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{})
	feed, err := f.svc.Feed(f.ctx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{}, page)
	if err != nil {
		t.Fatal(err)
	}
	if n := feed["64.02"].Nodes(); len(n) != 1 || n[0].ID != p.ID {
		t.Fatalf("feed: %+v", n)
	}
	if _, err := f.svc.CommunityPosts(f.ctx, f.stranger, f.community, publishing.Draft, page); code(err) != "FORBIDDEN" {
		t.Fatalf("a stranger lists drafts: %v", err)
	}
	sp, _ := relay.NewPage(publishing.StatusCursorKind(publishing.Posts), relay.Args{})
	if c, err := f.svc.CommunityPosts(f.ctx, f.editor, f.community, publishing.Draft, sp); err != nil || len(c.Edges) != 1 {
		t.Fatalf("the editor lists drafts: %v %v", c, err)
	}
}

func TestScheduledPostAppearsOnTime(t *testing.T) {
	f := setup(t)
	p := f.draft(t, "Jadwal", "besok")
	f.svc.Submit(f.ctx, f.writer, p.ID)
	at := time.Now().Add(time.Hour)
	p, err := f.svc.Publish(f.ctx, f.editor, p.ID, &at)
	if err != nil || p.Status != publishing.Published {
		t.Fatalf("schedule: %+v %v", p, err)
	}
	if _, err := f.svc.Get(f.ctx, access.Anonymous, p.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("a scheduled post is public before its time: %v", err)
	}
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{})
	feed, _ := f.svc.Feed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{}, page)
	if len(feed[""].Edges) != 0 {
		t.Fatal("a scheduled post is in the feed before its time")
	}
	// The hour passes (no job runs): it is public.
	f.db.MustExec(`UPDATE posts SET publish_at = now() - interval '1 second' WHERE id = $1`, p.ID)
	if _, err := f.svc.Get(f.ctx, access.Anonymous, p.ID); err != nil {
		t.Fatalf("after its time: %v", err)
	}
	feed, _ = f.svc.Feed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{}, page)
	if len(feed[""].Edges) != 1 {
		t.Fatal("not in the feed after its time")
	}
}

// Posts of one title written at the same time, with no key, all go in,
// each with a slug of its own, and each with its tags and audit entry.
func TestConcurrentTitlesGetTheirOwnSlugs(t *testing.T) {
	f := setup(t)
	const n = 8
	slugs := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: ptr("Gotong Royong"), Tags: []string{"warga"}}, "")
			if err != nil {
				t.Error(err)
				return
			}
			slugs <- p.Slug
		}()
	}
	wg.Wait()
	close(slugs)
	var got []string
	for s := range slugs {
		got = append(got, s)
	}
	slices.Sort(got)
	want := []string{"gotong-royong"}
	for i := 2; i <= n; i++ {
		want = append(want, fmt.Sprintf("gotong-royong-%d", i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("slugs %v, want %v", got, want)
	}
	var posts, tags, entries int
	f.db.Get(&posts, `SELECT count(*) FROM posts`)
	f.db.Get(&tags, `SELECT count(*) FROM post_tags t JOIN posts p ON p.id = t.post_id WHERE t.tag = 'warga'`)
	f.db.Get(&entries, `SELECT count(*) FROM audit_entries a JOIN posts p ON a.target_id = p.id::text
		WHERE a.action = 'post.create' AND a.target_type = 'Post' AND a.region_code = p.region_code`)
	if posts != n || tags != n || entries != n {
		t.Fatalf("%d posts, %d tags, %d audit entries; want %d of each", posts, tags, entries, n)
	}
}

func TestIdempotentCreateAndSlugs(t *testing.T) {
	f := setup(t)
	ids := make(chan int64, 6)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: ptr("Kabar Desa")}, "k-1")
			if err != nil {
				t.Error(err)
				return
			}
			ids <- p.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		seen[id] = true
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM posts`)
	if len(seen) != 1 || n != 1 {
		t.Fatalf("%d ids, %d posts", len(seen), n)
	}
	b := f.draft(t, "Kabar Desa", "")
	c := f.draft(t, "Kabar  desa", "")
	if b.Slug != "kabar-desa-2" || c.Slug != "kabar-desa-3" {
		t.Fatalf("slugs %q %q", b.Slug, c.Slug)
	}
	if s := publishing.Slugify("Pesta Budaya Erau — Tenggarong 2026!"); s != "pesta-budaya-erau-tenggarong-2026" {
		t.Errorf("slugify: %q", s)
	}
}

func TestViewsAreCountedHonestly(t *testing.T) {
	f := setup(t)
	p := f.published(t, "Dilihat", "")
	day := time.Now()
	for _, v := range []string{"a:1", "a:1", "h:abc", "a:2"} {
		if err := f.svc.AddView(f.ctx, p.ID, v, day); err != nil {
			t.Fatal(err)
		}
	}
	f.svc.AddView(f.ctx, p.ID, "a:1", day.AddDate(0, 0, 1)) // another day counts again
	n, err := f.svc.AggregateViews(f.ctx)
	if err != nil || n != 4 {
		t.Fatalf("aggregated %d (%v)", n, err)
	}
	if n, _ := f.svc.AggregateViews(f.ctx); n != 0 {
		t.Fatalf("counted twice: %d", n)
	}
	got, _ := f.svc.Get(f.ctx, access.Anonymous, p.ID)
	if got.ViewCount != 4 {
		t.Fatalf("view count %d", got.ViewCount)
	}
	for ua, counted := range map[string]bool{
		"Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile": true,
		"Googlebot/2.1 (+http://www.google.com/bot.html)":   false,
		"facebookexternalhit/1.1":                           false,
		"WhatsApp/2.23":                                     false,
	} {
		ctx := reqlog.WithClient(f.ctx, reqlog.Client{IP: "10.1.1.1", UserAgent: ua})
		if _, ok := publishing.ViewerOf(ctx, access.Anonymous); ok != counted {
			t.Errorf("%q counted: %v", ua, ok)
		}
	}
	a, _ := publishing.ViewerOf(reqlog.WithClient(f.ctx, reqlog.Client{IP: "10.1.1.1", UserAgent: "x"}), access.Anonymous)
	b, _ := publishing.ViewerOf(reqlog.WithClient(f.ctx, reqlog.Client{IP: "10.1.1.2", UserAgent: "x"}), access.Anonymous)
	if a == b || strings.Contains(a, "10.1.1.1") {
		t.Errorf("anonymous viewers %q %q: distinct and hashed", a, b)
	}
}

func TestSearchInIndonesian(t *testing.T) {
	f := setup(t)
	tani := f.published(t, "Petani Jahab panen padi", "Kelompok tani memanen padi di sawah.")
	body := f.published(t, "Kabar minggu ini", "Ada pelatihan pertanian organik untuk warga.")
	f.published(t, "Festival budaya Erau", "Tarian dan musik tingkilan.")
	search := func(q string) []int64 {
		page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, q), relay.Args{})
		feed, err := f.svc.Feed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{Search: q}, page)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range feed[""].Nodes() {
			ids = append(ids, p.ID)
		}
		return ids
	}
	// "pertanian" and "petani" share the stem "tani"; the title match ranks first.
	if got := search("pertanian"); len(got) != 2 || got[0] != tani.ID || got[1] != body.ID {
		t.Fatalf("pertanian: %v (tani %d, body %d)", got, tani.ID, body.ID)
	}
	if got := search("budaya"); len(got) != 1 {
		t.Fatalf("budaya: %v", got)
	}
	if got := search("kapal"); len(got) != 0 {
		t.Fatalf("kapal: %v", got)
	}
	// Ranked results page with cursors, with every column and with the
	// headlines only.
	for _, headlines := range []bool{false, true} {
		ff := publishing.FeedFilter{Search: "pertanian", Headlines: headlines}
		page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, "pertanian"), relay.Args{First: ptr(1)})
		first, _ := f.svc.Feed(f.ctx, publishing.Everywhere, nil, ff, page)
		next, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, "pertanian"), relay.Args{First: ptr(1), After: first[""].PageInfo.EndCursor()})
		second, err := f.svc.Feed(f.ctx, publishing.Everywhere, nil, ff, next)
		if err != nil || len(second[""].Edges) != 1 || second[""].Edges[0].Node.ID != body.ID || second[""].PageInfo.HasNextPage {
			t.Fatalf("headlines %v: second page: %+v %v", headlines, second[""], err)
		}
		if n := second[""].Edges[0].Node; n.Title == "" || (n.Body == "") != headlines || (n.Excerpt == "") != headlines {
			t.Fatalf("headlines %v: title %q, body %q, excerpt %q", headlines, n.Title, n.Body, n.Excerpt)
		}
	}
}

func TestPostsStayInTheirCommunitysRegencyAndStatus(t *testing.T) {
	f := setup(t)
	if _, err := f.svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: ptr("Di Paser"), RegionCode: ptr("64.01.01")}, ""); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("a post about another regency: %v", err)
	}
	p, err := f.svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: ptr("Di Tenggarong"), RegionCode: ptr("64.02.06")}, "")
	if err != nil || p.RegionCode != "64.02.06" {
		t.Fatalf("a post about its own regency: %+v %v", p, err)
	}
	// A suspended community neither submits nor publishes.
	f.db.MustExec(`UPDATE communities SET status = 'SUSPENDED' WHERE id = $1`, f.community)
	if _, err := f.svc.Submit(f.ctx, f.writer, p.ID); code(err) != "INVALID_TRANSITION" {
		t.Fatalf("submit while suspended: %v", err)
	}
}

// A region's feed is its whole subtree, at every level, and one batch may
// mix levels (a province's feed beside its regencies', districts' and
// villages').
func TestRegionFeedsAtEveryLevel(t *testing.T) {
	f := setup(t)
	at := map[string]int64{}
	for i, code := range []string{"64.02.06.1001", "64.02.06", "64.02", "64", "64.01.01"} {
		p := f.published(t, "Kabar "+code, "isi")
		f.db.MustExec(`UPDATE posts SET region_code = $1, publish_at = now() - make_interval(hours => $2) WHERE id = $3`, code, i+1, p.ID)
		at[code] = p.ID
	}
	want := map[string][]string{
		"64":            {"64.02.06.1001", "64.02.06", "64.02", "64", "64.01.01"},
		"64.02":         {"64.02.06.1001", "64.02.06", "64.02"},
		"64.02.06":      {"64.02.06.1001", "64.02.06"},
		"64.02.06.1001": {"64.02.06.1001"},
		"64.01":         {"64.01.01"},
		"64.01.01":      {"64.01.01"},
	}
	keys := []string{"64.02.06.1001", "64", "64.01", "64.02.06", "64.02", "64.01.01"}
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{})
	feed, err := f.svc.Feed(f.ctx, publishing.ByRegion, keys, publishing.FeedFilter{OmitBodies: true}, page)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		var got, wantIDs []int64
		for _, p := range feed[k].Nodes() {
			got = append(got, p.ID)
		}
		for _, code := range want[k] {
			wantIDs = append(wantIDs, at[code])
		}
		if fmt.Sprint(got) != fmt.Sprint(wantIDs) {
			t.Errorf("feed of %s: %v, want %v (newest first)", k, got, wantIDs)
		}
	}
	// No keys, no pages (and no statement).
	if none, err := f.svc.Feed(f.ctx, publishing.ByRegion, nil, publishing.FeedFilter{}, page); err != nil || len(none) != 0 {
		t.Fatalf("a feed of no regions: %v %v", none, err)
	}
	// The second page of a subtree continues after the first.
	first, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: ptr(2)})
	one, err := f.svc.Feed(f.ctx, publishing.ByRegion, []string{"64"}, publishing.FeedFilter{}, first)
	if err != nil || len(one["64"].Edges) != 2 || !one["64"].PageInfo.HasNextPage {
		t.Fatalf("page 1 of 64: %+v %v", one["64"], err)
	}
	after := one["64"].Edges[1].Cursor()
	next, err := relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{First: ptr(2), After: &after})
	if err != nil {
		t.Fatal(err)
	}
	two, err := f.svc.Feed(f.ctx, publishing.ByRegion, []string{"64"}, publishing.FeedFilter{}, next)
	if err != nil || len(two["64"].Edges) != 2 || two["64"].Edges[0].Node.ID != at["64.02"] || two["64"].Edges[1].Node.ID != at["64"] {
		t.Fatalf("page 2 of 64: %+v %v", two["64"], err)
	}
}

// TestTagsAreSetReplacedAndCleared: a draft's tags come with it, an edit
// that gives tags replaces them, one that gives none leaves them, and an
// empty list clears them.
func TestTagsAreSetReplacedAndCleared(t *testing.T) {
	f := setup(t)
	p := f.draft(t, "Panen Raya", "Petani menanam padi.")
	tags := func() []string {
		t.Helper()
		m, err := f.svc.TagsOf(f.ctx, []int64{p.ID})
		if err != nil {
			t.Fatal(err)
		}
		got := m[p.ID]
		slices.Sort(got)
		return got
	}
	if got := tags(); !slices.Equal(got, []string{"desa", "panen"}) {
		t.Fatalf("the new draft's tags: %v", got)
	}
	edit := func(in publishing.DraftInput) {
		t.Helper()
		if _, err := f.svc.Update(f.ctx, f.writer, p.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	edit(publishing.DraftInput{Tags: []string{"Sungai", "sungai ", "gotong  royong"}})
	if got := tags(); !slices.Equal(got, []string{"gotong royong", "sungai"}) {
		t.Fatalf("replaced tags: %v", got)
	}
	edit(publishing.DraftInput{Title: ptr("Panen Raya 2026")})
	if got := tags(); !slices.Equal(got, []string{"gotong royong", "sungai"}) {
		t.Fatalf("an edit without tags changed them: %v", got)
	}
	edit(publishing.DraftInput{Tags: []string{}})
	if got := tags(); len(got) != 0 {
		t.Fatalf("an empty list left the tags: %v", got)
	}
}

// TestListsReadWhatTheirPagesNeed: statements made once for all their
// values (kimhub's connections plan so) still read a page's worth: a
// community's items in one status walk (community_id, status, id), a
// featured feed walks the index of featured items, and a search is planned
// for its words at each execution.
func TestListsReadWhatTheirPagesNeed(t *testing.T) {
	f := setup(t)
	// Thousands of published posts, a few drafts, one featured post.
	f.db.MustExec(`INSERT INTO posts (community_id, author_id, title, slug, region_code, status, publish_at)
		SELECT $1, $2, 'Berita ' || i, 'berita-' || i, '64.02.06.1001', 'PUBLISHED', now() - i * interval '1 minute'
		FROM generate_series(1, 3000) i`, f.community, f.writer.AccountID)
	draft := f.draft(t, "Draf", "Belum terbit.")
	featured := f.published(t, "Pilihan redaksi", "Kabar unggulan.")
	f.db.MustExec(`UPDATE posts SET featured = true WHERE id = $1`, featured.ID)
	f.db.MustExec(`ANALYZE posts`)

	counting, st := testenv.CountingDB(t)
	svc := &publishing.Service{DB: counting}
	statement := func(n int64, fragment string) string {
		for _, q := range st.Since(n) {
			if strings.Contains(q, fragment) {
				return q
			}
		}
		t.Fatalf("no statement holds %q: %q", fragment, st.Since(n))
		return ""
	}
	// genericPlan is the plan PostgreSQL makes once for all values, as
	// kimhub's connections use it.
	genericPlan := func(stmt string, args ...string) string {
		t.Helper()
		params := make([]string, len(args))
		for i := range args {
			params[i] = "bigint"
		}
		return testenv.Plan(t, f.db, "force_generic_plan", stmt, params, args)
	}

	n := st.Load()
	page, _ := relay.NewPage(publishing.StatusCursorKind(publishing.Posts), relay.Args{})
	drafts, err := svc.CommunityPosts(f.ctx, f.editor, f.community, publishing.Draft, page)
	if err != nil || len(drafts.Edges) != 1 || drafts.Edges[0].Node.ID != draft.ID {
		t.Fatalf("drafts: %+v %v", drafts.Edges, err)
	}
	if plan := genericPlan(statement(n, "WHERE community_id = $1"), fmt.Sprint(f.community)); !strings.Contains(plan, "posts_community_status_idx") {
		t.Errorf("a community's drafts, planned once:\n%s", plan)
	}

	n = st.Load()
	page, _ = relay.NewPage(publishing.FeedCursorKind(publishing.Posts, ""), relay.Args{})
	feed, err := svc.Feed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{Featured: ptr(true)}, page)
	if err != nil || len(feed[""].Edges) != 1 || feed[""].Edges[0].Node.ID != featured.ID {
		t.Fatalf("featured: %+v %v", feed[""].Edges, err)
	}
	if plan := genericPlan(statement(n, "p.featured")); !strings.Contains(plan, "posts_featured_idx") {
		t.Errorf("the featured feed, planned once:\n%s", plan)
	}

	n = st.Load()
	page, _ = relay.NewPage(publishing.FeedCursorKind(publishing.Posts, "unggulan"), relay.Args{})
	found, err := svc.Feed(f.ctx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{Search: "unggulan"}, page)
	if err != nil || len(found["64.02"].Edges) != 1 || found["64.02"].Edges[0].Node.ID != featured.ID {
		t.Fatalf("search: %+v %v", found["64.02"].Edges, err)
	}
	if !st.PlannedForValues(n, "websearch_to_tsquery") {
		t.Errorf("a search is not planned for its words: %q", st.Since(n))
	}
	n = st.Load()
	if _, err := svc.Feed(f.ctx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{}, page); err != nil {
		t.Fatal(err)
	}
	if st.PlannedForValues(n, "FROM posts p") {
		t.Errorf("a plain feed is planned at each execution: %q", st.Since(n))
	}
}

// TestConcurrentStepsOneWins: editors publishing and rejecting the same
// post at once: one step wins, the others find it moved and say so; one
// audit entry, one notification. A step writes without a lock: its read
// and its write are two statements (with the author's notification, a
// transaction around the write); a create without an idempotency key or
// media is its scope and its insert, without a transaction.
func TestConcurrentStepsOneWins(t *testing.T) {
	f := setup(t)
	counting, st := testenv.CountingDB(t)
	svc := &publishing.Service{DB: counting}
	n := st.Load()
	p, err := svc.Create(f.ctx, f.writer, f.community, publishing.DraftInput{Title: ptr("Rapat desa"), Body: ptr("Musyawarah.")}, "")
	if err != nil {
		t.Fatal(err)
	}
	if sent := st.Since(n); len(sent) != 2 || !strings.Contains(sent[1], "INSERT INTO posts") {
		t.Fatalf("a create without a key or media sent %d statements, want the scope and the insert: %q", len(sent), sent)
	}
	n = st.Load()
	if _, err := svc.Submit(f.ctx, f.writer, p.ID); err != nil {
		t.Fatal(err)
	}
	if sent := st.Since(n); len(sent) != 2 || !strings.Contains(sent[1], "AND status = $5") {
		t.Fatalf("a submit sent %d statements, want the read and the write: %q", len(sent), sent)
	}

	// Rounds of racers let loose together on a fresh post each.
	const racers, rounds = 8, 5
	for round := range rounds {
		p := p
		if round > 0 {
			p = f.draft(t, fmt.Sprint("Rapat desa ", round), "Musyawarah.")
			if _, err := f.svc.Submit(f.ctx, f.writer, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		codes := make([]string, racers)
		for i := range racers {
			wg.Go(func() {
				<-start
				var err error
				if i%2 == 0 {
					_, err = f.svc.Publish(f.ctx, f.editor, p.ID, nil)
				} else {
					_, err = f.svc.Reject(f.ctx, f.chair, p.ID, "belum lengkap")
				}
				codes[i] = code(err)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, c := range codes {
			switch c {
			case "ok":
				won++
			case "INVALID_TRANSITION":
			default:
				t.Errorf("a racer: %s", c)
			}
		}
		var entries, notes int
		f.db.Get(&entries, `SELECT count(*) FROM audit_entries WHERE target_id = $1 AND action IN ('post.publish', 'post.reject')`, fmt.Sprint(p.ID))
		f.db.Get(&notes, `SELECT count(*) FROM notifications WHERE account_id = $1 AND target_id = $2`, f.writer.AccountID, fmt.Sprint(p.ID))
		if won != 1 || entries != 1 || notes != 1 {
			t.Fatalf("round %d: %d steps won (%v), %d audit entries, %d notifications; want 1 of each", round, won, codes, entries, notes)
		}
	}
}

// TestAStepThatWaitsSeesTheScopeAfterTheWait: a step on an item another
// transaction holds waits for it, and then checks the actor's role as it is
// after the wait: an editor demoted meanwhile publishes nothing.
func TestAStepThatWaitsSeesTheScopeAfterTheWait(t *testing.T) {
	f := setup(t)
	p := f.draft(t, "Kabar tertahan", "Isi.")
	if _, err := f.svc.Submit(f.ctx, f.writer, p.ID); err != nil {
		t.Fatal(err)
	}
	holder := f.db.MustBegin()
	defer holder.Rollback()
	holder.MustExec(`SELECT 1 FROM posts WHERE id = $1 FOR UPDATE`, p.ID)
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Publish(f.ctx, f.editor, p.ID, nil)
		done <- err
	}()
	// Until the publish waits for the post's lock (a bound, not a timing:
	// it waits at once).
	for waiting, tries := 0, 0; waiting == 0; tries++ {
		select {
		case err := <-done:
			t.Fatalf("the publish did not wait for the held post: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
		if tries == 1000 {
			t.Fatal("the publish never waited for the post's lock")
		}
		f.db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
	}
	f.db.MustExec(`UPDATE memberships SET role = 'MEMBER' WHERE account_id = $1 AND community_id = $2`, f.editor.AccountID, f.community)
	holder.Rollback()
	if err := <-done; err == nil {
		t.Fatal("an editor demoted while the publish waited published")
	}
	var status string
	f.db.Get(&status, `SELECT status FROM posts WHERE id = $1`, p.ID)
	if status != string(publishing.InReview) {
		t.Fatalf("the post is %s", status)
	}
}
