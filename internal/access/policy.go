package access

import (
	"github.com/kimhub/kimhub/internal/apperr"
)

// Action is something an actor may try to do.
type Action string

// The actions of kimhub. Each has one row in the policy table below.
const (
	// Accounts and grants.
	ViewAccountPrivate Action = "account.view_private"    // email, phone and grants of an account
	DisableAccount     Action = "account.disable"         // disable or enable an account
	GrantAdmin         Action = "grant.admin"             // grant or revoke ADMIN at a region
	GrantHumas         Action = "grant.humas"             // grant or revoke HUMAS at a region
	ReadAudit          Action = "audit.read"              // read the audit trail of a region
	ReadPlatformAudit  Action = "audit.read_platform"     // read the entries tied to no region (accounts, superadmins)
	ReadDashboard      Action = "dashboard.read"          // statistics of a region, activity rankings
	ReadActivity       Action = "dashboard.read_activity" // one community's activity index

	// Communities.
	RegisterCommunity  Action = "community.register"         // start a registration
	ManageCommunity    Action = "community.manage"           // edit the profile, submit it, invite and remove members, change roles
	AdmitMember        Action = "community.admit"            // accept or refuse a join request
	ReviewCommunity    Action = "community.review"           // approve, reject, suspend, reinstate
	ViewCommunityDraft Action = "community.view_unpublished" // see a DRAFT/SUBMITTED/REJECTED/SUSPENDED community

	// Published content (posts, showcases).
	WriteContent    Action = "content.write"            // write drafts and submit them for review
	PublishContent  Action = "content.publish"          // publish or reject what is in review
	ModerateContent Action = "content.moderate"         // take down, feature
	ArchiveContent  Action = "content.archive"          // take one's own community's published item out of the feeds
	ReadUnpublished Action = "content.read_unpublished" // read a draft, an item in review, a rejected or taken-down one

	// The two-way channel.
	PublishProgram      Action = "program.publish"      // create and publish programmes for a region
	ReportDissemination Action = "dissemination.report" // report relaying a programme
	// ReportDisseminationOpen is the same where the community lets every
	// member report (Community.membersMayReport).
	ReportDisseminationOpen Action = "dissemination.report_open"
	ReadCoverage            Action = "program.read_coverage" // a programme's dissemination coverage
	SubmitAspiration        Action = "aspiration.submit"     // submit an aspiration for a community
	RespondAspiration       Action = "aspiration.respond"    // move an aspiration along and answer it

	// Media.
	UploadMedia      Action = "media.upload"       // upload a file of one's own
	ReadPrivateMedia Action = "media.read_private" // fetch a PRIVATE asset such as an SK decree
	LookUpMedia      Action = "media.look_up"      // fetch any asset by its ID (node(id:)), not through what publishes it
)

// rule says who may do an action. Government roles count only over the
// resource's region (their grant's region or one above it); community roles
// only in the resource's community; a superadmin passes every rule that a
// government role passes.
type rule struct {
	account   bool            // any signed-in account
	owner     bool            // the account that owns the resource
	community []CommunityRole // these roles in the resource's community
	gov       []Role          // these government roles over the resource's region
	superOnly bool            // superadmins, and nobody else
}

