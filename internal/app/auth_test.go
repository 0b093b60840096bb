package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/testenv"
)

// tokensJSON are the tokens of logIn and refreshSession.
type tokensJSON struct {
	AccessToken          string    `json:"accessToken"`
	AccessTokenExpiresAt time.Time `json:"accessTokenExpiresAt"`
	RefreshToken         string    `json:"refreshToken"`
}

const logInDoc = `mutation($login: String!, $password: String!) {
  logIn(input: {login: $login, password: $password}) {
    account { id name email phone isSuperadmin }
    tokens { accessToken accessTokenExpiresAt refreshToken refreshTokenExpiresAt }
  }
}`

// logIn signs in and returns the tokens, failing the test on any error.
func (s *server) logIn(t *testing.T, login, password string) tokensJSON {
	t.Helper()
	var d struct {
		LogIn struct {
			Tokens tokensJSON `json:"tokens"`
		} `json:"logIn"`
	}
	s.query(t, logInDoc, map[string]any{"login": login, "password": password}).decode(t, &d)
	if d.LogIn.Tokens.AccessToken == "" || d.LogIn.Tokens.RefreshToken == "" {
		t.Fatalf("no tokens for %s", login)
	}
	return d.LogIn.Tokens
}

// idOf returns the global ID of the account with a login.
func (s *server) idOf(t *testing.T, token string) string {
	t.Helper()
	var d struct {
		Me struct {
			ID string `json:"id"`
		} `json:"me"`
	}
	s.queryAs(t, token, `{ me { id } }`, nil).decode(t, &d)
	return d.Me.ID
}

func (r gqlResponse) code(t *testing.T) string {
	t.Helper()
	c, _ := r.only(t).Extensions["code"].(string)
	return c
}

const signUpDoc = `mutation($in: SignUpInput!) { signUp(input: $in) { account { id name email phone status } } }`

func TestSignUpThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	in := map[string]any{"name": "Siti Aminah", "email": "Siti@Desa.id", "phone": "0812-9999-0001", "password": "kabut-mahakam-2026"}
	var d struct {
		SignUp struct {
			Account struct {
				ID, Name             string
				Status, Email, Phone *string
			} `json:"account"`
		} `json:"signUp"`
	}
	s.query(t, signUpDoc, map[string]any{"in": in}).decode(t, &d)
	if d.SignUp.Account.Name != "Siti Aminah" || d.SignUp.Account.Email != nil || d.SignUp.Account.Status != nil {
		// A new account is not signed in: its private fields are not shown.
		t.Fatalf("signUp: %+v", d.SignUp.Account)
	}
	for _, tc := range []struct {
		edit        map[string]any
		code, field string
	}{
		{map[string]any{"email": "siti@desa.id", "phone": nil}, "CONFLICT", "email"},
		{map[string]any{"email": nil, "phone": "+62 812 9999 0001"}, "CONFLICT", "phone"},
		{map[string]any{"email": "siti2@desa.id", "phone": "12345"}, "BAD_USER_INPUT", "phone"},
		{map[string]any{"email": "not-an-email", "phone": nil}, "BAD_USER_INPUT", "email"},
		{map[string]any{"email": "siti3@desa.id", "phone": nil, "password": "password1"}, "BAD_USER_INPUT", "password"},
		{map[string]any{"email": "siti4@desa.id", "phone": nil, "name": ""}, "BAD_USER_INPUT", "name"},
	} {
		bad := map[string]any{}
		for k, v := range in {
			bad[k] = v
		}
		for k, v := range tc.edit {
			bad[k] = v
		}
		e := s.query(t, signUpDoc, map[string]any{"in": bad}).only(t)
		if e.Extensions["code"] != tc.code || e.Extensions["field"] != tc.field {
			t.Errorf("%v: want %s on %s, got %+v", tc.edit, tc.code, tc.field, e)
		}
	}
	// Signed in (by phone, written another way), the account sees its contacts.
	tok := s.logIn(t, "+62 812 9999 0001", "kabut-mahakam-2026")
	var me struct {
		Me struct {
			Email, Phone string
		} `json:"me"`
	}
	s.queryAs(t, tok.AccessToken, `{ me { email phone } }`, nil).decode(t, &me)
	if me.Me.Email != "siti@desa.id" || me.Me.Phone != "+6281299990001" {
		t.Fatalf("me: %+v", me.Me)
	}
}

