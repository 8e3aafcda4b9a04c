package provisioner

import (
	"strings"
	"testing"
)

func TestMarkerRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		mark Mark
	}{
		{"linux-7f3a9c", Mark{Instance: "berth", Template: "linux", Host: "local"}},
		{"win 2", Mark{Instance: "prod-1", Template: "win", Host: "build-2"}},
		{"berth-placeholder", Mark{Instance: "berth", Placeholder: true}},
	}
	for _, c := range cases {
		got, ok := ParseMark(c.name, Describe(c.name, c.mark))
		if !ok || got != c.mark {
			t.Errorf("ParseMark(%q, Describe(...)) = %+v, %v; want %+v, true", c.name, got, ok, c.mark)
		}
	}
}

func TestMarkerRejectsForeignDescriptions(t *testing.T) {
	own := Describe("linux-7f3a9c", Mark{Instance: "berth", Template: "linux", Host: "local"})
	cases := []struct {
		label, name, desc string
	}{
		{"empty", "linux-7f3a9c", ""},
		{"plain text", "linux-7f3a9c", "my build box"},
		{"copied onto another node", "linux-000000", own},
		{"typed by hand", "linux-7f3a9c", "berth-managed instance=berth template=linux host=local sig=000000000000"},
		{"edited template", "linux-7f3a9c", strings.Replace(own, "template=linux", "template=win", 1)},
		{"no sig", "linux-7f3a9c", "berth-managed instance=berth template=linux host=local"},
	}
	for _, c := range cases {
		if m, ok := ParseMark(c.name, c.desc); ok {
			t.Errorf("%s: ParseMark accepted %+v", c.label, m)
		}
	}
}
