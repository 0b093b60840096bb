package app_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/demo"
)

// The demo's communities, by status.
var demoSlugs = map[string]string{
	"kim-jahab-maju": "ACTIVE", "kim-bukit-biru": "ACTIVE", "kim-perian-lestari": "SUBMITTED",
	"tingkilan-sungai-payang": "DRAFT", "kim-jembayan": "REJECTED", "kim-selerong": "SUSPENDED",
}

func sortedSlugs(nodes []struct{ Slug, ID string }) string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Slug)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestCommunityVisibilityOnEveryPath(t *testing.T) {
	s := start(t, nil)
	tok := map[string]string{"": ""}
	for _, e := range []string{"warga@demo.kimhub.id", "ketua@demo.kimhub.id", "admin.kukar@demo.kimhub.id", "admin.paser@demo.kimhub.id", "humas.kukar@demo.kimhub.id"} {
		tok[e] = s.logIn(t, e, demo.Password).AccessToken
	}
	all := "kim-bukit-biru kim-jahab-maju kim-jembayan kim-perian-lestari kim-selerong tingkilan-sungai-payang"
	public := "kim-bukit-biru kim-jahab-maju"
	want := map[string]string{
		"": public, "warga@demo.kimhub.id": public, "admin.paser@demo.kimhub.id": public, "humas.kukar@demo.kimhub.id": public,
		"ketua@demo.kimhub.id": all, "admin.kukar@demo.kimhub.id": all,
	}
	// IDs as an admin sees them, to try node(id:) with.
	var ids struct {
		Communities struct{ Nodes []struct{ Slug, ID string } } `json:"communities"`
	}
	s.queryAs(t, tok["admin.kukar@demo.kimhub.id"], `{ communities(first: 100) { nodes { slug id } } }`, nil).decode(t, &ids)
	for who, w := range want {
		var d struct {
			Communities struct{ Nodes []struct{ Slug, ID string } } `json:"communities"`
			Region      struct {
				Communities struct{ Nodes []struct{ Slug, ID string } } `json:"communities"`
			} `json:"region"`
		}
		s.queryAs(t, tok[who], `{ communities(first: 100) { nodes { slug } } region(code: "64.02") { communities(first: 100) { nodes { slug } } } }`, nil).decode(t, &d)
		if got := sortedSlugs(d.Communities.Nodes); got != w {
			t.Errorf("%q, communities: %s", who, got)
		}
		if got := sortedSlugs(d.Region.Communities.Nodes); got != w {
			t.Errorf("%q, Region.communities: %s", who, got)
		}
		for _, n := range ids.Communities.Nodes {
			visible := strings.Contains(" "+w+" ", " "+n.Slug+" ")
			bySlug := s.queryAs(t, tok[who], `query($s: String!) { community(slug: $s) { slug status } }`, map[string]any{"s": n.Slug})
			byID := s.queryAs(t, tok[who], `query($id: ID!) { node(id: $id) { ... on Community { slug } } }`, map[string]any{"id": n.ID})
			for path, r := range map[string]gqlResponse{"community(slug:)": bySlug, "node(id:)": byID} {
				if visible != (len(r.Errors) == 0) || (!visible && r.code(t) != "NOT_FOUND") {
					t.Errorf("%q, %s of %s: visible %v, got %s %+v", who, path, n.Slug, visible, r.Data, r.Errors)
				}
			}
		}
	}
	// The decree: its CHAIR and the ADMINs over the domicile, nobody else.
	for who, see := range map[string]bool{"": false, "warga@demo.kimhub.id": false, "admin.paser@demo.kimhub.id": false,
		"ketua@demo.kimhub.id": true, "admin.kukar@demo.kimhub.id": true} {
		var d struct {
			Community struct {
				Decree *struct{ URL string } `json:"decree"`
			} `json:"community"`
		}
		s.queryAs(t, tok[who], `{ community(slug: "kim-jahab-maju") { decree { url } } }`, nil).decode(t, &d)
		if (d.Community.Decree != nil) != see {
			t.Errorf("%q sees the decree: %v", who, d.Community.Decree != nil)
		}
		if see {
			if code, body := get(t, d.Community.Decree.URL); code != 200 || !strings.HasPrefix(string(body), "%PDF") {
				t.Errorf("%q downloading the decree: %d", who, code)
			}
		}
	}
}

