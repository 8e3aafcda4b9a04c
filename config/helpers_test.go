package config

import (
	"strings"
	"testing"
)

// baseT is a minimal valid config whose last entry is templates[0]: lines
// appended with four spaces of indent extend that template, from line 12.
const baseT = `jenkins:
  url: https://ci.example.com/
  user: berth
dockerHosts:
  - name: local
    host: unix:///var/run/docker.sock
templates:
  - name: linux
    labels: [linux]
    image: jenkins/inbound-agent
    launcher: inbound
`

// baseH is baseT with dockerHosts last: appended lines with four spaces of
// indent extend dockerHosts[0], from line 12.
const baseH = `jenkins:
  url: https://ci.example.com/
  user: berth
templates:
  - name: linux
    labels: [linux]
    image: jenkins/inbound-agent
    launcher: inbound
dockerHosts:
  - name: local
    host: unix:///var/run/docker.sock
`

// testPubKey is a public key only (its private half was discarded).
const testPubKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO35xjzCYN2h1JiKVG9nXJzMWXFdW/kbKwtIoMWgBnfu jenkins-agent"

// envOf returns an env lookup over m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// tokenEnv provides a token, so that tests of other keys need no file.
var tokenEnv = envOf(map[string]string{EnvToken: "t0ken"})

func mustParse(t *testing.T, yaml string, env func(string) string) *Config {
	t.Helper()
	c, err := Parse("test.yaml", []byte(yaml), env)
	if err != nil {
		t.Fatalf("Parse: %v\n--- input:\n%s", err, yaml)
	}
	return c
}

// mustFail parses yaml, expects an error containing every want, and checks
// that every line of the error names the file.
func mustFail(t *testing.T, yaml string, env func(string) string, wants ...string) error {
	t.Helper()
	c, err := Parse("test.yaml", []byte(yaml), env)
	if err == nil {
		t.Fatalf("Parse succeeded (%+v), want an error containing %q\n--- input:\n%s", c, wants, yaml)
	}
	if c != nil {
		t.Errorf("Parse returned a config together with an error")
	}
	for _, w := range wants {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n  %s\ndoes not contain\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "), w)
		}
	}
	for _, l := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(l, "test.yaml") {
			t.Errorf("error line %q does not name the file", l)
		}
	}
	return err
}