// policy is the whole of kimhub's permission rules: hold it against
// DESIGN.md §3.
var policy = map[Action]rule{
	ViewAccountPrivate: {owner: true, superOnly: true},
	DisableAccount:     {superOnly: true},
	GrantAdmin:         {superOnly: true},
	GrantHumas:         {gov: []Role{Admin}},
	ReadAudit:          {gov: []Role{Admin}},
	ReadPlatformAudit:  {superOnly: true},
	ReadDashboard:      {gov: []Role{Admin, Humas}},
	ReadActivity:       {community: []CommunityRole{Chair, Editor, Member}, gov: []Role{Admin, Humas}},

	RegisterCommunity:  {account: true},
	ManageCommunity:    {community: []CommunityRole{Chair}},
	AdmitMember:        {community: []CommunityRole{Chair, Editor}},
	ReviewCommunity:    {gov: []Role{Admin}},
	ViewCommunityDraft: {community: []CommunityRole{Chair, Editor, Member}, gov: []Role{Admin}},

	WriteContent:    {community: []CommunityRole{Chair, Editor, Member}},
	PublishContent:  {community: []CommunityRole{Chair, Editor}, gov: []Role{Admin}},
	ModerateContent: {gov: []Role{Admin}},
	ArchiveContent:  {community: []CommunityRole{Chair, Editor}},
	ReadUnpublished: {owner: true, community: []CommunityRole{Chair, Editor}, gov: []Role{Admin}},

	PublishProgram:          {gov: []Role{Admin, Humas}},
	ReportDissemination:     {community: []CommunityRole{Chair, Editor}},
	ReportDisseminationOpen: {community: []CommunityRole{Chair, Editor, Member}},
	ReadCoverage:            {owner: true, gov: []Role{Admin}},
	SubmitAspiration:        {community: []CommunityRole{Chair, Editor, Member}},
	RespondAspiration:       {gov: []Role{Admin, Humas}},

	UploadMedia:      {account: true},
	ReadPrivateMedia: {owner: true, community: []CommunityRole{Chair}, gov: []Role{Admin}},
	LookUpMedia:      {owner: true, community: []CommunityRole{Chair, Editor}, gov: []Role{Admin}},
}

// Resource is what an action is done to, as the policy sees it.
type Resource struct {
	// RegionCode is where the resource lies: a community's domicile, a
	// grant's region, a programme's target. Government roles are checked
	// against it.
	RegionCode string
	// OwnerID is the account that owns it (the account itself, an
	// uploader, an author); 0 for none.
	OwnerID int64
	// CommunityRole is the actor's role in the resource's community, looked
	// up by the service; "" when the actor is not an active member.
	CommunityRole CommunityRole
}

// Allowed reports whether actor may do action on res.
func Allowed(actor Actor, action Action, res Resource) bool {
	r, ok := policy[action]
	if !ok || !actor.SignedIn() {
		return false // no action is open to anonymous callers through Check
	}
	switch {
	case actor.Superadmin && (r.superOnly || len(r.gov) > 0):
		return true
	case r.account:
		return true
	case r.owner && res.OwnerID != 0 && res.OwnerID == actor.AccountID:
		return true
	case res.CommunityRole != "" && hasCommunityRole(r.community, res.CommunityRole):
		return true
	case len(r.gov) > 0 && res.RegionCode != "" && actor.Covers(res.RegionCode, r.gov...):
		return true
	}
	return false
}

// Check returns nil when actor may do action on res, UNAUTHENTICATED when
// nobody is signed in, and FORBIDDEN otherwise.
func Check(actor Actor, action Action, res Resource) error {
	if !actor.SignedIn() {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if !Allowed(actor, action, res) {
		return apperr.New(apperr.Forbidden, "you may not do this (%s)", action).With("action", string(action))
	}
	return nil
}

// GrantAction is the action that governs granting or revoking role.
func GrantAction(role Role) Action {
	if role == Admin {
		return GrantAdmin
	}
	return GrantHumas
}

// MaySeeGrant reports whether actor may see g: its holder, and whoever could
// grant or revoke it.
func MaySeeGrant(actor Actor, g Grant) bool {
	return actor.SignedIn() && (g.AccountID == actor.AccountID ||
		Allowed(actor, GrantAction(g.Role), Resource{RegionCode: g.RegionCode}))
}

// Actions lists every action of the policy table, for tests and docs.
func Actions() []Action {
	out := make([]Action, 0, len(policy))
	for a := range policy {
		out = append(out, a)
	}
	return out
}

func hasCommunityRole(roles []CommunityRole, r CommunityRole) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
