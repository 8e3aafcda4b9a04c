package harness

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/berth-dev/berth/config"
)

// Template is one agent template of a harness config.
type Template struct {
	Name   string
	Labels []string
	// SSH selects the SSH launcher; otherwise the agent is inbound over
	// WebSocket on the host network (the simulator listens on 127.0.0.1).
	SSH bool
	// Image overrides the test agent image (a missing image, agent.jar).
	Image         string
	InstanceCap   int // 0: no cap key
	Executors     int // 0: default
	Normal        bool
	SingleUse     bool
	IdleTimeout   time.Duration
	LaunchTimeout time.Duration
	// Secret is inbound.secret: file ("", the default), stdin or env.
	Secret string
	Pull   string
}

// Config is a harness berth config.
type Config struct {
	Templates     []Template
	MaxContainers int // 0: no key
	HostMax       int // 0: no key
	// DockerHost overrides the engine endpoint (a proxy socket in chaos tests).
	DockerHost   string
	PollInterval time.Duration
	OrphanGrace  time.Duration
	OnShutdown   string
	Placeholder  *bool
}

var configTmpl = template.Must(template.New("config").Funcs(template.FuncMap{
	"list": func(s []string) string { return "[" + strings.Join(s, ", ") + "]" },
}).Parse(`instance: {{.Instance}}
jenkins:
  url: {{.URL}}
  user: {{.User}}
  pollInterval: {{.Poll}}
  timeout: 5s
  placeholderNode: {{.Placeholder}}
{{- if .C.MaxContainers}}
maxContainers: {{.C.MaxContainers}}
{{- end}}
concurrency: 32
orphanGrace: {{.Grace}}
onShutdown: {{.OnShutdown}}
drainTimeout: 1m
dockerHosts:
  - name: local
    host: {{.DockerHost}}
    address: 127.0.0.1
    publishIp: 127.0.0.1
{{- if .C.HostMax}}
    maxContainers: {{.C.HostMax}}
{{- end}}
    callTimeout: 20s
templates:
{{- range .C.Templates}}
  - name: {{.Name}}
    labels: {{list .Labels}}
    image: {{if .Image}}{{.Image}}{{else}}{{$.Image}}{{end}}
    pull: {{if .Pull}}{{.Pull}}{{else}}never{{end}}
{{- if .SSH}}
    launcher: ssh
    ssh:
      credentialsId: {{$.Credential}}
      publicKey: {{$.PublicKey}}
{{- else}}
    launcher: inbound
    network: host
    inbound:
      webSocket: true
      secret: {{if .Secret}}{{.Secret}}{{else}}file{{end}}
{{- end}}
{{- if .InstanceCap}}
    instanceCap: {{.InstanceCap}}
{{- end}}
{{- if .Executors}}
    executors: {{.Executors}}
{{- end}}
    mode: {{if .Normal}}normal{{else}}exclusive{{end}}
    remoteFs: /home/jenkins/agent
    idleTimeout: {{if .IdleTimeout}}{{.IdleTimeout}}{{else}}5s{{end}}
    launchTimeout: {{if .LaunchTimeout}}{{.LaunchTimeout}}{{else}}30s{{end}}
    singleUse: {{.SingleUse}}
    stopTimeout: 1s
{{- end}}
`))

// ConfigYAML renders c as a berth config file for this environment.
func (e *Env) ConfigYAML(c Config) (string, error) {
	host := c.DockerHost
	if host == "" {
		host = "unix:///var/run/docker.sock"
	}
	poll := c.PollInterval
	if poll == 0 {
		poll = 250 * time.Millisecond
	}
	grace := c.OrphanGrace
	if grace == 0 {
		grace = 30 * time.Second
	}
	onShutdown := c.OnShutdown
	if onShutdown == "" {
		onShutdown = "keep"
	}
	placeholder := true
	if c.Placeholder != nil {
		placeholder = *c.Placeholder
	}
	var b bytes.Buffer
	err := configTmpl.Execute(&b, map[string]any{
		"Instance": e.Instance, "URL": e.Sim.URL(), "User": e.User, "Poll": poll, "Grace": grace,
		"OnShutdown": onShutdown, "DockerHost": host, "Image": e.Image, "C": c,
		"Credential": CredentialsID, "PublicKey": e.SSHPublicKey, "Placeholder": placeholder,
	})
	if err != nil {
		return "", fmt.Errorf("harness config template: %w", err)
	}
	return b.String(), nil
}

// Config parses c into berth's config, with the environment's token.
func (e *Env) Config(c Config) (*config.Config, error) {
	y, err := e.ConfigYAML(c)
	if err != nil {
		return nil, err
	}
	return config.Parse("harness.yaml", []byte(y), e.Env)
}
