package plan

import (
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name, whatever the machine has installed

	"github.com/robfig/cron/v3"

	"github.com/berth-dev/berth/config"
)

// window is a warm window as config makes it.
func window(t testing.TB, spec string, d time.Duration, idle int) config.Warm {
	t.Helper()
	s, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatalf("schedule %q: %v", spec, err)
	}
	return config.Warm{Spec: spec, Schedule: s, Duration: d, Idle: idle}
}

// warmTmpl is template linux with the given windows. At t0 (12:00 UTC),
// "0 12 * * *" for 1h is open until 13:00, "0 14 * * *" is closed.
func warmTmpl(ws ...config.Warm) config.Template {
	t := tmpl("linux", "linux")
	t.Warm = ws
	return t
}

// idleFor is the state of idle agents first seen idle `ago` before t0.
func idleFor(ago map[string]time.Duration) State {
	st := State{Agents: map[string]AgentState{}}
	for name, d := range ago {
		st.Agents[name] = AgentState{Template: "linux", Host: "h1", NodeSeen: t0.Add(-2 * time.Hour), IdleSince: t0.Add(-d), WasOnline: true}
	}
	return st
}

// warmStarts counts the starts without items: those of warm pools.
func warmStarts(res Result) []Action {
	var out []Action
	for _, a := range res.Actions {
		if a.Kind == Start && len(a.Items) == 0 {
			out = append(out, a)
		}
	}
	return out
}

func TestWarmClosedWindowStartsNothing(t *testing.T) {
	s := newSnap(warmTmpl(window(t, "0 14 * * *", time.Hour, 2), window(t, "0 10 * * *", 2*time.Hour, 2)))
	res := Plan(s, State{})
	checkActions(t, res)
	if len(res.Warm) != 0 {
		t.Errorf("warm pools reported for closed windows: %+v", res.Warm)
	}
}

func TestWarmStartsUpToIdle(t *testing.T) {
	s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 3)))
	agentPair(&s, "linux-a", "linux", "h1", time.Hour)
	s.InFlight = []InFlight{{Kind: Start, Node: "linux-b", Template: "linux", Host: "h1", Since: t0}}
	res := Plan(s, State{})
	checkActions(t, res, "start linux@h1 []")
	want := "warm pool linux: 2 of 3 ready, window open until 13:00 UTC → start linux on h1 (linux 3/∞, h1 3/∞, total 3/∞)"
	if got := findAction(t, res, Start).Reason; got != want {
		t.Errorf("reason = %q\n      want %q", got, want)
	}
	wantPool := []WarmPool{{Template: "linux", Idle: 3, Ready: 2, Started: 1, Until: t0.Add(time.Hour)}}
	if !slices.Equal(res.Warm, wantPool) {
		t.Errorf("Warm = %+v, want %+v", res.Warm, wantPool)
	}

	// Full: nothing more starts.
	s.InFlight = append(s.InFlight, InFlight{Kind: Start, Node: "linux-c", Template: "linux", Host: "h1", Since: t0})
	res = Plan(s, State{})
	checkActions(t, res)
	if len(res.Warm) != 1 || res.Warm[0].Ready != 3 || res.Warm[0].Started != 0 || res.Warm[0].Blocked != "" {
		t.Errorf("Warm = %+v", res.Warm)
	}
}

