package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/program"
)

type demoReport struct {
	community string
	channel   dissemination.Channel
	daysAgo   int
	reach     int
	note      string
	evidence  bool
}

// programmes are the demo's government programmes for Kutai Kartanegara,
// with the reports of the KIM that relayed them.
var programmes = []struct {
	publisher, title, summary, body, category string
	targets                                   []string
	publish                                   bool
	reports                                   []demoReport
}{
	{"humas.kukar@demo.kimhub.id", "Sosialisasi Pencegahan Stunting", "Posyandu keliling dan kelas gizi untuk ibu dan balita.",
		"Dinas Kesehatan menggelar **posyandu keliling** di setiap desa.\n\nBawa buku KIA dan kartu keluarga.", "HEALTH",
		[]string{"64.02.06", "64.02.01"}, true, []demoReport{
			{"kim-jahab-maju", "WHATSAPP", 1, 120, "Dibagikan ke grup WA RT se-Desa Jahab.", true},
			{"kim-bukit-biru", "MEETING", 0, 45, "Disampaikan di pertemuan PKK kelurahan.", false},
		}},
	{"humas.kukar@demo.kimhub.id", "Pendaftaran UMKM Digital 2027", "Pelatihan pemasaran daring bagi pelaku UMKM desa.",
		"Pendaftaran dibuka sampai akhir bulan di kantor desa atau lewat KIM setempat.", "ECONOMY",
		[]string{"64.02"}, true, []demoReport{
			{"kim-bukit-biru", "NOTICE_BOARD", 0, 200, "Ditempel di papan informasi kelurahan.", false},
		}},
	{"humas.tenggarong@demo.kimhub.id", "Persiapan Festival Erau", "Rencana kegiatan Erau untuk warga Tenggarong (draf).",
		"Masih disusun bersama panitia.", "", []string{"64.02.06"}, false, nil},
}

func loadPrograms(ctx context.Context, d Deps, w io.Writer) error {
	actor := func(email string) (access.Actor, error) {
		a, err := d.Accounts.ByLogin(ctx, email, "")
		if err != nil {
			return access.Actor{}, fmt.Errorf("demo account %s: %w", email, err)
		}
		g, err := d.Grants.Active(ctx, []int64{a.ID})
		return access.Actor{AccountID: a.ID, Grants: g[a.ID]}, err
	}
	editor, err := actor("editor@demo.kimhub.id")
	if err != nil {
		return err
	}
	made := 0
	for i, dp := range programmes {
		publisher, err := actor(dp.publisher)
		if err != nil {
			return err
		}
		in := program.Input{Title: &dp.title, Summary: &dp.summary, Body: &dp.body, Targets: dp.targets}
		if dp.category != "" {
			in.Category = &dp.category
		}
		p, err := d.Programs.Create(ctx, publisher, in, fmt.Sprintf("demo-program-%d", i+1))
		if err != nil {
			return fmt.Errorf("demo programme %q: %w", dp.title, err)
		}
		if !dp.publish || p.Status != program.Draft {
			continue // a draft, or loaded before
		}
		if _, err := d.Programs.Publish(ctx, publisher, p.ID); err != nil {
			return fmt.Errorf("demo programme %q: %w", dp.title, err)
		}
		made++
		for j, r := range dp.reports {
			c, err := d.Communities.BySlug(ctx, editor, r.community)
			if err != nil {
				return err
			}
			var evidence []int64
			if r.evidence {
				img := photo(20 + j)
				a, err := d.Media.Upload(ctx, editor, bytes.NewReader(img), int64(len(img)), media.NewAsset{Filename: fmt.Sprintf("diseminasi-%d-%d.png", i+1, j+1)})
				if err != nil {
					return fmt.Errorf("demo evidence: %w", err)
				}
				evidence = append(evidence, a.ID)
			}
			_, err = d.Disseminations.Report(ctx, editor, dissemination.Input{ProgramID: p.ID, CommunityID: c.ID, Channel: r.channel,
				On: time.Now().AddDate(0, 0, -r.daysAgo), Reach: r.reach, Note: r.note, EvidenceIDs: evidence},
				fmt.Sprintf("demo-report-%d-%d", i+1, j+1))
			if err != nil {
				return fmt.Errorf("demo report by %s: %w", r.community, err)
			}
		}
	}
	fmt.Fprintf(w, "demo programmes ready: %d in all, %d of them published by this load (the rest drafts, or published before)\n", len(programmes), made)
	return nil
}
