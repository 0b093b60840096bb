// Package account holds kimhub's accounts: sign-up with email and/or an
// Indonesian phone number, argon2id passwords, and the ACTIVE/DISABLED
// status a superadmin sets.
package account

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Status is whether an account may sign in.
type Status string

// Account statuses.
const (
	Active   Status = "ACTIVE"
	Disabled Status = "DISABLED"
)

// Account is a person's identity on kimhub.
type Account struct {
	ID           int64     `db:"id"`
	Name         string    `db:"name"`
	Email        *string   `db:"email"`
	Phone        *string   `db:"phone"`
	PasswordHash string    `db:"password_hash"`
	Status       Status    `db:"status"`
	Superadmin   bool      `db:"superadmin"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Limits on names and addresses.
const (
	MaxNameLength  = 100
	MaxEmailLength = 254
)

// NormalizeName trims a display name and checks its length.
func NormalizeName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "", apperr.Invalid("name", "give a display name")
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		return "", apperr.Invalid("name", "the name may have at most %d characters", MaxNameLength)
	}
	return name, nil
}

// NormalizeEmail lower-cases an email address and checks that it is a bare
// address (no display name).
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > MaxEmailLength {
		return "", apperr.Invalid("email", "the email address is too long")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") {
		return "", apperr.Invalid("email", "%q is not an email address such as nama@contoh.id", email)
	}
	return email, nil
}

// NormalizePhone turns an Indonesian mobile number, as people write it
// (0812-3456-7890, +62 812 3456 7890, 62812…, 812…), into E.164: +62812….
// Mobile numbers start with 8 after the country code and have 9 to 12
// digits after it.
func NormalizePhone(phone string) (string, error) {
	var digits strings.Builder
	for i, r := range strings.TrimSpace(phone) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return "", apperr.Invalid("phone", "%q is not a phone number", phone)
		}
	}
	d := digits.String()
	switch {
	case strings.HasPrefix(d, "62"):
		d = d[2:]
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	if !strings.HasPrefix(d, "8") || len(d) < 9 || len(d) > 12 {
		return "", apperr.Invalid("phone", "%q is not an Indonesian mobile number such as 0812 3456 7890", phone)
	}
	return "+62" + d, nil
}

// NormalizeLogin turns what someone types to sign in (an email or a phone
// number) into the form stored.
func NormalizeLogin(login string) (email, phone string, err error) {
	login = strings.TrimSpace(login)
	if strings.Contains(login, "@") {
		email, err = NormalizeEmail(login)
		return email, "", err
	}
	phone, err = NormalizePhone(login)
	if err != nil {
		return "", "", apperr.Invalid("login", "sign in with your email address or mobile number")
	}
	return "", phone, nil
}
