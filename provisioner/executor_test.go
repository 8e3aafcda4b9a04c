package provisioner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner/plan"
)

const testSecret = "5e0c2f9d8a7b6c5d4e3f2a1b0c9d8e7f5e0c2f9d8a7b6c5d4e3f2a1b0c9d8e7f"

func testConfig() *config.Config {
	return &config.Config{
		Instance:      "berth",
		Jenkins:       config.Jenkins{URL: "http://jenkins:8080", AgentURL: "http://jenkins:8080", PollInterval: time.Second},
		MaxContainers: config.NoLimit,
		Concurrency:   4,
		DockerHosts:   []config.DockerHost{{Name: "h1", Host: "unix:///var/run/docker.sock", Address: "127.0.0.1", MaxContainers: config.NoLimit}},
		Templates: []config.Template{
			{
				Name: "linux", Labels: []string{"linux"}, Image: "agent:1", Pull: config.PullNever, Launcher: config.LauncherInbound,
				Inbound:     config.Inbound{WebSocket: true, Secret: config.SecretFile, SecretPath: "/run/berth/agent-secret"},
				InstanceCap: config.NoLimit, Executors: 1, RemoteFS: "/home/jenkins/agent",
				IdleTimeout: time.Minute, LaunchTimeout: 2 * time.Second, StopTimeout: time.Second,
			},
			{
				Name: "java", Labels: []string{"java"}, Image: "ssh-agent:1", Pull: config.PullNever, Launcher: config.LauncherSSH,
				SSH:         config.SSH{CredentialsID: "key", Port: 22, PublicKey: "ssh-ed25519 AAAA test", HostKeyPath: "/etc/ssh/ssh_host_ed25519_key"},
				InstanceCap: config.NoLimit, Executors: 1, RemoteFS: "/home/jenkins/agent",
				IdleTimeout: time.Minute, LaunchTimeout: 2 * time.Second, StopTimeout: time.Second,
			},
		},
	}
}

// testExecutor wires an executor to the fakes and a log buffer.
func testExecutor(cfg *config.Config, j *fakeJenkins, h *fakeHost) (*executor, *bytes.Buffer) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	host := &hostEntry{cfg: cfg.DockerHosts[0], api: h}
	e := newExecutor(2, func() *config.Config { return cfg }, func() Jenkins { return j },
		func(string) *hostEntry { return host }, log, time.Now, make(chan struct{}, 1))
	return e, &buf
}

// run submits one action and returns its outcome.
func run(t *testing.T, e *executor, a plan.Action) plan.Outcome {
	t.Helper()
	e.submit(a)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.wait(ctx)
	_, out := e.take()
	if len(out) != 1 {
		t.Fatalf("want 1 outcome, got %+v", out)
	}
	return out[0]
}

