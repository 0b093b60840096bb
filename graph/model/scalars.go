package model

import (
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/kimhub/kimhub/internal/apperr"
)

// JSON is a JSON value passed through as it is (a GeoJSON object).
type JSON json.RawMessage

// MarshalGQL writes the value itself, not a string of it.
func (j JSON) MarshalGQL(w io.Writer) {
	if len(j) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(j)
}

// UnmarshalGQL accepts any input value.
func (j *JSON) UnmarshalGQL(v any) error {
	b, err := json.Marshal(v)
	*j = b
	return err
}

// Date is a calendar date, YYYY-MM-DD.
type Date time.Time

// MarshalGQL writes the date as a string.
func (d Date) MarshalGQL(w io.Writer) {
	_, _ = io.WriteString(w, strconv.Quote(time.Time(d).Format(time.DateOnly)))
}

// UnmarshalGQL reads YYYY-MM-DD. Its errors name no field: the error
// presenter names the argument or input field the value was given for.
func (d *Date) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if !ok {
		return apperr.Invalid("", "a date is a string YYYY-MM-DD")
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return apperr.Invalid("", "%q is not a date YYYY-MM-DD", s)
	}
	*d = Date(t)
	return nil
}

// MarshalDay writes a time.Time as a Date: domain types keep their dates as
// time.Time and bind to the Date scalar through this pair.
func MarshalDay(t time.Time) graphql.Marshaler { return Date(t) }

// UnmarshalDay reads a Date into a time.Time.
func UnmarshalDay(v any) (time.Time, error) {
	var d Date
	err := d.UnmarshalGQL(v)
	return time.Time(d), err
}
