package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestExampleFileLoads(t *testing.T) {
	c, err := Load("../config.example.yaml", tokenEnv)
	if err != nil {
		t.Fatalf("Load(config.example.yaml): %v", err)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("the example file has warnings: %q", w)
	}
	if len(c.DockerHosts) != 1 || len(c.Templates) != 2 {
		t.Fatalf("example: %d hosts, %d templates; want 1 and 2", len(c.DockerHosts), len(c.Templates))
	}
	in, ssh := c.Templates[0], c.Templates[1]
	if in.Launcher != LauncherInbound || ssh.Launcher != LauncherSSH {
		t.Errorf("example launchers = %q, %q; want inbound, ssh", in.Launcher, ssh.Launcher)
	}
	if ssh.SSH.PublicKey != testPubKey {
		t.Errorf("example ssh public key = %q", ssh.SSH.PublicKey)
	}
	if c.Jenkins.Token.Reveal() != "t0ken" {
		t.Errorf("token not resolved from the environment")
	}
	if len(in.Warm) != 1 || in.Warm[0].Spec != "CRON_TZ=Europe/Berlin 0 8 * * MON-FRI" || in.Warm[0].Duration != 10*time.Hour ||
		in.Warm[0].Idle != 2 || in.Warm[0].Schedule == nil || len(ssh.Warm) != 0 {
		t.Errorf("example warm windows = %+v, %+v", in.Warm, ssh.Warm)
	}
}

// TestExampleFileDocumentsEveryKey: every key of the schema appears in the
// example file (written or in a comment), so the file stays the reference.
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var walk func(rt reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for _, f := range fieldsOf(rt) {
			kp := childPath(path, f.key)
			if !strings.Contains(text, f.key+":") {
				t.Errorf("config.example.yaml does not mention %s", kp)
			}
			ft := f.typ
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
				kp += "[]"
			}
			if ft.Kind() == reflect.Struct {
				walk(ft, kp)
			}
		}
	}
	walk(reflect.TypeFor[rawConfig](), "")
	for _, k := range []string{"tokenFile", "passwordFile", "BERTH_JENKINS_TOKEN", "CREDENTIALS_DIRECTORY", "tcp://", "ssh://"} {
		if !strings.Contains(text, k) {
			t.Errorf("config.example.yaml does not mention %s", k)
		}
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, baseT+"  - name: ssh\n    labels: [s]\n    image: i\n    launcher: ssh\n    ssh:\n      credentialsId: k\n      publicKey: "+testPubKey+"\n", tokenEnv)
	j := c.Jenkins
	checks := []struct {
		name      string
		got, want any
	}{
		{"instance", c.Instance, "berth"},
		{"jenkins.url (trailing slash removed)", j.URL, "https://ci.example.com"},
		{"jenkins.agentUrl", j.AgentURL, "https://ci.example.com"},
		{"jenkins.pollInterval", j.PollInterval, time.Second},
		{"jenkins.timeout", j.Timeout, 10 * time.Second},
		{"jenkins.placeholderNode", j.PlaceholderNode, true},
		{"jenkins.tls", j.TLS, JenkinsTLS{}},
		{"maxContainers", c.MaxContainers, NoLimit},
		{"concurrency", c.Concurrency, 16},
		{"orphanGrace", c.OrphanGrace, 2 * time.Minute},
		{"onShutdown", c.OnShutdown, ShutdownKeep},
		{"drainTimeout", c.DrainTimeout, 10 * time.Minute},
		{"host address (unix)", c.DockerHosts[0].Address, "127.0.0.1"},
		{"host publishIp", c.DockerHosts[0].PublishIP, "0.0.0.0"},
		{"host maxContainers", c.DockerHosts[0].MaxContainers, NoLimit},
		{"host callTimeout", c.DockerHosts[0].CallTimeout, 30 * time.Second},
		{"host tls", c.DockerHosts[0].TLS, (*DockerTLS)(nil)},
		{"host socketGid", c.DockerHosts[0].SocketGID, (*int)(nil)},
	}
	tpl := c.Templates[0]
	checks = append(checks, []struct {
		name      string
		got, want any
	}{
		{"pull", tpl.Pull, PullIfNotPresent},
		{"instanceCap", tpl.InstanceCap, NoLimit},
		{"executors", tpl.Executors, 1},
		{"mode", tpl.Exclusive, true},
		{"remoteFs", tpl.RemoteFS, "/home/jenkins/agent"},
		{"idleTimeout", tpl.IdleTimeout, 5 * time.Minute},
		{"launchTimeout", tpl.LaunchTimeout, 2 * time.Minute},
		{"stopTimeout", tpl.StopTimeout, 10 * time.Second},
		{"inbound", tpl.Inbound, Inbound{WebSocket: true, Secret: SecretFile, SecretPath: "/run/berth/agent-secret"}},
		{"memory", tpl.Memory, int64(0)},
		{"cpus", tpl.CPUs, 0.0},
		{"ssh.port", c.Templates[1].SSH.Port, 22},
		{"ssh.hostKeyPath", c.Templates[1].SSH.HostKeyPath, "/etc/ssh/ssh_host_ed25519_key"},
	}...)
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("default %s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	if c.Source != "test.yaml" {
		t.Errorf("Source = %q", c.Source)
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("warnings on a plain config: %q", w)
	}
}

