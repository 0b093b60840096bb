package relay

import (
	"encoding/base64"
	"strings"

	"github.com/kimhub/kimhub/internal/apperr"
)

// ID returns the opaque global ID of an object of a type ("Region") with a
// key ("64.02"). Clients must treat it as opaque; it is base64url of
// "Type:key" so that node(id:) can find the type without a lookup table.
func ID(typ, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + key))
}

// ParseID splits a global ID into its type and key.
func ParseID(id string) (typ, key string, err error) {
	b, derr := base64.RawURLEncoding.DecodeString(id)
	typ, key, ok := strings.Cut(string(b), ":")
	if derr != nil || !ok || typ == "" || key == "" {
		return "", "", apperr.Invalid("id", "%q is not a kimhub ID", id)
	}
	return typ, key, nil
}
