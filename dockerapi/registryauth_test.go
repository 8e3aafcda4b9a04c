package dockerapi

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

func decodeAuth(t *testing.T, s string) registry.AuthConfig {
	t.Helper()
	if s == "" {
		return registry.AuthConfig{}
	}
	ac, err := authconfig.Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	return *ac
}

func TestRegistryAuth(t *testing.T) {
	dir := t.TempDir()
	basic := base64.StdEncoding.EncodeToString([]byte("hub-user:hub-pass"))
	cfg := `{
	  "auths": {
	    "https://index.docker.io/v1/": {"auth": "` + basic + `"},
	    "registry.example:5000": {"username": "reg-user", "password": "reg-pass"},
	    "https://ghcr.io": {"identitytoken": "tok"}
	  }
	}`
	file := writeFile(t, dir, "config.json", []byte(cfg))
	for _, tc := range []struct {
		image, user, pass, token, server string
	}{
		{"jenkins/inbound-agent:latest", "hub-user", "hub-pass", "", "https://index.docker.io/v1/"},
		{"docker.io/library/debian", "hub-user", "hub-pass", "", "https://index.docker.io/v1/"},
		{"registry.example:5000/team/agent:1", "reg-user", "reg-pass", "", "registry.example:5000"},
		{"ghcr.io/org/agent@sha256:" + strings.Repeat("a", 64), "", "", "tok", "https://ghcr.io"},
		{"quay.io/other/agent", "", "", "", ""},
	} {
		enc, err := registryAuth(t.Context(), file, tc.image)
		if err != nil {
			t.Fatalf("%s: %v", tc.image, err)
		}
		got := decodeAuth(t, enc)
		if got.Username != tc.user || got.Password != tc.pass || got.IdentityToken != tc.token || got.ServerAddress != tc.server {
			t.Errorf("%s: auth = %+v", tc.image, got)
		}
	}
	if enc, err := registryAuth(t.Context(), "", "debian"); enc != "" || err != nil {
		t.Errorf("no file: %q, %v", enc, err)
	}
	bad := writeFile(t, dir, "bad.json", []byte(`{"auths":{"docker.io":{"auth":"!!"}}}`))
	if _, err := registryAuth(t.Context(), bad, "debian"); err == nil {
		t.Error("invalid base64 accepted")
	}
}

// TestRegistryAuthCredentialHelper runs a docker-credential-<name> helper
// found on PATH, as the docker CLI does. Not parallel: it sets PATH.
func TestRegistryAuthCredentialHelper(t *testing.T) {
	dir := t.TempDir()
	script := `#!/bin/sh
read server
case "$server" in
  registry.example) echo '{"ServerURL":"registry.example","Username":"helper-user","Secret":"helper-secret"}' ;;
  tokens.example) echo '{"ServerURL":"tokens.example","Username":"<token>","Secret":"refresh"}' ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-fake"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	file := writeFile(t, dir, "config.json", []byte(`{"credHelpers":{"registry.example":"fake"},"credsStore":"fake"}`))

	must := func(s string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	got := decodeAuth(t, must(registryAuth(t.Context(), file, "registry.example/agent:1")))
	if got.Username != "helper-user" || got.Password != "helper-secret" || got.ServerAddress != "registry.example" {
		t.Errorf("credHelpers: %+v", got)
	}
	got = decodeAuth(t, must(registryAuth(t.Context(), file, "tokens.example/agent:1")))
	if got.IdentityToken != "refresh" || got.Username != "" {
		t.Errorf("credsStore with a token: %+v", got)
	}
	if enc, err := registryAuth(t.Context(), file, "nothing.example/agent"); enc != "" || err != nil {
		t.Errorf("helper without credentials: %q, %v; want anonymous", enc, err)
	}
	missing := writeFile(t, dir, "missing.json", []byte(`{"credsStore":"absent-helper"}`))
	if _, err := registryAuth(t.Context(), missing, "debian"); err == nil || !strings.Contains(err.Error(), "docker-credential-absent-helper") {
		t.Errorf("missing helper: %v", err)
	}
}
