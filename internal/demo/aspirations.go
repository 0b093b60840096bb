package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/aspiration"
)

// aspirations are the demo's, sent by warga for KIM Jahab and moved by
// humas.kukar to every state.
var aspirations = []struct {
	title, body string
	visibility  aspiration.Visibility
	steps       []aspiration.Status
	reason      string
	thread      bool
}{
	{"Jalan ke dermaga berlubang", "Jalan menuju dermaga Jahab berlubang dan tergenang saat hujan.", aspiration.Public, nil, "", false},
	{"Lampu jalan RT 03 mati", "Tiga lampu jalan di RT 03 mati sejak bulan lalu.", aspiration.Public,
		[]aspiration.Status{aspiration.Acknowledged}, "", false},
	{"Jadwal posyandu bentrok dengan panen", "Mohon jadwal posyandu keliling digeser ke sore hari.", aspiration.Public,
		[]aspiration.Status{aspiration.Acknowledged, aspiration.InProgress}, "", true},
	{"Air PDAM keruh", "Air PDAM di Jahab keruh sejak seminggu.", aspiration.Public,
		[]aspiration.Status{aspiration.Acknowledged, aspiration.InProgress, aspiration.Resolved}, "Pipa sudah dibersihkan PDAM.", false},
	{"Permohonan bantuan perahu", "Kelompok nelayan memohon bantuan satu perahu.", aspiration.Private,
		[]aspiration.Status{aspiration.Declined}, "Bantuan perahu diajukan lewat Dinas Perikanan, bukan Diskominfo.", false},
}

func loadAspirations(ctx context.Context, d Deps, w io.Writer) error {
	actor := func(email string) (access.Actor, error) {
		a, err := d.Accounts.ByLogin(ctx, email, "")
		if err != nil {
			return access.Actor{}, fmt.Errorf("demo account %s: %w", email, err)
		}
		g, err := d.Grants.Active(ctx, []int64{a.ID})
		return access.Actor{AccountID: a.ID, Grants: g[a.ID]}, err
	}
	warga, err := actor("warga@demo.kimhub.id")
	if err != nil {
		return err
	}
	humas, err := actor("humas.kukar@demo.kimhub.id")
	if err != nil {
		return err
	}
	jahab, err := d.Communities.BySlug(ctx, warga, "kim-jahab-maju")
	if err != nil {
		return err
	}
	made := 0
	for i, da := range aspirations {
		a, err := d.Aspirations.Submit(ctx, warga, aspiration.SubmitInput{CommunityID: jahab.ID, Title: da.title, Body: da.body,
			Visibility: da.visibility}, fmt.Sprintf("demo-aspiration-%d", i+1))
		if err != nil {
			return fmt.Errorf("demo aspiration %q: %w", da.title, err)
		}
		if a.Status != aspiration.Submitted || len(da.steps) == 0 {
			continue // loaded before, or meant to wait
		}
		made++
		for _, to := range da.steps {
			reason := ""
			if to == aspiration.Resolved || to == aspiration.Declined {
				reason = da.reason
			}
			if _, err := d.Aspirations.Move(ctx, humas, a.ID, to, reason); err != nil {
				return fmt.Errorf("demo aspiration %q to %s: %w", da.title, to, err)
			}
		}
		if da.thread {
			if _, err := d.Aspirations.Respond(ctx, humas, a.ID, "Kami koordinasikan dengan puskesmas.", nil); err != nil {
				return err
			}
			if _, err := d.Aspirations.Respond(ctx, warga, a.ID, "Terima kasih, kami tunggu kabarnya.", nil); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "demo aspirations ready: %d moved of %d\n", made, len(aspirations))
	return nil
}
