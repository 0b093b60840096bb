package app_test

import (
	"testing"

	"github.com/kimhub/kimhub/internal/demo"
)

func TestAspirationsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	humas := s.logIn(t, "humas.kukar@demo.kimhub.id", demo.Password).AccessToken
	district := s.logIn(t, "humas.tenggarong@demo.kimhub.id", demo.Password).AccessToken
	paser := s.logIn(t, "admin.paser@demo.kimhub.id", demo.Password).AccessToken

	var c struct {
		Community struct{ ID string } `json:"community"`
	}
	s.query(t, `{ community(slug: "kim-jahab-maju") { id } }`, nil).decode(t, &c)
	const submit = `mutation($c: ID!) { submitAspiration(input: {communityId: $c, title: "Sinyal hilang di RT 05",
		body: "Tidak ada sinyal seluler sejak menara rusak.", visibility: PRIVATE, idempotencyKey: "sinyal-1"}) {
		aspiration { id trackingCode status visibility dueAt overdue regency { code } author { name } } } }`
	type asp struct {
		ID, TrackingCode, Status, Visibility string
		DueAt                                *string
		Overdue                              bool
		Regency                              struct{ Code string }
	}
	var a1, a2 struct {
		SubmitAspiration struct{ Aspiration asp } `json:"submitAspiration"`
	}
	if r := s.queryAs(t, humas, submit, map[string]any{"c": c.Community.ID}); r.code(t) != "FORBIDDEN" {
		t.Fatalf("the government submits for a community: %+v", r.Errors)
	}
	s.queryAs(t, warga, submit, map[string]any{"c": c.Community.ID}).decode(t, &a1)
	s.queryAs(t, warga, submit, map[string]any{"c": c.Community.ID}).decode(t, &a2)
	a := a1.SubmitAspiration.Aspiration
	if a.Status != "SUBMITTED" || a.DueAt == nil || a.Overdue || a.Regency.Code != "64.02" || a2.SubmitAspiration.Aspiration.ID != a.ID {
		t.Fatalf("submitted: %+v; again: %+v", a, a2.SubmitAspiration.Aspiration)
	}

	// Private: invisible to the public, a district's HUMAS and the
	// neighbour's ADMIN, on every path.
	const track = `query($code: String!) { aspiration(trackingCode: $code) { title } }`
	const byNode = `query($id: ID!) { node(id: $id) { ... on Aspiration { title } } }`
	for name, token := range map[string]string{"anyone": "", "a district's HUMAS": district, "the neighbour's ADMIN": paser} {
		if r := s.queryAs(t, token, track, map[string]any{"code": a.TrackingCode}); r.code(t) != "NOT_FOUND" {
			t.Errorf("%s tracks it: %+v", name, r.Errors)
		}
		if r := s.queryAs(t, token, byNode, map[string]any{"id": a.ID}); r.code(t) != "NOT_FOUND" {
			t.Errorf("%s reads its node: %+v", name, r.Errors)
		}
		var l struct {
			Aspirations struct{ Nodes []struct{ Visibility string } } `json:"aspirations"`
		}
		s.queryAs(t, token, `{ aspirations(regionCode: "64.02", first: 50) { nodes { visibility } } }`, nil).decode(t, &l)
		if len(l.Aspirations.Nodes) != 4 {
			t.Errorf("%s lists %d aspirations, want the demo's 4 public ones", name, len(l.Aspirations.Nodes))
		}
		for _, n := range l.Aspirations.Nodes {
			if n.Visibility != "PUBLIC" {
				t.Errorf("%s lists a %s one", name, n.Visibility)
			}
		}
		if r := s.queryAs(t, token, `mutation($id: ID!) { moveAspiration(input: {aspirationId: $id, status: ACKNOWLEDGED}) { aspiration { id } } }`,
			map[string]any{"id": a.ID}); r.code(t) != "NOT_FOUND" {
			t.Errorf("%s moves it: %+v", name, r.Errors)
		}
	}
	var tr struct {
		Aspiration struct{ Title string } `json:"aspiration"`
	}
	s.queryAs(t, humas, track, map[string]any{"code": a.TrackingCode}).decode(t, &tr)
	if tr.Aspiration.Title == "" {
		t.Fatal("the regency's HUMAS cannot track it")
	}

	// The government moves it and answers; the author hears of both.
	if r := s.queryAs(t, humas, `mutation($id: ID!) { moveAspiration(input: {aspirationId: $id, status: DECLINED}) { aspiration { id } } }`,
		map[string]any{"id": a.ID}); r.code(t) != "BAD_USER_INPUT" || r.only(t).Extensions["field"] != "reason" {
		t.Fatalf("declined without a reason: %+v", r.Errors)
	}
	var m struct {
		MoveAspiration struct{ Aspiration asp } `json:"moveAspiration"`
	}
	s.queryAs(t, humas, `mutation($id: ID!) { moveAspiration(input: {aspirationId: $id, status: ACKNOWLEDGED}) {
		aspiration { id status dueAt } } }`, map[string]any{"id": a.ID}).decode(t, &m)
	if m.MoveAspiration.Aspiration.Status != "ACKNOWLEDGED" || m.MoveAspiration.Aspiration.DueAt == nil || *m.MoveAspiration.Aspiration.DueAt == *a.DueAt {
		t.Fatalf("acknowledged: %+v", m.MoveAspiration.Aspiration)
	}
	var rr struct {
		RespondToAspiration struct {
			Response   struct{ Side string }
			Aspiration struct {
				Responses []struct {
					Body   string
					Author struct{ Name string }
				}
			}
		} `json:"respondToAspiration"`
	}
	s.queryAs(t, humas, `mutation($id: ID!) { respondToAspiration(input: {aspirationId: $id, body: "Teknisi dijadwalkan Kamis."}) {
		response { side } aspiration { responses { body author { name } } } } }`, map[string]any{"id": a.ID}).decode(t, &rr)
	if rr.RespondToAspiration.Response.Side != "GOVERNMENT" || len(rr.RespondToAspiration.Aspiration.Responses) != 1 ||
		rr.RespondToAspiration.Aspiration.Responses[0].Author.Name != "Humas Kukar" {
		t.Fatalf("responded: %+v", rr)
	}
	var n struct {
		Notifications struct{ Nodes []struct{ Kind string } } `json:"notifications"`
	}
	s.queryAs(t, warga, `{ notifications(first: 2) { nodes { kind } } }`, nil).decode(t, &n)
	if len(n.Notifications.Nodes) != 2 || n.Notifications.Nodes[0].Kind != "ASPIRATION_RESPONSE" || n.Notifications.Nodes[1].Kind != "ASPIRATION_STATUS" {
		t.Fatalf("warga's notifications: %+v", n)
	}

	// The demo's aspirations stand in every state.
	var d struct {
		Aspirations struct{ Nodes []struct{ Status string } } `json:"aspirations"`
	}
	s.queryAs(t, humas, `{ aspirations(communityId: "`+c.Community.ID+`", first: 50) { nodes { status } } }`, nil).decode(t, &d)
	states := map[string]int{}
	for _, x := range d.Aspirations.Nodes {
		states[x.Status]++
	}
	for _, st := range []string{"SUBMITTED", "ACKNOWLEDGED", "IN_PROGRESS", "RESOLVED", "DECLINED"} {
		if states[st] == 0 {
			t.Errorf("no demo aspiration is %s: %v", st, states)
		}
	}
}
