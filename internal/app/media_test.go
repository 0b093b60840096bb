package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/kimhub/kimhub/internal/demo"
	"github.com/kimhub/kimhub/internal/testenv"
)

// --- files -----------------------------------------------------------------

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	return img
}

// photoJPEG is a camera-like JPEG: EXIF with an orientation (6: turn 90°
// clockwise) and a made-up GPS marker that must not reach the public.
func photoJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var enc bytes.Buffer
	if err := jpeg.Encode(&enc, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	payload := append(append([]byte("Exif\x00\x00"), tiff...), []byte("GPS-SECRET-LOCATION-0.5021S-117.1536E")...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	data := enc.Bytes()
	return append(append(append([]byte{}, data[:2]...), append(seg, payload...)...), data[2:]...)
}

func pngFile(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noisyPNG is a PNG that does not compress (random pixels).
func noisyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rand.Read(img.Pix)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// deepPNG is a small 16-bit RGBA PNG whose canvas would take more memory
// to decode than the budget (at KIMHUB_MEDIA_MAX_PIXELS=40000, 160 kB): a
// 90,000-pixel canvas at 8 bytes a pixel.
func deepPNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA64(image.Rect(0, 0, 300, 300))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdfFile is n bytes that sniff as a PDF.
func pdfFile(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	copy(b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n")
	return b
}

// elfFile is the start of a Linux executable.
func elfFile() []byte {
	return append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 600)...)
}

// bombPNG declares a 100000×100000 canvas (10 gigapixels) in a few bytes.
func bombPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// --- requests --------------------------------------------------------------

const mediaFields = `id status visibility contentType size sha256 width height filename
	url small: url(variant: SMALL) variants { variant width height size } owner { name } region { code }`

type assetJSON struct {
	ID, Status, Visibility, Filename string
	ContentType, Sha256, URL, Small  *string
	Size                             int64
	Width, Height                    *int
	Variants                         []struct {
		Variant       string
		Width, Height int
		Size          int64
	}
}

// upload sends a GraphQL multipart request, as a client app does.
func (s *server) upload(t *testing.T, token, filename string, data []byte, input map[string]any) gqlResponse {
	t.Helper()
	if input == nil {
		input = map[string]any{}
	}
	input["file"] = nil
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: UploadMediaInput!) { uploadMedia(input: $input) { asset { ` + mediaFields + ` } } }`,
		"variables": map[string]any{"input": input},
	})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", string(ops))
	mw.WriteField("map", `{"0": ["variables.input.file"]}`)
	fw, _ := mw.CreateFormFile("0", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.url+"/graphql", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	r.status = resp.StatusCode
	return r
}

func uploaded(t *testing.T, r gqlResponse) assetJSON {
	t.Helper()
	var d struct {
		UploadMedia struct {
			Asset assetJSON `json:"asset"`
		} `json:"uploadMedia"`
	}
	r.decode(t, &d)
	return d.UploadMedia.Asset
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// objects lists the keys in the test bucket.
func objects(t *testing.T) []string {
	t.Helper()
	cl, _ := storageClient(t, testenv.S3Settings(t))
	var keys []string
	for o := range cl.ListObjects(context.Background(), testenv.S3Settings(t).Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func countAssets(t *testing.T) int {
	t.Helper()
	var n int
	if err := testenv.Shared(t).Get(&n, `SELECT count(*) FROM media_assets`); err != nil {
		t.Fatal(err)
	}
	return n
}

// --- tests -----------------------------------------------------------------

func TestUploadThroughGraphQL(t *testing.T) {
	s := start(t, nil)
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	baseRows, baseObjs := countAssets(t), len(objects(t)) // the demo's decrees
	photo := photoJPEG(t, 800, 600)
	a := uploaded(t, s.upload(t, tok, "IMG_2041.jpg", photo, map[string]any{"idempotencyKey": "photo-1"}))
	if a.Status != "READY" || a.Visibility != "PUBLIC" || *a.ContentType != "image/jpeg" || *a.Width != 800 || *a.Height != 600 || a.Filename != "IMG_2041.jpg" {
		t.Fatalf("asset: %+v", a)
	}
	// The public URL works without a token, and the camera's GPS is gone.
	code, stored := get(t, *a.URL)
	if code != 200 || bytes.Contains(stored, []byte("GPS-SECRET")) {
		t.Fatalf("original: %d, GPS kept: %v", code, bytes.Contains(stored, []byte("GPS-SECRET")))
	}
	if sum := sha256.Sum256(stored); hex.EncodeToString(sum[:]) != *a.Sha256 || int64(len(stored)) != a.Size {
		t.Fatal("sha256 or size do not describe the stored bytes")
	}
	// The small variant is a JPEG within 320 px, turned upright (EXIF 6).
	if len(a.Variants) != 2 || a.Small == nil {
		t.Fatalf("variants: %+v", a.Variants)
	}
	code, small := get(t, *a.Small)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(small))
	if code != 200 || err != nil || format != "jpeg" || cfg.Width != 240 || cfg.Height != 320 {
		t.Fatalf("small: %d %v %s %dx%d", code, err, format, cfg.Width, cfg.Height)
	}
	// By ID the asset is its owner's (and its community's managers'); the
	// public reaches photos through what publishes them.
	const byID = `query($id: ID!) { node(id: $id) { ... on MediaAsset { id } } }`
	if c := s.query(t, byID, map[string]any{"id": a.ID}).code(t); c != "NOT_FOUND" {
		t.Fatalf("an anonymous look-up by ID: %s", c)
	}
	s.queryAs(t, tok, byID, map[string]any{"id": a.ID}).decode(t, &struct{}{})
	// Resending with the same key gives the same asset, not a second one.
	again := uploaded(t, s.upload(t, tok, "IMG_2041.jpg", photo, map[string]any{"idempotencyKey": "photo-1"}))
	if again.ID != a.ID || countAssets(t) != baseRows+1 {
		t.Fatalf("idempotent resend: %s vs %s, %d assets", again.ID, a.ID, countAssets(t))
	}
	// A PNG, and a PDF: no variants for the PDF, whose SMALL is the original.
	p := uploaded(t, s.upload(t, tok, "peta.png", pngFile(t, 50, 40), nil))
	if *p.ContentType != "image/png" || *p.Width != 50 || len(p.Variants) != 2 || p.Variants[0].Width != 50 {
		t.Fatalf("png: %+v", p)
	}
	d := uploaded(t, s.upload(t, tok, "laporan.pdf", pdfFile(3000), nil))
	if *d.ContentType != "application/pdf" || len(d.Variants) != 0 || *d.Small != *d.URL || d.Width != nil {
		t.Fatalf("pdf: %+v", d)
	}
	if len(objects(t)) != baseObjs+3+3+1 {
		t.Fatalf("objects: %v", objects(t))
	}
}

func TestUploadRefusesWhatItShould(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_MEDIA_MAX_IMAGE_BYTES": "30000", "KIMHUB_MEDIA_MAX_PIXELS": "100000"})
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	baseRows, baseObjs := countAssets(t), len(objects(t))
	for _, tc := range []struct {
		name, filename string
		data           []byte
		token, code    string
	}{
		{"a PDF named .jpg", "foto.jpg", pdfFile(2000), tok, "BAD_USER_INPUT"},
		{"an executable named .jpg", "foto.jpg", elfFile(), tok, "BAD_USER_INPUT"},
		{"an executable with no extension", "setup", elfFile(), tok, "BAD_USER_INPUT"},
		{"HTML", "index.html", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), tok, "BAD_USER_INPUT"},
		{"a decompression bomb", "peta.png", bombPNG(), tok, "BAD_USER_INPUT"},
		{"a deep-colour image past the decoding budget", "peta.png", deepPNG(t), tok, "BAD_USER_INPUT"},
		{"an image over the cap", "besar.png", noisyPNG(t, 200, 200), tok, "TOO_LARGE"},
		{"anonymous", "foto.jpg", photoJPEG(t, 10, 10), "", "UNAUTHENTICATED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.upload(t, tc.token, tc.filename, tc.data, nil)
			e := r.only(t)
			if e.Extensions["code"] != tc.code {
				t.Fatalf("want %s, got %+v", tc.code, e)
			}
		})
	}
	t.Run("a body over the multipart cap is refused before it is read", func(t *testing.T) {
		r := s.upload(t, tok, "huge.pdf", pdfFile(22<<20), nil)
		if r.status != http.StatusRequestEntityTooLarge || r.only(t).Extensions["code"] != "TOO_LARGE" {
			t.Fatalf("%d %+v", r.status, r.Errors)
		}
	})
	t.Run("an upload without a length", func(t *testing.T) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadMedia(input: {file: $f}) { asset { id } } }","variables":{"f":null}}`)
		mw.WriteField("map", `{"0":["variables.f"]}`)
		fw, _ := mw.CreateFormFile("0", "a.pdf")
		fw.Write(pdfFile(1000))
		mw.Close()
		req, _ := http.NewRequest("POST", s.url+"/graphql", io.MultiReader(&body)) // chunked
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusLengthRequired {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	if n, objs := countAssets(t), objects(t); n != baseRows || len(objs) != baseObjs {
		t.Fatalf("refused uploads left %d rows and objects %v", n-baseRows, objs)
	}
}

