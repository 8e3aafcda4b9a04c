package config

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name, whatever the machine has installed
)

func TestWarmWindows(t *testing.T) {
	c := mustParse(t, baseT+`    instanceCap: 3
    warm:
      - schedule: "CRON_TZ=Europe/Berlin 0 8 * * MON-FRI"
        duration: 10h
        idle: 2
      - {schedule: "@daily", duration: 90m, idle: 3}
`, tokenEnv)
	ws := c.Templates[0].Warm
	if len(ws) != 2 {
		t.Fatalf("warm = %+v, want 2 windows", ws)
	}
	if w := ws[0]; w.Spec != "CRON_TZ=Europe/Berlin 0 8 * * MON-FRI" || w.Duration != 10*time.Hour || w.Idle != 2 || w.Schedule == nil {
		t.Errorf("warm[0] = %+v", w)
	}
	if w := ws[1]; w.Spec != "@daily" || w.Duration != 90*time.Minute || w.Idle != 3 || w.Schedule == nil {
		t.Errorf("warm[1] = %+v", w)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}

	// CRON_TZ: 08:00 in Berlin is 07:00 UTC in winter, 06:00 in summer;
	// Saturday and Sunday are skipped.
	berlin := []struct{ from, want time.Time }{
		{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)},
		{time.Date(2026, 7, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 6, 6, 0, 0, 0, time.UTC)},
		{time.Date(2026, 1, 9, 7, 0, 0, 0, time.UTC), time.Date(2026, 1, 12, 7, 0, 0, 0, time.UTC)},
	}
	for _, b := range berlin {
		if got := ws[0].Schedule.Next(b.from); !got.Equal(b.want) {
			t.Errorf("Berlin window: Next(%s) = %s, want %s", b.from, got.UTC(), b.want)
		}
	}
	// Without a zone, the schedule is read in the zone of the time it is
	// given: berth passes its local clock.
	plus3 := time.FixedZone("X", 3*60*60)
	from := time.Date(2026, 1, 5, 12, 0, 0, 0, plus3)
	if got, want := ws[1].Schedule.Next(from), time.Date(2026, 1, 6, 0, 0, 0, 0, plus3); !got.Equal(want) {
		t.Errorf("@daily: Next(%s) = %s, want %s", from, got, want)
	}
}

// TestWarmIdleWithinCap: idle may equal instanceCap, and any idle goes
// with no cap.
func TestWarmIdleWithinCap(t *testing.T) {
	for _, y := range []string{
		baseT + "    instanceCap: 2\n    warm: [{schedule: \"@hourly\", duration: 1m, idle: 2}]\n",
		baseT + "    warm: [{schedule: \"@hourly\", duration: 1m, idle: 50}]\n",
		baseT + "    warm: []\n",
	} {
		mustParse(t, y, tokenEnv)
	}
}