func TestSessionLifecycle(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_REFRESH_REUSE_GRACE": "0"})
	login := "warga@demo.kimhub.id"
	tok := s.logIn(t, login, demo.Password)
	if until := time.Until(tok.AccessTokenExpiresAt); until < 10*time.Minute || until > 16*time.Minute {
		t.Errorf("the access token lives %v; want the configured 15m", until)
	}
	var me struct {
		Me *struct{ Name string } `json:"me"`
	}
	s.queryAs(t, tok.AccessToken, `{ me { name } }`, nil).decode(t, &me)
	if me.Me == nil || me.Me.Name != "Warga Desa" {
		t.Fatalf("me: %+v", me.Me)
	}
	s.query(t, `{ me { name } }`, nil).decode(t, &me)
	if me.Me != nil {
		t.Fatalf("anonymous me: %+v", me.Me)
	}

	// Refresh rotates: a new refresh token each time; the old one is spent.
	refresh := func(rt string) gqlResponse {
		return s.query(t, `mutation($rt: String!) { refreshSession(input: {refreshToken: $rt}) { account { name } tokens { accessToken refreshToken } } }`,
			map[string]any{"rt": rt})
	}
	var r1 struct {
		RefreshSession struct {
			Tokens tokensJSON `json:"tokens"`
		} `json:"refreshSession"`
	}
	refresh(tok.RefreshToken).decode(t, &r1)
	t1 := r1.RefreshSession.Tokens
	if t1.RefreshToken == tok.RefreshToken || t1.AccessToken == "" {
		t.Fatal("refresh did not rotate the refresh token")
	}
	var r2 struct {
		RefreshSession struct {
			Tokens tokensJSON `json:"tokens"`
		} `json:"refreshSession"`
	}
	refresh(t1.RefreshToken).decode(t, &r2)
	t2 := r2.RefreshSession.Tokens

	// Replaying a spent token ends the whole family: the newest tokens too.
	if c := refresh(tok.RefreshToken).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("replay: %s", c)
	}
	if c := refresh(t2.RefreshToken).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("the family's newest refresh token still works after a replay: %s", c)
	}
	if r := s.queryAs(t, t2.AccessToken, `{ me { name } }`, nil); r.status != http.StatusUnauthorized || r.code(t) != "UNAUTHENTICATED" {
		t.Fatalf("the family's access token still works after a replay: %d", r.status)
	}
	// Another session of the same account was not touched.
	other := s.logIn(t, login, demo.Password)
	third := s.logIn(t, login, demo.Password)

	// logOut ends only the current session.
	var lo struct {
		LogOut struct{ Ok bool } `json:"logOut"`
	}
	s.queryAs(t, other.AccessToken, `mutation { logOut { ok } }`, nil).decode(t, &lo)
	if !lo.LogOut.Ok {
		t.Fatal("logOut")
	}
	if r := s.queryAs(t, other.AccessToken, `{ me { name } }`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the access token works after logOut: %d", r.status)
	}
	if c := refresh(other.RefreshToken).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("the refresh token works after logOut: %s", c)
	}
	s.queryAs(t, third.AccessToken, `{ me { name } }`, nil).decode(t, &me)

	// logOutEverywhere ends the rest.
	fourth := s.logIn(t, login, demo.Password)
	var le struct {
		LogOutEverywhere struct{ EndedSessions int } `json:"logOutEverywhere"`
	}
	s.queryAs(t, third.AccessToken, `mutation { logOutEverywhere { endedSessions } }`, nil).decode(t, &le)
	if le.LogOutEverywhere.EndedSessions != 2 {
		t.Fatalf("ended %d sessions, want 2", le.LogOutEverywhere.EndedSessions)
	}
	for _, tk := range []string{third.AccessToken, fourth.AccessToken} {
		if r := s.queryAs(t, tk, `{ me { name } }`, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("a token works after logOutEverywhere: %d", r.status)
		}
	}
	// Anonymous logOut is refused, garbage tokens are refused.
	if c := s.query(t, `mutation { logOut { ok } }`, nil).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("anonymous logOut: %s", c)
	}
	for _, bad := range []string{"garbage", forgeToken(tok.AccessToken)} {
		if r := s.queryAs(t, bad, `{ me { name } }`, nil); r.status != http.StatusUnauthorized || r.code(t) != "UNAUTHENTICATED" {
			t.Fatalf("token %q: %d", bad, r.status)
		}
	}
}