// postForm sends a presigned POST upload, as a browser or app would.
func postForm(t *testing.T, url string, fields []map[string]string, data []byte) int {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, f := range fields {
		mw.WriteField(f["name"], f["value"])
	}
	fw, _ := mw.CreateFormFile("file", "upload")
	fw.Write(data)
	mw.Close()
	resp, err := http.Post(url, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func putPart(t *testing.T, url string, data []byte) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url, bytes.NewReader(data))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 {
		t.Fatalf("PUT part: %d %s", resp.StatusCode, b)
	}
}

type directJSON struct {
	Method   string
	URL      *string
	Fields   []map[string]string
	PartSize *int64
	Parts    []struct {
		PartNumber int
		URL        string
	}
	CompletedParts []int
}

const requestDoc = `mutation($in: RequestMediaUploadInput!) { requestMediaUpload(input: $in) {
	asset { id status size } upload { method url fields { name value } partSize parts { partNumber url } completedParts expiresAt } } }`

func (s *server) requestUpload(t *testing.T, token string, in map[string]any) (string, directJSON) {
	t.Helper()
	var d struct {
		RequestMediaUpload struct {
			Asset  assetJSON  `json:"asset"`
			Upload directJSON `json:"upload"`
		} `json:"requestMediaUpload"`
	}
	s.queryAs(t, token, requestDoc, map[string]any{"in": in}).decode(t, &d)
	return d.RequestMediaUpload.Asset.ID, d.RequestMediaUpload.Upload
}

