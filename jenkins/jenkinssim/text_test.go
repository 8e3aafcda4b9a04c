package jenkinssim

import (
	"testing"
	"time"
)

// hudson.Util.getTimeSpanString with the English messages.
func TestTimeSpanString(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 ms"},
		{99 * time.Millisecond, "99 ms"},
		{120 * time.Millisecond, "0.12 sec"},
		{100 * time.Millisecond, "0.1 sec"},
		{999 * time.Millisecond, "0.99 sec"},
		{time.Second, "1 sec"},
		{4900 * time.Millisecond, "4.9 sec"},
		{4999 * time.Millisecond, "4.9 sec"},
		{9950 * time.Millisecond, "9.9 sec"},
		{10 * time.Second, "10 sec"},
		{93 * time.Second, "1 min 33 sec"},
		{15 * time.Minute, "15 min"},
		{2*time.Hour + 25*time.Minute, "2 hr 25 min"},
		{26 * time.Hour, "1 day 2 hr"},
		{72 * time.Hour, "3 days 0 hr"},
		{400 * 24 * time.Hour, "1 yr 1 mo"},
	}
	for _, tt := range tests {
		if got := timeSpanString(tt.d.Milliseconds()); got != tt.want {
			t.Errorf("timeSpanString(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// BlockedBecauseOfBuildInProgress with an ETA: "(ETA: 1 min 33 sec)", the build number with
// MessageFormat's grouping.
func TestBuildInProgressText(t *testing.T) {
	s := &Sim{}
	j := &job{name: "j"}
	now := time.Now()
	r := &run{job: j, number: 1234}
	ex := &execution{run: r, start: now.Add(-7 * time.Second), estimated: 100_000}
	r.exec = ex
	ex.exec = &executor{cur: ex}
	got := s.buildInProgressLocked(r)
	want := "Build #1,234 is already in progress (ETA: 1 min 33 sec)"
	if got != want && got != "Build #1,234 is already in progress (ETA: 1 min 32 sec)" {
		t.Fatalf("got %q, want %q", got, want)
	}
	ex.estimated = -1
	if got := s.buildInProgressLocked(r); got != "Build #1,234 is already in progress (ETA: N/A)" {
		t.Fatalf("no estimate: %q", got)
	}
}

func TestOfflineReason(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Disconnected by admin : testing purposes", "testing purposes"},
		{"Disconnected by admin", ""},
		{"Disconnected by admin : a : b", "b"}, // the regex is greedy, as in Jenkins
		{"Disconnected by admin : <b>bold</b> & 'q'  two", "&lt;b&gt;bold&lt;/b&gt; &amp; &#039;q&#039;&nbsp; two"},
		{"line1\nline2", "line1<br>line2"},
		{"This agent is offline because Jenkins failed to launch the agent process on it.", "This agent is offline because Jenkins failed to launch the agent process on it."},
	}
	for _, tt := range tests {
		if got := offlineReason(tt.text); got != tt.want {
			t.Errorf("offlineReason(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestCheckGoodName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"berth-linux-7f3a", ""},
		{"my agent", ""},
		{"", "No name is specified"},
		{".", "“.” is not an allowed name"},
		{"..", "“..” is not an allowed name"},
		{"a/b", "‘/’ is an unsafe character"},
		{"a;b", "‘;’ is an unsafe character"},
		{"a.", "A name cannot end with ‘.’"},
		{"a\tb", `No control code is allowed: a\u9;b`},
	}
	for _, tt := range tests {
		err := checkGoodName(tt.name)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkGoodName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCompositeCause(t *testing.T) {
	got := composite([]string{"‘b’ is offline", "‘a’ is offline", "‘b’ is offline"})
	if got != "‘a’ is offline; ‘b’ is offline" {
		t.Fatalf("got %q", got)
	}
	many := composite([]string{"‘1’ x", "‘2’ x", "‘3’ x", "‘4’ x", "‘5’ x", "‘6’ x", "‘7’ x"})
	if many != "‘1’ x; ‘2’ x; ‘3’ x; ‘4’ x; ‘5’ x; ... and 2 more" {
		t.Fatalf("got %q", many)
	}
}