// TestRefreshRetryWithinGrace: a client that lost the answer to a refresh
// and sends it again at once gets tokens, not a revoked session; later, the
// same replay ends the session.
func TestRefreshRetryWithinGrace(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_REFRESH_REUSE_GRACE": "2s"})
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password)
	const doc = `mutation($rt: String!) { refreshSession(input: {refreshToken: $rt}) { tokens { accessToken refreshToken } } }`
	var first, retry struct {
		RefreshSession struct {
			Tokens tokensJSON `json:"tokens"`
		} `json:"refreshSession"`
	}
	s.query(t, doc, map[string]any{"rt": tok.RefreshToken}).decode(t, &first)
	s.query(t, doc, map[string]any{"rt": tok.RefreshToken}).decode(t, &retry)
	if retry.RefreshSession.Tokens.AccessToken == "" {
		t.Fatal("the retry got no tokens")
	}
	time.Sleep(2100 * time.Millisecond)
	if c := s.query(t, doc, map[string]any{"rt": tok.RefreshToken}).code(t); c != "UNAUTHENTICATED" {
		t.Fatalf("a replay after the grace period: %s", c)
	}
	if r := s.queryAs(t, first.RefreshSession.Tokens.AccessToken, `{ me { name } }`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the session survived a replay after the grace period: %d", r.status)
	}
}

