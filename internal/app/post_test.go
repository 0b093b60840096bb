package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/demo"
)

func TestPostsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	editor := s.logIn(t, "editor@demo.kimhub.id", demo.Password).AccessToken
	kukar := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password).AccessToken
	var c struct {
		Community struct{ ID string } `json:"community"`
	}
	s.query(t, `{ community(slug: "kim-jahab-maju") { id } }`, nil).decode(t, &c)
	cover := uploaded(t, s.upload(t, warga, "sawah.png", pngFile(t, 64, 48), nil))
	const create = `mutation($c: ID!, $cover: ID!) { createPost(input: {communityId: $c, title: "Panen Padi di Jahab",
		body: "Warga **memanen** padi dan menganyam ketupat. <script>alert(1)</script> [x](javascript:alert(1))", tags: ["Pertanian", "desa"],
		coverId: $cover, idempotencyKey: "post-1"}) { post { id slug status bodyHtml excerpt tags cover { id } } } }`
	var r1, r2 struct {
		CreatePost struct {
			Post struct {
				ID, Slug, Status, BodyHTML, Excerpt string
				Tags                                []string
			}
		} `json:"createPost"`
	}
	vars := map[string]any{"c": c.Community.ID, "cover": cover.ID}
	s.queryAs(t, warga, create, vars).decode(t, &r1)
	s.queryAs(t, warga, create, vars).decode(t, &r2)
	p := r1.CreatePost.Post
	if p.ID != r2.CreatePost.Post.ID || p.Status != "DRAFT" || p.Slug != "panen-padi-di-jahab" || strings.Contains(p.BodyHTML, "<script") ||
		strings.Contains(p.BodyHTML, "javascript:") || !strings.Contains(p.BodyHTML, "<strong>memanen</strong>") || strings.Join(p.Tags, ",") != "desa,pertanian" {
		t.Fatalf("created: %+v / %+v", p, r2.CreatePost.Post)
	}
	const byNode = `query($id: ID!) { node(id: $id) { ... on Post { status } } }`
	if c := s.query(t, byNode, map[string]any{"id": p.ID}).code(t); c != "NOT_FOUND" {
		t.Fatalf("the public reads a draft: %s", c)
	}
	move := func(token, doc string) gqlResponse { return s.queryAs(t, token, doc, map[string]any{"id": p.ID}) }
	move(warga, `mutation($id: ID!) { submitPost(input: {postId: $id}) { post { status } } }`).decode(t, &struct{}{})
	if c := move(warga, `mutation($id: ID!) { publishPost(input: {postId: $id}) { post { status } } }`).code(t); c != "FORBIDDEN" {
		t.Fatalf("a MEMBER publishes: %s", c)
	}
	move(editor, `mutation($id: ID!) { publishPost(input: {postId: $id}) { post { status } } }`).decode(t, &struct{}{})
	move(kukar, `mutation($id: ID!) { featurePost(input: {postId: $id, featured: true}) { post { featured } } }`).decode(t, &struct{}{})
	var read struct {
		Post struct {
			Title, Status string
			Featured      bool
			Author        struct{ Name string }
			Community     struct{ Name string }
			Cover         struct{ URL string }
		} `json:"post"`
		Feed struct {
			Nodes []struct{ Title string }
		} `json:"feed"`
		Region struct {
			Posts struct {
				Nodes []struct{ Title string }
			}
		} `json:"region"`
	}
	s.query(t, `{ post(communitySlug: "kim-jahab-maju", slug: "panen-padi-di-jahab") { title status featured author { name } community { name } cover { url(variant: SMALL) } }
		feed: posts(filter: {search: "ketupat", featured: true}) { nodes { title } }
		region(code: "64.02.06") { posts(filter: {tags: ["desa"]}) { nodes { title } } } }`, nil).decode(t, &read)
	if read.Post.Status != "PUBLISHED" || !read.Post.Featured || read.Post.Author.Name != "Warga Desa" || !strings.HasSuffix(read.Post.Cover.URL, "-small.jpg") ||
		len(read.Feed.Nodes) != 1 || len(read.Region.Posts.Nodes) != 1 {
		t.Fatalf("reading: %+v", read)
	}
	// A reader's views count once a day; Go's client counts as a crawler
	// (the read above), a phone's browser does not.
	for i := 0; i < 3; i++ {
		body := strings.NewReader(`{"query":"{ post(communitySlug: \"kim-jahab-maju\", slug: \"panen-padi-di-jahab\") { title } }"}`)
		req, _ := http.NewRequest("POST", s.url+"/graphql", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 13) Chrome/120 Mobile")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	svc := servicesFor(t)
	var n int
	for i := 0; i < 100 && n == 0; i++ { // the view is written in the background
		time.Sleep(20 * time.Millisecond)
		n, _ = svc.Posts.AggregateViews(context.Background())
	}
	var v struct {
		Node struct{ ViewCount int } `json:"node"`
	}
	s.query(t, `query($id: ID!) { node(id: $id) { ... on Post { viewCount } } }`, map[string]any{"id": p.ID}).decode(t, &v)
	if v.Node.ViewCount != 1 {
		t.Fatalf("view count %d", v.Node.ViewCount)
	}
	// Taken down: gone from the public on every path.
	move(kukar, `mutation($id: ID!) { takeDownPost(input: {postId: $id, reason: "hoaks"}) { post { status } } }`).decode(t, &struct{}{})
	if c := s.query(t, `{ post(communitySlug: "kim-jahab-maju", slug: "panen-padi-di-jahab") { title } }`, nil).code(t); c != "NOT_FOUND" {
		t.Fatalf("a taken-down post by slug: %s", c)
	}
	if c := s.query(t, byNode, map[string]any{"id": p.ID}).code(t); c != "NOT_FOUND" {
		t.Fatalf("a taken-down post by id: %s", c)
	}
	var feed struct {
		Posts struct {
			Nodes []struct{ Title string }
		} `json:"posts"`
	}
	s.query(t, `{ posts { nodes { title } } }`, nil).decode(t, &feed)
	for _, x := range feed.Posts.Nodes {
		if x.Title == "Panen Padi di Jahab" {
			t.Fatal("a taken-down post in the feed")
		}
	}
}

func TestShowcasesThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	editor := s.logIn(t, "editor@demo.kimhub.id", demo.Password).AccessToken
	var c struct {
		Community struct{ ID string } `json:"community"`
	}
	s.query(t, `{ community(slug: "kim-jahab-maju") { id } }`, nil).decode(t, &c)
	pic := uploaded(t, s.upload(t, warga, "keripik.png", pngFile(t, 40, 30), nil))
	var cr struct {
		CreateShowcase struct {
			Showcase struct{ ID, Slug, Status string }
		} `json:"createShowcase"`
	}
	s.queryAs(t, warga, `mutation($c: ID!, $p: ID!) { createShowcase(input: {communityId: $c, kind: CULINARY, title: "Keripik Pisang Jahab",
		description: "Renyah dan gurih.", latitude: -0.41, longitude: 116.99, contact: "0812 1111 2222", coverId: $p, galleryIds: [$p]}) {
		showcase { id slug status } } }`, map[string]any{"c": c.Community.ID, "p": pic.ID}).decode(t, &cr)
	id := cr.CreateShowcase.Showcase.ID
	s.queryAs(t, warga, `mutation($id: ID!) { submitShowcase(input: {showcaseId: $id}) { showcase { status } } }`, map[string]any{"id": id}).decode(t, &struct{}{})
	s.queryAs(t, editor, `mutation($id: ID!) { publishShowcase(input: {showcaseId: $id}) { showcase { status } } }`, map[string]any{"id": id}).decode(t, &struct{}{})
	var read struct {
		Showcase struct {
			Kind, Title, Contact, DescriptionHTML string
			Location                              struct{ Latitude float64 }
			Gallery                               []struct{ URL string }
		} `json:"showcase"`
		Showcases struct {
			Nodes []struct{ Title string }
		} `json:"showcases"`
		Community struct {
			Showcases struct {
				Nodes []struct{ Title string }
			}
		} `json:"community"`
	}
	s.query(t, `{ showcase(communitySlug: "kim-jahab-maju", slug: "keripik-pisang-jahab") { kind title contact descriptionHtml location { latitude } gallery { url } }
		showcases(filter: {kinds: [CULINARY], regionCode: "64.02"}) { nodes { title } }
		community(slug: "kim-jahab-maju") { showcases { nodes { title } } } }`, nil).decode(t, &read)
	if read.Showcase.Kind != "CULINARY" || read.Showcase.Location.Latitude != -0.41 || len(read.Showcase.Gallery) != 1 ||
		len(read.Showcases.Nodes) != 2 || len(read.Community.Showcases.Nodes) != 3 {
		t.Fatalf("reading: %+v", read)
	}
	// A cursor of the posts' feed is not one of the showcases'.
	var pf struct {
		Posts struct {
			PageInfo struct{ EndCursor string }
		} `json:"posts"`
	}
	s.query(t, `{ posts(first: 1) { pageInfo { endCursor } } }`, nil).decode(t, &pf)
	if c := s.query(t, `query($a: String) { showcases(after: $a) { nodes { title } } }`, map[string]any{"a": pf.Posts.PageInfo.EndCursor}).code(t); c != "BAD_USER_INPUT" {
		t.Fatalf("a post cursor on showcases: %s", c)
	}
	// The ADMIN over the community looks the taken-down showcase's cover up
	// by ID; the public does not.
	kukar := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password).AccessToken
	var td struct {
		Community struct {
			Showcases struct {
				Nodes []struct{ Cover struct{ ID string } }
			}
		} `json:"community"`
	}
	s.queryAs(t, kukar, `{ community(slug: "kim-jahab-maju") { showcases(status: TAKEN_DOWN) { nodes { cover { id } } } } }`, nil).decode(t, &td)
	if len(td.Community.Showcases.Nodes) != 1 {
		t.Fatalf("taken-down showcases for the admin: %+v", td)
	}
	coverID := td.Community.Showcases.Nodes[0].Cover.ID
	s.queryAs(t, kukar, `query($id: ID!) { node(id: $id) { ... on MediaAsset { id } } }`, map[string]any{"id": coverID}).decode(t, &struct{}{})
	if c := s.query(t, `query($id: ID!) { node(id: $id) { ... on MediaAsset { id } } }`, map[string]any{"id": coverID}).code(t); c != "NOT_FOUND" {
		t.Fatalf("the public looks up the cover: %s", c)
	}
	// The demo's draft and in-review showcases are not public.
	if c := s.query(t, `{ showcase(communitySlug: "kim-bukit-biru", slug: "tenun-ulap-doyo") { title } }`, nil).code(t); c != "NOT_FOUND" {
		t.Fatalf("an in-review showcase: %s", c)
	}
}

func TestProgramsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	humas := s.logIn(t, "humas.tenggarong@demo.kimhub.id", demo.Password).AccessToken
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	const create = `mutation($t: [String!]!) { createProgram(input: {title: "Vaksinasi Anak", summary: "Jadwal vaksinasi balita",
		body: "Datang ke **posyandu**.", category: "HEALTH", targets: $t, startsOn: "2026-12-01", endsOn: "2026-12-31",
		idempotencyKey: "prog-1"}) { program { id status category { name } targets { code } startsOn } } }`
	if c := s.queryAs(t, humas, create, map[string]any{"t": []string{"64.02.01"}}).code(t); c != "FORBIDDEN" {
		t.Fatalf("HUMAS of Tenggarong targeting Muara Muntai: %s", c)
	}
	if c := s.queryAs(t, warga, create, map[string]any{"t": []string{"64.02.06"}}).code(t); c != "FORBIDDEN" {
		t.Fatalf("a member publishes a programme: %s", c)
	}
	var d struct {
		CreateProgram struct {
			Program struct {
				ID, Status, StartsOn string
				Category             struct{ Name string }
				Targets              []struct{ Code string }
			}
		} `json:"createProgram"`
	}
	s.queryAs(t, humas, create, map[string]any{"t": []string{"64.02.06"}}).decode(t, &d)
	p := d.CreateProgram.Program
	if p.Status != "DRAFT" || p.Category.Name != "Kesehatan" || len(p.Targets) != 1 || p.StartsOn != "2026-12-01" {
		t.Fatalf("created: %+v", p)
	}
	s.queryAs(t, humas, `mutation($id: ID!) { publishProgram(input: {programId: $id}) { program { status } } }`, map[string]any{"id": p.ID}).decode(t, &struct{}{})
	// KIM Jahab (Tenggarong) sees it in its feed and its members were told;
	// KIM Perian (Muara Muntai) does not.
	var f struct {
		Jahab struct {
			ProgramFeed struct{ Nodes []struct{ Title string } }
		} `json:"jahab"`
		Perian struct {
			ProgramFeed struct{ Nodes []struct{ Title string } }
		} `json:"perian"`
		Programs struct{ Nodes []struct{ Title string } } `json:"programs"`
	}
	kukar := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password).AccessToken
	s.queryAs(t, kukar, `{ jahab: community(slug: "kim-jahab-maju") { programFeed { nodes { title } } }
		perian: community(slug: "kim-perian-lestari") { programFeed { nodes { title } } }
		programs(regionCode: "64.02") { nodes { title } } }`, nil).decode(t, &f)
	// The newest first, beside the demo's programmes for Kukar.
	titles := func(nodes []struct{ Title string }) string {
		var out []string
		for _, n := range nodes {
			out = append(out, n.Title)
		}
		return strings.Join(out, "|")
	}
	const demoKukar = "Pendaftaran UMKM Digital 2027|Sosialisasi Pencegahan Stunting"
	if got := titles(f.Jahab.ProgramFeed.Nodes); got != "Vaksinasi Anak|"+demoKukar {
		t.Fatalf("Jahab's feed: %s", got)
	}
	if got := titles(f.Perian.ProgramFeed.Nodes); got != demoKukar {
		t.Fatalf("Perian's feed: %s", got)
	}
	if got := titles(f.Programs.Nodes); got != "Vaksinasi Anak|"+demoKukar {
		t.Fatalf("Kukar's programmes: %s", got)
	}
	var n struct {
		Notifications struct{ Nodes []struct{ Kind string } } `json:"notifications"`
	}
	s.queryAs(t, warga, `{ notifications(first: 5) { nodes { kind } } }`, nil).decode(t, &n)
	if len(n.Notifications.Nodes) == 0 || n.Notifications.Nodes[0].Kind != "PROGRAM_PUBLISHED" {
		t.Fatalf("warga's notifications: %+v", n)
	}
}
