package access

import (
	"strings"
	"testing"
)

// The actors of the permission matrix, in column order.
var (
	anonymous   = Actor{}
	member      = Actor{AccountID: 10} // MEMBER of the resource's community, and its owner
	humasDist   = Actor{AccountID: 20, Grants: []Grant{{Role: Humas, RegionCode: "64.02.06"}}}
	adminKukar  = Actor{AccountID: 30, Grants: []Grant{{Role: Admin, RegionCode: "64.02"}}}
	adminPaser  = Actor{AccountID: 40, Grants: []Grant{{Role: Admin, RegionCode: "64.01"}}}
	adminKaltim = Actor{AccountID: 50, Grants: []Grant{{Role: Admin, RegionCode: "64"}}}
	superadmin  = Actor{AccountID: 60, Superadmin: true}
	actors      = []Actor{anonymous, member, humasDist, adminKukar, adminPaser, adminKaltim, superadmin}
)

// resourceFor is a resource in village 64.02.06.2001 (in district Tenggarong
// of Kutai Kartanegara), owned by member, in a community where member is a
// MEMBER.
func resourceFor(a Actor) Resource {
	r := Resource{RegionCode: "64.02.06.2001", OwnerID: member.AccountID}
	if a.AccountID == member.AccountID {
		r.CommunityRole = Member
	}
	return r
}

// matrix is the expected decision of each action for each actor:
// Y allowed, . refused, in the order
//
//	anonymous, member, HUMAS at district 64.02.06, ADMIN at regency 64.02,
//	ADMIN at regency 64.01, ADMIN at province 64, superadmin.
var matrix = map[Action]string{
	ViewAccountPrivate:      ".Y....Y",
	DisableAccount:          "......Y",
	GrantAdmin:              "......Y",
	GrantHumas:              "...Y.YY",
	ReadAudit:               "...Y.YY",
	ReadPlatformAudit:       "......Y",
	ReadDashboard:           "..YY.YY",
	ReadActivity:            ".YYY.YY",
	RegisterCommunity:       ".YYYYYY",
	ManageCommunity:         ".......",
	AdmitMember:             ".......",
	ReviewCommunity:         "...Y.YY",
	ViewCommunityDraft:      ".Y.Y.YY",
	WriteContent:            ".Y.....",
	PublishContent:          "...Y.YY",
	ModerateContent:         "...Y.YY",
	ArchiveContent:          ".......",
	ReadUnpublished:         ".Y.Y.YY",
	PublishProgram:          "..YY.YY",
	ReportDissemination:     ".......",
	ReportDisseminationOpen: ".Y.....",
	ReadCoverage:            ".Y.Y.YY",
	SubmitAspiration:        ".Y.....",
	RespondAspiration:       "..YY.YY",
	UploadMedia:             ".YYYYYY",
	ReadPrivateMedia:        ".Y.Y.YY",
	LookUpMedia:             ".Y.Y.YY",
}

func TestPermissionMatrix(t *testing.T) {
	for _, action := range Actions() {
		want, ok := matrix[action]
		if !ok {
			t.Errorf("action %s has no row in the test's matrix", action)
			continue
		}
		var got strings.Builder
		for _, a := range actors {
			if Allowed(a, action, resourceFor(a)) {
				got.WriteByte('Y')
			} else {
				got.WriteByte('.')
			}
		}
		if got.String() != want {
			t.Errorf("%-28s got %s want %s", action, got.String(), want)
		}
	}
	if len(matrix) != len(Actions()) {
		t.Errorf("the matrix has %d rows for %d actions", len(matrix), len(Actions()))
	}
}

// The community roles of DESIGN.md §3, for a member of the community.
func TestCommunityRoles(t *testing.T) {
	res := func(r CommunityRole) Resource { return Resource{RegionCode: "64.02.06.2001", CommunityRole: r} }
	// action → which of CHAIR, EDITOR, MEMBER may
	for action, want := range map[Action]string{
		ManageCommunity:         "Y..",
		AdmitMember:             "YY.",
		WriteContent:            "YYY",
		PublishContent:          "YY.",
		ReportDissemination:     "YY.",
		ReportDisseminationOpen: "YYY",
		ArchiveContent:          "YY.",
		ReadUnpublished:         "YY.",
		SubmitAspiration:        "YYY",
		ViewCommunityDraft:      "YYY",
		ReadPrivateMedia:        "Y..",
		LookUpMedia:             "YY.",
		ReviewCommunity:         "...", // a community never reviews itself
	} {
		var got strings.Builder
		for _, r := range []CommunityRole{Chair, Editor, Member} {
			if Allowed(Actor{AccountID: 99}, action, res(r)) {
				got.WriteByte('Y')
			} else {
				got.WriteByte('.')
			}
		}
		if got.String() != want {
			t.Errorf("%s: got %s want %s", action, got.String(), want)
		}
	}
}

func TestScopes(t *testing.T) {
	if !adminKaltim.Covers("64.02.06.2001", Admin) || adminKukar.Covers("64.01.01", Admin) {
		t.Error("a grant covers its region's subtree and nothing else")
	}
	if adminKukar.Covers("64.021", Admin) {
		t.Error("a code that merely starts with the same text is not below")
	}
	if humasDist.Covers("64.02.06", Admin) {
		t.Error("a HUMAS grant is not an ADMIN one")
	}
	if codes, all := adminKukar.Scopes(Admin); all || len(codes) != 1 || codes[0] != "64.02" {
		t.Errorf("scopes: %v %v", codes, all)
	}
	if _, all := superadmin.Scopes(Admin); !all {
		t.Error("a superadmin's scope is everything")
	}
}

func TestCheckErrors(t *testing.T) {
	if err := Check(anonymous, WriteContent, Resource{}); err == nil || !strings.Contains(err.Error(), "UNAUTHENTICATED") {
		t.Errorf("anonymous: %v", err)
	}
	if err := Check(adminPaser, ReviewCommunity, Resource{RegionCode: "64.02.01"}); err == nil || !strings.Contains(err.Error(), "FORBIDDEN") {
		t.Errorf("neighbouring regency: %v", err)
	}
	if err := Check(adminKaltim, ReviewCommunity, Resource{RegionCode: "64.02.01"}); err != nil {
		t.Errorf("province admin below: %v", err)
	}
}

func TestMaySeeGrant(t *testing.T) {
	g := Grant{AccountID: 20, Role: Humas, RegionCode: "64.02.06"}
	for _, c := range []struct {
		a    Actor
		want bool
	}{{humasDist, true}, {adminKukar, true}, {adminKaltim, true}, {adminPaser, false}, {member, false}, {anonymous, false}, {superadmin, true}} {
		if MaySeeGrant(c.a, g) != c.want {
			t.Errorf("actor %d: want %v", c.a.AccountID, c.want)
		}
	}
	if MaySeeGrant(adminKukar, Grant{AccountID: 1, Role: Admin, RegionCode: "64.02"}) {
		t.Error("an ADMIN grant is the superadmins' to see (and its holder's)")
	}
}
