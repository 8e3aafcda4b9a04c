package main

import (
	"bytes"
	"fmt"
	"text/template"
	"time"

	"github.com/berth-dev/berth/config"
)

// berthConfig is the config the scenarios run berth with: berth's defaults
// for everything but what the environment dictates (the simulator's URL
// and user, the local engine, the test agent image on the host network)
// and what a scenario varies (the poll interval, the idle timeout).
var berthConfig = template.Must(template.New("berth").Parse(`instance: {{.Instance}}
jenkins:
  url: {{.URL}}
  user: {{.User}}
{{- if .Poll}}
  pollInterval: {{.Poll}}
{{- end}}
dockerHosts:
  - name: local
    host: {{.DockerHost}}
templates:
  - name: bench
    labels: [bench]
    image: {{.Image}}
    launcher: inbound
    network: host
    idleTimeout: {{.Idle}}
{{- if .Secret}}
    inbound:
      secret: {{.Secret}}
{{- end}}
`))

// localEngine is the local Docker engine's socket.
const localEngine = "/var/run/docker.sock"

// configYAML renders the scenario config for o: o.poll 0 leaves berth's
// default, o.secret says how the secret is handed over ("" or file: the
// default). socket is the engine's unix socket.
func (e *env) configYAML(o options, idle time.Duration, socket string) (string, error) {
	var b bytes.Buffer
	err := berthConfig.Execute(&b, map[string]any{
		"Instance": e.Instance, "URL": e.Sim.URL(), "User": e.User, "Image": e.Image,
		"Poll": durationOrEmpty(o.poll), "Idle": idle, "Secret": o.secret, "DockerHost": "unix://" + socket,
	})
	if err != nil {
		return "", fmt.Errorf("scenario config: %w", err)
	}
	return b.String(), nil
}

// config parses the scenario config as berth run would.
func (e *env) config(o options, idle time.Duration) (*config.Config, error) {
	y, err := e.configYAML(o, idle, localEngine)
	if err != nil {
		return nil, err
	}
	return config.Parse("scenario.yaml", []byte(y), e.Env.Env)
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}