const confirmDoc = `mutation($id: ID!) { confirmMediaUpload(input: {assetId: $id}) { asset { ` + mediaFields + ` } } }`

func TestDirectUploadWithAPost(t *testing.T) {
	s := start(t, nil)
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	baseRows, baseObjs := countAssets(t), len(objects(t))
	data := pdfFile(200_000)
	id, up := s.requestUpload(t, tok, map[string]any{"filename": "sk-kepala-desa.pdf", "size": len(data)})
	if up.Method != "POST" || up.URL == nil || len(up.Fields) == 0 {
		t.Fatalf("upload: %+v", up)
	}
	// Storage refuses a body of another size than announced.
	if code := postForm(t, *up.URL, up.Fields, data[:1000]); code < 400 {
		t.Fatalf("a short body was accepted: %d", code)
	}
	if code := postForm(t, *up.URL, up.Fields, data); code >= 300 {
		t.Fatalf("POST: %d", code)
	}
	var d struct {
		ConfirmMediaUpload struct {
			Asset assetJSON `json:"asset"`
		} `json:"confirmMediaUpload"`
	}
	s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}).decode(t, &d)
	a := d.ConfirmMediaUpload.Asset
	if a.Status != "READY" || *a.ContentType != "application/pdf" || a.Size != int64(len(data)) {
		t.Fatalf("confirmed: %+v", a)
	}
	if code, got := get(t, *a.URL); code != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download: %d", code)
	}
	// An executable sent where a PDF was announced is refused at confirm,
	// and nothing of it stays.
	elf := elfFile()
	id2, up2 := s.requestUpload(t, tok, map[string]any{"filename": "dokumen.pdf", "size": len(elf)})
	postForm(t, *up2.URL, up2.Fields, elf)
	if c := s.queryAs(t, tok, confirmDoc, map[string]any{"id": id2}).code(t); c != "BAD_USER_INPUT" {
		t.Fatalf("confirming an executable: %s", c)
	}
	if n, objs := countAssets(t), objects(t); n != baseRows+1 || len(objs) != baseObjs+1 {
		t.Fatalf("after the refused upload: %d rows, objects %v", n-baseRows, objs)
	}
	// The idempotency key of a refused upload can start over.
	id3, up3 := s.requestUpload(t, tok, map[string]any{"filename": "x.pdf", "size": len(elf), "idempotencyKey": "k1"})
	postForm(t, *up3.URL, up3.Fields, elf)
	s.queryAs(t, tok, confirmDoc, map[string]any{"id": id3})
	id4, _ := s.requestUpload(t, tok, map[string]any{"filename": "x.pdf", "size": len(elf), "idempotencyKey": "k1"})
	if id4 == id3 {
		t.Fatal("the key still names the refused upload")
	}
}