func TestCommunityPageAndMap(t *testing.T) {
	s := start(t, nil)
	var d struct {
		Community struct {
			Name, Domain, Status, RegistrationNumber string
			Fields                                   []struct{ Code, Name string }
			Domicile                                 struct{ Name string }
			Location                                 struct{ Latitude, Longitude float64 }
			MemberCount                              int
			Members                                  struct {
				Nodes []struct {
					Role    string
					Account struct{ Name string }
				}
			}
		} `json:"community"`
		CommunityMap json.RawMessage `json:"communityMap"`
		Tourism      json.RawMessage `json:"tourism"`
		Paser        json.RawMessage `json:"paser"`
	}
	s.query(t, `{
		community(slug: "kim-jahab-maju") { name domain status registrationNumber fields { code name } domicile { name }
			location { latitude longitude } memberCount members(first: 10) { nodes { role account { name } } } }
		communityMap(regionCode: "64.02")
		tourism: communityMap(regionCode: "64.02", field: "TOURISM")
		paser: communityMap(regionCode: "64.01")
	}`, nil).decode(t, &d)
	c := d.Community
	if c.Domain != "kim-jahab-maju.kim.id" || c.Status != "ACTIVE" || !strings.HasPrefix(c.RegistrationNumber, "64.02-") ||
		c.Domicile.Name != "Jahab" || len(c.Fields) != 2 || c.MemberCount != 3 || len(c.Members.Nodes) != 3 || c.Members.Nodes[0].Role != "CHAIR" {
		t.Fatalf("community page: %+v", c)
	}
	var fc struct {
		Type     string
		Features []struct {
			Type, ID string
			Geometry struct {
				Type        string
				Coordinates []float64
			}
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(d.CommunityMap, &fc); err != nil {
		t.Fatal(err)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 2 {
		t.Fatalf("map: %s", d.CommunityMap)
	}
	for _, f := range fc.Features {
		p := f.Properties
		if f.Type != "Feature" || f.Geometry.Type != "Point" || f.Geometry.Coordinates[0] < 116 || f.Geometry.Coordinates[1] > 0 ||
			p["id"] != f.ID || p["name"] == nil || p["category"] != "KIM" || p["registrationNumber"] == nil || len(p["fields"].([]any)) == 0 {
			t.Errorf("feature: %+v", f)
		}
	}
	json.Unmarshal(d.Tourism, &fc)
	if len(fc.Features) != 1 || fc.Features[0].Properties["slug"] != "kim-jahab-maju" {
		t.Errorf("map by field: %s", d.Tourism)
	}
	json.Unmarshal(d.Paser, &fc)
	if len(fc.Features) != 0 {
		t.Errorf("Paser has no KIM: %s", d.Paser)
	}
}

func TestCommunityMutationsAndNotifications(t *testing.T) {
	s := start(t, nil)
	ketua := s.logIn(t, "ketua@demo.kimhub.id", demo.Password).AccessToken
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	kukar := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password).AccessToken
	const register = `mutation { registerCommunity(input: {name: "KIM Loa Ipuh", slug: "kim-loa-ipuh", category: KIM,
		fields: ["MEDIA"], domicileCode: "64.02.06.1002", idempotencyKey: "reg-1"}) { community { id status viewerRole } } }`
	var r1, r2 struct {
		RegisterCommunity struct {
			Community struct{ ID, Status, ViewerRole string }
		} `json:"registerCommunity"`
	}
	s.queryAs(t, warga, register, nil).decode(t, &r1)
	s.queryAs(t, warga, register, nil).decode(t, &r2)
	if r1.RegisterCommunity.Community.ID != r2.RegisterCommunity.Community.ID || r1.RegisterCommunity.Community.Status != "DRAFT" ||
		r1.RegisterCommunity.Community.ViewerRole != "CHAIR" {
		t.Fatalf("register twice with one key: %+v %+v", r1, r2)
	}
	id := r1.RegisterCommunity.Community.ID
	// Submitting without the decree names the field.
	e := s.queryAs(t, warga, `mutation($id: ID!) { submitCommunity(input: {communityId: $id}) { community { status } } }`, map[string]any{"id": id}).only(t)
	if e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "decreeId" {
		t.Fatalf("submit without a decree: %+v", e)
	}
	// An invalid transition through the API names the state.
	e = s.queryAs(t, kukar, `mutation($id: ID!) { approveCommunity(input: {communityId: $id}) { community { status } } }`, map[string]any{"id": id}).only(t)
	if e.Extensions["code"] != "INVALID_TRANSITION" || e.Extensions["state"] != "DRAFT" {
		t.Fatalf("approving a draft: %+v", e)
	}
	// The chair's notifications from the demo: approvals with targets.
	var n struct {
		Notifications struct {
			Nodes []struct {
				ID, Kind, Title string
				TargetID        *string
				Read            bool
			}
		} `json:"notifications"`
	}
	s.queryAs(t, ketua, `{ notifications(first: 50) { nodes { id kind title targetId read } } }`, nil).decode(t, &n)
	kinds := map[string]int{}
	for _, x := range n.Notifications.Nodes {
		kinds[x.Kind]++
		if x.TargetID == nil || x.Read {
			t.Errorf("notification: %+v", x)
		}
	}
	if kinds["COMMUNITY_APPROVED"] != 3 || kinds["COMMUNITY_REJECTED"] != 1 || kinds["COMMUNITY_SUSPENDED"] != 1 || kinds["JOIN_REQUESTED"] != 1 {
		t.Fatalf("the chair's notifications: %v", kinds)
	}
	var m struct {
		MarkNotificationsRead struct{ Marked int } `json:"markNotificationsRead"`
	}
	s.queryAs(t, ketua, `mutation { markNotificationsRead(input: {all: true}) { marked } }`, nil).decode(t, &m)
	if m.MarkNotificationsRead.Marked != len(n.Notifications.Nodes) {
		t.Fatalf("marked %d of %d", m.MarkNotificationsRead.Marked, len(n.Notifications.Nodes))
	}
	s.queryAs(t, ketua, `{ notifications(unreadOnly: true) { nodes { id } } }`, nil).decode(t, &n)
	if len(n.Notifications.Nodes) != 0 {
		t.Fatal("unread notifications remain")
	}
	if c := s.query(t, `{ notifications { nodes { id } } }`, nil).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("anonymous notifications: %s", c)
	}
	// The admin was told of the demo's submissions.
	s.queryAs(t, kukar, `{ notifications(first: 50) { nodes { kind } } }`, nil).decode(t, &n)
	submitted := 0
	for _, x := range n.Notifications.Nodes {
		if x.Kind == "COMMUNITY_SUBMITTED" {
			submitted++
		}
	}
	if submitted != 5 {
		t.Fatalf("the admin was told of %d submissions: %+v", submitted, n.Notifications.Nodes)
	}
	// Pending members: the chair sees warga's request, warga may not list them.
	var p struct {
		Community struct {
			Members struct {
				Nodes []struct {
					Status  string
					Account struct{ Name string }
				}
			}
		} `json:"community"`
	}
	s.queryAs(t, ketua, `{ community(slug: "kim-bukit-biru") { members(pending: true) { nodes { status account { name } } } } }`, nil).decode(t, &p)
	if len(p.Community.Members.Nodes) != 1 || p.Community.Members.Nodes[0].Status != "REQUESTED" {
		t.Fatalf("pending: %+v", p.Community.Members.Nodes)
	}
	if c := s.queryAs(t, warga, `{ community(slug: "kim-bukit-biru") { members(pending: true) { nodes { status } } } }`, nil).code(t); c != "FORBIDDEN" {
		t.Fatalf("a non-member listing pending members: %s", c)
	}
	// Account.memberships: its own, and as others see them.
	var me struct {
		Me struct {
			ID          string
			Memberships []struct {
				Status    string
				Community struct{ Slug string }
			}
		} `json:"me"`
	}
	s.queryAs(t, warga, `{ me { id memberships { status community { slug } } } }`, nil).decode(t, &me)
	if len(me.Me.Memberships) != 3 { // ACTIVE in jahab, REQUESTED in bukit-biru, CHAIR of the new DRAFT
		t.Fatalf("own memberships: %+v", me.Me.Memberships)
	}
	var other struct {
		Node struct {
			Memberships []struct{ Status string }
		} `json:"node"`
	}
	s.query(t, `query($id: ID!) { node(id: $id) { ... on Account { memberships { status } } } }`, map[string]any{"id": me.Me.ID}).decode(t, &other)
	if len(other.Node.Memberships) != 1 || other.Node.Memberships[0].Status != "ACTIVE" {
		t.Fatalf("memberships as the public sees them: %+v", other.Node.Memberships)
	}
}

// TestMembershipsDoNotRevealHiddenCommunities: a pending request to a
// community that is then suspended shows nothing of it.
func TestMembershipsDoNotRevealHiddenCommunities(t *testing.T) {
	s := start(t, nil)
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	kukar := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password).AccessToken
	var c struct {
		Community struct{ ID string } `json:"community"`
	}
	s.query(t, `{ community(slug: "kim-bukit-biru") { id } }`, nil).decode(t, &c)
	s.queryAs(t, kukar, `mutation($id: ID!) { suspendCommunity(input: {communityId: $id, reason: "uji"}) { community { status } } }`,
		map[string]any{"id": c.Community.ID}).decode(t, &struct{}{})
	var me struct {
		Me struct {
			Memberships []struct {
				Status    string
				Community struct{ Slug, Status string }
			}
		} `json:"me"`
	}
	s.queryAs(t, warga, `{ me { memberships { status community { slug status } } } }`, nil).decode(t, &me)
	for _, m := range me.Me.Memberships {
		if m.Community.Slug == "kim-bukit-biru" {
			t.Fatalf("the suspended community shows through a join request: %+v", m)
		}
	}
	if len(me.Me.Memberships) != 1 {
		t.Fatalf("memberships: %+v", me.Me.Memberships)
	}
}
