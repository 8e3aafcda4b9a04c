package dockerapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

// registryConfig is the part of a docker config.json berth reads.
type registryConfig struct {
	Auths       map[string]registryEntry `json:"auths"`
	CredsStore  string                   `json:"credsStore"`
	CredHelpers map[string]string        `json:"credHelpers"`
}

type registryEntry struct {
	Auth          string `json:"auth"` // base64("user:password")
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
}

// dockerHubKey is the key docker login writes for Docker Hub.
const dockerHubKey = "https://index.docker.io/v1/"

func loadRegistryConfig(file string) (registryConfig, error) {
	var cfg registryConfig
	b, err := os.ReadFile(file)
	if err != nil {
		return cfg, fmt.Errorf("read registry auth file: %w", err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		// The JSON error quotes no content beyond a byte offset.
		return cfg, fmt.Errorf("parse registry auth file %s: %w", file, err)
	}
	return cfg, nil
}

// registryKey normalizes a config.json key ("https://host/v1/", "host") to
// the registry host name.
func registryKey(k string) string {
	k = strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://")
	k, _, _ = strings.Cut(k, "/")
	switch k {
	case "index.docker.io", "registry-1.docker.io", "docker.io":
		return "docker.io"
	}
	return k
}

// registryAuth returns the encoded X-Registry-Auth value for image from
// file, or "" when the file has no credentials for its registry.
// Credential helpers (credsStore, credHelpers) are run as
// docker-credential-<name> get, as the docker CLI does.
func registryAuth(ctx context.Context, file, image string) (string, error) {
	if file == "" {
		return "", nil
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("parse image reference %q: %w", image, err)
	}
	domain := reference.Domain(named)
	cfg, err := loadRegistryConfig(file)
	if err != nil {
		return "", err
	}
	server := domain
	if domain == "docker.io" {
		server = dockerHubKey
	}
	helper := cfg.CredsStore
	for k, h := range cfg.CredHelpers {
		if registryKey(k) == domain {
			helper = h
		}
	}
	var ac registry.AuthConfig
	found := false
	for k, e := range cfg.Auths {
		if registryKey(k) != domain {
			continue
		}
		ac, err = entryAuth(e)
		if err != nil {
			return "", fmt.Errorf("registry auth file %s, entry %q: %w", file, k, err)
		}
		found = ac.Username != "" || ac.IdentityToken != ""
		server = k
		break
	}
	if !found && helper != "" {
		ac, err = credentialHelper(ctx, helper, server)
		if err != nil {
			return "", err
		}
		found = ac.Username != "" || ac.IdentityToken != ""
	}
	if !found {
		return "", nil
	}
	ac.ServerAddress = server
	return authconfig.Encode(ac)
}

func entryAuth(e registryEntry) (registry.AuthConfig, error) {
	ac := registry.AuthConfig{Username: e.Username, Password: e.Password, IdentityToken: e.IdentityToken}
	if e.Auth != "" {
		raw, err := base64.StdEncoding.DecodeString(e.Auth)
		if err != nil {
			return ac, errors.New(`"auth" is not valid base64`)
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok {
			return ac, errors.New(`"auth" does not decode to user:password`)
		}
		ac.Username, ac.Password = user, pass
	}
	return ac, nil
}

// credentialHelper asks docker-credential-<name> for the server's
// credentials (the docker-credential-helpers protocol).
func credentialHelper(ctx context.Context, name, server string) (registry.AuthConfig, error) {
	prog := "docker-credential-" + name
	cmd := exec.CommandContext(ctx, prog, "get")
	cmd.Stdin = strings.NewReader(server)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stdout.String() + " " + stderr.String())
		if strings.Contains(msg, "credentials not found") {
			return registry.AuthConfig{}, nil
		}
		// The helper's output on failure is an error message, not a secret.
		return registry.AuthConfig{}, fmt.Errorf("credential helper %s get %s: %w: %s", prog, server, err, msg)
	}
	var out struct{ ServerURL, Username, Secret string }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return registry.AuthConfig{}, fmt.Errorf("credential helper %s: unreadable answer: %w", prog, err)
	}
	if out.Username == "<token>" {
		return registry.AuthConfig{IdentityToken: out.Secret}, nil
	}
	return registry.AuthConfig{Username: out.Username, Password: out.Secret}, nil
}