// TestWarmReady: which agents count as ready (idle or starting); the pool
// wants 1, so a ready agent means no start.
func TestWarmReady(t *testing.T) {
	tests := []struct {
		name   string
		build  func(s *Snapshot)
		st     State
		starts int
	}{
		{"an idle agent", func(s *Snapshot) { agentPair(s, "linux-a", "linux", "h1", time.Hour) }, State{}, 0},
		{"a starting agent (start in flight)", func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: Start, Node: "linux-a", Template: "linux", Host: "h1", Since: t0}}
		}, State{}, 0},
		{"a starting agent (node not yet online)", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", 30*time.Second)
			s.Nodes[0].Online = false
		}, State{}, 0},
		{"an unused single-use agent", func(s *Snapshot) {
			s.Config.Templates[0].SingleUse = true
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
		}, State{}, 0},
		{"a busy agent is not", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Nodes[0].Busy = 1
		}, State{}, 1},
		{"a busy agent with a free executor is not", func(s *Snapshot) {
			s.Config.Templates[0].Executors = 2
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Nodes[0].Busy = 1
		}, State{}, 1},
		{"an agent a person took offline is not", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Nodes[0].Online, s.Nodes[0].TemporarilyOffline = false, true
		}, State{}, 1},
		{"an agent being retired is not", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.InFlight = []InFlight{{Kind: Retire, Node: "linux-a", Container: "c-linux-a", Template: "linux", Host: "h1"}}
		}, State{}, 1},
		{"a used single-use agent is not", func(s *Snapshot) {
			s.Config.Templates[0].SingleUse = true
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
		}, State{Agents: map[string]AgentState{"linux-a": {Template: "linux", Host: "h1", WasOnline: true, Used: true}}}, 1},
		{"an idle agent a waiting build takes is not", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Demand = []Demand{want(t, "linux", 7)}
		}, State{}, 1},
		{"a starting agent a waiting build takes is not", func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: Start, Node: "linux-a", Template: "linux", Host: "h1", Since: t0}}
			s.Demand = []Demand{want(t, "linux", 7)}
		}, State{}, 1},
		{"an agent of another template is not", func(s *Snapshot) {
			s.Config.Templates = append(s.Config.Templates, tmpl("other", "linux"))
			agentPair(s, "other-a", "other", "h1", time.Hour)
		}, State{}, 1},
		{"a static node with the labels is not", func(s *Snapshot) {
			s.Nodes = append(s.Nodes, staticNode("static", "linux"))
		}, State{}, 1},
		{"an agent whose container exited is not", func(s *Snapshot) {
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Containers[0].Running, s.Containers[0].Exited = false, true
		}, State{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 1)))
			tt.build(&s)
			res := Plan(s, tt.st)
			if got := len(warmStarts(res)); got != tt.starts {
				t.Errorf("%d warm starts, want %d:\n%s", got, tt.starts, reasons(res))
			}
		})
	}
}

// TestWarmBlocked: draining, nodes unread, back-off, caps and placement
// stop warm starts as they stop starts for builds, and say so.
func TestWarmBlocked(t *testing.T) {
	two := func(v int) *int { return &v }
	tests := []struct {
		name    string
		build   func(s *Snapshot)
		st      State
		starts  int
		blocked string
	}{
		{"room for all", func(s *Snapshot) {}, State{}, 2, ""},
		{"instanceCap", func(s *Snapshot) {
			s.Config.Templates[0].InstanceCap = 1
		}, State{}, 1, "template linux at instanceCap 1 (1 containers)"},
		{"instanceCap full of busy agents", func(s *Snapshot) {
			s.Config.Templates[0].InstanceCap = 1
			agentPair(s, "linux-a", "linux", "h1", time.Hour)
			s.Nodes[0].Busy = 1
		}, State{}, 0, "template linux at instanceCap 1"},
		{"global maxContainers", func(s *Snapshot) {
			s.Config.MaxContainers = 1
		}, State{}, 1, "global maxContainers 1 reached"},
		{"host maxContainers", func(s *Snapshot) {
			s.Config.DockerHosts[0].MaxContainers = *two(0)
		}, State{}, 0, "template linux: no room on its docker hosts: h1 full (0/0)"},
		{"host down", func(s *Snapshot) { unlist(s, "h1") }, State{}, 0, "h1 unreachable"},
		{"draining", func(s *Snapshot) { s.Draining = true }, State{}, 0, "berth is draining for shutdown: nothing starts"},
		{"nodes unread", func(s *Snapshot) { s.NodesOK = false }, State{}, 0, "Jenkins nodes could not be read this cycle"},
		{"back-off pause", func(s *Snapshot) {}, State{Backoff: map[string]Backoff{"linux": {Failures: 1, Step: 1, Until: t0.Add(time.Second), LastReason: "boom"}}},
			0, "template linux backing off until"},
		{"back-off recovering: one start at a time", func(s *Snapshot) {}, State{Backoff: map[string]Backoff{"linux": {Failures: 1, Step: 1, Until: t0, LastReason: "boom"}}},
			1, "template linux recovering after 1 failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 2)))
			tt.build(&s)
			res := Plan(s, tt.st)
			if got := len(warmStarts(res)); got != tt.starts {
				t.Errorf("%d warm starts, want %d:\n%s", got, tt.starts, reasons(res))
			}
			if len(res.Warm) != 1 {
				t.Fatalf("Warm = %+v", res.Warm)
			}
			if w := res.Warm[0]; w.Started != tt.starts || !strings.Contains(w.Blocked, tt.blocked) || (tt.blocked == "") != (w.Blocked == "") {
				t.Errorf("Warm = %+v; want %d started, blocked %q", w, tt.starts, tt.blocked)
			}
			if bad := checkInvariants(s, tt.st, res); len(bad) > 0 {
				t.Errorf("invariants: %v", bad)
			}
		})
	}
}

