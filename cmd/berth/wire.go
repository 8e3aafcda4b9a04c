package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/berth-dev/berth/config"
	"github.com/berth-dev/berth/dockerapi"
	"github.com/berth-dev/berth/jenkins"
	"github.com/berth-dev/berth/provisioner"
)

// defaultConfig is where the systemd unit keeps the config.
const defaultConfig = "/etc/berth/config.yaml"

func lookupEnv(k string) string { return os.Getenv(k) }

// newJenkins makes the Jenkins client a config describes.
func newJenkins(cfg *config.Config, log *slog.Logger) (*jenkins.Client, error) {
	hc, err := jenkinsHTTPClient(cfg.Jenkins.TLS)
	if err != nil {
		return nil, err
	}
	return jenkins.New(jenkins.Options{
		URL:        cfg.Jenkins.URL,
		User:       cfg.Jenkins.User,
		Token:      cfg.Jenkins.Token.Reveal(),
		Password:   cfg.Jenkins.Password.Reveal(),
		Timeout:    cfg.Jenkins.Timeout,
		HTTPClient: hc,
		Logger:     log.With("component", "jenkins"),
	})
}

// jenkinsHTTPClient trusts the configured CA (besides the system's) and
// turns verification off only when the config says so explicitly.
func jenkinsHTTPClient(t config.JenkinsTLS) (*http.Client, error) {
	if t.CA == "" && !t.InsecureSkipVerify {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // only when the config says so, with a warning
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		if err != nil {
			return nil, fmt.Errorf("jenkins.tls.ca: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("jenkins.tls.ca: %s holds no PEM certificate", t.CA)
		}
		tc.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr}, nil
}

// dialHosts makes one Docker client per configured host.
func dialHosts(ctx context.Context, cfg *config.Config, log *slog.Logger) (map[string]*dockerapi.Host, error) {
	out := make(map[string]*dockerapi.Host, len(cfg.DockerHosts))
	for _, h := range cfg.DockerHosts {
		hc := dockerapi.HostConfig{
			Name:             h.Name,
			Host:             h.Host,
			SocketGID:        h.SocketGID,
			CallTimeout:      h.CallTimeout,
			RegistryAuthFile: h.RegistryAuthFile,
			SSH: dockerapi.SSHConfig{
				IdentityFile:          h.SSH.IdentityFile,
				KnownHostsFile:        h.SSH.KnownHostsFile,
				InsecureIgnoreHostKey: h.SSH.InsecureIgnoreHostKey,
			},
		}
		if h.TLS != nil {
			hc.TLS = &dockerapi.TLSConfig{CA: h.TLS.CA, Cert: h.TLS.Cert, Key: h.TLS.Key, InsecureSkipVerify: h.TLS.InsecureSkipVerify}
		}
		d, err := dockerapi.Dial(ctx, hc, log)
		if err != nil {
			closeHosts(out)
			return nil, err
		}
		out[h.Name] = d
	}
	return out, nil
}

func closeHosts(hosts map[string]*dockerapi.Host) {
	for _, h := range hosts {
		_ = h.Close()
	}
}

func asDockerHosts(in map[string]*dockerapi.Host) map[string]provisioner.DockerHost {
	out := make(map[string]provisioner.DockerHost, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}
