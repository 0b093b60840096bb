package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"time"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/publishing"
)

// demoPost is a news post of the demo and where its review stands.
type demoPost struct {
	community, title, body string
	tags                   []string
	status                 publishing.Status
	featured               bool
	note                   string
	in                     time.Duration // PUBLISHED in the future: scheduled
}

var posts = []demoPost{
	{"kim-jahab-maju", "Panen Raya Padi di Desa Jahab", "Kelompok tani Desa Jahab **memanen padi** seluas 40 hektare.\n\nHasil panen tahun ini naik berkat irigasi baru.",
		[]string{"pertanian", "panen"}, publishing.Published, true, "", 0},
	{"kim-jahab-maju", "Pulau Kumala Ramai Dikunjungi Wisatawan", "Libur panjang membawa ribuan wisatawan ke **Pulau Kumala**. UMKM warga ikut menikmati.",
		[]string{"pariwisata", "umkm"}, publishing.Published, false, "", 0},
	{"kim-bukit-biru", "Pelatihan Literasi Digital untuk Warga Bukit Biru", "Diskominfo dan KIM Bukit Biru Digital menggelar pelatihan literasi digital.",
		[]string{"literasi digital"}, publishing.Published, false, "", 0},
	{"kim-bukit-biru", "Jadwal Posyandu Bulan Depan", "Posyandu dibuka setiap Selasa pekan pertama.", []string{"kesehatan"}, publishing.Published, false, "", 48 * time.Hour},
	{"kim-jahab-maju", "Gotong Royong Membersihkan Sungai", "Warga bergotong royong membersihkan bantaran sungai.", []string{"lingkungan"}, publishing.InReview, false, "", 0},
	{"kim-jahab-maju", "Catatan Rapat RT (draf)", "Masih ditulis.", nil, publishing.Draft, false, "", 0},
	{"kim-bukit-biru", "Harga Sembako Naik", "Kabar tanpa sumber.", []string{"ekonomi"}, publishing.Rejected, false, "Sertakan sumber data harga dari dinas terkait.", 0},
	{"kim-bukit-biru", "Lomba Perahu Naga 2025", "Lomba tahun lalu.", []string{"budaya"}, publishing.Archived, false, "", 0},
	{"kim-jahab-maju", "Kabar Bohong Soal Bantuan", "Berita yang belum diverifikasi.", nil, publishing.TakenDown, false, "Informasi bantuan tidak benar; lihat rilis resmi Pemkab.", 0},
}

