package dockerapi

import (
	"errors"
	"os/user"
	"strings"
	"testing"
	"time"
)

func TestParseEndpoint(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want endpoint
	}{
		{"unix:///var/run/docker.sock", endpoint{scheme: "unix", addr: "/var/run/docker.sock", socketPath: "/var/run/docker.sock"}},
		{"unix:///run/user/1000/docker.sock", endpoint{scheme: "unix", addr: "/run/user/1000/docker.sock", socketPath: "/run/user/1000/docker.sock"}},
		{"tcp://build-2:2376", endpoint{scheme: "tcp", addr: "build-2:2376", socketPath: DefaultSocketPath}},
		{"tcp://10.0.0.5", endpoint{scheme: "tcp", addr: "10.0.0.5:2376", socketPath: DefaultSocketPath}},
		{"tcp://[::1]:2376", endpoint{scheme: "tcp", addr: "[::1]:2376", socketPath: DefaultSocketPath}},
		{"ssh://jenkins@build-3", endpoint{scheme: "ssh", addr: "build-3:22", socketPath: DefaultSocketPath, sshUser: "jenkins"}},
		{"ssh://jenkins@build-3:2222/run/docker.sock", endpoint{scheme: "ssh", addr: "build-3:2222", socketPath: "/run/docker.sock", sshUser: "jenkins"}},
		{"ssh://build-3", endpoint{scheme: "ssh", addr: "build-3:22", socketPath: DefaultSocketPath, sshUser: me.Username}},
	} {
		got, err := parseEndpoint(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseEndpoint(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "/var/run/docker.sock", "http://h:2375", "npipe:////./pipe/docker_engine",
		"unix://", "tcp://", "tcp://h:2376/path", "ssh://", "ssh://u:secret@h", "tcp://h:notaport",
	} {
		if _, err := parseEndpoint(bad); err == nil {
			t.Errorf("parseEndpoint(%q) accepted", bad)
		}
	}
}

func TestParseEndpointHidesPasswords(t *testing.T) {
	_, err := parseEndpoint("ssh://u:hunter2@h")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v; must exist and not show the password", err)
	}
	_, err = parseEndpoint("ssh://u:hunter2@h:bad port")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error = %v; must exist and not show the password", err)
	}
}

func TestDialValidates(t *testing.T) {
	for name, cfg := range map[string]HostConfig{
		"no name":       {Host: localEngine},
		"bad URL":       {Name: "x", Host: "ftp://h"},
		"bad auth file": {Name: "x", Host: localEngine, RegistryAuthFile: "/nonexistent/config.json"},
	} {
		_, err := Dial(t.Context(), cfg, nil)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Dial = %v, want ErrInvalid", name, err)
		}
	}
	// A host that is down is not a Dial error.
	h, err := Dial(t.Context(), HostConfig{Name: "x", Host: "tcp://127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatalf("Dial of a down host: %v", err)
	}
	defer h.Close()
	if h.cfg.CallTimeout != DefaultCallTimeout || h.cfg.PullTimeout != DefaultPullTimeout {
		t.Errorf("defaults: call %v pull %v", h.cfg.CallTimeout, h.cfg.PullTimeout)
	}
}

func TestOwnerLabelsRoundTrip(t *testing.T) {
	o := Owner{Instance: "prod", Template: "linux", Node: "linux-7f3a", JenkinsURL: "https://ci.example/", Created: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	l := OwnerLabels(o)
	if !IsManaged(l) || l[LabelManaged] != "true" || l[LabelCreated] != "2026-03-04T05:06:07Z" {
		t.Errorf("labels = %v", l)
	}
	if got := ParseOwner(l); got != o {
		t.Errorf("ParseOwner = %+v, want %+v", got, o)
	}
	if IsManaged(map[string]string{LabelInstance: "prod"}) || IsManaged(map[string]string{LabelManaged: "true"}) {
		t.Error("IsManaged without both managed=true and an instance")
	}
	merged, err := containerLabels(o, map[string]string{"Team.Name": "Infra", "io.berth.test": "x"})
	if err != nil || merged["Team.Name"] != "Infra" || merged["io.berth.test"] != "x" || merged[LabelNode] != "linux-7f3a" {
		t.Errorf("containerLabels = %v, %v", merged, err)
	}
}
