package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/internal/syncbuf"
)

func TestMatch(t *testing.T) {
	cases := []struct {
		expr     string
		code     int
		stdout   []string // lines start with these template names, in order
		stderrIn string
	}{
		{expr: "linux && docker-build", code: 0, stdout: []string{"linux"}},
		{expr: "java||maven", code: 0, stdout: []string{"java-ssh"}},
		{expr: "linux||java", code: 0, stdout: []string{"linux", "java-ssh"}},
		{expr: "", code: 0, stdout: []string{"java-ssh"}}, // no label: NORMAL-mode templates only
		{expr: "gpu", code: 1, stderrIn: `no template serves label "gpu"`},
		{expr: "!linux && !java", code: 1, stderrIn: "no template serves"},
		{expr: "linux &&", code: 2, stderrIn: "position 8"},
		{expr: "(linux", code: 2, stderrIn: "position"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			var out, errb bytes.Buffer
			// No token anywhere: match must not need one.
			t.Setenv("BERTH_JENKINS_TOKEN", "")
			code := run(context.Background(), []string{"match", "--config", "../../config.example.yaml", c.expr}, &out, &errb)
			if code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out.String(), errb.String())
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
				if l != "" {
					got = append(got, strings.Fields(l)[0])
				}
			}
			if strings.Join(got, ",") != strings.Join(c.stdout, ",") {
				t.Errorf("templates %v, want %v", got, c.stdout)
			}
			if c.stderrIn != "" && !strings.Contains(errb.String(), c.stderrIn) {
				t.Errorf("stderr %q does not say %q", errb.String(), c.stderrIn)
			}
		})
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "berth ") {
		t.Errorf("version: exit %d, %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errb.String())
	}
	if code := run(context.Background(), nil, &out, &errb); code != 2 {
		t.Errorf("no command: exit %d", code)
	}
}

func writeConfig(t *testing.T, env *harness.Env, c harness.Config) string {
	t.Helper()
	y, err := env.ConfigYAML(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCheck(t *testing.T) {
	env := harness.StartTest(t, "cmd")
	t.Setenv("BERTH_JENKINS_TOKEN", env.Token)
	good := writeConfig(t, env, harness.Config{Templates: []harness.Template{{Name: "linux", Labels: []string{"linux"}}}})
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", good}, &out, &errb); code != 0 {
		t.Fatalf("check of a good setup: exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"PASS  config", "PASS  jenkins " + strings.TrimSuffix(env.Sim.URL(), "/"), `authenticated as "berth"`, "PASS  docker host local", "image " + env.Image, "all checks passed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}

	// A wrong token and a missing image each fail their own line.
	t.Setenv("BERTH_JENKINS_TOKEN", "11"+strings.Repeat("0", 32))
	bad := writeConfig(t, env, harness.Config{Templates: []harness.Template{{Name: "gone", Labels: []string{"x"}, Image: "berth-missing:never"}}})
	out.Reset()
	if code := run(context.Background(), []string{"check", "--config", bad}, &out, &errb); code != 1 {
		t.Fatalf("check of a bad setup: exit %d\n%s", code, out.String())
	}
	for _, want := range []string{"FAIL  jenkins", "401", "FAIL  docker host local image berth-missing:never", "2 check(s) failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), env.Token) {
		t.Error("check printed the token")
	}
}

// waitForLog waits until logs holds s at least n times.
func waitForLog(t *testing.T, logs *syncbuf.Buffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(logs.String(), s) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("log never said %q %d time(s):\n%s", s, n, logs.String())
}

// TestRunReloadsOnSIGHUP: a bad file is logged and the running config
// kept; a good one replaces it; SIGTERM-style cancellation stops berth
// cleanly with onShutdown: keep.
func TestRunReloadsOnSIGHUP(t *testing.T) {
	env := harness.StartTest(t, "cmd")
	t.Setenv("BERTH_JENKINS_TOKEN", env.Token)
	path := writeConfig(t, env, harness.Config{Templates: []harness.Template{{Name: "linux", Labels: []string{"linux"}}}})
	var logs syncbuf.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--config", path}, &logs, &logs) }()
	waitForLog(t, &logs, "berth is ready", 1)

	if err := os.WriteFile(path, []byte("jenkins: {url: http://x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, &logs, "config reload failed: keeping the running config", 1)

	good, err := env.ConfigYAML(harness.Config{Templates: []harness.Template{{Name: "linux", Labels: []string{"linux"}}, {Name: "java", Labels: []string{"java"}, SSH: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitForLog(t, &logs, `"config reloaded"`, 1)
	waitForLog(t, &logs, `"templates":2`, 1)

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("berth run exited %d", code)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("berth run did not stop")
	}
	waitForLog(t, &logs, "agents left in place for the next start to adopt", 1)
}
