package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/kimhub/kimhub/internal/apperr"
)

func jpegWithExif(t *testing.T, orientation byte, extra string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0}
	payload := append(append([]byte("Exif\x00\x00"), tiff...), extra...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	d := enc.Bytes()
	return append(append(append([]byte{}, d[:2]...), append(seg, payload...)...), d[2:]...)
}

func TestStripJPEGMetadataKeepsOrientationOnly(t *testing.T) {
	in := jpegWithExif(t, 6, "GPS 0.5S 117.1E")
	if jpegOrientation(in) != 6 {
		t.Fatalf("orientation read: %d", jpegOrientation(in))
	}
	out := StripJPEGMetadata(in)
	if bytes.Contains(out, []byte("GPS")) {
		t.Fatal("GPS kept")
	}
	if jpegOrientation(out) != 6 {
		t.Fatalf("orientation lost: %d", jpegOrientation(out))
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the stripped JPEG does not decode: %v", err)
	}
	upright := StripJPEGMetadata(jpegWithExif(t, 1, "GPS"))
	if bytes.Contains(upright, []byte("Exif")) {
		t.Fatal("an upright image needs no EXIF at all")
	}
	if notJPEG := []byte("%PDF-1.4 whatever"); !bytes.Equal(StripJPEGMetadata(notJPEG), notJPEG) {
		t.Fatal("non-JPEG data must pass unchanged")
	}
}

func TestUpright(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255}) // top-left red
	for o, want := range map[int]struct{ w, h, x, y int }{
		1: {4, 2, 0, 0}, 3: {4, 2, 3, 1}, 6: {2, 4, 1, 0}, 8: {2, 4, 0, 3},
	} {
		got := upright(img, o)
		b := got.Bounds()
		r, _, _, _ := got.At(want.x, want.y).RGBA()
		if b.Dx() != want.w || b.Dy() != want.h || r>>8 != 255 {
			t.Errorf("orientation %d: %dx%d, red at (%d,%d): %v", o, b.Dx(), b.Dy(), want.x, want.y, r>>8)
		}
	}
}

func TestFit(t *testing.T) {
	for _, c := range []struct{ w, h, max, ww, wh int }{
		{800, 600, 320, 320, 240}, {600, 800, 320, 240, 320}, {100, 50, 320, 100, 50}, {4000, 1, 320, 320, 1},
	} {
		if w, h := fit(c.w, c.h, c.max); w != c.ww || h != c.wh {
			t.Errorf("fit(%d,%d,%d) = %d,%d", c.w, c.h, c.max, w, h)
		}
	}
}

func TestCheckNameAndSafeFilename(t *testing.T) {
	if err := CheckName("foto.JPEG", "image/jpeg"); err != nil {
		t.Error(err)
	}
	if err := CheckName("foto.jpg", "application/pdf"); !apperr.Is(err, apperr.BadUserInput) {
		t.Errorf("pdf named jpg: %v", err)
	}
	if err := CheckName("scan", "application/pdf"); err != nil {
		t.Errorf("no extension: %v", err)
	}
	for in, want := range map[string]string{
		`C:\Users\siti\SK desa.pdf`: "SK desa.pdf",
		`../../etc/passwd`:          "passwd",
		`a"b;c.pdf`:                 "a_b_c.pdf",
		``:                          "file",
	} {
		if got := safeFilename(in, nil); got != want {
			t.Errorf("safeFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStripJPEGMetadataEdgeCases(t *testing.T) {
	in := jpegWithExif(t, 1, "GPS-SECRET")
	// A fill byte before the APP1 marker is legal.
	filled := append(append([]byte{}, in[:2]...), append([]byte{0xFF}, in[2:]...)...)
	if out := StripJPEGMetadata(filled); bytes.Contains(out, []byte("GPS-SECRET")) {
		t.Error("a fill byte kept the metadata")
	}
	// A second picture after the end, with metadata of its own, is dropped.
	trailing := append(append([]byte{}, in...), jpegWithExif(t, 1, "GPS-TWO")...)
	out := StripJPEGMetadata(trailing)
	if bytes.Contains(out, []byte("GPS")) {
		t.Error("the embedded picture's metadata was kept")
	}
	if _, err := jpeg.Decode(bytes.NewReader(out)); err != nil {
		t.Errorf("the result does not decode: %v", err)
	}
}