// forgeToken re-signs a token's claims with alg "none".
func forgeToken(tok string) string {
	parts := strings.Split(tok, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func TestSameAnswerForUnknownAccountAndWrongPassword(t *testing.T) {
	s := start(t, nil)
	wrong := s.query(t, logInDoc, map[string]any{"login": "warga@demo.kimhub.id", "password": "not-the-password-1"}).only(t)
	unknown := s.query(t, logInDoc, map[string]any{"login": "nobody@demo.kimhub.id", "password": "not-the-password-1"}).only(t)
	if wrong.Message != unknown.Message || wrong.Extensions["code"] != "UNAUTHENTICATED" || unknown.Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("wrong password: %+v; unknown account: %+v", wrong, unknown)
	}
}

func TestDisabledAccount(t *testing.T) {
	s := start(t, nil)
	super := s.logIn(t, "superadmin@demo.kimhub.id", demo.Password)
	warga := s.logIn(t, "warga@demo.kimhub.id", demo.Password)
	admin := s.logIn(t, "admin.kaltim@demo.kimhub.id", demo.Password)
	id := s.idOf(t, warga.AccessToken)
	const disable = `mutation($id: ID!) { disableAccount(input: {accountId: $id, reason: "spam"}) { account { status } } }`
	if c := s.queryAs(t, admin.AccessToken, disable, map[string]any{"id": id}).code(t); c != "FORBIDDEN" {
		t.Fatalf("a province ADMIN disabled an account: %s", c)
	}
	var d struct {
		DisableAccount struct {
			Account struct{ Status string } `json:"account"`
		} `json:"disableAccount"`
	}
	s.queryAs(t, super.AccessToken, disable, map[string]any{"id": id}).decode(t, &d)
	if d.DisableAccount.Account.Status != "DISABLED" {
		t.Fatalf("status %s", d.DisableAccount.Account.Status)
	}
	if r := s.queryAs(t, warga.AccessToken, `{ me { name } }`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a disabled account's token still works: %d", r.status)
	}
	if c := s.query(t, logInDoc, map[string]any{"login": "warga@demo.kimhub.id", "password": demo.Password}).code(t); c != "FORBIDDEN" {
		t.Fatalf("a disabled account signed in: %s", c)
	}
	s.queryAs(t, super.AccessToken, `mutation($id: ID!) { enableAccount(input: {accountId: $id, reason: "appeal"}) { account { status } } }`,
		map[string]any{"id": id}).decode(t, &struct{}{})
	s.logIn(t, "warga@demo.kimhub.id", demo.Password)
}

func TestLoginRateLimits(t *testing.T) {
	t.Run("per account", func(t *testing.T) {
		s := start(t, map[string]string{"KIMHUB_LOGIN_MAX_FAILURES": "3"})
		for i := 0; i < 3; i++ {
			if c := s.query(t, logInDoc, map[string]any{"login": "warga@demo.kimhub.id", "password": "wrong-password-x"}).code(t); c != "UNAUTHENTICATED" {
				t.Fatalf("attempt %d: %s", i+1, c)
			}
		}
		// Now even the right password waits.
		e := s.query(t, logInDoc, map[string]any{"login": "warga@demo.kimhub.id", "password": demo.Password}).only(t)
		retry, _ := e.Extensions["retryAfter"].(float64)
		if e.Extensions["code"] != "RATE_LIMITED" || retry < 1 || retry > 15*60 {
			t.Fatalf("after 3 failures: %+v", e)
		}
		// Another account is not held up by this one's failures.
		s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password)
	})
	t.Run("parallel guesses do not slip under the limit", func(t *testing.T) {
		s := start(t, map[string]string{"KIMHUB_LOGIN_MAX_FAILURES": "3"})
		codes := make(chan string, 20)
		for i := 0; i < 20; i++ {
			go func() {
				body, _ := json.Marshal(map[string]any{"query": logInDoc, "variables": map[string]any{"login": "warga@demo.kimhub.id", "password": "wrong-password-x"}})
				resp, err := http.Post(s.url+"/graphql", "application/json", strings.NewReader(string(body)))
				if err != nil {
					codes <- err.Error()
					return
				}
				defer resp.Body.Close()
				var r gqlResponse
				_ = json.NewDecoder(resp.Body).Decode(&r)
				if len(r.Errors) == 1 {
					codes <- fmt.Sprint(r.Errors[0].Extensions["code"])
				} else {
					codes <- "?"
				}
			}()
		}
		checked := 0
		for i := 0; i < 20; i++ {
			switch c := <-codes; c {
			case "UNAUTHENTICATED":
				checked++
			case "RATE_LIMITED":
			default:
				t.Errorf("unexpected answer %q", c)
			}
		}
		if checked > 3 {
			t.Fatalf("%d passwords were checked; the limit is 3", checked)
		}
	})
	t.Run("sign-ups per client address", func(t *testing.T) {
		s := start(t, map[string]string{"KIMHUB_SIGNUP_MAX_PER_IP": "2"})
		for i := 0; i < 3; i++ {
			r := s.query(t, signUpDoc, map[string]any{"in": map[string]any{"name": "Warga", "email": fmt.Sprintf("w%d@desa.id", i), "password": "kabut-mahakam-2026"}})
			if want := i == 2; want != (len(r.Errors) > 0 && r.code(t) == "RATE_LIMITED") {
				t.Fatalf("sign-up %d: %+v", i+1, r.Errors)
			}
		}
	})
	t.Run("many sign-ups in one request", func(t *testing.T) {
		s := start(t, nil)
		var doc strings.Builder
		doc.WriteString("mutation {")
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&doc, ` s%d: signUp(input: {name: "Bot", email: "bot%d@desa.id", password: "kabut-mahakam-2026"}) { account { id } }`, i, i)
		}
		doc.WriteString("}")
		if c := s.query(t, doc.String(), nil).code(t); c != "TOO_LARGE" {
			t.Fatalf("10 aliased sign-ups: %s", c)
		}
	})
	t.Run("per client address", func(t *testing.T) {
		s := start(t, map[string]string{"KIMHUB_LOGIN_MAX_PER_IP": "4"})
		for i := 0; i < 4; i++ {
			s.query(t, logInDoc, map[string]any{"login": fmt.Sprintf("nobody%d@desa.id", i), "password": "wrong-password-x"})
		}
		if c := s.query(t, logInDoc, map[string]any{"login": "admin.kukar@demo.kimhub.id", "password": demo.Password}).code(t); c != "RATE_LIMITED" {
			t.Fatalf("fifth attempt from one address: %s", c)
		}
	})
}