// TestDirectUploadCannotSwapBytes: bytes sent straight to storage are not
// served before they are checked, and sending other bytes to the same URL
// after the confirmation changes nothing.
func TestDirectUploadCannotSwapBytes(t *testing.T) {
	s := start(t, nil)
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	img := pngFile(t, 40, 40)
	id, up := s.requestUpload(t, tok, map[string]any{"filename": "peta.png", "size": len(img)})
	postForm(t, *up.URL, up.Fields, img)
	var key string
	testenv.Shared(t).Get(&key, `SELECT object_key FROM media_assets WHERE filename = 'peta.png'`)
	public := "http://" + testenv.S3Settings(t).Endpoint + "/" + testenv.S3Settings(t).Bucket + "/"
	if code, _ := get(t, public+key); code == 200 {
		t.Fatal("the unchecked bytes are served before the confirmation")
	}
	// Four confirmations at once: one wins, none undoes it.
	results := make(chan gqlResponse, 4)
	for i := 0; i < 4; i++ {
		go func() { results <- s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}) }()
	}
	ready := 0
	for i := 0; i < 4; i++ {
		r := <-results
		if len(r.Errors) == 0 {
			ready++
		} else if c := r.Errors[0].Extensions["code"]; c != "CONFLICT" {
			t.Fatalf("a concurrent confirm: %+v", r.Errors)
		}
	}
	if ready == 0 {
		t.Fatal("no confirmation succeeded")
	}
	var d struct {
		ConfirmMediaUpload struct {
			Asset assetJSON `json:"asset"`
		} `json:"confirmMediaUpload"`
	}
	s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}).decode(t, &d)
	a := d.ConfirmMediaUpload.Asset
	for _, u := range []string{*a.URL, *a.Small} {
		if code, _ := get(t, u); code != 200 {
			t.Fatalf("after concurrent confirms, %s: %d", u, code)
		}
	}
	// Other bytes to the same form now land nowhere that is served.
	swap := make([]byte, len(img))
	copy(swap, elfFile())
	postForm(t, *up.URL, up.Fields, swap)
	code, got := get(t, *a.URL)
	if code != 200 || !bytes.Equal(got, img) {
		t.Fatalf("the served bytes changed: %d", code)
	}
	resp, _ := http.Head(*a.URL)
	if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("served as %q", ct)
	}
}

func TestDirectUploadMultipartResumes(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_MEDIA_MAX_DOCUMENT_BYTES": "67108864"})
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	const part = 16 << 20
	data := pdfFile(2*part + 1000)
	sum := sha256.Sum256(data)
	id, up := s.requestUpload(t, tok, map[string]any{"filename": "arsip.pdf", "size": len(data), "sha256": hex.EncodeToString(sum[:])})
	if up.Method != "MULTIPART" || *up.PartSize != part || len(up.Parts) != 3 {
		t.Fatalf("upload: %+v", up)
	}
	putPart(t, up.Parts[0].URL, data[:part])
	// The connection drops. Later the client asks where it stands.
	var r struct {
		ResumeMediaUpload struct {
			Upload directJSON `json:"upload"`
		} `json:"resumeMediaUpload"`
	}
	s.queryAs(t, tok, `mutation($id: ID!) { resumeMediaUpload(input: {assetId: $id}) { upload { method completedParts parts { partNumber url } } } }`,
		map[string]any{"id": id}).decode(t, &r)
	res := r.ResumeMediaUpload.Upload
	if fmt.Sprint(res.CompletedParts) != "[1]" || len(res.Parts) != 2 || res.Parts[0].PartNumber != 2 {
		t.Fatalf("resume: %+v", res)
	}
	// Confirming too early names what is missing.
	e := s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}).only(t)
	if e.Extensions["code"] != "BAD_USER_INPUT" || fmt.Sprint(e.Extensions["missingParts"]) != "[2 3]" {
		t.Fatalf("early confirm: %+v", e)
	}
	// A part of the wrong size is named and can be sent again.
	putPart(t, res.Parts[0].URL, data[part:part+1000])
	putPart(t, res.Parts[1].URL, data[2*part:])
	e = s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}).only(t)
	if e.Extensions["code"] != "BAD_USER_INPUT" || fmt.Sprint(e.Extensions["wrongSizeParts"]) != "[2]" {
		t.Fatalf("a short part: %+v", e)
	}
	putPart(t, res.Parts[0].URL, data[part:2*part])
	var d struct {
		ConfirmMediaUpload struct {
			Asset assetJSON `json:"asset"`
		} `json:"confirmMediaUpload"`
	}
	s.queryAs(t, tok, confirmDoc, map[string]any{"id": id}).decode(t, &d)
	if a := d.ConfirmMediaUpload.Asset; a.Status != "READY" || *a.Sha256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(data)) {
		t.Fatalf("confirmed: %+v", a)
	}
}

