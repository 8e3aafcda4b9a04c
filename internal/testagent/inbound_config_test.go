package testagent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseInbound(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("filesecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	baseEnv := map[string]string{"JENKINS_URL": "http://jenkins:8080", "JENKINS_AGENT_NAME": "envname", "JENKINS_WEB_SOCKET": "true"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    InboundConfig // URL, Name, Secret, WorkDir, NoReconnect compared
		wantErr string
	}{
		{name: "berth form: env plus secret file", args: []string{"-secret", "@" + secretFile}, env: baseEnv,
			want: InboundConfig{URL: "http://jenkins:8080/", Name: "envname", Secret: "filesecret"}},
		{name: "secret in env", env: merge(baseEnv, map[string]string{"JENKINS_SECRET": "envsecret", "JENKINS_AGENT_WORKDIR": "/home/jenkins/agent"}),
			want: InboundConfig{URL: "http://jenkins:8080/", Name: "envname", Secret: "envsecret", WorkDir: "/home/jenkins/agent"}},
		{name: "JENKINS_NAME alias", env: merge(baseEnv, map[string]string{"JENKINS_NAME": "alias", "JENKINS_SECRET": "s"}),
			want: InboundConfig{URL: "http://jenkins:8080/", Name: "alias", Secret: "s"}},
		{name: "positional form", args: []string{"-webSocket", "-url", "http://c/jenkins/", "abc", "node-1"},
			want: InboundConfig{URL: "http://c/jenkins/", Name: "node-1", Secret: "abc"}},
		{name: "options win over env", args: []string{"-url", "http://other/", "-name", "flagname", "-secret", "plain", "-workDir", "/w", "-noReconnect"},
			env:  merge(baseEnv, map[string]string{"JENKINS_SECRET": "envsecret"}),
			want: InboundConfig{URL: "http://other/", Name: "flagname", Secret: "plain", WorkDir: "/w", NoReconnect: true}},
		{name: "ignored remoting options", args: []string{"-webSocket", "-url", "http://c/", "-name", "n", "-secret", "s", "-jar-cache", "/tmp/j", "-failIfWorkDirIsMissing"},
			want: InboundConfig{URL: "http://c/", Name: "n", Secret: "s"}},
		{name: "no websocket", args: []string{"-url", "http://c/", "-name", "n", "-secret", "s"}, wantErr: "only WebSocket"},
		{name: "no url", args: []string{"-webSocket", "-name", "n", "-secret", "s"}, wantErr: "no controller URL"},
		{name: "bad url", args: []string{"-webSocket", "-url", "jenkins:8080", "-name", "n", "-secret", "s"}, wantErr: "is not an http(s) URL"},
		{name: "no name", args: []string{"-webSocket", "-url", "http://c/", "-secret", "s"}, wantErr: "no agent name"},
		{name: "no secret", args: []string{"-webSocket", "-url", "http://c/", "-name", "n"}, wantErr: `no secret for agent "n"`},
		{name: "secret twice", args: []string{"-webSocket", "-url", "http://c/", "-secret", "s", "s", "n"}, wantErr: "secret via both"},
		{name: "one positional", args: []string{"-webSocket", "-url", "http://c/", "s"}, wantErr: "two positional arguments"},
		{name: "missing value", args: []string{"-webSocket", "-url"}, wantErr: "option -url needs a value"},
		{name: "unknown option", args: []string{"-webSocket", "-frobnicate"}, wantErr: "unknown option -frobnicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInbound(tt.args, envMap(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || ExitCode(err) != ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error containing %q", err, ExitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseInbound: %v", err)
			}
			if got.URL != tt.want.URL || got.Name != tt.want.Name || got.Secret != tt.want.Secret ||
				got.WorkDir != tt.want.WorkDir || got.NoReconnect != tt.want.NoReconnect || !got.WebSocket {
				t.Errorf("got %+v,\nwant %+v", got, tt.want)
			}
			if got.Retries != DefaultRetries || got.Backoff != DefaultBackoff {
				t.Errorf("retry defaults not set: %+v", got)
			}
		})
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestSelectMode(t *testing.T) {
	tests := []struct {
		args     []string
		env      map[string]string
		wantMode string
		wantArgs int
	}{
		{args: []string{"ssh", "-listen", ":2222"}, wantMode: ModeSSH, wantArgs: 2},
		{args: []string{"inbound"}, env: map[string]string{ModeEnv: ModeSSH}, wantMode: ModeInbound, wantArgs: 0},
		{args: []string{"-secret", "@/f"}, env: map[string]string{ModeEnv: ModeAgentJar}, wantMode: ModeAgentJar, wantArgs: 2},
		{env: map[string]string{"JENKINS_AGENT_SSH_PUBKEY": "ssh-ed25519 AAAA"}, wantMode: ModeSSH},
		{args: []string{"ssh-ed25519 AAAA x"}, wantMode: ModeSSH, wantArgs: 1},
		{args: []string{"-secret", "@/f"}, env: map[string]string{"JENKINS_URL": "http://c/"}, wantMode: ModeInbound, wantArgs: 2},
	}
	for _, tt := range tests {
		mode, args := selectMode(tt.args, envMap(tt.env))
		if mode != tt.wantMode || len(args) != tt.wantArgs {
			t.Errorf("selectMode(%q, %v) = %q, %d args; want %q, %d", tt.args, tt.env, mode, len(args), tt.wantMode, tt.wantArgs)
		}
	}
}
