package config

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// sameConfig compares two configs except where they came from.
func sameConfig(a, b *Config) bool {
	x, y := *a, *b
	x.Source, y.Source = "", ""
	x.warnings, y.warnings = nil, nil
	return reflect.DeepEqual(x, y)
}

func TestRedactedRoundTrip(t *testing.T) {
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]string{
		"example": string(example),
		"minimal": baseT,
		"tcp+tls, ssh host, odd strings": `jenkins: {url: "http://j", user: "007", placeholderNode: false, tls: {insecureSkipVerify: true}}
maxContainers: 0
dockerHosts:
  - {name: a, host: "tcp://h:2376", address: h, tls: {}, socketGid: 0}
  - {name: b, host: "ssh://u@h", address: h, ssh: {insecureIgnoreHostKey: true}}
templates:
  - name: t
    labels: ["yes", "1.0", "null"]
    image: i
    launcher: inbound
    inbound: {webSocket: false}
    env: ["A=true", "B=", "C=: x", "D=#not a comment"]
    user: "0755"
    cpus: 1.5
    memory: 100000000
    idleTimeout: 0s
    mounts: [{type: volume, target: /v}]
`,
		"warm windows": baseT + `    instanceCap: 4
    warm:
      - {schedule: "CRON_TZ=America/New_York */30 6-9 * 1-6 MON,WED", duration: 1h30m, idle: 4}
      - {schedule: "@weekly", duration: 36h, idle: 1}
      - {schedule: "TZ=UTC 0 0 1 * *", duration: 1s, idle: 2}
`,
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			c := mustParse(t, in, tokenEnv)
			out := c.Redacted()
			if strings.Contains(out, "t0ken") {
				t.Fatalf("Redacted shows the token:\n%s", out)
			}
			if !strings.Contains(out, "# Jenkins credential: token from $BERTH_JENKINS_TOKEN (not shown)") {
				t.Errorf("Redacted does not say where the token came from:\n%s", out)
			}
			c2, err := Parse("redacted.yaml", []byte(out), tokenEnv)
			if err != nil {
				t.Fatalf("Redacted output does not parse: %v\n%s", err, out)
			}
			if !sameConfig(c, c2) {
				t.Errorf("round trip differs:\n%+v\n%+v\n%s", c, c2, out)
			}
		})
	}
}
