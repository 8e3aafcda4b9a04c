package jenkinssim

import (
	"strconv"
	"strings"
)

// Jenkins' hudson.Util time constants.
const (
	msSecond = int64(1000)
	msMinute = 60 * msSecond
	msHour   = 60 * msMinute
	msDay    = 24 * msHour
	msMonth  = 30 * msDay
	msYear   = 365 * msDay
)

// timeSpanString is hudson.Util.getTimeSpanString with the English Messages.properties
// (Util.second={0} sec, Util.minute={0} min, ...): "4.9 sec", "1 min 33 sec", "2 hr 25 min".
func timeSpanString(d int64) string {
	years := d / msYear
	d %= msYear
	months := d / msMonth
	d %= msMonth
	days := d / msDay
	d %= msDay
	hours := d / msHour
	d %= msHour
	minutes := d / msMinute
	d %= msMinute
	seconds := d / msSecond
	ms := d % msSecond

	switch {
	case years > 0:
		return twoUnits(years, unitYear(years), unitMonth(months))
	case months > 0:
		return twoUnits(months, unitMonth(months), unitDay(days))
	case days > 0:
		return twoUnits(days, unitDay(days), unitHour(hours))
	case hours > 0:
		return twoUnits(hours, unitHour(hours), unitMinute(minutes))
	case minutes > 0:
		return twoUnits(minutes, unitMinute(minutes), unitSecond(seconds))
	case seconds >= 10:
		return unitSecond(seconds)
	case seconds >= 1:
		// seconds + (float) (millisecs / 100) / 10, printed by MessageFormat: "1.2 sec", "3 sec".
		return decimal(seconds*10+ms/100, 1) + " sec"
	case ms >= 100:
		// (float) (millisecs / 10) / 100: "0.12 sec".
		return decimal(ms/10, 2) + " sec"
	default:
		return strconv.FormatInt(ms, 10) + " ms"
	}
}

// twoUnits is Util.makeTimeSpanString: the small unit is added only when the big one is
// below 10.
func twoUnits(big int64, bigLabel, smallLabel string) string {
	if big < 10 {
		return bigLabel + " " + smallLabel
	}
	return bigLabel
}

// decimal prints v / 10^places the way java.text.NumberFormat does for such values: no
// trailing zeros, no decimal point for whole numbers.
func decimal(v int64, places int) string {
	s := strconv.FormatInt(v, 10)
	for len(s) <= places {
		s = "0" + s
	}
	whole, frac := s[:len(s)-places], strings.TrimRight(s[len(s)-places:], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

func unitSecond(n int64) string { return strconv.FormatInt(n, 10) + " sec" }
func unitMinute(n int64) string { return strconv.FormatInt(n, 10) + " min" }
func unitHour(n int64) string   { return strconv.FormatInt(n, 10) + " hr" }
func unitMonth(n int64) string  { return strconv.FormatInt(n, 10) + " mo" }
func unitYear(n int64) string   { return strconv.FormatInt(n, 10) + " yr" }

// unitDay is Util.day={0} {0,choice,0#days|1#day|1<days}.
func unitDay(n int64) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.FormatInt(n, 10) + " days"
}