// TestWarmDemandFirst: waiting builds take the room first, also the room of
// a template configured before the warm one, and warm starts come after
// the starts for builds.
func TestWarmDemandFirst(t *testing.T) {
	t.Run("own cap", func(t *testing.T) {
		tp := warmTmpl(window(t, "0 12 * * *", time.Hour, 2))
		tp.InstanceCap = 3
		s := newSnap(tp)
		s.Demand = []Demand{want(t, "linux", 1, 2)}
		res := Plan(s, State{})
		checkActions(t, res, "start linux@h1 [1]", "start linux@h1 [2]", "start linux@h1 []")
		checkNoUnserved(t, res)
		if w := res.Warm[0]; w.Ready != 0 || w.Started != 1 || !strings.Contains(w.Blocked, "at instanceCap 3") {
			t.Errorf("Warm = %+v", w)
		}
	})
	t.Run("global cap, warm template first in the configuration", func(t *testing.T) {
		s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 2)), tmpl("java", "java"))
		s.Config.MaxContainers = 2
		s.Demand = []Demand{want(t, "java", 1, 2, 3)}
		res := Plan(s, State{})
		checkActions(t, res, "start java@h1 [1]", "start java@h1 [2]")
		checkUnserved(t, res, "java", []int64{3}, "global maxContainers 2 reached")
		if w := res.Warm[0]; w.Started != 0 || !strings.Contains(w.Blocked, "global maxContainers 2 reached") {
			t.Errorf("Warm = %+v", w)
		}
	})
}

// TestWarmKeepsPool: while the window is open, the idle agents the pool
// needs stay past idleTimeout; those beyond it go, the longest idle first.
func TestWarmKeepsPool(t *testing.T) {
	tests := []struct {
		name    string
		idle    map[string]time.Duration // agent → idle for
		build   func(s *Snapshot)
		retired []string
	}{
		{"pool exactly full", map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, nil, nil},
		{"one beyond the pool, the longest idle goes", map[string]time.Duration{"a": time.Hour, "b": 3 * time.Hour, "c": 2 * time.Hour}, nil, []string{"b"}},
		{"idle ones not yet due count first", map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour, "c": time.Minute}, nil, []string{"b"}},
		{"starting agents do not replace idle ones", map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, func(s *Snapshot) {
			s.InFlight = []InFlight{{Kind: Start, Node: "linux-z", Template: "linux", Host: "h1", Since: t0}}
		}, nil},
		{"draining retires them all the same", map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, func(s *Snapshot) {
			s.Draining = true
		}, []string{"a", "b"}},
		{"an agent on an unreachable host counts, and stays", map[string]time.Duration{"a": 3 * time.Hour, "b": time.Hour, "c": 2 * time.Hour}, func(s *Snapshot) {
			setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", config.NoLimit))
			unlist(s, "h2")
			s.Nodes[0].Managed.Host = "h2"
			s.Containers = s.Containers[1:]
		}, []string{"c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 2)))
			var names []string
			for n := range tt.idle {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				agentPair(&s, n, "linux", "h1", 3*time.Hour)
			}
			if tt.build != nil {
				tt.build(&s)
			}
			res := Plan(s, idleFor(tt.idle))
			var retired []string
			for _, a := range res.Actions {
				if a.Kind == Retire {
					retired = append(retired, a.Node)
				}
			}
			if !slices.Equal(retired, tt.retired) {
				t.Errorf("retired %q, want %q:\n%s", retired, tt.retired, reasons(res))
			}
			if len(warmStarts(res)) != 0 {
				t.Errorf("warm starts with a full pool:\n%s", reasons(res))
			}
		})
	}

	s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 1)))
	agentPair(&s, "a", "linux", "h1", 3*time.Hour)
	agentPair(&s, "b", "linux", "h1", 3*time.Hour)
	res := Plan(s, idleFor(map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}))
	if r := findAction(t, res, Retire); r.Node != "b" || r.Reason != "idle 2h0m0s ≥ idleTimeout 5m0s, beyond the 1 of warm pool linux" {
		t.Errorf("retire = %+v", r)
	}
}

