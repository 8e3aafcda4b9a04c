package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/harness"
	"github.com/berth-dev/berth/internal/syncbuf"
)

// TestRunNotifiesSystemd: under Type=notify, berth says READY=1 after its
// first successful cycle, pings the watchdog every cycle, and says
// STOPPING=1 when it stops.
func TestRunNotifiesSystemd(t *testing.T) {
	env := harness.StartTest(t, "cmd")
	t.Setenv("BERTH_JENKINS_TOKEN", env.Token)
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	t.Setenv("NOTIFY_SOCKET", sock)

	path := writeConfig(t, env, harness.Config{Templates: []harness.Template{{Name: "linux", Labels: []string{"linux"}}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncbuf.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--config", path}, &logs, &logs) }()

	read := func() string {
		t.Helper()
		buf := make([]byte, 256)
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	var got []string
	for len(got) < 4 {
		got = append(got, read())
	}
	if got[0] != "READY=1" {
		t.Errorf("first notification %q, want READY=1 (all: %q)", got[0], got)
	}
	if strings.Count(strings.Join(got[1:], " "), "WATCHDOG=1") < 2 {
		t.Errorf("no watchdog pings after READY: %q", got)
	}
	cancel()
	for {
		if m := read(); m == "STOPPING=1" {
			break
		}
	}
	if code := <-done; code != 0 {
		t.Errorf("berth run exited %d", code)
	}
}
