package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/draw"
)

// JPEG files carry camera metadata (EXIF, including GPS position) in APP1
// segments. Public images are stripped of it, keeping only the orientation,
// so that a villager's photo does not publish where their house is.

var exifHeader = []byte("Exif\x00\x00")

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, 1 if none.
func jpegOrientation(data []byte) int {
	seg := findExif(data)
	if len(seg) < 14 {
		return 1
	}
	tiff := seg[6:]
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(tiff[4:8]))
	if off+2 > len(tiff) {
		return 1
	}
	n := int(bo.Uint16(tiff[off:]))
	for i := 0; i < n; i++ {
		e := off + 2 + 12*i
		if e+12 > len(tiff) {
			return 1
		}
		if bo.Uint16(tiff[e:]) == 0x0112 {
			if v := int(bo.Uint16(tiff[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// findExif returns the payload of the first APP1 Exif segment.
func findExif(data []byte) []byte {
	var found []byte
	walkSegments(data, func(marker byte, payload []byte) bool {
		if marker == 0xE1 && bytes.HasPrefix(payload, exifHeader) {
			found = payload
			return false
		}
		return true
	})
	return found
}

// walkSegments calls fn for each marker segment before the image data.
func walkSegments(data []byte, fn func(marker byte, payload []byte) bool) (scanStart int) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return -1
	}
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return -1
		}
		for i+2 < len(data) && data[i+1] == 0xFF { // fill bytes before a marker
			i++
		}
		marker := data[i+1]
		if marker == 0xDA { // start of scan: the compressed image follows
			return i
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return -1
		}
		if !fn(marker, data[i+4:i+2+n]) {
			return i
		}
		i += 2 + n
	}
	return -1
}

// StripJPEGMetadata returns data without its APP1 (EXIF, XMP), APP13
// (IPTC) and comment segments, and without anything after the image's end
// (a second, embedded picture with metadata of its own), with a minimal
// EXIF segment holding only the orientation when it was not upright. Data
// that is not a well-formed JPEG is returned as it is.
func StripJPEGMetadata(data []byte) []byte {
	orientation := jpegOrientation(data)
	var kept bytes.Buffer
	kept.Write(data[:2])
	if orientation != 1 {
		kept.Write(minimalExif(orientation))
	}
	stripped := false
	scan := walkSegments(data, func(marker byte, payload []byte) bool {
		if marker == 0xE1 || marker == 0xED || marker == 0xFE {
			stripped = true
			return true
		}
		kept.Write([]byte{0xFF, marker})
		var l [2]byte
		binary.BigEndian.PutUint16(l[:], uint16(len(payload)+2))
		kept.Write(l[:])
		kept.Write(payload)
		return true
	})
	if scan < 0 {
		return data
	}
	// In the compressed data a 0xFF byte is followed by 0x00 or a restart
	// marker; the first FF D9 ends the image.
	end := len(data)
	for j := scan + 2; j+1 < len(data); j++ {
		if data[j] == 0xFF && data[j+1] == 0xD9 {
			end = j + 2
			break
		}
	}
	if !stripped && end == len(data) {
		return data
	}
	kept.Write(data[scan:end])
	return kept.Bytes()
}

// minimalExif is an APP1 segment with one tag: Orientation.
func minimalExif(orientation int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xE1, 0x00, 0x22}) // length 34: 2 + 6 + 8 + 2 + 12 + 4
	b.Write(exifHeader)
	b.Write([]byte{'M', 'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08}) // big-endian TIFF, IFD at 8
	b.Write([]byte{0x00, 0x01})                                   // one entry
	b.Write([]byte{0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, byte(orientation), 0x00, 0x00})
	b.Write([]byte{0x00, 0x00, 0x00, 0x00}) // no next IFD
	return b.Bytes()
}

// upright turns an image by its EXIF orientation.
func upright(img image.Image, orientation int) image.Image {
	if orientation <= 1 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	src := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.SetRGBA(dx, dy, src.RGBAAt(x, y))
		}
	}
	return dst
}
