package community

import (
	"context"
	"encoding/json"

	"github.com/lib/pq"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/postgres"
	"github.com/kimhub/kimhub/internal/region"
)

// MaxMapFeatures bounds one map: a national map of every KIM is asked for
// region by region.
const MaxMapFeatures = 20000

// Map returns a GeoJSON FeatureCollection of the ACTIVE communities with a
// location in the subtree of regionCode, optionally of one field, for
// dashboard maps. Only public facts are in it. Each feature's properties
// hold its global id (as globalID makes it), name, slug, category, fields
// and registration number.
func (s *Service) Map(ctx context.Context, regionCode, field string, globalID func(int64) string) (json.RawMessage, error) {
	if _, err := region.LevelOf(regionCode); err != nil {
		return nil, apperr.Invalid("regionCode", "%q is not a region code", regionCode)
	}
	args := []any{regionCode}
	fieldCond := ""
	if field != "" {
		args = append(args, field)
		fieldCond = " AND EXISTS (SELECT 1 FROM community_fields f WHERE f.community_id = c.id AND f.field_code = $2)"
	}
	var rows []struct {
		Community
		Fields pq.StringArray `db:"fields"`
	}
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+postgres.Qualify(Columns, "c")+`,
			COALESCE((SELECT array_agg(field_code ORDER BY field_code) FROM community_fields f WHERE f.community_id = c.id), '{}') AS fields
		FROM communities c
		WHERE c.status = 'ACTIVE' AND c.latitude IS NOT NULL
		  AND `+region.SubtreeRange("c.domicile_code", "$1")+fieldCond+`
		ORDER BY c.id LIMIT `+itoa(MaxMapFeatures+1), args...)
	if err != nil {
		return nil, postgres.MapError(err, "community map", "")
	}
	if len(rows) > MaxMapFeatures {
		return nil, apperr.New(apperr.TooLarge, "more than %d communities; ask for a smaller region", MaxMapFeatures)
	}
	type geometry struct {
		Type        string     `json:"type"`
		Coordinates [2]float64 `json:"coordinates"`
	}
	type feature struct {
		Type       string         `json:"type"`
		ID         string         `json:"id"`
		Geometry   geometry       `json:"geometry"`
		Properties map[string]any `json:"properties"`
	}
	fc := struct {
		Type     string    `json:"type"`
		Features []feature `json:"features"`
	}{Type: "FeatureCollection", Features: make([]feature, 0, len(rows))}
	for _, r := range rows {
		id := globalID(r.ID)
		fields := []string(r.Fields)
		if fields == nil {
			fields = []string{}
		}
		fc.Features = append(fc.Features, feature{
			Type: "Feature", ID: id,
			// GeoJSON puts longitude first.
			Geometry: geometry{Type: "Point", Coordinates: [2]float64{*r.Longitude, *r.Latitude}},
			Properties: map[string]any{
				"id": id, "name": r.Name, "slug": r.Slug, "category": r.Category, "fields": fields,
				"registrationNumber": r.RegistrationNumber, "domicileCode": r.DomicileCode,
			},
		})
	}
	b, err := json.Marshal(fc)
	return b, apperr.Wrap(err, "encode map")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