// TestWarmClose: the window closes at exactly a+duration; the pool's agents
// then get idleTimeout (5m) from the close, and go together after it.
func TestWarmClose(t *testing.T) {
	s := newSnap(warmTmpl(window(t, "0 11 * * *", time.Hour, 2)))
	agentPair(&s, "a", "linux", "h1", 3*time.Hour)
	agentPair(&s, "b", "linux", "h1", 3*time.Hour)
	st := idleFor(map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}) // idle since 11:00 and 10:00
	steps := []struct {
		at      time.Duration // after t0 (12:00)
		open    bool
		retired []string
	}{
		{-time.Nanosecond, true, nil},
		{0, false, nil},
		{5*time.Minute - time.Nanosecond, false, nil},
		{5 * time.Minute, false, []string{"a", "b"}},
	}
	for _, step := range steps {
		s.Now = t0.Add(step.at)
		res := Plan(s, st)
		if got := len(res.Warm) == 1; got != step.open {
			t.Errorf("at 12:00%+v: window open %v, want %v", step.at, got, step.open)
		}
		var retired []string
		for _, a := range res.Actions {
			if a.Kind == Retire {
				retired = append(retired, a.Node)
			}
		}
		if !slices.Equal(retired, step.retired) {
			t.Errorf("at 12:00%+v: retired %q, want %q:\n%s", step.at, retired, step.retired, reasons(res))
		}
	}
}

// TestWarmLoweredPool: when the window with the larger idle closes while a
// smaller one stays open, the agents beyond the smaller pool get
// idleTimeout from the close too; windows that overlap with the same idle
// give no such grace.
func TestWarmLoweredPool(t *testing.T) {
	s := newSnap(warmTmpl(window(t, "0 11 * * *", time.Hour, 3), window(t, "0 11 * * *", 3*time.Hour, 1)))
	for _, n := range []string{"a", "b", "c"} {
		agentPair(&s, n, "linux", "h1", 3*time.Hour)
	}
	st := idleFor(map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour, "c": 3 * time.Hour})
	s.Now = t0.Add(2 * time.Minute)
	res := Plan(s, st)
	checkActions(t, res)
	if len(res.Warm) != 1 || res.Warm[0].Idle != 1 || !res.Warm[0].Until.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("Warm = %+v", res.Warm)
	}
	s.Now = t0.Add(5 * time.Minute)
	res = Plan(s, st)
	checkActions(t, res, "retire b c-b", "retire c c-c")

	// Hourly windows of 90m overlap: at 12:30 the 11:00 one closes while
	// the 12:00 one keeps the same pool open.
	s = newSnap(warmTmpl(window(t, "0 * * * *", 90*time.Minute, 1)))
	agentPair(&s, "a", "linux", "h1", 3*time.Hour)
	agentPair(&s, "b", "linux", "h1", 3*time.Hour)
	s.Now = t0.Add(31 * time.Minute)
	res = Plan(s, idleFor(map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}))
	checkActions(t, res, "retire b c-b")
}

func TestWarmLargestIdleCounts(t *testing.T) {
	s := newSnap(warmTmpl(
		window(t, "0 12 * * *", time.Hour, 1),
		window(t, "30 11 * * *", time.Hour, 3),
		window(t, "0 14 * * *", time.Hour, 5), // closed
	))
	res := Plan(s, State{})
	if got := len(warmStarts(res)); got != 3 {
		t.Errorf("%d warm starts, want 3:\n%s", got, reasons(res))
	}
	if w := res.Warm[0]; w.Idle != 3 || !w.Until.Equal(t0.Add(30*time.Minute)) {
		t.Errorf("Warm = %+v", w)
	}
}

