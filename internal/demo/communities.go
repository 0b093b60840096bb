package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/media"
)

// demoCommunity is a KIM of the demo and where its registration stands.
type demoCommunity struct {
	name, slug, village, description string
	category                         community.Category
	fields                           []string
	lat, lng                         float64
	status                           community.Status
	reason                           string
}

// communities are KIM in Kutai Kartanegara villages, one in each status.
var communities = []demoCommunity{
	{"KIM Jahab Maju Bersama", "kim-jahab-maju", "64.02.06.1001", "Kabar desa Jahab, wisata Pulau Kumala dan produk UMKM.",
		community.KIM, []string{"TOURISM", "ECONOMY"}, -0.4106, 116.9891, community.Active, ""},
	{"KIM Bukit Biru Digital", "kim-bukit-biru", "64.02.06.1003", "Literasi digital dan informasi layanan publik kelurahan.",
		community.KIM, []string{"TECHNOLOGY", "GOVERNANCE"}, -0.3954, 117.0072, community.Active, ""},
	{"KIM Perian Lestari", "kim-perian-lestari", "64.02.01.2001", "Pertanian dan perikanan danau di Muara Muntai.",
		community.KIM, []string{"AGRICULTURE", "FISHERIES"}, -0.3360, 116.4180, community.Submitted, ""},
	{"Tingkilan Sungai Payang", "tingkilan-sungai-payang", "64.02.02.2002", "Kelompok seni tingkilan, media tradisional Kutai.",
		community.TraditionalMedia, []string{"CULTURE"}, -0.5300, 116.9500, community.Draft, ""},
	{"KIM Jembayan Sejahtera", "kim-jembayan", "64.02.02.2003", "Informasi kesehatan dan posyandu.",
		community.KIM, []string{"HEALTH"}, -0.5600, 116.9800, community.Rejected, "SK kepala desa tidak terbaca; unggah ulang yang jelas."},
	{"KIM Selerong Bangkit", "kim-selerong", "64.02.07.2001", "Kabar desa Selerong.",
		community.KIM, []string{"SOCIAL"}, -0.2500, 116.9700, community.Suspended, "Menyebarkan berita yang belum diverifikasi; menunggu klarifikasi."},
}

// decreePDF is a stand-in for a scanned decree (SK).
func decreePDF(name string) []byte {
	return []byte("%PDF-1.4\n% Surat Keputusan Kepala Desa tentang pembentukan " + name + "\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func loadCommunities(ctx context.Context, d Deps, w io.Writer) error {
	actor := func(email string) (access.Actor, error) {
		a, err := d.Accounts.ByLogin(ctx, email, "")
		if err != nil {
			return access.Actor{}, err
		}
		return access.Actor{AccountID: a.ID, Superadmin: a.Superadmin}, nil
	}
	chair, err := actor("ketua@demo.kimhub.id")
	if err != nil {
		return err
	}
	editor, err := actor("editor@demo.kimhub.id")
	if err != nil {
		return err
	}
	warga, err := actor("warga@demo.kimhub.id")
	if err != nil {
		return err
	}
	operator, err := actor("superadmin@demo.kimhub.id")
	if err != nil {
		return err
	}
	made := 0
	for _, dc := range communities {
		if _, err := d.Communities.BySlug(ctx, operator, dc.slug); err == nil {
			continue // loaded before
		}
		desc, lat, lng, cat := dc.description, dc.lat, dc.lng, dc.category
		c, err := d.Communities.Register(ctx, chair, community.Profile{Name: &dc.name, Slug: &dc.slug, Category: &cat,
			Fields: dc.fields, DomicileCode: &dc.village, Description: &desc, Latitude: &lat, Longitude: &lng}, "")
		if err != nil {
			return fmt.Errorf("demo community %s: %w", dc.slug, err)
		}
		made++
		if dc.status == community.Draft {
			continue
		}
		pdf := decreePDF(dc.name)
		sk, err := d.Media.Upload(ctx, chair, bytes.NewReader(pdf), int64(len(pdf)),
			media.NewAsset{Filename: "sk-" + dc.slug + ".pdf", Visibility: media.Private, RegionCode: dc.village})
		if err != nil {
			return fmt.Errorf("demo decree for %s: %w", dc.slug, err)
		}
		if _, err := d.Communities.Update(ctx, chair, c.ID, community.Profile{DecreeID: &sk.ID}); err != nil {
			return err
		}
		if _, err := d.Communities.Submit(ctx, chair, c.ID); err != nil {
			return err
		}
		switch dc.status {
		case community.Rejected:
			_, err = d.Communities.Reject(ctx, operator, c.ID, dc.reason)
		case community.Active, community.Suspended:
			if _, err = d.Communities.Approve(ctx, operator, c.ID); err == nil && dc.status == community.Suspended {
				_, err = d.Communities.Suspend(ctx, operator, c.ID, dc.reason)
			}
		}
		if err != nil {
			return fmt.Errorf("demo community %s: %w", dc.slug, err)
		}
		if dc.status != community.Active {
			continue
		}
		// Members in every role, and one of each pending kind.
		if _, err := d.Communities.Invite(ctx, chair, c.ID, editor.AccountID, access.Editor); err != nil {
			return err
		}
		if _, err := d.Communities.AnswerInvitation(ctx, editor, c.ID, true); err != nil {
			return err
		}
		if dc.slug == "kim-jahab-maju" {
			if _, err := d.Communities.Invite(ctx, chair, c.ID, warga.AccountID, access.Member); err != nil {
				return err
			}
			if _, err := d.Communities.AnswerInvitation(ctx, warga, c.ID, true); err != nil {
				return err
			}
		} else if _, err := d.Communities.RequestToJoin(ctx, warga, c.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "demo communities ready: %d new of %d\n", made, len(communities))
	return nil
}