// photo is a small generated picture standing in for a phone photo.
func photo(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(40 + seed*30 + y/4), uint8(120 + x/8), uint8(60 + seed*20), 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func loadPosts(ctx context.Context, d Deps, w io.Writer) error {
	get := func(email string) (access.Actor, error) {
		a, err := d.Accounts.ByLogin(ctx, email, "")
		return access.Actor{AccountID: a.ID, Superadmin: a.Superadmin}, err
	}
	editor, err := get("editor@demo.kimhub.id")
	if err != nil {
		return err
	}
	operator, err := get("superadmin@demo.kimhub.id")
	if err != nil {
		return err
	}
	made := 0
	for i, dp := range posts {
		c, err := d.Communities.BySlug(ctx, operator, dp.community)
		if err != nil {
			return err
		}
		if _, err := d.Posts.BySlug(ctx, operator, c.ID, publishing.Slugify(dp.title)); err == nil {
			continue // loaded before
		}
		img := photo(i)
		cover, err := d.Media.Upload(ctx, editor, bytes.NewReader(img), int64(len(img)), media.NewAsset{Filename: fmt.Sprintf("foto-%d.png", i+1)})
		if err != nil {
			return fmt.Errorf("demo photo: %w", err)
		}
		title, body := dp.title, dp.body
		p, err := d.Posts.Create(ctx, editor, c.ID, publishing.DraftInput{Title: &title, Body: &body, Tags: dp.tags, CoverID: &cover.ID}, "")
		if err != nil {
			return fmt.Errorf("demo post %q: %w", dp.title, err)
		}
		made++
		if dp.status == publishing.Draft {
			continue
		}
		if _, err := d.Posts.Submit(ctx, editor, p.ID); err != nil {
			return err
		}
		switch dp.status {
		case publishing.Rejected:
			_, err = d.Posts.Reject(ctx, operator, p.ID, dp.note)
		case publishing.Published, publishing.Archived, publishing.TakenDown:
			var at *time.Time
			if dp.in > 0 {
				t := time.Now().Add(dp.in)
				at = &t
			}
			if _, err = d.Posts.Publish(ctx, editor, p.ID, at); err != nil {
				break
			}
			switch {
			case dp.featured:
				_, err = d.Posts.SetFeatured(ctx, operator, p.ID, true)
			case dp.status == publishing.Archived:
				_, err = d.Posts.Archive(ctx, editor, p.ID)
			case dp.status == publishing.TakenDown:
				_, err = d.Posts.TakeDown(ctx, operator, p.ID, dp.note)
			}
		}
		if err != nil {
			return fmt.Errorf("demo post %q: %w", dp.title, err)
		}
	}
	fmt.Fprintf(w, "demo posts ready: %d new of %d\n", made, len(posts))
	return loadShowcases(ctx, d, w, editor, operator)
}

// demoShowcase is a showcase of the demo and where its review stands.
type demoShowcase struct {
	community, title, description, contact string
	kind                                   publishing.ShowcaseKind
	lat, lng                               float64
	status                                 publishing.Status
	featured                               bool
	note                                   string
	in                                     time.Duration // PUBLISHED in the future: scheduled
}

var showcases = []demoShowcase{
	{"kim-jahab-maju", "Amplang Ikan Pipih Jahab", "Kerupuk **amplang** khas Kutai dari ikan pipih sungai Mahakam.", "0812 5555 1234",
		publishing.Culinary, -0.4110, 116.9880, publishing.Published, true, "", 0},
	{"kim-jahab-maju", "Wisata Pulau Kumala", "Pulau wisata di tengah Sungai Mahakam, seberang Tenggarong.", "Dermaga Tenggarong",
		publishing.Tourism, -0.4170, 116.9830, publishing.Published, false, "", 0},
	{"kim-bukit-biru", "Tenun Ulap Doyo", "Kain tenun serat daun doyo buatan perajin Bukit Biru.", "0813 4444 2222",
		publishing.Craft, -0.3950, 117.0070, publishing.InReview, false, "", 0},
	{"kim-bukit-biru", "Kebun Jeruk Warga", "Masih disusun.", "", publishing.Agriculture, -0.3960, 117.0080, publishing.Draft, false, "", 0},
	{"kim-jahab-maju", "Obat Herbal Ajaib", "Klaim kesehatan tanpa izin edar.", "", publishing.Product, -0.4100, 116.9900, publishing.TakenDown, false,
		"Klaim kesehatan tanpa izin edar BPOM.", 0},
	{"kim-bukit-biru", "Warung Nasi Kuning", "Tanpa foto dan alamat.", "", publishing.UMKM, -0.3940, 117.0060, publishing.Rejected, false,
		"Lengkapi alamat dan jam buka.", 0},
	{"kim-jahab-maju", "Festival Erau 2025", "Pesta adat tahun lalu.", "Tenggarong", publishing.Culture, -0.4200, 116.9850, publishing.Archived, false, "", 0},
	{"kim-bukit-biru", "Panen Madu Kelulut", "Dibuka untuk pengunjung bulan depan.", "0811 3333 4444", publishing.Agriculture, -0.3970, 117.0090,
		publishing.Published, false, "", 72 * time.Hour},
}

func loadShowcases(ctx context.Context, d Deps, w io.Writer, editor, operator access.Actor) error {
	made := 0
	for i, ds := range showcases {
		c, err := d.Communities.BySlug(ctx, operator, ds.community)
		if err != nil {
			return err
		}
		if _, err := d.Posts.ShowcaseBySlug(ctx, operator, c.ID, publishing.ShowcaseSlug(ds.title)); err == nil {
			continue // loaded before
		}
		img := photo(10 + i)
		cover, err := d.Media.Upload(ctx, editor, bytes.NewReader(img), int64(len(img)), media.NewAsset{Filename: fmt.Sprintf("potensi-%d.png", i+1)})
		if err != nil {
			return fmt.Errorf("demo photo: %w", err)
		}
		kind, title, desc, contact, lat, lng := ds.kind, ds.title, ds.description, ds.contact, ds.lat, ds.lng
		v, err := d.Posts.CreateShowcase(ctx, editor, c.ID, publishing.ShowcaseInput{Kind: &kind, Title: &title, Description: &desc,
			Contact: &contact, Latitude: &lat, Longitude: &lng, CoverID: &cover.ID, GalleryIDs: []int64{cover.ID}}, "")
		if err != nil {
			return fmt.Errorf("demo showcase %q: %w", ds.title, err)
		}
		made++
		if ds.status == publishing.Draft {
			continue
		}
		if _, err := d.Posts.SubmitShowcase(ctx, editor, v.ID); err != nil {
			return err
		}
		switch ds.status {
		case publishing.InReview:
			continue
		case publishing.Rejected:
			_, err = d.Posts.RejectShowcase(ctx, operator, v.ID, ds.note)
		default:
			var at *time.Time
			if ds.in > 0 {
				t := time.Now().Add(ds.in)
				at = &t
			}
			if _, err = d.Posts.PublishShowcase(ctx, editor, v.ID, at); err != nil {
				break
			}
			switch {
			case ds.featured:
				_, err = d.Posts.FeatureShowcase(ctx, operator, v.ID, true)
			case ds.status == publishing.TakenDown:
				_, err = d.Posts.TakeDownShowcase(ctx, operator, v.ID, ds.note)
			case ds.status == publishing.Archived:
				_, err = d.Posts.ArchiveShowcase(ctx, editor, v.ID)
			}
		}
		if err != nil {
			return fmt.Errorf("demo showcase %q: %w", ds.title, err)
		}
	}
	fmt.Fprintf(w, "demo showcases ready: %d new of %d\n", made, len(showcases))
	return nil
}
