package media

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // decoders for DecodeConfig and variants
	_ "image/png"
	"io"
	"net/http"
	"path"
	"strings"

	_ "golang.org/x/image/webp"

	"github.com/kimhub/kimhub/internal/apperr"
)

// Kind groups the accepted types by their size cap.
type Kind int

// The kinds of media kimhub accepts.
const (
	KindImage Kind = iota + 1
	KindDocument
)

// accepted maps a sniffed content type to its kind. Anything else (an
// executable, a video, HTML) is refused.
var accepted = map[string]Kind{
	"image/jpeg":      KindImage,
	"image/png":       KindImage,
	"image/webp":      KindImage,
	"application/pdf": KindDocument,
}

// sniffLen is how many leading bytes decide the type.
const sniffLen = 512

// Facts are what inspecting an object's leading bytes tells.
type Facts struct {
	ContentType   string
	Kind          Kind
	Width, Height int // images only
}

// Inspect decides the type of an object from its first bytes (never from its
// name or the client's header), enforces the size cap of that type, and for
// an image reads its dimensions from the header alone, refusing one with more
// pixels than the cap (a decompression bomb declares a huge canvas in a few
// bytes). head must hold the object's start; more bytes may be read from
// rest for the image header.
func (s *Service) Inspect(head []byte, rest io.Reader, size int64) (Facts, error) {
	ct := http.DetectContentType(head)
	kind, ok := accepted[ct]
	if !ok {
		return Facts{}, apperr.Invalid("file", "this file is not a JPEG, PNG or WebP image nor a PDF document (its bytes say %s)", ct)
	}
	limit := s.Cfg.MaxImageBytes
	if kind == KindDocument {
		limit = s.Cfg.MaxDocumentBytes
	}
	if size > limit {
		return Facts{}, apperr.New(apperr.TooLarge, "the file has %d bytes; a %s may have at most %d", size, kindName(kind), limit).
			With("field", "file").With("maxBytes", limit)
	}
	f := Facts{ContentType: ct, Kind: kind}
	if kind == KindImage {
		cfg, _, err := image.DecodeConfig(io.MultiReader(bytes.NewReader(head), rest))
		if err != nil {
			return Facts{}, apperr.Invalid("file", "the image is damaged or incomplete")
		}
		pixels := int64(cfg.Width) * int64(cfg.Height)
		if cfg.Width <= 0 || cfg.Height <= 0 || pixels > s.Cfg.MaxPixels {
			return Facts{}, apperr.Invalid("file", "the image is %d×%d pixels; at most %d pixels are accepted", cfg.Width, cfg.Height, s.Cfg.MaxPixels)
		}
		// Decoding costs bytes, not pixels: a 16-bit image takes twice an
		// 8-bit one. The budget is MaxPixels at 4 bytes each.
		if pixels*bytesPerPixel(cfg.ColorModel) > s.Cfg.MaxPixels*4 {
			return Facts{}, apperr.Invalid("file", "the image is %d×%d pixels at a high colour depth; send it with fewer pixels or 8 bits per channel", cfg.Width, cfg.Height)
		}
		f.Width, f.Height = cfg.Width, cfg.Height
	}
	return f, nil
}

// CheckName refuses a file whose name claims one accepted type while its
// bytes are another (photo.jpg holding a PDF): a client mislabelling files
// is confused or up to something. A name without a known extension passes.
func CheckName(filename, contentType string) error {
	ext := strings.ToLower(path.Ext(filename))
	if ext == ".jpeg" {
		ext = ".jpg"
	}
	for ct := range accepted {
		if extension(ct) == ext && ct != contentType {
			return apperr.Invalid("file", "the file is named %s but its bytes are %s; rename it or send the right file", filename, contentType)
		}
	}
	return nil
}

// bytesPerPixel is what decoding an image of a colour model takes.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.YCbCrModel:
		return 3
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

func kindName(k Kind) string {
	if k == KindDocument {
		return "PDF document"
	}
	return "image"
}

// extension is the object key's suffix for a content type.
func extension(ct string) string {
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	}
	return ""
}
