package aspiration

import (
	"testing"
	"time"
)

func TestAddWorkingDaysSkipsWeekends(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04 Mon", s, wib)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-23 10:00 Mon", 3, "2026-11-26 10:00 Thu"},
		{"2026-11-26 10:00 Thu", 3, "2026-12-01 10:00 Tue"}, // across a weekend
		{"2026-11-27 16:30 Fri", 5, "2026-12-04 16:30 Fri"},
		{"2026-11-28 09:00 Sat", 3, "2026-12-03 00:00 Thu"}, // from a weekend: counted from Monday 00:00
		{"2026-11-29 23:00 Sun", 1, "2026-12-01 00:00 Tue"},
		{"2026-11-23 10:00 Mon", 0, "2026-11-23 10:00 Mon"},
	} {
		got := AddWorkingDays(at(c.from), c.n).In(wib).Format("2006-01-02 15:04 Mon")
		if got != c.want {
			t.Errorf("%s + %d working days = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	// The weekday is WIB's: Friday 20:00 UTC is already Saturday in Jakarta.
	fri := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	if got := AddWorkingDays(fri, 1).In(wib).Format("Mon 15:04"); got != "Tue 00:00" {
		t.Errorf("Friday 20:00 UTC + 1 = %s, want Tue 00:00", got)
	}
}