func TestPrivateMediaReachesOnlyThoseInScope(t *testing.T) {
	s := start(t, nil)
	tok := map[string]string{}
	for _, a := range demo.Accounts {
		tok[a.Email] = s.logIn(t, a.Email, demo.Password).AccessToken
	}
	warga := tok["warga@demo.kimhub.id"]
	sk := pdfFile(5000)
	a := uploaded(t, s.upload(t, warga, "sk.pdf", sk, map[string]any{"visibility": "PRIVATE", "regionCode": "64.02.01"}))
	if a.URL == nil || !strings.Contains(*a.URL, "X-Amz-Signature") {
		t.Fatalf("the owner's URL: %v", a.URL)
	}
	if code, got := get(t, *a.URL); code != 200 || !bytes.Equal(got, sk) {
		t.Fatalf("the owner's download: %d", code)
	}
	const nodeDoc = `query($id: ID!) { node(id: $id) { ... on MediaAsset { id url } } }`
	for who, want := range map[string]string{
		"admin.kukar@demo.kimhub.id":  "ok",
		"admin.kaltim@demo.kimhub.id": "ok",
		"superadmin@demo.kimhub.id":   "ok",
		"admin.paser@demo.kimhub.id":  "NOT_FOUND",
		"humas.kukar@demo.kimhub.id":  "NOT_FOUND",
		"":                            "NOT_FOUND",
	} {
		r := s.queryAs(t, tok[who], nodeDoc, map[string]any{"id": a.ID})
		if want != "ok" {
			if len(r.Errors) == 0 || r.code(t) != want {
				t.Errorf("%q: want %s, got %s %+v", who, want, r.Data, r.Errors)
			}
			continue
		}
		var d struct {
			Node struct{ URL string } `json:"node"`
		}
		r.decode(t, &d)
		if code, got := get(t, d.Node.URL); code != 200 || !bytes.Equal(got, sk) {
			t.Errorf("%s: download %d", who, code)
		}
	}
	// A guessed URL without a signature is refused by storage.
	var key string
	testenv.Shared(t).Get(&key, `SELECT object_key FROM media_assets WHERE filename = 'sk.pdf'`)
	base := "http://" + testenv.S3Settings(t).Endpoint + "/" + testenv.S3Settings(t).Bucket + "/"
	if code, _ := get(t, base+key); code != http.StatusForbidden {
		t.Fatalf("the private object by its bare URL: %d", code)
	}
	if code, _ := get(t, base+strings.Replace(key, "private/", "public/", 1)); code == 200 {
		t.Fatal("the private object under the public prefix")
	}
}

// proxy is a TCP relay to the real MinIO that a test can cut, to stop
// storage under a running server.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	down  bool
}

func startProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

// cut closes the listener and every relayed connection: storage is gone.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
}

