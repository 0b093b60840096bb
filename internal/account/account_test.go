package account

import (
	"strings"
	"testing"

	"github.com/kimhub/kimhub/internal/apperr"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"081234567890":        "+6281234567890",
		"0812-3456-7890":      "+6281234567890",
		"+62 812 3456 7890":   "+6281234567890",
		"62812 3456 7890":     "+6281234567890",
		"(0812) 3456.7890":    "+6281234567890",
		"812345678":           "+62812345678",
		"0852 5000 1234":      "+6285250001234",
		" +6281234567890123 ": "", // too long
		"0541 123456":         "", // a landline (Samarinda)
		"021-5551234":         "", // a landline (Jakarta)
		"+1 415 555 0100":     "", // not Indonesian
		"0812abc4567":         "", // letters
		"":                    "",
	} {
		got, err := NormalizePhone(in)
		if want == "" {
			if e, ok := apperr.As(err); !ok || e.Field != "phone" {
				t.Errorf("NormalizePhone(%q) = %q, %v; want BAD_USER_INPUT on phone", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	if got, err := NormalizeEmail("  Ketua.KIM@Desa.ID "); err != nil || got != "ketua.kim@desa.id" {
		t.Errorf("got %q %v", got, err)
	}
	for _, bad := range []string{"ketua", "ketua@", "@desa.id", "Ketua <ketua@desa.id>", "ketua@desa", "a b@desa.id", strings.Repeat("a", 250) + "@desa.id"} {
		if _, err := NormalizeEmail(bad); !apperr.Is(err, apperr.BadUserInput) {
			t.Errorf("NormalizeEmail(%q): want BAD_USER_INPUT, got %v", bad, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	for _, good := range []string{"kabut-mahakam-2026", "Tenggarong pagi hari", "correct horse battery"} {
		if err := ValidatePassword(good, "Siti Aminah", "siti@desa.id"); err != nil {
			t.Errorf("%q: %v", good, err)
		}
	}
	for pw, why := range map[string]string{
		"short1!":                      "at least 10",
		"password123":                  "too common",
		"Bismillah2024":                "too common",
		"1234567890":                   "too common",
		"aaaaaaaaaaaa":                 "too common",
		"indonesia!!":                  "too common",
		"siti-aminah-2026":             "must not contain",
		"x" + strings.Repeat("y", 128): "at most",
	} {
		err := ValidatePassword(pw, "Siti Aminah", "siti.aminah@desa.id")
		e, ok := apperr.As(err)
		if !ok || e.Field != "password" || !strings.Contains(e.Message, why) {
			t.Errorf("%q: want %q on password, got %v", pw, why, err)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("kabut-mahakam-2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "kabut") {
		t.Fatalf("hash %q", h)
	}
	if !VerifyPassword(h, "kabut-mahakam-2026") || VerifyPassword(h, "kabut-mahakam-2027") {
		t.Fatal("verification")
	}
	h2, _ := HashPassword("kabut-mahakam-2026")
	if h2 == h {
		t.Fatal("the same password must hash differently (salt)")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1,p=1$$", "$2a$10$abc", "$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$aGFzaA"} {
		if VerifyPassword(bad, "x") {
			t.Errorf("VerifyPassword(%q) accepted", bad)
		}
	}
}
