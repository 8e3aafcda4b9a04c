package config

import (
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse: for any bytes, Parse returns a config or an error, never
// panics, never both; every error line names the file; a config it returns
// satisfies the invariants the rest of berth relies on; the token given in
// the environment never shows in a message; parsing is deterministic; and
// Redacted renders a config that parses back to the same config.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(baseT))
	f.Add([]byte(baseH))
	for _, c := range parseErrorCases() {
		f.Add([]byte(c.yaml))
	}
	const secret = "fuzz-s3cret-t0ken"
	env := envOf(map[string]string{EnvToken: secret})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, env)
		if (c == nil) == (err == nil) {
			t.Fatalf("Parse returned config %v and error %v", c != nil, err)
		}
		if err != nil {
			msg := err.Error()
			for _, l := range strings.Split(msg, "\n") {
				if !strings.HasPrefix(l, "fuzz.yaml") {
					t.Fatalf("error line %q does not name the file", l)
				}
			}
			if strings.Contains(msg, secret) {
				t.Fatalf("error shows the token: %s", msg)
			}
			return
		}
		checkInvariants(t, c)
		for _, w := range c.Warnings() {
			if strings.Contains(w, secret) {
				t.Fatalf("warning shows the token: %s", w)
			}
		}
		c2, err2 := Parse("fuzz.yaml", data, env)
		if err2 != nil || !reflect.DeepEqual(c, c2) {
			t.Fatalf("second parse differs: %v", err2)
		}
		out := c.Redacted()
		if strings.Contains(out, secret) {
			t.Fatalf("Redacted shows the token:\n%s", out)
		}
		c3, err3 := Parse("fuzz.yaml", []byte(out), env)
		if err3 != nil {
			t.Fatalf("Redacted output does not parse: %v\n%s", err3, out)
		}
		if !sameConfig(c, c3) {
			t.Fatalf("Redacted round trip differs:\n%+v\n%+v\n%s", c, c3, out)
		}
	})
}

// checkInvariants are promises of a *Config from Parse.
func checkInvariants(t *testing.T, c *Config) {
	t.Helper()
	if c.Jenkins.URL == "" || c.Jenkins.AgentURL == "" || c.Jenkins.User == "" {
		t.Fatalf("jenkins incomplete: %+v", c.Jenkins)
	}
	if c.Jenkins.Token == "" && c.Jenkins.Password == "" {
		t.Fatal("no credential")
	}
	if len(c.DockerHosts) == 0 || len(c.Templates) == 0 {
		t.Fatal("no hosts or no templates")
	}
	if c.Concurrency < 1 || c.MaxContainers < NoLimit || c.Jenkins.PollInterval <= 0 || c.Jenkins.Timeout <= 0 ||
		c.OrphanGrace <= 0 || c.DrainTimeout <= 0 {
		t.Fatalf("bad top-level values: %+v", c)
	}
	hosts := map[string]bool{}
	for _, h := range c.DockerHosts {
		if h.Name == "" || hosts[h.Name] || h.Host == "" || h.Address == "" || h.PublishIP == "" ||
			h.CallTimeout <= 0 || h.MaxContainers < NoLimit {
			t.Fatalf("bad host: %+v", h)
		}
		hosts[h.Name] = true
	}
	names := map[string]bool{}
	for _, tp := range c.Templates {
		if tp.Name == "" || names[tp.Name] || tp.Image == "" || tp.Executors < 1 || tp.InstanceCap < NoLimit ||
			tp.LaunchTimeout <= 0 || tp.IdleTimeout < 0 || tp.StopTimeout < 0 || tp.Memory < 0 || tp.CPUs < 0 {
			t.Fatalf("bad template: %+v", tp)
		}
		names[tp.Name] = true
		for _, h := range tp.Hosts {
			if !hosts[h] {
				t.Fatalf("template %s names unknown host %q", tp.Name, h)
			}
		}
		switch tp.Launcher {
		case LauncherInbound:
			if !slices.Contains([]SecretMode{SecretFile, SecretEnv, SecretStdin}, tp.Inbound.Secret) || !strings.HasPrefix(tp.Inbound.SecretPath, "/") {
				t.Fatalf("bad inbound: %+v", tp.Inbound)
			}
		case LauncherSSH:
			if tp.SSH.CredentialsID == "" || tp.SSH.PublicKey == "" || tp.SSH.Port < 1 || tp.SSH.Port > 65535 {
				t.Fatalf("bad ssh: %+v", tp.SSH)
			}
		default:
			t.Fatalf("bad launcher %q", tp.Launcher)
		}
		for _, kv := range append(append([]string(nil), tp.Env...), tp.ContainerLabels...) {
			if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
				t.Fatalf("bad KEY=value %q", kv)
			}
		}
		for _, w := range tp.Warm {
			if w.Spec == "" || w.Schedule == nil || w.Duration <= 0 || w.Idle < 1 ||
				(tp.InstanceCap != NoLimit && w.Idle > tp.InstanceCap) || w.Schedule.Next(scheduleCheckFrom).IsZero() {
				t.Fatalf("bad warm window %+v", w)
			}
		}
		for _, m := range tp.Mounts {
			if !strings.HasPrefix(m.Target, "/") {
				t.Fatalf("bad mount %+v", m)
			}
		}
	}
}

// TestAliasBomb: a document whose aliases expand exponentially is refused
// (by yaml.v3 inside viper, or by the walker's node budget) instead of
// eating memory.
func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString(baseT)
	b.WriteString("    env: &a0 [A=1, A=1, A=1, A=1, A=1, A=1, A=1, A=1, A=1, A=1]\n")
	b.WriteString("x:\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("  - &a" + strconv.Itoa(i) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + strconv.Itoa(i-1))
		}
		b.WriteString("]\n")
	}
	_, err := Parse("test.yaml", []byte(b.String()), tokenEnv)
	if err == nil || !strings.Contains(err.Error(), "test.yaml") {
		t.Fatalf("alias bomb: %v", err)
	}
	t.Log(err)
}
