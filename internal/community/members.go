package community

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/relay"
)

// MemberStatus is where an account stands with a community.
type MemberStatus string

// Membership statuses.
const (
	Invited   MemberStatus = "INVITED"   // a CHAIR invited the account; it has not answered
	Requested MemberStatus = "REQUESTED" // the account asked to join; a CHAIR or EDITOR has not answered
	Joined    MemberStatus = "ACTIVE"    // a member
	Left      MemberStatus = "LEFT"      // left, or declined an invitation
	Removed   MemberStatus = "REMOVED"   // removed by a CHAIR, or refused
)

// Membership is an account's place in a community.
type Membership struct {
	ID          int64                `db:"id"`
	CommunityID int64                `db:"community_id"`
	AccountID   int64                `db:"account_id"`
	Role        access.CommunityRole `db:"role"`
	Status      MemberStatus         `db:"status"`
	InvitedBy   *int64               `db:"invited_by"`
	JoinedAt    *time.Time           `db:"joined_at"`
	CreatedAt   time.Time            `db:"created_at"`
	UpdatedAt   time.Time            `db:"updated_at"`

	// Account is the member's account when Members read it along
	// (WholeAccounts), for the request's loaders; nil otherwise.
	Account *account.Account `db:"account" json:"-"`
	// Byline is the member's account's ID and name alone when Members
	// read only those (Bylines); nil otherwise. Not a whole account: it
	// answers this membership's account field only.
	Byline *account.Account `db:"byline" json:"-"`
}

// Along says what of each member's account a members page reads in its own
// statement, for pages that show them.
type Along int

// What a members page reads along.
const (
	NoAccounts    Along = iota
	WholeAccounts       // account.ListColumns, into Membership.Account
	Bylines             // account.BylineColumns, into Membership.Byline
)

const membershipColumns = `id, community_id, account_id, role, status, invited_by, joined_at, created_at, updated_at`

// MemberCursorKind tags the cursors of member lists.
const MemberCursorKind = "member"

func validRole(r access.CommunityRole) bool {
	return r == access.Chair || r == access.Editor || r == access.Member
}

// Members returns one page of each community's members (ACTIVE ones; with
// pending=true, the open invitations and join requests instead, which only
// a CHAIR or EDITOR sees), oldest first, in one statement: the batch behind
// Community.members. along says what of each member's account the same
// statement reads, for pages that show them. The caller has checked that
// the actor sees each community.
func (s *Service) Members(ctx context.Context, ids []int64, pending bool, along Along, p relay.Page) (map[int64]relay.Connection[*Membership], error) {
	statuses := []string{string(Joined)}
	if pending {
		statuses = []string{string(Invited), string(Requested)}
	}
	args := []any{pq.Array(ids), pq.Array(statuses)}
	keyset := ""
	order, op := "ASC", ">"
	if p.Backward {
		order, op = "DESC", "<"
	}
	if p.HasCursor() {
		var id int64
		if err := p.Cursor(&id); err != nil {
			return nil, err
		}
		args = append(args, id)
		keyset = fmt.Sprintf(" AND id %s $%d", op, len(args))
	}
	args = append(args, p.Fetch())
	columns, join := postgres.Qualify(membershipColumns, "m"), ""
	switch along {
	case WholeAccounts:
		columns += ", " + postgres.Nested(account.ListColumns, "a", "account")
		join = " JOIN accounts a ON a.id = m.account_id"
	case Bylines:
		columns += ", " + postgres.Nested(account.BylineColumns, "a", "byline")
		join = " JOIN accounts a ON a.id = m.account_id"
	}
	var rows []*Membership
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+columns+` FROM (
			SELECT *, row_number() OVER (PARTITION BY community_id ORDER BY id `+order+`) AS n
			FROM memberships WHERE community_id = ANY($1) AND status = ANY($2)`+keyset+`
		) m`+join+` WHERE m.n <= $`+fmt.Sprint(len(args))+` ORDER BY m.community_id, m.n`, args...)
	if err != nil {
		return nil, postgres.MapError(err, "members", "")
	}
	by := map[int64][]*Membership{}
	for _, m := range rows {
		by[m.CommunityID] = append(by[m.CommunityID], m)
	}
	out := make(map[int64]relay.Connection[*Membership], len(ids))
	for _, id := range ids {
		out[id] = relay.Build(p, by[id], func(m *Membership) string { return relay.Cursor(MemberCursorKind, m.ID) })
	}
	return out, nil
}