func TestGovernmentGrantsThroughTheAPI(t *testing.T) {
	s := start(t, nil)
	tok := map[string]string{}
	for _, a := range demo.Accounts {
		tok[a.Email] = s.logIn(t, a.Email, demo.Password).AccessToken
	}
	super, kukar, paser, kaltim, warga := tok["superadmin@demo.kimhub.id"], tok["admin.kukar@demo.kimhub.id"],
		tok["admin.paser@demo.kimhub.id"], tok["admin.kaltim@demo.kimhub.id"], tok["warga@demo.kimhub.id"]
	wargaID := s.idOf(t, warga)
	const grant = `mutation($id: ID!, $role: GovernmentRole!, $code: String!) {
		grantGovernmentRole(input: {accountId: $id, role: $role, regionCode: $code, reason: "tugas humas kecamatan"}) {
			grant { id role region { code } account { name } grantedBy { name } } } }`
	try := func(token, role, code string) gqlResponse {
		return s.queryAs(t, token, grant, map[string]any{"id": wargaID, "role": role, "code": code})
	}
	for _, tc := range []struct {
		who, token, role, code, want string
	}{
		{"anonymous", "", "HUMAS", "64.02.01", "UNAUTHENTICATED"},
		{"a member", warga, "HUMAS", "64.02.01", "FORBIDDEN"},
		{"the Kukar admin, ADMIN", kukar, "ADMIN", "64.02.01", "FORBIDDEN"},
		{"the Kukar admin, in Paser", kukar, "HUMAS", "64.01.01", "FORBIDDEN"},
		{"the Paser admin, in Kukar", paser, "HUMAS", "64.02.01", "FORBIDDEN"},
		{"the Kukar admin, in Kukar", kukar, "HUMAS", "64.02.01", ""},
		{"again", kukar, "HUMAS", "64.02.01", "CONFLICT"},
		{"the province admin, below", kaltim, "HUMAS", "64.02.02", ""},
		{"the superadmin, ADMIN", super, "ADMIN", "64.03", ""},
		{"an unknown region", super, "ADMIN", "64.99", "BAD_USER_INPUT"},
	} {
		r := try(tc.token, tc.role, tc.code)
		got := ""
		if len(r.Errors) > 0 {
			got = r.code(t)
		}
		if got != tc.want {
			t.Errorf("%s: got %q want %q (%+v)", tc.who, got, tc.want, r.Errors)
		}
	}
	// What each sees of warga's grants.
	grantsSeenBy := func(token string) string {
		var d struct {
			Node struct {
				Grants []struct {
					Role   string
					Region struct{ Code string }
				}
			} `json:"node"`
		}
		s.queryAs(t, token, `query($id: ID!) { node(id: $id) { ... on Account { grants { role region { code } } } } }`,
			map[string]any{"id": wargaID}).decode(t, &d)
		var out []string
		for _, g := range d.Node.Grants {
			out = append(out, g.Role+"@"+g.Region.Code)
		}
		return strings.Join(out, " ")
	}
	for who, want := range map[string]string{
		warga: "HUMAS@64.02.01 HUMAS@64.02.02 ADMIN@64.03", super: "HUMAS@64.02.01 HUMAS@64.02.02 ADMIN@64.03",
		kukar: "HUMAS@64.02.01 HUMAS@64.02.02", paser: "", "": "",
	} {
		if got := grantsSeenBy(who); got != want {
			t.Errorf("grants seen: got %q want %q", got, want)
		}
	}
	// The Paser admin cannot revoke a Kukar grant (nor learn it exists);
	// the Kukar admin can.
	var g struct {
		Me struct {
			Grants []struct{ ID, Role string }
		} `json:"me"`
	}
	s.queryAs(t, warga, `{ me { grants { id role region { code } } } }`, nil).decode(t, &g)
	var kukarGrant string
	for _, x := range g.Me.Grants {
		if x.Role == "HUMAS" {
			kukarGrant = x.ID
			break
		}
	}
	const revoke = `mutation($id: ID!) { revokeGovernmentRole(input: {grantId: $id, reason: "selesai"}) { grant { revokedAt } } }`
	if c := s.queryAs(t, paser, revoke, map[string]any{"id": kukarGrant}).code(t); c != "NOT_FOUND" {
		t.Fatalf("the Paser admin revoking a Kukar grant: %s", c)
	}
	var rv struct {
		RevokeGovernmentRole struct {
			Grant struct{ RevokedAt *time.Time } `json:"grant"`
		} `json:"revokeGovernmentRole"`
	}
	s.queryAs(t, kukar, revoke, map[string]any{"id": kukarGrant}).decode(t, &rv)
	if rv.RevokeGovernmentRole.Grant.RevokedAt == nil {
		t.Fatal("not revoked")
	}
	if c := s.queryAs(t, kukar, revoke, map[string]any{"id": kukarGrant}).code(t); c != "INVALID_TRANSITION" {
		t.Fatalf("revoking twice: %s", c)
	}

	// The audit trail: the Kukar admin reads Kukar's, not Paser's, and not
	// the province grant's; the superadmin reads everything.
	auditOf := func(token string, code any) gqlResponse {
		return s.queryAs(t, token, `query($code: String) { auditEntries(regionCode: $code, first: 50) {
			nodes { action reason targetType actor { name } region { code } details } } }`, map[string]any{"code": code})
	}
	var a struct {
		AuditEntries struct {
			Nodes []struct {
				Action, Reason, Details string
				Actor                   *struct{ Name string }
				Region                  *struct{ Code string }
			}
		} `json:"auditEntries"`
	}
	// The whole Kukar trail, page by page (the demo writes many entries).
	var lines []string
	var after any
	for page := 0; page < 10; page++ {
		var pg struct {
			AuditEntries struct {
				Nodes []struct {
					Action, Reason string
					Actor          *struct{ Name string }
					Region         *struct{ Code string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			} `json:"auditEntries"`
		}
		s.queryAs(t, kukar, `query($after: String) { auditEntries(regionCode: "64.02", first: 100, after: $after) {
			nodes { action reason actor { name } region { code } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}).decode(t, &pg)
		for _, n := range pg.AuditEntries.Nodes {
			lines = append(lines, n.Action+"@"+n.Region.Code+" by "+n.Actor.Name+": "+n.Reason)
		}
		if !pg.AuditEntries.PageInfo.HasNextPage {
			break
		}
		after = *pg.AuditEntries.PageInfo.EndCursor
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"grant.revoke@64.02.01 by Diskominfo Kukar: selesai",
		"grant.create@64.02.02 by Diskominfo Kaltim: tugas humas kecamatan",
		"grant.create@64.02.01 by Diskominfo Kukar: tugas humas kecamatan",
		"grant.create@64.02 by Operator Kimhub: demo data",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the Kukar audit trail lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "64.03") || strings.Contains(got, "@64 ") || strings.Contains(got, "64.01") {
		t.Errorf("the Kukar audit trail shows other regions:\n%s", got)
	}
	if c := auditOf(paser, "64.02").code(t); c != "FORBIDDEN" {
		t.Errorf("the Paser admin reading Kukar's trail: %s", c)
	}
	if c := auditOf(kukar, nil).code(t); c != "FORBIDDEN" {
		t.Errorf("the Kukar admin reading the platform trail: %s", c)
	}
	if c := auditOf("", "64.02").code(t); c != "UNAUTHENTICATED" {
		t.Errorf("anonymous reading the trail: %s", c)
	}
	auditOf(super, "64").decode(t, &a)
	if len(a.AuditEntries.Nodes) < 9 {
		t.Errorf("the superadmin sees %d entries under 64", len(a.AuditEntries.Nodes))
	}
}

func TestNoSecretsInLogsOrErrors(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_LOG_LEVEL": "debug"})
	password := "rahasia-sekali-" + fmt.Sprint(time.Now().UnixNano())
	var bodies []string
	keep := func(r gqlResponse) gqlResponse {
		b, _ := json.Marshal(r.Errors)
		bodies = append(bodies, string(b))
		return r
	}
	keep(s.query(t, signUpDoc, map[string]any{"in": map[string]any{"name": "Rahmat", "email": "rahmat@desa.id", "password": password}}))
	keep(s.query(t, signUpDoc, map[string]any{"in": map[string]any{"name": "Rahmat", "email": "rahmat@desa.id", "password": password}}))
	keep(s.query(t, logInDoc, map[string]any{"login": "rahmat@desa.id", "password": password + "x"}))
	tok := s.logIn(t, "rahmat@desa.id", password)
	keep(s.query(t, `mutation($rt: String!) { refreshSession(input: {refreshToken: $rt}) { tokens { accessToken } } }`, map[string]any{"rt": tok.RefreshToken}))
	keep(s.query(t, `mutation($rt: String!) { refreshSession(input: {refreshToken: $rt}) { tokens { accessToken } } }`, map[string]any{"rt": tok.RefreshToken}))
	keep(s.queryAs(t, tok.AccessToken, `{ me { name } }`, nil))
	var hash string
	if err := testenv.Shared(t).Get(&hash, `SELECT password_hash FROM accounts WHERE email = 'rahmat@desa.id'`); err != nil {
		t.Fatal(err)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "http request") {
		t.Fatal("captured no request logs")
	}
	for what, secret := range map[string]string{
		"password": password, "access token": tok.AccessToken, "refresh token": tok.RefreshToken,
		"password hash": hash, "hash salt": strings.Split(hash, "$")[4], "argon2 marker": "$argon2id$",
	} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log shows the %s", what)
		}
		for _, b := range bodies {
			if strings.Contains(b, secret) {
				t.Errorf("an error shows the %s: %s", what, b)
			}
		}
	}
}

func TestWebSocketAuthenticatesInConnectionInit(t *testing.T) {
	s := start(t, nil)
	tok := s.logIn(t, "admin.kukar@demo.kimhub.id", demo.Password)
	ask := func(payload map[string]any) (map[string]any, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, strings.Replace(s.url, "http", "ws", 1)+"/graphql",
			&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if err := wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": payload}); err != nil {
			return nil, err
		}
		var ack map[string]any
		if err := wsjson.Read(ctx, c, &ack); err != nil {
			return nil, err
		}
		if ack["type"] != "connection_ack" {
			return nil, fmt.Errorf("got %v", ack)
		}
		if err := wsjson.Write(ctx, c, map[string]any{"id": "1", "type": "subscribe",
			"payload": map[string]any{"query": "{ me { name grants { role region { code } } } }"}}); err != nil {
			return nil, err
		}
		var msg map[string]any
		err = wsjson.Read(ctx, c, &msg)
		return msg, err
	}
	msg, err := ask(map[string]any{"Authorization": "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(msg)
	if msg["type"] != "next" || !strings.Contains(string(b), `"name":"Diskominfo Kukar"`) || !strings.Contains(string(b), `"code":"64.02"`) {
		t.Fatalf("with a token: %s", b)
	}
	msg, err = ask(map[string]any{})
	b, _ = json.Marshal(msg)
	if err != nil || !strings.Contains(string(b), `"me":null`) {
		t.Fatalf("without a token: %s %v", b, err)
	}
	if _, err := ask(map[string]any{"Authorization": "Bearer forged"}); err == nil {
		t.Fatal("a bad token was accepted on the WebSocket")
	}

	// A connection already open loses its rights when the account is
	// disabled: each operation is authenticated again.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(s.url, "http", "ws", 1)+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send := func(id, query string) map[string]any {
		if err := wsjson.Write(ctx, c, map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}}); err != nil {
			t.Fatal(err)
		}
		for {
			var msg map[string]any
			if err := wsjson.Read(ctx, c, &msg); err != nil {
				t.Fatal(err)
			}
			if msg["id"] == id && (msg["type"] == "next" || msg["type"] == "error") {
				return msg
			}
		}
	}
	wsjson.Write(ctx, c, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tok.AccessToken}})
	var ack map[string]any
	wsjson.Read(ctx, c, &ack)
	first := send("a", "{ me { name } }")
	b, _ = json.Marshal(first)
	if !strings.Contains(string(b), "Diskominfo Kukar") {
		t.Fatalf("first operation: %s", b)
	}
	super := s.logIn(t, "superadmin@demo.kimhub.id", demo.Password)
	s.queryAs(t, super.AccessToken, `mutation($id: ID!) { disableAccount(input: {accountId: $id, reason: "test"}) { account { id } } }`,
		map[string]any{"id": s.idOfLogin(t, super.AccessToken, "admin.kukar@demo.kimhub.id")}).decode(t, &struct{}{})
	after := send("b", "{ me { name } }")
	b, _ = json.Marshal(after)
	if strings.Contains(string(b), "Diskominfo Kukar") || !strings.Contains(string(b), "UNAUTHENTICATED") {
		t.Fatalf("after the account was disabled: %s", b)
	}
}

// idOfLogin finds an account's ID through the audit trail of its grant
// (only superadmins see every grant).
func (s *server) idOfLogin(t *testing.T, superToken, email string) string {
	t.Helper()
	var id string
	if err := testenv.Shared(t).Get(&id, `SELECT id::text FROM accounts WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return relayID("Account", id)
}

func TestSuperadminCommand(t *testing.T) {
	s := start(t, nil)
	env := testenv.Getenv(t, map[string]string{"KIMHUB_SUPERADMIN_PASSWORD": "operator-kimhub-99"})
	out, err := run(t, env, "superadmin", "create", "ops@kimhub.id", "Tim Operasi")
	if err != nil || !strings.Contains(out, "created superadmin ops@kimhub.id") {
		t.Fatalf("%v\n%s", err, out)
	}
	tok := s.logIn(t, "ops@kimhub.id", "operator-kimhub-99")
	var me struct {
		Me struct{ IsSuperadmin bool } `json:"me"`
	}
	s.queryAs(t, tok.AccessToken, `{ me { isSuperadmin } }`, nil).decode(t, &me)
	if !me.Me.IsSuperadmin {
		t.Fatal("not a superadmin")
	}
	if _, err := run(t, testenv.Getenv(t, nil), "superadmin", "create", "ops2@kimhub.id", "Tim"); err == nil || !strings.Contains(err.Error(), "password") {
		t.Fatalf("without a password: %v", err)
	}
	// No mutation makes a superadmin.
	if r := s.query(t, `mutation { makeSuperadmin }`, nil); r.code(t) != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatal("a mutation makes superadmins")
	}
}

func TestDemoAccountsCoverEveryRole(t *testing.T) {
	s := start(t, nil)
	for _, a := range demo.Accounts {
		tok := s.logIn(t, a.Email, demo.Password)
		var me struct {
			Me struct {
				IsSuperadmin bool
				Grants       []struct {
					Role   string
					Region struct{ Code string }
				}
			} `json:"me"`
		}
		s.queryAs(t, tok.AccessToken, `{ me { isSuperadmin grants { role region { code } } } }`, nil).decode(t, &me)
		if me.Me.IsSuperadmin != a.Superadmin {
			t.Errorf("%s: superadmin %v", a.Email, me.Me.IsSuperadmin)
		}
		if a.Role != "" && (len(me.Me.Grants) != 1 || me.Me.Grants[0].Role != string(a.Role) || me.Me.Grants[0].Region.Code != a.Region) {
			t.Errorf("%s: grants %+v", a.Email, me.Me.Grants)
		}
	}
}
