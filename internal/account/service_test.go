package account_test

import (
	"context"
	"testing"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/testenv"
)

func TestSignUpValidation(t *testing.T) {
	s := &account.Service{DB: testenv.DB(t)}
	ctx := context.Background()
	good := account.SignUpInput{Name: "Siti Aminah", Email: "siti@desa.id", Phone: "0812 3456 7890", Password: "kabut-mahakam-2026"}
	for _, tc := range []struct {
		name  string
		edit  func(*account.SignUpInput)
		field string
	}{
		{"no name", func(in *account.SignUpInput) { in.Name = "   " }, "name"},
		{"long name", func(in *account.SignUpInput) { in.Name = string(make([]byte, 101)) }, "name"},
		{"bad email", func(in *account.SignUpInput) { in.Email = "siti-at-desa" }, "email"},
		{"bad phone", func(in *account.SignUpInput) { in.Phone = "0541 123456" }, "phone"},
		{"neither", func(in *account.SignUpInput) { in.Email, in.Phone = "", "" }, "email"},
		{"short password", func(in *account.SignUpInput) { in.Password = "pendek" }, "password"},
		{"common password", func(in *account.SignUpInput) { in.Password = "indonesia123" }, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good
			tc.edit(&in)
			_, err := s.SignUp(ctx, in)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || e.Field != tc.field {
				t.Fatalf("want BAD_USER_INPUT on %s, got %v", tc.field, err)
			}
		})
	}
	a, err := s.SignUp(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	if *a.Email != "siti@desa.id" || *a.Phone != "+6281234567890" || a.Status != account.Active || a.Superadmin {
		t.Fatalf("got %+v", a)
	}
	// The same email or phone again, in another spelling: CONFLICT naming it.
	for field, in := range map[string]account.SignUpInput{
		"email": {Name: "Siti Lain", Email: "SITI@desa.id", Password: "kabut-mahakam-2026"},
		"phone": {Name: "Siti Lain", Phone: "+62 812-3456-7890", Password: "kabut-mahakam-2026"},
	} {
		_, err := s.SignUp(ctx, in)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Conflict || e.Field != field {
			t.Errorf("duplicate %s: want CONFLICT on %s, got %v", field, field, err)
		}
	}
	// Only email, only phone.
	if _, err := s.SignUp(ctx, account.SignUpInput{Name: "Budi", Phone: "0813 1111 2222", Password: "kabut-mahakam-2026"}); err != nil {
		t.Errorf("phone only: %v", err)
	}
	if _, err := s.SignUp(ctx, account.SignUpInput{Name: "Rina", Email: "rina@desa.id", Password: "kabut-mahakam-2026"}); err != nil {
		t.Errorf("email only: %v", err)
	}
}

func TestDisableAndAudit(t *testing.T) {
	db := testenv.DB(t)
	s := &account.Service{DB: db}
	ctx := context.Background()
	super, created, err := s.EnsureSuperadmin(ctx, "Operator", "op@kimhub.id", "kabut-mahakam-2026")
	if err != nil || !created || !super.Superadmin {
		t.Fatalf("superadmin: %+v %v %v", super, created, err)
	}
	again, created, err := s.EnsureSuperadmin(ctx, "Operator", "op@kimhub.id", "")
	if err != nil || created || again.ID != super.ID {
		t.Fatalf("second EnsureSuperadmin: %+v %v %v", again, created, err)
	}
	a, err := s.SignUp(ctx, account.SignUpInput{Name: "Budi", Email: "budi@desa.id", Password: "kabut-mahakam-2026"})
	if err != nil {
		t.Fatal(err)
	}
	op := access.Actor{AccountID: super.ID, Superadmin: true}
	admin := access.Actor{AccountID: 999, Grants: []access.Grant{{Role: access.Admin, RegionCode: "64"}}}
	if _, err := s.SetStatus(ctx, admin, a.ID, account.Disabled, "spam"); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("an ADMIN may not disable accounts: %v", err)
	}
	if _, err := s.SetStatus(ctx, op, a.ID, account.Disabled, " "); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("a reason is required: %v", err)
	}
	if _, err := s.SetStatus(ctx, op, super.ID, account.Disabled, "oops"); !apperr.Is(err, apperr.BadUserInput) {
		t.Fatalf("disabling oneself: %v", err)
	}
	got, err := s.SetStatus(ctx, op, a.ID, account.Disabled, "spam")
	if err != nil || got.Status != account.Disabled {
		t.Fatalf("disable: %+v %v", got, err)
	}
	var entries []struct {
		Action string `db:"action"`
		Actor  *int64 `db:"actor_id"`
		Reason string `db:"reason"`
	}
	if err := db.Select(&entries, `SELECT action, actor_id, reason FROM audit_entries WHERE target_type = 'Account' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Action != "account.make_superadmin" || entries[0].Actor != nil ||
		entries[2].Action != "account.disable" || *entries[2].Actor != super.ID || entries[2].Reason != "spam" {
		t.Fatalf("audit: %+v", entries)
	}
}

func TestByIDsLeavesPasswordHashesInTheDatabase(t *testing.T) {
	s := &account.Service{DB: testenv.DB(t)}
	ctx := context.Background()
	a, err := s.SignUp(ctx, account.SignUpInput{Name: "Rina Penulis", Email: "rina@desa.id", Password: "kabut-mahakam-2026"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ByIDs(ctx, []int64{a.ID, a.ID + 1000})
	if err != nil {
		t.Fatal(err)
	}
	b := got[a.ID]
	if len(got) != 1 || b == nil || b.Name != "Rina Penulis" || b.Email == nil || *b.Email != "rina@desa.id" || b.Status != account.Active {
		t.Fatalf("ByIDs: %+v", got)
	}
	if b.PasswordHash != "" {
		t.Fatalf("ByIDs read the password hash %q: accounts read to be shown must not carry it", b.PasswordHash)
	}
	// Get, which sign-in and password changes use, still reads it.
	if full, err := s.Get(ctx, a.ID); err != nil || full.PasswordHash == "" {
		t.Fatalf("Get: %+v %v", full, err)
	}
}
