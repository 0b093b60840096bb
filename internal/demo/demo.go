// Package demo loads the demo data that `make run` serves: the region tree
// of Kalimantan Timur (64), with every regency, city, district and village
// of the province, Kutai Kartanegara (64.02) among them. Later capabilities
// add their own demo records here. Loading is idempotent.
package demo

import (
	"bytes"
	"context"
	_ "embed"
	"io"

	"github.com/kimhub/kimhub/internal/region"
)

// regionsCSV holds the official codes and names of province 64, taken from
// the Ministry of Home Affairs' list (public facts).
//
//go:embed data/regions-64.csv
var regionsCSV []byte

// Deps are the stores the demo data is written through.
type Deps struct {
	Regions *region.Store
}

// Load writes the demo data, reporting progress to w.
func Load(ctx context.Context, d Deps, w io.Writer) error {
	_, err := d.Regions.Import(ctx, bytes.NewReader(regionsCSV), w)
	return err
}
