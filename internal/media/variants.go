package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"io"

	"golang.org/x/image/draw"
)

// Variant names a size of an image.
type Variant string

// The sizes of an image. ORIGINAL is the upload itself; the others are
// JPEGs derived on READY for readers on weak connections.
const (
	Original Variant = "ORIGINAL"
	Small    Variant = "SMALL"  // fits in 320 px
	Medium   Variant = "MEDIUM" // fits in 1024 px
)

// variantSizes are the longest sides of the derived variants.
var variantSizes = []struct {
	Variant Variant
	Max     int
}{{Small, 320}, {Medium, 1024}}

// VariantInfo is a derived variant as stored.
type VariantInfo struct {
	AssetID   int64   `db:"asset_id"`
	Variant   Variant `db:"variant"`
	ObjectKey string  `db:"object_key"`
	Width     int     `db:"width"`
	Height    int     `db:"height"`
	SizeBytes int64   `db:"size_bytes"`
}

// encoded is a variant before it is stored.
type encoded struct {
	VariantInfo
	data []byte
}

// deriveVariants decodes an image (its pixels were capped by Inspect) and
// encodes each variant as a JPEG, turned upright by the EXIF orientation.
// Decoding is memory-heavy, so at most a few run at once.
func (s *Service) deriveVariants(ctx context.Context, r io.Reader, baseKey string) ([]encoded, error) {
	select {
	case s.decodeSlots <- struct{}{}:
		defer func() { <-s.decodeSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode image: %w", err)
	}
	orientation := jpegOrientation(data)
	var out []encoded
	for _, vs := range variantSizes {
		// Scale first, then turn the small result upright: turning the
		// full-size image would cost another copy of it.
		w, h := fit(img.Bounds().Dx(), img.Bounds().Dy(), vs.Max)
		scaled := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.BiLinear.Scale(scaled, scaled.Bounds(), img, img.Bounds(), draw.Src, nil)
		dst := upright(scaled, orientation)
		w, h = dst.Bounds().Dx(), dst.Bounds().Dy()
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 78}); err != nil {
			return nil, err
		}
		out = append(out, encoded{
			VariantInfo: VariantInfo{Variant: vs.Variant, ObjectKey: baseKey + "-" + string(lower(vs.Variant)) + ".jpg",
				Width: w, Height: h, SizeBytes: int64(buf.Len())},
			data: buf.Bytes(),
		})
	}
	return out, nil
}

// fit scales w×h down to fit in max×max, keeping the aspect ratio; an image
// already smaller keeps its size.
func fit(w, h, max int) (int, int) {
	if w <= max && h <= max {
		return w, h
	}
	if w >= h {
		return max, maxInt(1, h*max/w)
	}
	return maxInt(1, w*max/h), max
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func lower(v Variant) []byte { return bytes.ToLower([]byte(v)) }
