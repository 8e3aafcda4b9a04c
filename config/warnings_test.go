package config

import (
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	tcp := strings.Replace(baseH, "unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", 1) + "    address: 10.0.0.5\n"
	sshHost := strings.Replace(baseH, "unix:///var/run/docker.sock", "ssh://berth@build", 1) + "    address: build\n"
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"jenkins TLS verification off", withJenkinsKeys("tls: {insecureSkipVerify: true}"),
			[]string{"test.yaml:4: jenkins.tls.insecureSkipVerify: TLS verification of the Jenkins server is off"}},
		{"jenkins tls on an http URL", strings.Replace(withJenkinsKeys("tls: {ca: /ca.pem}"), "https://", "http://", 1),
			[]string{"test.yaml:4: jenkins.tls: jenkins.url is not https://, so the tls settings have no effect"}},
		{"docker TLS verification off", tcp + "    tls:\n      insecureSkipVerify: true\n",
			[]string{"test.yaml:14: dockerHosts[0].tls.insecureSkipVerify: TLS verification of the Docker engine is off"}},
		{"tcp without tls", tcp,
			[]string{"test.yaml:11: dockerHosts[0].host: tcp:// without tls: the Docker API is unencrypted and unauthenticated"}},
		{"ssh host key not checked", sshHost + "    ssh: {insecureIgnoreHostKey: true}\n",
			[]string{"test.yaml:13: dockerHosts[0].ssh.insecureIgnoreHostKey: the engine's SSH host key is not checked"}},
		{"global cap 0", "maxContainers: 0\n" + baseT,
			[]string{"test.yaml:1: maxContainers: cap is 0: berth will never start an agent"}},
		{"host cap 0", baseH + "    maxContainers: 0\n",
			[]string{"test.yaml:12: dockerHosts[0].maxContainers: cap is 0: this host will never start an agent"}},
		{"template cap 0", baseT + "    instanceCap: 0\n",
			[]string{"test.yaml:12: templates[0].instanceCap: cap is 0: this template will never start an agent"}},
		{"docker socket", baseT + "    dockerSocket: true\n",
			[]string{"test.yaml:12: templates[0].dockerSocket: the template's agents get the Docker socket: every build on them is root on the Docker host"}},
		{"privileged", baseT + "    privileged: true\n",
			[]string{"test.yaml:12: templates[0].privileged: the template's agents run privileged"}},
		{"no labels, exclusive", strings.Replace(baseT, "    labels: [linux]\n", "", 1),
			[]string{"test.yaml:8: templates[0].labels: no labels and mode exclusive"}},
		{"false values are quiet", baseT + "    dockerSocket: false\n    privileged: false\n    instanceCap: 1\n", nil},
		{"no labels, normal mode is quiet", strings.Replace(baseT, "    labels: [linux]\n", "    mode: normal\n", 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, tt.yaml, tokenEnv)
			wantWarnings(t, c, tt.want...)
		})
	}
}

// TestWarningsAreCopies: callers cannot change a config's warnings.
func TestWarningsAreCopies(t *testing.T) {
	c := mustParse(t, "maxContainers: 0\n"+baseT, tokenEnv)
	c.Warnings()[0] = "changed"
	if c.Warnings()[0] == "changed" {
		t.Error("Warnings returned the config's own slice")
	}
}