// TestWarmWindowBoundaries: open from the activation a, inclusive, to
// a+duration, exclusive; "until" is the end of the latest window opened.
func TestWarmWindowBoundaries(t *testing.T) {
	a := t0 // 12:00, an activation of "0 12 * * *"
	tests := []struct {
		spec  string
		d     time.Duration
		now   time.Time
		until time.Time // zero: closed
	}{
		{"0 12 * * *", time.Hour, a.Add(-time.Nanosecond), time.Time{}},
		{"0 12 * * *", time.Hour, a, a.Add(time.Hour)},
		{"0 12 * * *", time.Hour, a.Add(time.Hour - time.Nanosecond), a.Add(time.Hour)},
		{"0 12 * * *", time.Hour, a.Add(time.Hour), time.Time{}},
		{"0 12 * * *", 90 * time.Second, a.Add(89 * time.Second), a.Add(90 * time.Second)},
		{"0 12 * * *", 90 * time.Second, a.Add(90 * time.Second), time.Time{}},
		{"0 12 * * *", 25 * time.Hour, a.Add(time.Hour), a.Add(25 * time.Hour)},    // yesterday's and today's overlap
		{"0 12 * * *", 25 * time.Hour, a.Add(-30 * time.Minute), a.Add(time.Hour)}, // yesterday's
		{"* * * * *", 10 * time.Hour, a.Add(30 * time.Second), a.Add(10 * time.Hour)},
		{"*/7 * * * *", 10 * time.Hour, a.Add(20 * time.Minute), a.Add(14*time.Minute + 10*time.Hour)},
		{"0 12 * * SAT", time.Hour, a, time.Time{}}, // 2026-01-01 is a Thursday
		{"0 12 1 1 *", 48 * time.Hour, a.Add(47 * time.Hour), a.Add(48 * time.Hour)},
	}
	for _, tt := range tests {
		w := window(t, tt.spec, tt.d, 1)
		idle, until, _ := openWindow([]config.Warm{w}, tt.now)
		if (idle > 0) != !tt.until.IsZero() || !until.Equal(tt.until) {
			t.Errorf("%q for %s at %s: idle %d until %s; want until %s", tt.spec, tt.d, tt.now.Format(time.RFC3339Nano), idle, until, tt.until)
		}
	}

	// Through Plan: a start just before the end, none at the end.
	s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 1)))
	s.Now = a.Add(time.Hour - time.Nanosecond)
	if got := len(warmStarts(Plan(s, State{}))); got != 1 {
		t.Errorf("at 12:59:59.999999999: %d warm starts, want 1", got)
	}
	s.Now = a.Add(time.Hour)
	if got := len(warmStarts(Plan(s, State{}))); got != 0 {
		t.Errorf("at 13:00: %d warm starts, want 0", got)
	}
}

// TestWarmTimeZones: CRON_TZ times are in that zone, summer time included;
// without one, the zone of Snapshot.Now (berth's local clock) counts.
func TestWarmTimeZones(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	summer := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) // 14:00 in Berlin (CEST)
	tests := []struct {
		name   string
		spec   string
		now    time.Time
		reason string // "" for no start
	}{
		{"Berlin 13:00 is 12:00 UTC in winter", "CRON_TZ=Europe/Berlin 0 13 * * *", t0,
			"warm pool linux: 0 of 1 ready, window open until 14:00 CET → start"},
		{"Berlin 14:00 is 12:00 UTC in summer", "CRON_TZ=Europe/Berlin 0 14 * * *", summer,
			"warm pool linux: 0 of 1 ready, window open until 15:00 CEST → start"},
		{"Berlin 13:00 is not 12:00 UTC in summer", "CRON_TZ=Europe/Berlin 0 13 * * *", summer, ""},
		{"TZ= works as CRON_TZ=", "TZ=Asia/Tokyo 0 21 * * *", t0,
			"warm pool linux: 0 of 1 ready, window open until 22:00 JST → start"},
		{"no zone: the clock's zone, UTC", "0 12 * * *", t0,
			"warm pool linux: 0 of 1 ready, window open until 13:00 UTC → start"},
		{"no zone: the clock's zone, Berlin", "0 13 * * *", t0.In(berlin),
			"warm pool linux: 0 of 1 ready, window open until 14:00 CET → start"},
		{"no zone: 13:00 on a UTC clock is later", "0 13 * * *", t0, ""},
		{"until on another day shows the date", "CRON_TZ=Europe/Berlin 0 8 * * *", t0,
			"warm pool linux: 0 of 1 ready, window open until 2026-01-02 08:00 CET → start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := time.Hour
			if strings.Contains(tt.spec, " 8 ") {
				d = 24 * time.Hour
			}
			s := newSnap(warmTmpl(window(t, tt.spec, d, 1)))
			s.Now = tt.now
			starts := warmStarts(Plan(s, State{}))
			switch {
			case tt.reason == "" && len(starts) > 0:
				t.Errorf("started: %s", starts[0].Reason)
			case tt.reason != "" && (len(starts) != 1 || !strings.HasPrefix(starts[0].Reason, tt.reason)):
				t.Errorf("starts = %+v, want one with reason %q", starts, tt.reason)
			}
		})
	}
}

