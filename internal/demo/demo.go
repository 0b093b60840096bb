// Package demo loads the demo data that `make run` serves: the region tree
// of Kalimantan Timur (64), with every regency, city, district and village
// of the province, Kutai Kartanegara (64.02) among them; and an account for
// each role. Later capabilities add their own demo records here. Loading is
// idempotent: what exists is left as it is.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/region"
)

// regionsCSV holds the official codes and names of province 64, taken from
// the Ministry of Home Affairs' list (public facts).
//
//go:embed data/regions-64.csv
var regionsCSV []byte

// Password is every demo account's password (listed in the README).
const Password = "kimhub-demo-2026"

// Account is a demo account and the government role it holds, if any.
type Account struct {
	Name, Email, Phone string
	Role               access.Role // "" for none
	Region             string
	Superadmin         bool
}

// Accounts are the demo accounts, one for each kind of actor.
var Accounts = []Account{
	{Name: "Operator Kimhub", Email: "superadmin@demo.kimhub.id", Superadmin: true},
	{Name: "Diskominfo Kaltim", Email: "admin.kaltim@demo.kimhub.id", Role: access.Admin, Region: "64"},
	{Name: "Diskominfo Kukar", Email: "admin.kukar@demo.kimhub.id", Role: access.Admin, Region: "64.02"},
	{Name: "Diskominfo Paser", Email: "admin.paser@demo.kimhub.id", Role: access.Admin, Region: "64.01"},
	{Name: "Humas Kukar", Email: "humas.kukar@demo.kimhub.id", Role: access.Humas, Region: "64.02"},
	{Name: "Humas Tenggarong", Email: "humas.tenggarong@demo.kimhub.id", Role: access.Humas, Region: "64.02.06"},
	{Name: "Warga Desa", Email: "warga@demo.kimhub.id", Phone: "0812 3456 7890"},
	{Name: "Siti Ketua KIM", Email: "ketua@demo.kimhub.id"},
	{Name: "Budi Editor KIM", Email: "editor@demo.kimhub.id"},
}

// Deps are the services the demo data is written through. Without Media
// and Communities, only regions and accounts are loaded.
type Deps struct {
	Regions     *region.Store
	Accounts    *account.Service
	Grants      *grant.Service
	Media       *media.Service
	Communities *community.Service
	Posts       *publishing.Service
	// Programs and Disseminations add the government programmes.
	Programs       *program.Service
	Disseminations *dissemination.Service
	Aspirations    *aspiration.Service
}

// Load writes the demo data, reporting progress to w.
func Load(ctx context.Context, d Deps, w io.Writer) error {
	if w == nil {
		w = io.Discard
	}
	if _, err := d.Regions.Import(ctx, bytes.NewReader(regionsCSV), w); err != nil {
		return err
	}
	if err := loadAccounts(ctx, d, w); err != nil {
		return err
	}
	if d.Communities == nil || d.Media == nil {
		return nil
	}
	if err := loadCommunities(ctx, d, w); err != nil {
		return err
	}
	if d.Posts == nil {
		return nil
	}
	if err := loadPosts(ctx, d, w); err != nil {
		return err
	}
	if d.Programs == nil || d.Disseminations == nil {
		return nil
	}
	if err := loadPrograms(ctx, d, w); err != nil {
		return err
	}
	if d.Aspirations == nil {
		return nil
	}
	return loadAspirations(ctx, d, w)
}

func loadAccounts(ctx context.Context, d Deps, w io.Writer) error {
	super, _, err := d.Accounts.EnsureSuperadmin(ctx, Accounts[0].Name, Accounts[0].Email, Password)
	if err != nil {
		return fmt.Errorf("demo superadmin: %w", err)
	}
	operator := access.Actor{AccountID: super.ID, Superadmin: true}
	for _, a := range Accounts[1:] {
		acc, err := d.Accounts.ByLogin(ctx, a.Email, "")
		if apperr.Is(err, apperr.NotFound) {
			acc, err = d.Accounts.SignUp(ctx, account.SignUpInput{Name: a.Name, Email: a.Email, Phone: a.Phone, Password: Password})
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		if a.Role != "" {
			_, err := d.Grants.Grant(ctx, operator, acc.ID, a.Role, a.Region, "demo data")
			if err != nil && !apperr.Is(err, apperr.Conflict) {
				return fmt.Errorf("demo grant for %s: %w", a.Email, err)
			}
		}
	}
	fmt.Fprintf(w, "demo accounts ready: %d (password %q)\n", len(Accounts), Password)
	return nil
}