func TestRetireIsSafe(t *testing.T) {
	cases := []struct {
		name     string
		node     jenkins.Node
		fail     map[string]error
		want     []string // calls in this order
		wantNot  []string
		failed   bool
		keptNote bool
	}{
		{
			name: "idle after offline: node deleted, then container",
			node: jenkins.Node{Name: "linux-1", Idle: true, TemporarilyOffline: true, Offline: true},
			want: []string{`jenkins offline linux-1 "berth: idle 1m"`, "jenkins node linux-1", "jenkins delete linux-1", "docker remove ctr-1"},
		},
		{
			name:     "a build landed between offline and the check: back online, kept",
			node:     jenkins.Node{Name: "linux-1", Idle: false, BusyExecutors: 1, TemporarilyOffline: true, Offline: true},
			want:     []string{`jenkins offline linux-1 "berth: idle 1m"`, "jenkins node linux-1", "jenkins online linux-1"},
			wantNot:  []string{"jenkins delete", "docker remove"},
			keptNote: true,
		},
		{
			name:    "jenkins refuses the offline: nothing removed",
			fail:    map[string]error{"offline": jenkins.ErrUnavailable},
			want:    []string{`jenkins offline linux-1 "berth: idle 1m"`},
			wantNot: []string{"jenkins delete", "docker remove"},
			failed:  true,
		},
		{
			name:    "node read fails: nothing removed",
			fail:    map[string]error{"node": jenkins.ErrUnavailable},
			want:    []string{`jenkins offline linux-1 "berth: idle 1m"`, "jenkins node linux-1"},
			wantNot: []string{"jenkins delete", "docker remove"},
			failed:  true,
		},
		{
			name: "node already gone: the container still goes",
			fail: map[string]error{"offline": jenkins.ErrNotFound},
			want: []string{"docker remove ctr-1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &callLog{}
			j := &fakeJenkins{log: log, node: c.node, fail: c.fail}
			e, buf := testExecutor(testConfig(), j, &fakeHost{log: log})
			o := run(t, e, plan.Action{Kind: plan.Retire, Template: "linux", Host: "h1", Node: "linux-1", Container: "ctr-1", Reason: "idle 1m"})
			if o.Failed != c.failed {
				t.Errorf("failed = %v (%s), want %v", o.Failed, o.Reason, c.failed)
			}
			calls := log.String()
			pos := 0
			for _, w := range c.want {
				i := strings.Index(calls[pos:], w)
				if i < 0 {
					t.Fatalf("missing or out of order: %q\ncalls:\n%s", w, calls)
				}
				pos += i + len(w)
			}
			for _, w := range c.wantNot {
				if log.has(w) {
					t.Errorf("unexpected call %q\ncalls:\n%s", w, calls)
				}
			}
			if c.keptNote && !strings.Contains(buf.String(), "agent kept") {
				t.Errorf("a kept agent is not logged as kept:\n%s", buf)
			}
		})
	}
}

func TestStartInboundHandsOverTheSecret(t *testing.T) {
	for _, mode := range []config.SecretMode{config.SecretFile, config.SecretEnv, config.SecretStdin} {
		t.Run(string(mode), func(t *testing.T) {
			cfg := testConfig()
			cfg.Templates[0].Inbound.Secret = mode
			log := &callLog{}
			h := &fakeHost{log: log}
			e, buf := testExecutor(cfg, &fakeJenkins{log: log, secret: testSecret}, h)
			o := run(t, e, plan.Action{Kind: plan.Start, Template: "linux", Host: "h1"})
			if o.Failed {
				t.Fatalf("start failed: %s", o.Reason)
			}
			// Node first, then its secret, then the container.
			order := []string{"jenkins create-inbound", "jenkins secret", "docker create", "docker start"}
			calls, pos := log.String(), 0
			for _, w := range order {
				i := strings.Index(calls[pos:], w)
				if i < 0 {
					t.Fatalf("%q missing or out of order:\n%s", w, calls)
				}
				pos += i
			}
			spec := h.specs[0]
			visible := strings.Join(append(append([]string{}, spec.Env...), spec.Cmd...), " ")
			switch mode {
			case config.SecretFile:
				if strings.Contains(visible, testSecret) {
					t.Errorf("file mode put the secret in env or args (docker inspect shows them): %s", visible)
				}
				if len(h.files) != 1 || string(h.files[0].Content) != testSecret || h.files[0].Path != "/run/berth/agent-secret" {
					t.Errorf("secret file not copied in: %+v", h.files)
				}
				if !strings.Contains(strings.Join(spec.Cmd, " "), "-secret @/run/berth/agent-secret") {
					t.Errorf("args do not point at the secret file: %q", spec.Cmd)
				}
			case config.SecretEnv:
				if !strings.Contains(visible, "JENKINS_SECRET="+testSecret) {
					t.Errorf("env mode: no JENKINS_SECRET in %q", spec.Env)
				}
				if len(h.files) != 0 || len(h.input) != 0 || spec.Stdin {
					t.Errorf("env mode also copied or wrote the secret: files %d, input %d, stdin %v", len(h.files), len(h.input), spec.Stdin)
				}
			case config.SecretStdin:
				if strings.Contains(visible, testSecret) {
					t.Errorf("stdin mode put the secret in env or args (docker inspect shows them): %s", visible)
				}
				if !spec.Stdin || len(h.input) != 1 || h.input[0] != testSecret+"\n" || len(h.files) != 0 {
					t.Errorf("secret not handed over on stdin alone: stdin %v, input %q, files %d", spec.Stdin, h.input, len(h.files))
				}
				if !strings.Contains(strings.Join(spec.Cmd, " "), "-secret @/dev/stdin") {
					t.Errorf("args do not point at stdin: %q", spec.Cmd)
				}
				if !log.has("docker start ctr-" + spec.Name + " with input") {
					t.Errorf("not started with its input:\n%s", log)
				}
			}
			if strings.Contains(buf.String(), testSecret) {
				t.Errorf("the secret reached the log:\n%s", buf)
			}
		})
	}
}