// TestWarmGivesWay: while a build waits for the global maxContainers or for
// a full host, warm pools keep no agent past idleTimeout that holds that
// room; for any other reason a build waits, they keep their agents.
func TestWarmGivesWay(t *testing.T) {
	const yieldGlobal = "idle 1h0m0s ≥ idleTimeout 5m0s; warm pool linux gives way: builds wait for room under the global maxContainers"
	tests := []struct {
		name    string
		build   func(s *Snapshot)
		idle    map[string]time.Duration
		retired map[string]string // node → reason
	}{
		{"global maxContainers", func(s *Snapshot) {
			s.Config.MaxContainers = 2
		}, map[string]time.Duration{"a": time.Hour, "b": 2 * time.Minute}, map[string]string{"a": yieldGlobal}},
		{"global maxContainers, after the window closed", func(s *Snapshot) {
			s.Config.MaxContainers = 2
			s.Now = t0.Add(time.Hour + 2*time.Minute)
		}, map[string]time.Duration{"a": time.Hour, "b": 0}, map[string]string{
			"a": "idle 2h2m0s ≥ idleTimeout 5m0s; warm pool linux gives way: builds wait for room under the global maxContainers",
			"b": "idle 1h2m0s ≥ idleTimeout 5m0s; warm pool linux gives way: builds wait for room under the global maxContainers",
		}},
		{"a full host: the pool keeps its agents elsewhere", func(s *Snapshot) {
			setHosts(s, dockerHost("h1", 1), dockerHost("h2", config.NoLimit))
			s.Config.Templates[1].Hosts = []string{"h1"}
			s.Nodes[1].Managed.Host, s.Containers[1].Host = "h2", "h2"
			agentPair(s, "c", "linux", "h2", 3*time.Hour)
		}, map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour, "c": 3 * time.Hour}, map[string]string{
			"a": "idle 1h0m0s ≥ idleTimeout 5m0s; warm pool linux gives way: builds wait for room on h1",
		}},
		{"the build's own instanceCap", func(s *Snapshot) {
			s.Config.MaxContainers = 2
			s.Config.Templates[1].InstanceCap = 0
		}, map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, nil},
		{"the build's template backs off", func(s *Snapshot) {
			s.Config.MaxContainers = 2
		}, map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, nil},
		{"the build's host is unreachable", func(s *Snapshot) {
			setHosts(s, dockerHost("h1", config.NoLimit), dockerHost("h2", 2))
			unlist(s, "h2")
			s.Config.Templates[1].Hosts = []string{"h2"}
		}, map[string]time.Duration{"a": time.Hour, "b": 2 * time.Hour}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSnap(warmTmpl(window(t, "0 12 * * *", time.Hour, 2)), tmpl("java", "java"))
			agentPair(&s, "a", "linux", "h1", 3*time.Hour)
			agentPair(&s, "b", "linux", "h1", 3*time.Hour)
			s.Demand = []Demand{want(t, "java", 1)}
			tt.build(&s)
			st := idleFor(tt.idle)
			if strings.Contains(tt.name, "backs off") {
				st.Backoff = map[string]Backoff{"java": {Failures: 1, Step: 1, Until: t0.Add(time.Minute), LastReason: "boom"}}
			}
			res := Plan(s, st)
			retired := map[string]string{}
			for _, a := range res.Actions {
				if a.Kind == Retire {
					retired[a.Node] = a.Reason
				}
			}
			if len(retired) != len(tt.retired) {
				t.Errorf("retired %q, want %q:\n%s", retired, tt.retired, reasons(res))
			}
			for n, r := range tt.retired {
				if retired[n] != r {
					t.Errorf("retire %s: %q, want %q", n, retired[n], r)
				}
			}
			if len(warmStarts(res)) != 0 {
				t.Errorf("warm start while a build waits:\n%s", reasons(res))
			}
		})
	}
}