// MembershipsOf returns each account's memberships, for Account.memberships.
// The caller filters what the viewer may see.
func (s *Service) MembershipsOf(ctx context.Context, accountIDs []int64) (map[int64][]Membership, error) {
	var rows []Membership
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+membershipColumns+` FROM memberships
		WHERE account_id = ANY($1) AND status IN ('INVITED', 'REQUESTED', 'ACTIVE') ORDER BY account_id, id`, pq.Array(accountIDs)); err != nil {
		return nil, postgres.MapError(err, "memberships of accounts", "")
	}
	out := map[int64][]Membership{}
	for _, m := range rows {
		out[m.AccountID] = append(out[m.AccountID], m)
	}
	return out, nil
}

// memberChange runs a change to one community's members in a transaction
// that holds the community's row, so that two changes to its members (two
// CHAIRs demoting each other, say) happen one after the other and the
// last-CHAIR rule cannot be raced.
func (s *Service) memberChange(ctx context.Context, actor access.Actor, communityID int64,
	fn func(tx *sqlx.Tx, c *Community, role access.CommunityRole) error) error {
	if !actor.SignedIn() {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	err := postgres.Transact(ctx, s.DB, nil, func(tx *sqlx.Tx) error {
		var c Community
		if err := tx.GetContext(ctx, &c, `SELECT `+Columns+` FROM communities WHERE id = $1 FOR UPDATE`, communityID); err != nil {
			return postgres.MapError(err, "lock community", "no such community")
		}
		role, err := roleIn(ctx, tx, actor.AccountID, communityID)
		if err != nil {
			return err
		}
		// Invitees see the community they are invited to.
		if !MayView(actor, &c, role) {
			m, err := membershipOf(ctx, tx, communityID, actor.AccountID)
			if err != nil {
				return err
			}
			if m == nil || !InviteeMaySee(actor, m) {
				return apperr.NotFoundf("no such community")
			}
		}
		return fn(tx, &c, role)
	})
	return postgres.MapError(err, "change members", "")
}

func membershipOf(ctx context.Context, tx *sqlx.Tx, communityID, accountID int64) (*Membership, error) {
	var m Membership
	err := tx.GetContext(ctx, &m, `SELECT `+membershipColumns+` FROM memberships WHERE community_id = $1 AND account_id = $2 FOR UPDATE`, communityID, accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &m, err
}

// setMember writes a membership's status and role, keeps the community's
// member count in step, and audits the change.
func setMember(ctx context.Context, tx *sqlx.Tx, actor access.Actor, c *Community, m *Membership, status MemberStatus, role access.CommunityRole, action, reason string) error {
	wasActive := m.ID != 0 && m.Status == Joined
	err := tx.GetContext(ctx, m, `INSERT INTO memberships (community_id, account_id, role, status, invited_by, joined_at)
		VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 = 'ACTIVE' THEN now() END)
		ON CONFLICT (community_id, account_id) DO UPDATE SET role = $3, status = $4, updated_at = now(),
			invited_by = COALESCE($5, memberships.invited_by),
			joined_at = CASE WHEN $4 = 'ACTIVE' THEN COALESCE(memberships.joined_at, now()) ELSE memberships.joined_at END
		RETURNING `+membershipColumns, c.ID, m.AccountID, role, status, nullID(actor.AccountID, action == "member.invite"))
	if err != nil {
		return err
	}
	if delta := boolInt(status == Joined) - boolInt(wasActive); delta != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE communities SET member_count = member_count + $2 WHERE id = $1`, c.ID, delta); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, actor.AccountID, action, "Membership", fmt.Sprint(m.ID), deref(c.DomicileCode), reason,
		map[string]any{"communityId": c.ID, "accountId": m.AccountID, "role": role, "status": status})
}

// keepsAChair refuses a change that would leave the community without an
// ACTIVE CHAIR other than accountID (who is leaving, removed or demoted).
func keepsAChair(ctx context.Context, tx *sqlx.Tx, communityID, accountID int64) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM memberships
		WHERE community_id = $1 AND role = 'CHAIR' AND status = 'ACTIVE' AND account_id <> $2`, communityID, accountID); err != nil {
		return err
	}
	if n == 0 {
		return errLastChair
	}
	return nil
}

var errLastChair = apperr.New(apperr.InvalidTransition, "a community always keeps a CHAIR: make another member CHAIR first").With("state", "LAST_CHAIR")

// Invite asks an account to join with a role (a CHAIR's act); an account
// that asked to join is admitted at once.
func (s *Service) Invite(ctx context.Context, actor access.Actor, communityID, accountID int64, role access.CommunityRole) (*Membership, error) {
	if !validRole(role) {
		return nil, apperr.Invalid("role", "the role must be CHAIR, EDITOR or MEMBER")
	}
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, myRole access.CommunityRole) error {
		if err := access.Check(actor, access.ManageCommunity, resource(c, myRole)); err != nil {
			return err
		}
		var exists bool
		if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1 AND status = 'ACTIVE')`, accountID); err != nil {
			return err
		}
		if !exists {
			return apperr.Invalid("accountId", "no such account")
		}
		m, err := membershipOf(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		status := Invited
		switch {
		case m == nil:
			m = &Membership{AccountID: accountID}
		case m.Status == Joined:
			return &apperr.Error{Code: apperr.Conflict, Field: "accountId", Message: "the account is a member already"}
		case m.Status == Invited:
			return &apperr.Error{Code: apperr.Conflict, Field: "accountId", Message: "the account is invited already"}
		case m.Status == Requested:
			status = Joined
		}
		if err := setMember(ctx, tx, actor, c, m, status, role, "member.invite", ""); err != nil {
			return err
		}
		out = m
		if status == Invited {
			return notify.Send(ctx, tx, []int64{accountID}, notify.Message{Kind: "MEMBERSHIP_INVITED",
				Title: fmt.Sprintf("You are invited to join %s as %s", c.Name, role), TargetType: "Membership", TargetID: fmt.Sprint(m.ID)})
		}
		return nil
	})
	return out, err
}

// AnswerInvitation accepts or declines the actor's own invitation.
func (s *Service) AnswerInvitation(ctx context.Context, actor access.Actor, communityID int64, accept bool) (*Membership, error) {
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, _ access.CommunityRole) error {
		m, err := membershipOf(ctx, tx, communityID, actor.AccountID)
		if err != nil {
			return err
		}
		if m == nil || m.Status != Invited {
			return apperr.New(apperr.InvalidTransition, "there is no open invitation for you").With("state", stateOf(m))
		}
		status, action := Joined, "member.accept_invitation"
		if !accept {
			status, action = Left, "member.decline_invitation"
		}
		out = m
		return setMember(ctx, tx, actor, c, m, status, m.Role, action, "")
	})
	return out, err
}

// RequestToJoin asks to join an ACTIVE community as a MEMBER; its CHAIRs
// and EDITORs are notified.
func (s *Service) RequestToJoin(ctx context.Context, actor access.Actor, communityID int64) (*Membership, error) {
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, _ access.CommunityRole) error {
		if c.Status != Active {
			return apperr.New(apperr.InvalidTransition, "the community is %s; only an ACTIVE one takes join requests", c.Status).With("state", string(c.Status))
		}
		m, err := membershipOf(ctx, tx, communityID, actor.AccountID)
		if err != nil {
			return err
		}
		if m != nil && (m.Status == Joined || m.Status == Requested || m.Status == Invited) {
			return &apperr.Error{Code: apperr.Conflict, Field: "communityId", Message: fmt.Sprintf("you are %s already", m.Status)}
		}
		if m == nil {
			m = &Membership{AccountID: actor.AccountID}
		}
		if err := setMember(ctx, tx, actor, c, m, Requested, access.Member, "member.request", ""); err != nil {
			return err
		}
		out = m
		var admitters []int64
		if err := tx.SelectContext(ctx, &admitters, `SELECT account_id FROM memberships
			WHERE community_id = $1 AND role IN ('CHAIR', 'EDITOR') AND status = 'ACTIVE'`, communityID); err != nil {
			return err
		}
		return notify.Send(ctx, tx, admitters, notify.Message{Kind: "JOIN_REQUESTED",
			Title: fmt.Sprintf("Someone asks to join %s", c.Name), TargetType: "Membership", TargetID: fmt.Sprint(m.ID)})
	})
	return out, err
}

// AnswerJoinRequest admits or refuses an account that asked to join (a
// CHAIR's or EDITOR's act).
func (s *Service) AnswerJoinRequest(ctx context.Context, actor access.Actor, communityID, accountID int64, accept bool) (*Membership, error) {
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, myRole access.CommunityRole) error {
		if err := access.Check(actor, access.AdmitMember, resource(c, myRole)); err != nil {
			return err
		}
		m, err := membershipOf(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		if m == nil || m.Status != Requested {
			return apperr.New(apperr.InvalidTransition, "there is no open join request from this account").With("state", stateOf(m))
		}
		status, action := Joined, "member.admit"
		if !accept {
			status, action = Removed, "member.refuse"
		}
		out = m
		return setMember(ctx, tx, actor, c, m, status, access.Member, action, "")
	})
	return out, err
}

// Leave ends the actor's own membership; the last CHAIR cannot leave.
func (s *Service) Leave(ctx context.Context, actor access.Actor, communityID int64) (*Membership, error) {
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, _ access.CommunityRole) error {
		m, err := membershipOf(ctx, tx, communityID, actor.AccountID)
		if err != nil {
			return err
		}
		if m == nil || m.Status != Joined {
			return apperr.New(apperr.InvalidTransition, "you are not a member").With("state", stateOf(m))
		}
		if m.Role == access.Chair {
			if err := keepsAChair(ctx, tx, communityID, actor.AccountID); err != nil {
				return err
			}
		}
		out = m
		return setMember(ctx, tx, actor, c, m, Left, m.Role, "member.leave", "")
	})
	return out, err
}

// Remove ends another member's membership (a CHAIR's act).
func (s *Service) Remove(ctx context.Context, actor access.Actor, communityID, accountID int64, reason string) (*Membership, error) {
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, myRole access.CommunityRole) error {
		if err := access.Check(actor, access.ManageCommunity, resource(c, myRole)); err != nil {
			return err
		}
		m, err := membershipOf(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		if m == nil || (m.Status != Joined && m.Status != Invited) {
			return apperr.New(apperr.InvalidTransition, "the account is not a member").With("state", stateOf(m))
		}
		if m.Role == access.Chair && m.Status == Joined {
			if err := keepsAChair(ctx, tx, communityID, accountID); err != nil {
				return err
			}
		}
		out = m
		return setMember(ctx, tx, actor, c, m, Removed, m.Role, "member.remove", reason)
	})
	return out, err
}

// ChangeRole gives an ACTIVE member another role (a CHAIR's act); the last
// CHAIR cannot be demoted.
func (s *Service) ChangeRole(ctx context.Context, actor access.Actor, communityID, accountID int64, role access.CommunityRole) (*Membership, error) {
	if !validRole(role) {
		return nil, apperr.Invalid("role", "the role must be CHAIR, EDITOR or MEMBER")
	}
	var out *Membership
	err := s.memberChange(ctx, actor, communityID, func(tx *sqlx.Tx, c *Community, myRole access.CommunityRole) error {
		if err := access.Check(actor, access.ManageCommunity, resource(c, myRole)); err != nil {
			return err
		}
		m, err := membershipOf(ctx, tx, communityID, accountID)
		if err != nil {
			return err
		}
		if m == nil || m.Status != Joined {
			return apperr.New(apperr.InvalidTransition, "the account is not a member").With("state", stateOf(m))
		}
		if m.Role == access.Chair && role != access.Chair {
			if err := keepsAChair(ctx, tx, communityID, accountID); err != nil {
				return err
			}
		}
		out = m
		return setMember(ctx, tx, actor, c, m, Joined, role, "member.change_role", "")
	})
	return out, err
}

func stateOf(m *Membership) string {
	if m == nil {
		return "NONE"
	}
	return string(m.Status)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullID(id int64, set bool) any {
	if !set || id == 0 {
		return nil
	}
	return id
}