func TestStartLeavesNothingHalfCreated(t *testing.T) {
	boom := errors.New("boom")
	cases := []struct {
		name     string
		template string
		jfail    map[string]error
		hfail    map[string]error
		want     []string
		wantNot  []string
	}{
		{"inbound: secret fails", "linux", map[string]error{"secret": jenkins.ErrForbidden}, nil,
			[]string{"jenkins delete"}, []string{"docker create"}},
		{"inbound: container create fails", "linux", nil, map[string]error{"create": boom},
			[]string{"jenkins delete", "docker remove"}, nil},
		{"inbound: copy fails", "linux", nil, map[string]error{"copy": boom},
			[]string{"docker remove", "jenkins delete"}, []string{"docker start"}},
		{"inbound: start fails", "linux", nil, map[string]error{"start": boom},
			[]string{"docker remove", "jenkins delete"}, nil},
		{"inbound: node exists already (not ours): not deleted", "linux", map[string]error{"create": jenkins.ErrConflict}, nil,
			nil, []string{"jenkins delete", "docker create"}},
		{"image missing: nothing created", "linux", nil, map[string]error{"image": boom},
			nil, []string{"jenkins create", "docker create"}},
		{"ssh: start fails", "java", nil, map[string]error{"start": boom},
			[]string{"docker remove"}, []string{"jenkins create"}},
		{"ssh: no published port", "java", nil, nil,
			[]string{"docker remove"}, []string{"jenkins create"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &callLog{}
			e, buf := testExecutor(testConfig(), &fakeJenkins{log: log, secret: testSecret, fail: c.jfail}, &fakeHost{log: log, fail: c.hfail})
			o := run(t, e, plan.Action{Kind: plan.Start, Template: c.template, Host: "h1"})
			if !o.Failed {
				t.Fatalf("start succeeded; calls:\n%s", log)
			}
			for _, w := range c.want {
				if !log.has(w) {
					t.Errorf("missing clean-up call %q; calls:\n%s", w, log)
				}
			}
			for _, w := range c.wantNot {
				if log.has(w) {
					t.Errorf("unexpected call %q; calls:\n%s", w, log)
				}
			}
			if strings.Contains(buf.String()+o.Reason, testSecret) {
				t.Errorf("the secret reached the log or the outcome")
			}
		})
	}
}

// TestStartFailureKeepsARunningAgent: whether the secret goes in as a file
// or on standard input, a start that answers with an error while the engine
// did start the container keeps the agent (it may be online with a build
// already), and one whose container does not run is undone.
func TestStartFailureKeepsARunningAgent(t *testing.T) {
	for _, mode := range []config.SecretMode{config.SecretStdin, config.SecretFile} {
		for _, running := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/running=%v", mode, running), func(t *testing.T) {
				cfg := testConfig()
				cfg.Templates[0].Inbound.Secret = mode
				log := &callLog{}
				h := &fakeHost{log: log, fail: map[string]error{"start": errors.New("connection reset")}, startLost: running}
				e, _ := testExecutor(cfg, &fakeJenkins{log: log, secret: testSecret}, h)
				o := run(t, e, plan.Action{Kind: plan.Start, Template: "linux", Host: "h1"})
				undone := log.has("docker remove") && log.has("jenkins delete")
				if !log.has("docker inspect") {
					t.Errorf("the engine was not asked whether the container runs:\n%s", log)
				}
				if undone == running || o.Failed == running {
					t.Errorf("running %v: undone %v, failed %v; want undone and failed only when not running:\n%s", running, undone, o.Failed, log)
				}
			})
		}
	}
}

