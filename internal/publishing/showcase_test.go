package publishing_test

import (
	"testing"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/relay"
)

func TestShowcaseWorkflowAndFeed(t *testing.T) {
	f := setup(t)
	kind := publishing.Culinary
	var photo int64
	f.db.QueryRow(`INSERT INTO media_assets (owner_id, object_key, visibility, status, upload_method, content_type, size_bytes, ready_at)
		VALUES ($1, 'public/x/amplang.jpg', 'PUBLIC', 'READY', 'GRAPHQL', 'image/jpeg', 100, now()) RETURNING id`, f.writer.AccountID).Scan(&photo)
	in := publishing.ShowcaseInput{Kind: &kind, Title: ptr("Amplang Ikan Pipih Jahab"), Description: ptr("Kerupuk **amplang** khas Kutai."),
		Latitude: ptr(-0.41), Longitude: ptr(116.99), Contact: ptr("0812 5555 1234"), CoverID: &photo, GalleryIDs: []int64{photo}}
	if _, err := f.svc.CreateShowcase(f.ctx, f.stranger, f.community, in, ""); code(err) != "FORBIDDEN" {
		t.Fatalf("a stranger writes a showcase: %v", err)
	}
	bad := in
	bad.Kind = ptr(publishing.ShowcaseKind("SPACESHIP"))
	if _, err := f.svc.CreateShowcase(f.ctx, f.writer, f.community, bad, ""); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("an unknown kind: %v", err)
	}
	v, err := f.svc.CreateShowcase(f.ctx, f.writer, f.community, in, "s-1")
	if err != nil || v.Status != publishing.Draft || v.Slug != "amplang-ikan-pipih-jahab" || v.CoverID == nil ||
		v.DescriptionHTML != "<p>Kerupuk <strong>amplang</strong> khas Kutai.</p>\n" {
		t.Fatalf("create: %+v %v", v, err)
	}
	again, _ := f.svc.CreateShowcase(f.ctx, f.writer, f.community, in, "s-1")
	if again.ID != v.ID {
		t.Fatal("the same key made a second showcase")
	}
	if g, _ := f.svc.GalleryOf(f.ctx, []int64{v.ID}); len(g[v.ID]) != 1 || g[v.ID][0] != photo {
		t.Fatalf("gallery: %v", g)
	}
	if _, err := f.svc.GetShowcase(f.ctx, access.Anonymous, v.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("the public reads a draft showcase: %v", err)
	}
	f.svc.SubmitShowcase(f.ctx, f.writer, v.ID)
	if _, err := f.svc.PublishShowcase(f.ctx, f.writer, v.ID, nil); code(err) != "FORBIDDEN" {
		t.Fatalf("a MEMBER publishes: %v", err)
	}
	if v, err = f.svc.PublishShowcase(f.ctx, f.editor, v.ID, nil); err != nil || v.Status != publishing.Published {
		t.Fatalf("publish: %+v %v", v, err)
	}
	if _, err := f.svc.GetShowcase(f.ctx, access.Anonymous, v.ID); err != nil {
		t.Fatalf("the public reads it: %v", err)
	}
	page, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Showcases, ""), relay.Args{})
	for kinds, want := range map[publishing.ShowcaseKind]int{publishing.Culinary: 1, publishing.Tourism: 0} {
		feed, err := f.svc.ShowcaseFeed(f.ctx, publishing.ByRegion, []string{"64.02"}, publishing.FeedFilter{Kinds: []publishing.ShowcaseKind{kinds}}, page)
		if err != nil || len(feed["64.02"].Edges) != want {
			t.Errorf("feed of %s: %v %v", kinds, feed["64.02"], err)
		}
	}
	sp, _ := relay.NewPage(publishing.FeedCursorKind(publishing.Showcases, "kerupuk"), relay.Args{})
	found, _ := f.svc.ShowcaseFeed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{Search: "kerupuk"}, sp)
	if len(found[""].Edges) != 1 {
		t.Fatalf("search: %+v", found[""])
	}
	if _, err := f.svc.ShowcaseFeed(f.ctx, publishing.Everywhere, nil, publishing.FeedFilter{Tags: []string{"x"}}, page); code(err) != "BAD_USER_INPUT" {
		t.Fatalf("tags on showcases: %v", err)
	}
	if v, _ = f.svc.TakeDownShowcase(f.ctx, f.adminKukar, v.ID, "produk ilegal"); v.Status != publishing.TakenDown {
		t.Fatalf("take down: %+v", v)
	}
	if _, err := f.svc.GetShowcase(f.ctx, access.Anonymous, v.ID); code(err) != "NOT_FOUND" {
		t.Fatalf("a taken-down showcase is public: %v", err)
	}
	var kinds []string
	f.db.Select(&kinds, `SELECT kind FROM notifications WHERE account_id = $1 ORDER BY id`, f.writer.AccountID)
	if len(kinds) != 2 || kinds[0] != "SHOWCASE_PUBLISHED" || kinds[1] != "SHOWCASE_TAKEN_DOWN" {
		t.Fatalf("notifications: %v", kinds)
	}
	// Views count for showcases too.
	f.db.MustExec(`INSERT INTO showcase_views (showcase_id, viewer, day) VALUES ($1, 'a:9', current_date)`, v.ID)
	if n, err := f.svc.AggregateViews(f.ctx); err != nil || n != 1 {
		t.Fatalf("aggregate: %d %v", n, err)
	}
}