// TestExplicitValues: values given override the defaults, including the
// ones whose zero value differs from the default (false, 0).
func TestExplicitValues(t *testing.T) {
	y := `instance: b2
jenkins:
  url: http://jenkins:8080/jenkins/
  agentUrl: http://172.17.0.1:8080/jenkins
  user: "1000"
  pollInterval: 250ms
  placeholderNode: false
maxContainers: 0
concurrency: 2
onShutdown: drain
dockerHosts:
  - name: remote
    host: tcp://10.0.0.5:2376
    address: 10.0.0.5
    publishIp: 10.0.0.5
    maxContainers: 3
    socketGid: 0
    tls: {}
templates:
  - name: t
    labels: [a, b.c_d-e]
    image: i
    launcher: inbound
    inbound: {webSocket: false, secret: env}
    instanceCap: 0
    executors: 4
    mode: normal
    idleTimeout: 0s
    memory: 512m
    cpus: 0.5
    user: 1000
    groupAdd: [999, docker]
    mounts:
      - {type: bind, source: /srv/cache, target: /cache, readOnly: true}
`
	c := mustParse(t, y, tokenEnv)
	h, tp := c.DockerHosts[0], c.Templates[0]
	switch {
	case c.Instance != "b2", c.Jenkins.URL != "http://jenkins:8080/jenkins", c.Jenkins.AgentURL != "http://172.17.0.1:8080/jenkins":
		t.Errorf("instance/urls: %q %q %q", c.Instance, c.Jenkins.URL, c.Jenkins.AgentURL)
	case c.Jenkins.User != "1000", c.Jenkins.PollInterval != 250*time.Millisecond, c.Jenkins.PlaceholderNode:
		t.Errorf("jenkins: %+v", c.Jenkins)
	case c.MaxContainers != 0, c.Concurrency != 2, c.OnShutdown != ShutdownDrain:
		t.Errorf("top: %d %d %q", c.MaxContainers, c.Concurrency, c.OnShutdown)
	case h.Address != "10.0.0.5", h.PublishIP != "10.0.0.5", h.MaxContainers != 3, h.SocketGID == nil || *h.SocketGID != 0, h.TLS == nil:
		t.Errorf("host: %+v", h)
	case tp.Inbound.WebSocket, tp.Inbound.Secret != SecretEnv, tp.InstanceCap != 0, tp.Executors != 4, tp.Exclusive:
		t.Errorf("template: %+v", tp)
	case tp.IdleTimeout != 0, tp.Memory != 512<<20, tp.CPUs != 0.5, tp.User != "1000":
		t.Errorf("template: %+v", tp)
	case !slices.Equal(tp.GroupAdd, []string{"999", "docker"}), !slices.Equal(tp.Labels, []string{"a", "b.c_d-e"}):
		t.Errorf("template lists: %q %q", tp.GroupAdd, tp.Labels)
	case !reflect.DeepEqual(tp.Mounts, []Mount{{Type: "bind", Source: "/srv/cache", Target: "/cache", ReadOnly: true}}):
		t.Errorf("mounts: %+v", tp.Mounts)
	}
	// The caps of 0 and secret: env are legal but worth a warning.
	wantWarnings(t, c, "test.yaml:8: maxContainers: cap is 0", "test.yaml:25: templates[0].instanceCap: cap is 0",
		"test.yaml:24: templates[0].inbound.secret: the agent secret goes into the container's environment")
}