func TestStorageStoppedMidTest(t *testing.T) {
	p := startProxy(t, testenv.S3Settings(t).Endpoint)
	s := start(t, map[string]string{"S3_ENDPOINT": p.ln.Addr().String()})
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	baseRows := countAssets(t)
	uploaded(t, s.upload(t, tok, "a.png", pngFile(t, 20, 20), nil)) // storage works
	p.cut()
	r := s.upload(t, tok, "b.png", pngFile(t, 20, 20), nil)
	if c := r.code(t); c != "UNAVAILABLE" {
		t.Fatalf("upload with storage stopped: %s", c)
	}
	if c := s.queryAs(t, tok, requestDoc, map[string]any{"in": map[string]any{"filename": "x.pdf", "size": 17 << 20}}).code(t); c != "UNAVAILABLE" {
		t.Fatalf("direct multipart upload with storage stopped: %s", c)
	}
	if n := countAssets(t) - baseRows; n != 1 {
		t.Fatalf("%d rows; only the first upload may have one", n)
	}
	code, body := get(t, s.url+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"storage":"unavailable"`) {
		t.Fatalf("readyz: %d %s", code, body)
	}
}

func TestFailedDatabaseStepRemovesTheObject(t *testing.T) {
	s := start(t, nil)
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	db := testenv.Shared(t)
	baseObjs := len(objects(t))
	db.MustExec(`ALTER TABLE media_assets ADD CONSTRAINT test_refuse CHECK (filename <> 'refused.png')`)
	defer db.MustExec(`ALTER TABLE media_assets DROP CONSTRAINT test_refuse`)
	if c := s.upload(t, tok, "refused.png", pngFile(t, 30, 30), nil).code(t); c != "INTERNAL" {
		t.Fatalf("got %s", c)
	}
	if objs := objects(t); len(objs) != baseObjs {
		t.Fatalf("objects left behind: %v", objs)
	}
}

func TestJanitor(t *testing.T) {
	s := start(t, map[string]string{"KIMHUB_MEDIA_PENDING_TTL": "3s"})
	tok := s.logIn(t, "warga@demo.kimhub.id", demo.Password).AccessToken
	baseRows, baseObjs := countAssets(t), len(objects(t))
	keep := uploaded(t, s.upload(t, tok, "tetap.png", pngFile(t, 30, 30), nil))
	// A direct upload sent but never confirmed, and an object with no row.
	data := pdfFile(1000)
	_, up := s.requestUpload(t, tok, map[string]any{"filename": "lupa.pdf", "size": len(data)})
	postForm(t, *up.URL, up.Fields, data)
	_, multi := s.requestUpload(t, tok, map[string]any{"filename": "besar.pdf", "size": 17 << 20})
	putPart(t, multi.Parts[0].URL, pdfFile(16<<20))
	cl, _ := storageClient(t, testenv.S3Settings(t))
	if _, err := cl.PutObject(context.Background(), testenv.S3Settings(t).Bucket, "public/2020/01/orphan", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	before := len(objects(t))
	time.Sleep(3100 * time.Millisecond) // the pending uploads expire
	// The subcommand, run now: the orphan is younger than the grace period.
	s3 := testenv.S3Settings(t)
	env := map[string]string{"DATABASE_URL": testenv.DatabaseURL(t), "S3_ENDPOINT": s3.Endpoint,
		"S3_ACCESS_KEY": s3.AccessKey, "S3_SECRET_KEY": s3.SecretKey, "S3_BUCKET": s3.Bucket}
	out, err := run(t, func(k string) string { return env[k] }, "media", "janitor")
	if err != nil || !strings.Contains(out, "removed 2 expired uploads and 0 orphaned objects") {
		t.Fatalf("janitor: %v\n%s", err, out)
	}
	if n := countAssets(t) - baseRows; n != 1 {
		t.Fatalf("%d rows after the janitor", n)
	}
	if got := len(objects(t)); got != before-1 {
		t.Fatalf("objects: %d before, %d after; want the expired POST upload's gone", before, got)
	}
	// Two hours on, the orphan goes too; the READY asset stays whole.
	svc := servicesFor(t)
	rep, err := svc.Media.Janitor(context.Background(), time.Now().Add(2*time.Hour))
	if err != nil || rep.OrphanObjects != 1 || rep.ExpiredUploads != 0 {
		t.Fatalf("janitor later: %+v %v", rep, err)
	}
	if code, _ := get(t, *keep.URL); code != 200 {
		t.Fatalf("the READY asset's object: %d", code)
	}
	if got := objects(t); len(got) != baseObjs+3 {
		t.Fatalf("objects left: %v", got)
	}
}