// TestStartSSHWaitsForTheSSHBanner checks that the node is created only
// once the published port speaks SSH, and that it trusts exactly the host
// key berth generated and copied in.
func TestStartSSHWaitsForTheSSHBanner(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-test\r\n"))
			_ = c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	log := &callLog{}
	h := &fakeHost{log: log, ports: map[int]int{22: port}}
	e, _ := testExecutor(testConfig(), &fakeJenkins{log: log}, h)
	o := run(t, e, plan.Action{Kind: plan.Start, Template: "java", Host: "h1"})
	if o.Failed {
		t.Fatalf("start failed: %s\n%s", o.Reason, log)
	}
	if len(h.files) != 1 || h.files[0].Path != "/etc/ssh/ssh_host_ed25519_key" || h.files[0].Mode != 0o600 {
		t.Fatalf("host key not copied in: %+v", h.files)
	}
	if !strings.Contains(string(h.files[0].Content), "OPENSSH PRIVATE KEY") {
		t.Errorf("host key is not an OpenSSH private key")
	}
	var pub string
	for _, env := range h.specs[0].Env {
		if strings.HasPrefix(env, "JENKINS_AGENT_SSH_PUBKEY=") {
			pub = env
		}
	}
	if pub != "JENKINS_AGENT_SSH_PUBKEY=ssh-ed25519 AAAA test" {
		t.Errorf("authorized key env = %q", pub)
	}
	if !log.has("jenkins create-ssh java-") || !strings.Contains(log.String(), "127.0.0.1:"+strconv.Itoa(port)+" key=ssh-ed25519 AAAA") {
		t.Errorf("node not created against the published port with an ed25519 host key:\n%s", log)
	}
}

// TestStartInboundLostStartAnswer checks that an inbound start whose
// container start failed only in its answer (the engine did start the
// container, whose agent may already run a build) does not undo the agent,
// and that an agent whose state the engine cannot tell is left to the
// planner, not undone; a container that is not running is still undone.
func TestStartInboundLostStartAnswer(t *testing.T) {
	lost := errors.New("error during connect: EOF")
	cases := []struct {
		name      string
		hfail     map[string]error
		startLost bool
		failed    bool
		want      []string
		wantNot   []string
	}{
		{"container runs: kept, start done", map[string]error{"start": lost}, true, false,
			[]string{"docker inspect"}, []string{"docker remove", "jenkins delete"}},
		{"engine cannot tell: left in place, start failed", map[string]error{"start": lost, "inspect": lost}, true, true,
			[]string{"docker inspect"}, []string{"docker remove", "jenkins delete"}},
		{"container not running: undone", map[string]error{"start": lost}, false, true,
			[]string{"docker inspect", "docker remove", "jenkins delete"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := &callLog{}
			e, _ := testExecutor(testConfig(), &fakeJenkins{log: log, secret: testSecret},
				&fakeHost{log: log, fail: c.hfail, startLost: c.startLost})
			o := run(t, e, plan.Action{Kind: plan.Start, Template: "linux", Host: "h1"})
			if o.Failed != c.failed {
				t.Errorf("outcome failed = %v (%s), want %v; calls:\n%s", o.Failed, o.Reason, c.failed, log)
			}
			for _, w := range c.want {
				if !log.has(w) {
					t.Errorf("missing call %q; calls:\n%s", w, log)
				}
			}
			for _, w := range c.wantNot {
				if log.has(w) {
					t.Errorf("unexpected call %q; calls:\n%s", w, log)
				}
			}
		})
	}
}