// TestCasePreserved: viper folds map keys to lower case; user data lives in
// lists and must come back byte-identical.
func TestCasePreserved(t *testing.T) {
	env := []string{"JAVA_OPTS=-Xmx1g", "myVar=X", "MixedCase=Value With Spaces=and=equals", "EMPTY="}
	labels := []string{"com.Example.Team=Platform", "UPPER=lower", "camelKey=CamelValue"}
	y := baseT + "    env:\n"
	for _, e := range env {
		y += "      - " + e + "\n"
	}
	y += "    containerLabels:\n"
	for _, l := range labels {
		y += "      - " + l + "\n"
	}
	y += "    entrypoint: [/Bin/Tini, --Flag]\n    command: [Run, -X]\n    labels: [Linux, DOCKER, mixedCase]\n"
	y = strings.Replace(y, "    labels: [linux]\n", "", 1)
	y = strings.Replace(y, "name: linux", "name: MyTemplate", 1)
	y = strings.Replace(y, "- name: local", "- name: Local-Host", 1)
	y += "    hosts: [Local-Host]\n"
	c := mustParse(t, y, tokenEnv)
	tp := c.Templates[0]
	if !slices.Equal(tp.Env, env) {
		t.Errorf("env = %q, want %q", tp.Env, env)
	}
	if !slices.Equal(tp.ContainerLabels, labels) {
		t.Errorf("containerLabels = %q, want %q", tp.ContainerLabels, labels)
	}
	if !slices.Equal(tp.Entrypoint, []string{"/Bin/Tini", "--Flag"}) || !slices.Equal(tp.Command, []string{"Run", "-X"}) {
		t.Errorf("entrypoint, command = %q, %q", tp.Entrypoint, tp.Command)
	}
	if !slices.Equal(tp.Labels, []string{"Linux", "DOCKER", "mixedCase"}) {
		t.Errorf("labels = %q", tp.Labels)
	}
	if tp.Name != "MyTemplate" || c.DockerHosts[0].Name != "Local-Host" || !slices.Equal(tp.Hosts, []string{"Local-Host"}) {
		t.Errorf("names = %q, %q, %q", tp.Name, c.DockerHosts[0].Name, tp.Hosts)
	}
}

// TestMergeKeys: YAML anchors and merge keys work (a common way to share
// settings between templates), and explicit keys win over merged ones.
func TestMergeKeys(t *testing.T) {
	y := `jenkins: {url: "http://j", user: u}
dockerHosts: [{name: h, host: "unix:///d.sock"}]
templates:
  - &base
    name: a
    labels: [x]
    image: img
    launcher: inbound
    env: [A=1]
  - <<: *base
    name: b
    executors: 3
`
	c := mustParse(t, y, tokenEnv)
	b := c.Templates[1]
	if b.Name != "b" || b.Image != "img" || b.Executors != 3 || !slices.Equal(b.Env, []string{"A=1"}) {
		t.Errorf("merged template = %+v", b)
	}
	mustFail(t, y+"    idleTimeout: x\n", tokenEnv, "test.yaml:13: templates[1].idleTimeout: invalid duration")
}

func TestRelativeFilesResolveAgainstConfigDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "token"), "abc\n", 0o600)
	writeFile(t, filepath.Join(dir, "agent.pub"), testPubKey+"\n", 0o644)
	y := strings.Replace(baseT, "  user: berth\n", "  user: berth\n  tokenFile: token\n  tls: {ca: ca.pem}\n", 1) +
		"  - name: s\n    image: i\n    launcher: ssh\n    ssh: {credentialsId: k, publicKeyFile: agent.pub}\n"
	path := filepath.Join(dir, "config.yaml")
	writeFile(t, path, y, 0o640)
	c, err := Load(path, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Jenkins.TokenFile != filepath.Join(dir, "token") || c.Jenkins.TLS.CA != filepath.Join(dir, "ca.pem") {
		t.Errorf("files = %q, %q", c.Jenkins.TokenFile, c.Jenkins.TLS.CA)
	}
	if c.Jenkins.Token.Reveal() != "abc" || c.Templates[1].SSH.PublicKey != testPubKey {
		t.Errorf("token or public key not read")
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, tokenEnv)
	if !errors.Is(err, fs.ErrNotExist) || err.Error() != path+": cannot read: no such file or directory" {
		t.Errorf("Load(missing) = %v; want a not-exist error naming the file", err)
	}
}

func TestTooLarge(t *testing.T) {
	data := baseT + "# " + strings.Repeat("x", maxFileSize) + "\n"
	if _, err := Parse("test.yaml", []byte(data), tokenEnv); err == nil || !strings.Contains(err.Error(), "test.yaml: larger than") {
		t.Errorf("Parse(2 MiB) = %v", err)
	}
}

func wantWarnings(t *testing.T, c *Config, wants ...string) {
	t.Helper()
	got := c.Warnings()
	for _, w := range wants {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("no warning starting with %q in\n  %s", w, strings.Join(got, "\n  "))
		}
	}
	if len(got) != len(wants) {
		t.Errorf("%d warnings, want %d:\n  %s", len(got), len(wants), strings.Join(got, "\n  "))
	}
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask
		t.Fatal(err)
	}
}

func TestValidContainerSettings(t *testing.T) {
	c := mustParse(t, baseT+`    extraHosts: ["a:10.0.0.1", "b:[::1]", "c:::1", "host.docker.internal:host-gateway"]
    dns: ["8.8.8.8", "2001:4860:4860::8888"]
    capAdd: [NET_ADMIN, CAP_SYS_PTRACE, ALL]
    memory: 1.5g
`, tokenEnv)
	tp := c.Templates[0]
	if len(tp.ExtraHosts) != 4 || len(tp.DNS) != 2 || len(tp.CapAdd) != 3 || tp.Memory != 1536<<20 {
		t.Errorf("template = %+v", tp)
	}
}

func TestLoadWithoutCredentials(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/config.yaml"
	if err := os.WriteFile(path, []byte(exampleWithoutToken(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "no Jenkins API token") {
		t.Fatalf("Load without a token: err = %v, want the missing-token error", err)
	}
	c, err := LoadWithoutCredentials(path)
	if err != nil {
		t.Fatalf("LoadWithoutCredentials: %v", err)
	}
	if c.Jenkins.Token != "" || c.Jenkins.Password != "" || len(c.Templates) == 0 {
		t.Errorf("got token %q, password %q, %d templates", c.Jenkins.Token, c.Jenkins.Password, len(c.Templates))
	}
	// Everything else is still checked.
	if err := os.WriteFile(path, []byte("jenkins: {url: http://x, user: u}\nbogus: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWithoutCredentials(path); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown key not reported: %v", err)
	}
}

// exampleWithoutToken is the shipped example with its tokenFile line, if
// any, left out.
func exampleWithoutToken(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "tokenFile:") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// TestInboundSecretModes: each mode loads as written; only env, which
// docker inspect shows, is worth a warning.
func TestInboundSecretModes(t *testing.T) {
	for _, c := range []struct {
		mode SecretMode
		warn []string
	}{
		{SecretFile, nil},
		{SecretStdin, nil},
		{SecretEnv, []string{"test.yaml:13: templates[0].inbound.secret: the agent secret goes into the container's environment"}},
	} {
		t.Run(string(c.mode), func(t *testing.T) {
			cfg := mustParse(t, baseT+"    inbound:\n      secret: "+string(c.mode)+"\n", tokenEnv)
			if got := cfg.Templates[0].Inbound.Secret; got != c.mode {
				t.Errorf("secret = %q, want %q", got, c.mode)
			}
			wantWarnings(t, cfg, c.warn...)
		})
	}
}
