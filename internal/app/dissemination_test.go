package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/testenv"
)

func TestDisseminationsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	humas := s.logIn(t, "humas.tenggarong@demo.kimhub.id", demo.Password).AccessToken
	editor := s.logIn(t, "editor@demo.kimhub.id", demo.Password).AccessToken
	ketua := s.logIn(t, "ketua@demo.kimhub.id", demo.Password).AccessToken
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken

	var p struct {
		CreateProgram struct{ Program struct{ ID string } } `json:"createProgram"`
	}
	s.queryAs(t, humas, `mutation { createProgram(input: {title: "Gerakan Cuci Tangan", targets: ["64.02.06.1001"]}) { program { id } } }`, nil).decode(t, &p)
	prog := p.CreateProgram.Program.ID
	s.queryAs(t, humas, `mutation($id: ID!) { publishProgram(input: {programId: $id}) { program { status } } }`, map[string]any{"id": prog}).decode(t, &struct{}{})

	var c struct {
		Jahab     struct{ ID string } `json:"jahab"`
		BukitBiru struct{ ID string } `json:"bukitBiru"`
	}
	s.query(t, `{ jahab: community(slug: "kim-jahab-maju") { id } bukitBiru: community(slug: "kim-bukit-biru") { id } }`, nil).decode(t, &c)

	today := time.Now().UTC().Format(time.DateOnly)
	report := `mutation($p: ID!, $c: ID!, $k: String) { reportDissemination(input: {programId: $p, communityId: $c,
		channel: WHATSAPP, disseminatedOn: "` + today + `", reach: 75, note: "Grup WA RT 03", idempotencyKey: $k}) {
		dissemination { id channel disseminatedOn reach community { slug } program { id } reporter { name } evidence { id } } } }`
	vars := func(community, key string) map[string]any {
		return map[string]any{"p": prog, "c": community, "k": key}
	}
	// Not a community the programme targets; not a role that may report.
	if r := s.queryAs(t, editor, report, vars(c.BukitBiru.ID, "")); r.code(t) != "FORBIDDEN" {
		t.Fatalf("reporting for a community the programme does not target: %+v", r.Errors)
	}
	if r := s.queryAs(t, warga, report, vars(c.Jahab.ID, "")); r.code(t) != "FORBIDDEN" {
		t.Fatalf("a plain member reports: %+v", r.Errors)
	}
	if r := s.query(t, report, vars(c.Jahab.ID, "")); r.code(t) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous reports: %+v", r.Errors)
	}

	type dissemination struct {
		ID, Channel, DisseminatedOn string
		Reach                       int
		Community                   struct{ Slug string }
		Reporter                    struct{ Name string }
	}
	var d1, d2 struct {
		ReportDissemination struct{ Dissemination dissemination } `json:"reportDissemination"`
	}
	s.queryAs(t, editor, report, vars(c.Jahab.ID, "wa-1")).decode(t, &d1)
	got := d1.ReportDissemination.Dissemination
	if got.Channel != "WHATSAPP" || got.DisseminatedOn != today || got.Reach != 75 || got.Community.Slug != "kim-jahab-maju" || got.Reporter.Name == "" {
		t.Fatalf("reported: %+v", got)
	}
	s.queryAs(t, editor, report, vars(c.Jahab.ID, "wa-1")).decode(t, &d2)
	if d2.ReportDissemination.Dissemination.ID != got.ID {
		t.Fatalf("a retry made report %s beside %s", d2.ReportDissemination.Dissemination.ID, got.ID)
	}

	// The CHAIR opens reporting to every member.
	s.queryAs(t, ketua, `mutation($c: ID!) { updateCommunity(input: {communityId: $c, membersMayReport: true}) { community { membersMayReport } } }`,
		map[string]any{"c": c.Jahab.ID}).decode(t, &struct{}{})
	s.queryAs(t, warga, report, vars(c.Jahab.ID, "")).decode(t, &struct{}{})

	// The report is a node.
	var n struct {
		Node struct{ Reach int } `json:"node"`
	}
	s.query(t, `query($id: ID!) { node(id: $id) { ... on Dissemination { reach } } }`, map[string]any{"id": got.ID}).decode(t, &n)
	if n.Node.Reach != 75 {
		t.Fatalf("node: %+v", n)
	}

	// Coverage: the publisher sees it; a member does not.
	const coverage = `query($id: ID!) { node(id: $id) { ... on Program { coverage {
		total { targetVillages villagesWithKim villagesReached percent reach }
		districts { code name villagesReached }
		villages { name reached } } } } }`
	if r := s.queryAs(t, warga, coverage, map[string]any{"id": prog}); r.code(t) != "FORBIDDEN" {
		t.Fatalf("a member reads the coverage: %+v", r.Errors)
	}
	var cv struct {
		Node struct {
			Coverage struct {
				Total struct {
					TargetVillages, VillagesWithKim, VillagesReached, Reach int
					Percent                                                 *float64
				}
				Districts []struct{ Code, Name string }
				Villages  []struct {
					Name    string
					Reached bool
				}
			}
		} `json:"node"`
	}
	s.queryAs(t, humas, coverage, map[string]any{"id": prog}).decode(t, &cv)
	tot := cv.Node.Coverage.Total
	if tot.TargetVillages != 1 || tot.VillagesWithKim != 1 || tot.VillagesReached != 1 || tot.Reach != 150 || tot.Percent == nil || *tot.Percent != 100 {
		t.Fatalf("coverage: %+v", cv.Node.Coverage)
	}
	if len(cv.Node.Coverage.Districts) != 1 || cv.Node.Coverage.Districts[0].Code != "64.02.06" {
		t.Fatalf("districts: %+v", cv.Node.Coverage.Districts)
	}
	// The demo's programme for Muara Muntai and Tenggarong was relayed by two
	// KIM; anyone reads the reports.
	var demoProgs struct {
		Programs struct {
			Nodes []struct {
				Title          string
				Disseminations struct {
					Nodes []struct {
						Channel   string
						Community struct{ Slug string }
					}
				}
			}
		} `json:"programs"`
	}
	s.query(t, `{ programs(regionCode: "64.02.01") { nodes { title disseminations { nodes { channel community { slug } } } } } }`, nil).decode(t, &demoProgs)
	var relayed []string
	for _, p := range demoProgs.Programs.Nodes {
		for _, d := range p.Disseminations.Nodes {
			relayed = append(relayed, p.Title+": "+d.Community.Slug+" by "+d.Channel)
		}
	}
	if got := strings.Join(relayed, "; "); got != "Sosialisasi Pencegahan Stunting: kim-bukit-biru by MEETING; Sosialisasi Pencegahan Stunting: kim-jahab-maju by WHATSAPP" {
		t.Fatalf("the demo's reports: %s", got)
	}

	// A page of programmes cannot ask the coverage of each.
	if r := s.queryAs(t, humas, `{ programs(first: 50) { nodes { coverage { total { reach } } } } }`, nil); r.code(t) != "TOO_LARGE" {
		t.Fatalf("coverage of a page of programmes: %+v", r.Errors)
	}
}

// TestDemoLoadsOnce: loading the demo again adds no programme, report or
// file.
func TestDemoLoadsOnce(t *testing.T) {
	start(t, nil)
	counts := func() string {
		var c struct{ P, D, M, N int }
		if err := testenv.Shared(t).Get(&c, `SELECT (SELECT count(*) FROM programs) AS p, (SELECT count(*) FROM disseminations) AS d,
			(SELECT count(*) FROM media_assets) AS m, (SELECT count(*) FROM notifications) AS n`); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d programmes, %d reports, %d files, %d notifications", c.P, c.D, c.M, c.N)
	}
	before := counts()
	if out, err := run(t, testenv.Getenv(t, nil), "demo"); err != nil {
		t.Fatalf("demo again: %v\n%s", err, out)
	}
	if after := counts(); after != before || !strings.HasPrefix(before, "3 programmes, 3 reports") {
		t.Fatalf("before: %s; after loading again: %s", before, after)
	}
}
