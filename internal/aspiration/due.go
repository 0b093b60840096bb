package aspiration

import "time"

// ServiceLevels are the working days allowed for each step, after
// SP4N-LAPOR!: acknowledgement within 3 working days of submission, a
// response within 5 of acknowledgement.
type ServiceLevels struct {
	AcknowledgeDays int
	RespondDays     int
}

// DefaultServiceLevels are SP4N-LAPOR!'s.
var DefaultServiceLevels = ServiceLevels{AcknowledgeDays: 3, RespondDays: 5}

// wib is the clock working days are counted on. Offices in WITA and WIT
// regencies start their week one or two hours earlier; their weekend
// boundaries are off by that much (noted, not yet per-regency).
var wib = time.FixedZone("WIB", 7*3600)

// AddWorkingDays returns the moment n working days after t: the same time
// of day, n weekdays later, skipping Saturdays and Sundays. From a weekend
// the count starts on Monday morning.
func AddWorkingDays(t time.Time, n int) time.Time {
	d := t.In(wib)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		// Submitted on a weekend: the clock starts at 00:00 on Monday.
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, 1)
		}
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, wib)
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d.UTC()
}
